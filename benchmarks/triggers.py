"""Evaluating every trigger for every priority, metric, local unit and subgroup of the demo.

Run it on a demo database built beforehand (the build takes minutes at 40,000 schools):

    DELIVEROLOGY_DATA_DIR=/tmp/demo40 deliverology demo --no-serve --schools 40000
    DELIVEROLOGY_DATA_DIR=/tmp/demo40 python benchmarks/triggers.py --write

Two timings, each the median of `--repeats` runs after one warm-up:
- "evaluate": reading the figures, targets and sub-targets and judging every series (the
  statuses of every local unit and subgroup, their runs, falling leading measures, stale feeds),
  with every open problem's place followed for de-escalation;
- "evaluate_triggers, unchanged figures": the whole step run after a data refresh, on figures
  already evaluated: it must write nothing, and the run checks that it does not.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "triggers.md"
LIMIT_SECONDS = 5.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--today", type=date.fromisoformat, default=date(2026, 12, 5))
    parser.add_argument("--write", action="store_true", help="write benchmarks/results/")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "deliverology.web.settings")
    import django

    django.setup()
    from deliverology.web.performance.models import LocalUnit, Observation
    from deliverology.web.problems.actions import evaluate_triggers
    from deliverology.web.problems.evaluation import evaluate
    from deliverology.web.problems.models import OPEN_STATUSES, Problem

    schools = LocalUnit.objects.filter(type="school").count()
    observations = Observation.objects.count()
    evaluate_triggers(args.today)  # the problems in place, as after any refresh
    open_keys = [
        p.key() for p in Problem.objects.filter(status__in=[s.value for s in OPEN_STATUSES])
    ]
    findings = len(evaluate(args.today, open_keys))
    evaluate_seconds = _median(lambda: evaluate(args.today, open_keys), args.repeats)

    def again() -> None:
        result = evaluate_triggers(args.today)
        assert (result.suggested, result.changed) == (0, 0), result

    whole_seconds = _median(again, args.repeats)
    lines = [
        "# Triggers: every priority, metric, local unit and subgroup",
        "",
        f"Command: `python benchmarks/triggers.py {' '.join(sys.argv[1:])}` on a demo built with "
        f"`deliverology demo --no-serve --schools {schools}`",
        f"Machine: {platform.platform()}, {os.cpu_count()} cores (shared), "
        f"Python {platform.python_version()}",
        f"Run: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; uptime: {_uptime()}",
        "",
        f"{schools:,} schools, {LocalUnit.objects.count():,} local units, "
        f"{observations:,} observations; {findings:,} places where a trigger fires for a unit "
        f"problems are suggested for, or with an open problem; {len(open_keys):,} open problems.",
        "",
        f"| step | median s (of {args.repeats}) | limit s |",
        "|---|---:|---:|",
        f"| evaluate (every trigger, every series) | {evaluate_seconds:.2f} | {LIMIT_SECONDS:g} |",
        f"| evaluate_triggers, unchanged figures (writes nothing) | {whole_seconds:.2f} | "
        f"{LIMIT_SECONDS:g} |",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if args.write:
        RESULTS.write_text(text, encoding="utf-8")


def _median(step: object, repeats: int) -> float:
    assert callable(step)
    step()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


if __name__ == "__main__":
    main()
