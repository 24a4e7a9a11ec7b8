"""Rebuilding the roll-ups of one metric: the Python rebuild against the columnar one (DuckDB),
side by side on the same database.

    python benchmarks/rollups.py                      # SQLite in var/bench/rollups/
    DATABASE_URL=postgres://... python benchmarks/rollups.py
    python benchmarks/rollups.py --write              # ... and write benchmarks/results/
    python benchmarks/rollups.py --repeats 0          # only build the database

The database is built once and kept (in var/bench/rollups/ for SQLite): 10,000 schools in 200
districts under one state, a monthly rate over 24 months and 7 subgroups, each school's and
district's own figure (as a record-level import writes them), about 1.7 million figures, with
small groups suppressed, a few provisional figures and some schools closing mid-series. Each
rebuild replaces the metric's roll-ups; they run alternately, `--repeats` times each, and the
medians are reported (wall-clock, and the CPU time of this process and its threads). The two
must leave the same roll-ups (their counts and the sums of every column, to 1e-9) or the run
stops.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "rollups.md"
SEED = 20261206
SCHOOLS, DISTRICTS, MONTHS = 10_000, 200, 24
SUBGROUPS = ("all", "white", "asian", "black", "mixed", "other", "unclassified")
SHARES = (1.0, 0.62, 0.12, 0.07, 0.07, 0.04, 0.08)
SMALLEST = 10  # fewer pupils than this and a figure is suppressed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--write", action="store_true", help="write benchmarks/results/")
    args = parser.parse_args()
    os.environ.setdefault("DELIVEROLOGY_DATA_DIR", str(ROOT / "var" / "bench" / "rollups"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "deliverology.web.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    metric = _database()
    if args.repeats == 0:
        return  # the database built, nothing timed
    from deliverology.web.performance.actions import (
        refresh_rollups_in_columns,
        refresh_rollups_in_python,
    )

    timings: dict[str, list[tuple[float, float]]] = {"python": [], "columns": []}
    sums: dict[str, dict[str, Any]] = {}
    for _ in range(args.repeats):
        for name, rebuild in (
            ("python", refresh_rollups_in_python),
            ("columns", refresh_rollups_in_columns),
        ):
            timings[name].append(_timed(lambda rebuild=rebuild: rebuild([metric])))
            sums[name] = _sums(metric)
    _check_same(sums["python"], sums["columns"])
    report = _report(args, connection.vendor, metric, timings, sums["columns"])
    print(report)
    if args.write:
        RESULTS.write_text(report, encoding="utf-8")


def _timed(step: Callable[[], Any]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    step()
    return time.perf_counter() - wall, time.process_time() - cpu


def _database() -> Any:
    """The benchmark's metric, its units and figures made the first time."""
    from deliverology.web.performance.models import Metric

    found = Metric.objects.filter(code="bench-reading").first()
    if found is not None:
        return found
    print("building the database (once)...", file=sys.stderr)
    return _build()


def _build() -> Any:
    from django.db import transaction

    from deliverology.web.performance.models import Metric, Observation, Subgroup

    with transaction.atomic():
        metric = Metric.objects.create(
            code="bench-reading", name="Reading (benchmark)", frequency="month"
        )
        subgroups = [
            Subgroup.objects.get_or_create(code=code, defaults={"name": code, "order": n})[0]
            for n, code in enumerate(SUBGROUPS)
        ]
        schools, districts = _units()
        rows = _figures(metric, schools, districts, [s.pk for s in subgroups])
        Observation.objects.load_figures(rows, source="benchmark", import_run_id=None)
    return metric


def _units() -> tuple[list[tuple[int, int, date | None]], list[int]]:
    """The state, its districts and schools (one in fifty closing mid-series): each school
    as (id, district id, valid to)."""
    from deliverology.web.performance.models import LocalUnit

    rng = random.Random(SEED)
    state = LocalUnit.objects.create(code="BST", name="State", type="state")
    districts = LocalUnit.objects.bulk_create(
        LocalUnit(
            code=f"BD{d}", name=f"D{d}", type="district", parent=state, path=f"/BST/BD{d}/", depth=1
        )
        for d in range(DISTRICTS)
    )
    units = []
    for s in range(SCHOOLS):
        district = districts[s % DISTRICTS]
        closes = date(2023 + rng.randint(0, 1), rng.randint(1, 12), 15) if s % 50 == 0 else None
        units.append(
            LocalUnit(
                code=f"BS{s}",
                name=f"S{s}",
                type="school",
                parent=district,
                path=f"{district.path}BS{s}/",
                depth=2,
                valid_to=closes,
            )
        )
    made = LocalUnit.objects.bulk_create(units, batch_size=1000)
    return [(u.pk, u.parent_id, u.valid_to) for u in made], [d.pk for d in districts]


