"""Peak memory of checking an upload, as the worker does it (`run_import(commit=False)`).

Two files, each checked in a fresh process against a fresh SQLite database:

- a 50 MB CSV of observations (long layout, every row good: the worst case, since the checked
  figures are kept for the preview);
- a 1 MB gzipped DHIS2 JSON export that unpacks to 1 GB (one data value padded with blanks:
  a "zip bomb" that is still a valid export);
- the issue's 10 KB gzipped DHIS2 export that unpacks to 10 MB (one data value repeated).

    python benchmarks/upload_memory.py                 # all three
    python benchmarks/upload_memory.py --csv-mb 5      # a quick run
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCHOOLS_PER_DISTRICT = 50
PERIODS = [f"{year}-{(year + 1) % 100:02d}" for year in range(1990, 2030)]
SUBGROUPS = ("all", "fsm", "sen", "eal")
VALUE = {
    "dataElement": "fbfJHSPpUQD",
    "period": "2024",
    "orgUnit": "S0",
    "categoryOptionCombo": "default",
    "value": "12",
}


def write_csv(path: Path, megabytes: float) -> int:
    """Good rows until the file reaches `megabytes`; returns the schools it names."""
    target = int(megabytes * 1_000_000)
    rows_per_school = len(PERIODS) * len(SUBGROUPS)
    written, school = 0, 0
    with path.open("w", encoding="utf-8", newline="") as stream:
        written += stream.write("school,year,subgroup,passed,tested\n")
        while written < target:
            lines = []
            for period in PERIODS:
                for number, subgroup in enumerate(SUBGROUPS):
                    tested = 40 + (school * 7 + number) % 60
                    passed = tested * (30 + school % 60) // 100
                    lines.append(f"S{school},{period},{subgroup},{passed},{tested}\n")
            written += stream.write("".join(lines))
            school += 1
    assert rows_per_school  # noqa: S101  (a sanity guard)
    return school


def write_bomb(path: Path, unpacked_mb: float) -> None:
    """One data value, then blanks until the JSON is `unpacked_mb` long, gzipped."""
    head = json.dumps({"dataValues": [VALUE]})[:-2].encode()
    block = b" " * (1 << 20)
    with gzip.open(path, "wb", compresslevel=9) as stream:
        stream.write(head)
        for _ in range(int(unpacked_mb * 1_000_000) >> 20):
            stream.write(block)
        stream.write(b"]}")


def write_repeats(path: Path, unpacked_mb: float) -> None:
    """The same data value again and again, gzipped."""
    item = json.dumps(VALUE).encode() + b","
    count = int(unpacked_mb * 1_000_000) // len(item)
    with gzip.open(path, "wb", compresslevel=9) as stream:
        stream.write(b'{"dataValues": [')
        stream.write(item * (count - 1))
        stream.write(item[:-1] + b"]}")


def _django(folder: Path) -> None:
    os.environ["DELIVEROLOGY_DATA_DIR"] = str(folder)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "deliverology.web.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)


def _system(schools: int) -> None:
    from deliverology.web.performance.models import LocalUnit, Metric, Subgroup

    state = LocalUnit.objects.create(code="ST", name="State", type="state")
    districts = [
        LocalUnit(code=f"D{n}", name=f"D{n}", type="district", parent=state, path=f"/ST/D{n}/")
        for n in range(schools // SCHOOLS_PER_DISTRICT + 1)
    ]
    LocalUnit.objects.bulk_create(districts, batch_size=2000)
    by_code = dict(LocalUnit.objects.values_list("code", "pk"))
    LocalUnit.objects.bulk_create(
        [
            LocalUnit(
                code=f"S{n}",
                name=f"S{n}",
                type="school",
                parent_id=by_code[f"D{n // SCHOOLS_PER_DISTRICT}"],
                path=f"/ST/D{n // SCHOOLS_PER_DISTRICT}/S{n}/",
                depth=2,
            )
            for n in range(schools)
        ],
        batch_size=2000,
    )
    for order, code in enumerate(SUBGROUPS):
        Subgroup.objects.create(code=code, name=code, order=order)
    Metric.objects.create(code="reading", name="Reading")
    Metric.objects.create(code="enrolment", name="Enrolment", aggregation="count", scale=1)
    Metric.objects.create(
        code="visits", name="Visits", aggregation="count", frequency="calendar_year"
    )


MAPPINGS = {
    "csv": {
        "layout": "long",
        "local_unit": ["school"],
        "period": "year",
        "subgroup": ["subgroup"],
        "metric_code": "reading",
        "numerator": "passed",
        "denominator": "tested",
    },
    "dhis2": {
        "layout": "dhis2",
        "dhis2": {
            "data_elements": [
                {"data_element": VALUE["dataElement"], "metric": "visits", "role": "value"}
            ],
        },
    },
}


def check(kind: str, path: Path, schools: int) -> None:
    """In this process: a fresh database, then the file checked as the worker checks it."""
    with tempfile.TemporaryDirectory() as folder:
        _django(Path(folder))
        _system(schools)
        from deliverology.engine.mapping import ColumnMapping
        from deliverology.web.performance.imports import run_import, start_import
        from deliverology.web.performance.models import ImportRun

        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        mapping = ColumnMapping.from_dict(MAPPINGS[kind])
        run = start_import(ImportRun.Kind.OBSERVATIONS, path, mapping=mapping)
        started = time.perf_counter()
        run = run_import(run, commit=False)
        seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(  # noqa: T201
            json.dumps(
                {
                    "outcome": run.outcome,
                    "rows_read": run.rows_read,
                    "figures": getattr(run, "figures_read", None),
                    "new": run.rows_new,
                    "problems": run.problem_count,
                    "first_problem": (run.problems or [""])[0][:120],
                    "seconds": round(seconds, 1),
                    "before_mib": round(before / 1024),
                    "peak_mib": round(peak / 1024),
                }
            )
        )


def measure(kind: str, path: Path, schools: int) -> dict[str, object]:
    command = [sys.executable, __file__, "--child", kind, str(path), str(schools)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode:
        return {"error": done.stderr.strip().splitlines()[-1:]}
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--csv-mb", type=float, default=50, help="size of the CSV (50)")
    parser.add_argument("--bomb-mb", type=float, default=1000, help="the gzip's unpacked size")
    parser.add_argument("--repeats-mb", type=float, default=10, help="repeated values' size")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, path, schools = args.child
        check(kind, Path(path), int(schools))
        return
    with tempfile.TemporaryDirectory() as folder:
        files = Path(folder)
        csv_path, bomb, repeats = (
            files / "scores.csv",
            files / "bomb.json.gz",
            files / "repeats.json.gz",
        )
        schools = write_csv(csv_path, args.csv_mb)
        write_bomb(bomb, args.bomb_mb)
        write_repeats(repeats, args.repeats_mb)
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores")  # noqa: T201
        for kind, path in (("csv", csv_path), ("dhis2", bomb), ("dhis2", repeats)):
            result = measure(kind, path, schools)
            size = path.stat().st_size / 1_000_000
            print(f"{path.name} ({size:,.2f} MB): {json.dumps(result)}")  # noqa: T201


if __name__ == "__main__":
    main()
