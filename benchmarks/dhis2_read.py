"""Reading and checking a national DHIS2 export: time and peak memory, JSON and CSV.

A data value set like a ministry's monthly education return: schools x months x category option
combos, a numerator and a denominator data element each. Each format is read in a fresh process:
    python benchmarks/dhis2_read.py                   # 2,000 schools x 12 months x 3 combos
    python benchmarks/dhis2_read.py --schools 200     # a quick run
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMBOS = {"HllvX50cXC0": "all", "Prlt0C1RF0s": "fsm", "bRowv6yZOF2": "sen"}
PASSED, SAT = "fbfJHSPpUQD", "cYeuwXTCPkU"


def org_unit(number: int) -> str:
    return f"OU{number:09d}"


def mapping(schools: int) -> dict[str, object]:
    return {
        "layout": "dhis2",
        "dhis2": {
            "data_elements": [
                {"data_element": PASSED, "metric": "reading", "role": "numerator"},
                {"data_element": SAT, "metric": "reading", "role": "denominator"},
            ],
            "org_units": {org_unit(n): f"S{n}" for n in range(schools)},
            "category_option_combos": COMBOS,
        },
    }


def data_values(schools: int, months: int) -> list[dict[str, str]]:
    values = []
    for school in range(schools):
        for month in range(1, months + 1):
            for number, combo in enumerate(COMBOS):
                sat = 40 + (school * 7 + month + number) % 60
                passed = sat * (30 + (school + month) % 60) // 100
                for element, value in ((PASSED, passed), (SAT, sat)):
                    values.append(
                        {
                            "dataElement": element,
                            "period": f"2024{month:02d}",
                            "orgUnit": org_unit(school),
                            "categoryOptionCombo": combo,
                            "attributeOptionCombo": "HllvX50cXC0",
                            "value": str(value),
                            "storedBy": "bench",
                            "lastUpdated": "2024-04-02T10:11:12.000+0000",
                        }
                    )
    return values


def write_files(folder: Path, schools: int, months: int) -> tuple[Path, Path, Path]:
    values = data_values(schools, months)
    as_json = folder / "dataValueSets.json"
    as_json.write_text(json.dumps({"dataSet": "pBOMPrpg1QX", "dataValues": values}))
    as_csv = folder / "dataValueSets.csv"
    with as_csv.open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["dataelement", "period", "orgunit", "catoptcombo", "attroptcombo",
                         "value", "storedby", "lastupdated", "comment", "followup"])  # fmt: skip
        for v in values:
            writer.writerow([v["dataElement"], v["period"], v["orgUnit"],
                             v["categoryOptionCombo"], v["attributeOptionCombo"], v["value"],
                             v["storedBy"], v["lastUpdated"], "", "false"])  # fmt: skip
    mapping_file = folder / "mapping.json"
    mapping_file.write_text(json.dumps(mapping(schools)))
    return as_json, as_csv, mapping_file


def read_once(path: str, mapping_path: str, schools: int) -> None:
    """Run in a fresh process: read and check the file, print seconds, peak MiB, counts."""
    from deliverology.core.aggregation import Aggregation
    from deliverology.core.periods import PeriodKind
    from deliverology.engine.mapping import ColumnMapping
    from deliverology.engine.observations import MetricSpec, read_observations

    column_mapping = ColumnMapping.from_dict(json.loads(Path(mapping_path).read_text()))
    metrics = {"reading": MetricSpec("reading", Aggregation.RATE, PeriodKind.MONTH)}
    started = time.perf_counter()
    result = read_observations(
        path,
        column_mapping,
        known_units={f"S{n}" for n in range(schools)},
        known_metrics=metrics,
        known_subgroups=set(COMBOS.values()),
    )
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps([seconds, peak, result.stats.file_rows, len(result.rows), len(result.problems)])
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=2000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--once", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.once:
        read_once(*args.once, args.schools)
        return
    with tempfile.TemporaryDirectory() as folder:
        as_json, as_csv, mapping_file = write_files(Path(folder), args.schools, args.months)
        print(
            f"{args.schools:,} schools x {args.months} months x {len(COMBOS)} combos x 2 elements"
        )
        for path in (as_json, as_csv):
            runs = [_fresh_run(path, mapping_file, args.schools) for _ in range(args.repeats)]
            seconds = statistics.median(run[0] for run in runs)
            peak = statistics.median(run[1] for run in runs)
            _, _, values, rows, problems = runs[0]
            size = path.stat().st_size / 2**20
            print(
                f"{path.suffix[1:]:4} {size:7.1f} MiB  {values:,} values -> {rows:,} observations, "
                f"{problems} problems: {seconds:.2f} s median of {args.repeats}, "
                f"peak {peak:,.0f} MiB"
            )


def _fresh_run(path: Path, mapping_file: Path, schools: int) -> list[float]:
    command = [sys.executable, __file__, "--schools", str(schools), "--once", str(path),
               str(mapping_file)]  # fmt: skip
    output = subprocess.run(command, capture_output=True, text=True, check=True)  # noqa: S603
    return list(json.loads(output.stdout.strip().splitlines()[-1]))


if __name__ == "__main__":
    main()