def _figures(
    metric: Any, schools: list[tuple[int, int, date | None]], districts: list[int], subgroups: list
) -> Iterator[tuple[Any, ...]]:
    """Each school's figures (until it closes), then each district's own, their sums."""
    rng = random.Random(SEED)
    periods = [metric.parse_period(f"{2023 + m // 12}-{m % 12 + 1:02d}") for m in range(MONTHS)]
    by_district: dict[tuple[int, int, int], list[float]] = {}
    for school, district, closes in schools:
        size = rng.randint(20, 300)
        for subgroup, share in zip(subgroups, SHARES, strict=True):
            pupils = max(0, round(size * share * rng.uniform(0.7, 1.3)))
            for m, period in enumerate(periods):
                if closes is not None and period.end > closes:
                    break
                proficient = round(pupils * rng.uniform(0.4, 0.8))
                sums = by_district.setdefault((district, subgroup, m), [0.0, 0.0])
                if pupils < SMALLEST:
                    yield _row(metric, school, subgroup, period, None, None, "suppressed")
                    continue
                sums[0] += proficient
                sums[1] += pupils
                yield _row(metric, school, subgroup, period, proficient, pupils, "")
    for (district, subgroup, m), (numerator, denominator) in by_district.items():
        if denominator:
            yield _row(metric, district, subgroup, periods[m], numerator, denominator, "")


def _row(
    metric: Any, unit: int, subgroup: int, period: Any, numerator: Any, denominator: Any, why: str
) -> tuple[Any, ...]:
    value = metric.measure_value(numerator, denominator)
    provisional = period.label >= "2024-12"
    return (
        metric.pk,
        unit,
        subgroup,
        period.label,
        period.start,
        numerator,
        denominator,
        value,
        provisional,
        why,
    )


_SUMMED = (
    "numerator",
    "denominator",
    "value",
    "reporting_children",
    "expected_children",
    "suppressed_children",
    "uncounted_children",
    "covered_share",
    "coverage",
)


def _sums(metric: Any) -> dict[str, Any]:
    from django.db.models import Count, Sum

    from deliverology.web.performance.models import Rollup

    found = Rollup.objects.filter(metric=metric).aggregate(
        rows=Count("pk"), **{name: Sum(name) for name in _SUMMED}
    )
    return dict(found)


def _check_same(python: dict[str, Any], columns: dict[str, Any]) -> None:
    for name, want in python.items():
        got = columns[name]
        same = got == want or math.isclose(float(got), float(want), rel_tol=1e-9)
        if not same:
            raise SystemExit(f"the rebuilds differ in {name}: {want} against {got}")


def _report(
    args: argparse.Namespace,
    vendor: str,
    metric: Any,
    timings: dict[str, list[tuple[float, float]]],
    sums: dict[str, Any],
) -> str:
    from deliverology.web.performance.models import LocalUnit, Observation

    def median(name: str, index: int) -> float:
        return statistics.median(each[index] for each in timings[name])

    python_wall, columns_wall = median("python", 0), median("columns", 0)
    uptime = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout
    return "\n".join(
        [
            "# Roll-ups of one metric: the Python rebuild against the columnar one (DuckDB)",
            "",
            f"Command: `python benchmarks/rollups.py {' '.join(sys.argv[1:])}` on {vendor}",
            f"Machine: {platform.platform()}, {os.cpu_count()} cores (shared), "
            f"Python {platform.python_version()}",
            f"Run: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; uptime: {uptime.strip()}",
            "",
            f"{LocalUnit.objects.count():,} local units, "
            f"{Observation.objects.filter(metric=metric).count():,} figures of the metric, "
            f"{sums['rows']:,} roll-ups written by each (the same counts and sums of every "
            f"column to 1e-9). Median of {args.repeats} runs each, alternating.",
            "",
            "| rebuild | wall s | CPU s (this process) |",
            "|---|---:|---:|",
            f"| Python (`refresh_rollups_in_python`) | {python_wall:.2f} | "
            f"{median('python', 1):.2f} |",
            f"| columns (`refresh_rollups_in_columns`) | {columns_wall:.2f} | "
            f"{median('columns', 1):.2f} |",
            "",
            f"Wall-clock ratio: {python_wall / columns_wall:.1f}x.",
            "",
        ]
    )


if __name__ == "__main__":
    main()
