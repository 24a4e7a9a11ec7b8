"""Server time and query count of the momentum page (streaks, routines, documents late against
the routine calendar, data feeds) at the demo's size, and again with ten times its stocktakes.

Runs in a fresh process with its own SQLite database (built with the demo generator), with a
SECRET_KEY in the environment as the app needs (any value: the database is thrown away):
    SECRET_KEY=bench python benchmarks/momentum_page.py              # 4,000 schools
    SECRET_KEY=bench python benchmarks/momentum_page.py --sizes 400  # a quick run

Times are measured around Django's test client after one warm-up request; the page draws no
chart, so there is no cache to clear.
"""

from __future__ import annotations

import os
import platform
import subprocess
import time
from datetime import timedelta
from pathlib import Path

from page_timing import demo_with_client, page_benchmark_main, time_page

RESULTS = Path(__file__).resolve().parent / "results" / "momentum_page.md"
P95_BUDGET_MS = 150
PATH = "/momentum/"


def measure(schools: int, repeats: int) -> dict[str, object]:
    demo = demo_with_client(schools)
    from deliverology.web.routines.models import Stocktake

    rows: list[dict[str, object]] = []
    for factor in (1, 10):
        if factor == 10:
            _grow(Stocktake, factor)
        count = Stocktake.objects.count()
        assert demo.client.get(PATH).status_code == 200
        rows.append({"stocktakes": count, **time_page(demo.client, PATH, repeats, cold=False)})
    return {"schools": schools, "rows": rows}


def _grow(stocktake_model: object, factor: int) -> None:
    """Copies of the demo's stocktakes, a week apart, until there are `factor` times as many;
    every other copy cancelled without a new date (a lapse), each with the follow-up note
    missing (a late document)."""
    existing = list(stocktake_model.objects.prefetch_related("priorities"))  # type: ignore[attr-defined]
    for copy in range(1, factor):
        for each in existing:
            made = stocktake_model.objects.create(  # type: ignore[attr-defined]
                held_on=each.held_on - timedelta(weeks=copy),
                chair=each.chair,
                status="cancelled" if copy % 2 else "held",
                cancellation_reason="Benchmark" if copy % 2 else "",
            )
            made.priorities.set(each.priorities.all())


def report(rows: list[dict[str, object]], command: str) -> str:
    uptime = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout
    uname = subprocess.run(["uname", "-a"], capture_output=True, text=True, check=False).stdout
    lines = [
        "# Momentum page: server time and query count",
        "",
        f"Command: `{command}`",
        f"Machine: `{uname.strip()}`; `nproc`: {os.cpu_count()}; Python "
        f"{platform.python_version()}",
        f"Run: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; the machine is shared with "
        f"other work (`uptime` at the end: {uptime.strip()})",
        "",
        f"Budget: p95 under {P95_BUDGET_MS} ms at the demo's size, and the same number of queries "
        "at ten times the stocktakes.",
        "",
        "| schools | stocktakes | median ms | p95 ms | queries |",
        "|---:|---:|---:|---:|---:|",
    ]
    for size in rows:
        for row in size["rows"]:  # type: ignore[attr-defined]
            lines.append(
                f"| {size['schools']:,} | {row['stocktakes']} | {row['median_ms']:.1f} | "
                f"{row['p95_ms']:.1f} | {row['queries']} |"
            )
    return "\n".join(lines) + "\n"


def main() -> None:
    page_benchmark_main(__file__, __doc__, measure, report, RESULTS)


if __name__ == "__main__":
    main()
