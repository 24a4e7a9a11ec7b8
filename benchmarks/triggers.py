"""Evaluating every trigger for every priority, metric, local unit and subgroup of the demo.

Run it on a demo database built beforehand (the build takes minutes at 40,000 schools):

    DELIVEROLOGY_DATA_DIR=/tmp/demo40 deliverology demo --no-serve --schools 40000
    DELIVEROLOGY_DATA_DIR=/tmp/demo40 python benchmarks/triggers.py --write

`--baseline /path/to/other/src` runs the same steps in a second process on another checkout's
code (say the main branch's, `--baseline ../main/src`), right after this one, on the same
database, and writes both side by side: on a shared machine, comparing runs made minutes apart
says more about its load than about the code.

Two timings, each the median of `--repeats` runs after one warm-up, wall-clock and CPU time (the
CPU time of this process, less disturbed by other work on a shared machine):
- "evaluate": reading the figures, targets and sub-targets and judging every series (the
  statuses of every local unit and subgroup, their runs, falling leading measures, stale feeds),
  with every open problem's place followed for de-escalation;
- "evaluate_triggers, unchanged figures": the whole step run after a data refresh, on figures
  already evaluated: it must write nothing, and the run checks that it does not.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results" / "triggers.md"
LIMIT_SECONDS = 5.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--today", type=date.fromisoformat, default=date(2026, 12, 5))
    parser.add_argument("--write", action="store_true", help="write benchmarks/results/")
    parser.add_argument("--baseline", type=Path, help="another checkout's src to compare with")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
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
    measured = {"evaluate": evaluate_seconds, "whole": whole_seconds, "findings": findings}
    if args.json:
        print(json.dumps(measured))
        return
    baseline = _baseline(args) if args.baseline else None
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
        *_table(measured, baseline, args),
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if args.write:
        RESULTS.write_text(text, encoding="utf-8")


Timing = tuple[float, float]  # median wall-clock and CPU seconds


def _median(step: object, repeats: int) -> Timing:
    assert callable(step)
    step()  # warm-up
    walls, cpus = [], []
    for _ in range(repeats):
        start, cpu = time.perf_counter(), time.process_time()
        step()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def _baseline(args: argparse.Namespace) -> dict[str, Any]:
    """The same steps on another checkout's code, in a process of their own."""
    command = [sys.executable, __file__, "--json", "--repeats", str(args.repeats)]
    command += ["--today", args.today.isoformat()]
    environment = {**os.environ, "PYTHONPATH": str(args.baseline.resolve())}
    done = subprocess.run(command, env=environment, capture_output=True, text=True, check=True)
    found: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def _table(
    measured: dict[str, Any], baseline: dict[str, Any] | None, args: argparse.Namespace
) -> list[str]:
    steps = [
        ("evaluate", "evaluate (every trigger, every series)"),
        ("whole", "evaluate_triggers, unchanged figures (writes nothing)"),
    ]
    of = f"median of {args.repeats}"
    if baseline is None:
        header = [f"| step | wall s ({of}) | CPU s ({of}) | limit s |", "|---|---:|---:|---:|"]
        return header + [
            f"| {name} | {measured[key][0]:.2f} | {measured[key][1]:.2f} | {LIMIT_SECONDS:g} |"
            for key, name in steps
        ]
    header = [
        f"Baseline: the same steps on `{args.baseline}`, in a second process right after "
        f"({baseline['findings']:,} places found there). Each time the {of} runs.",
        "",
        "| step | wall s, baseline | wall s, this code | CPU s, baseline | CPU s, this code "
        "| CPU ratio | limit s |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    return header + [
        f"| {name} | {baseline[key][0]:.2f} | {measured[key][0]:.2f} | {baseline[key][1]:.2f} "
        f"| {measured[key][1]:.2f} | {baseline[key][1] / measured[key][1]:.1f}x "
        f"| {LIMIT_SECONDS:g} |"
        for key, name in steps
    ]


def _uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


if __name__ == "__main__":
    main()
