"""Server time and query counts of the priority page with its plan summary, the plan's page and
"my milestones", at the demo's milestones and at ten times as many.

Runs in a fresh process with its own SQLite database (built with the demo generator), with a
SECRET_KEY in the environment as the app needs (any value: the database is thrown away):
    SECRET_KEY=bench python benchmarks/plan_pages.py              # 4,000 schools, 1x and 10x
    SECRET_KEY=bench python benchmarks/plan_pages.py --sizes 400  # a quick run

Times are measured around Django's test client after one warm-up request per page; the charts'
SVG cache is cleared before every request (cold), so each renders its charts afresh.
"""

from __future__ import annotations

import os
import platform
import subprocess
import time
from datetime import timedelta
from pathlib import Path

from page_timing import demo_with_client, page_benchmark_main, time_page

RESULTS = Path(__file__).resolve().parent / "results" / "plan_pages.md"
P95_BUDGET_MS = 150


def measure(schools: int, repeats: int) -> dict[str, object]:
    demo = demo_with_client(schools)
    from deliverology.web.plans.models import DeliveryPlan, Milestone

    code = demo.system.priorities[0].code
    plan = DeliveryPlan.objects.get(priority__code=code, intervention=None)
    pages = {
        "priority (state) with its plan summary": f"/priorities/{code}/",
        "the priority's plan": f"/priorities/{code}/plan/",
        "my milestones (the analyst)": "/milestones/mine/",
    }
    results: dict[str, object] = {"schools": schools, "rows": []}
    rows: list[dict[str, object]] = []
    for factor in (1, 10):
        if factor == 10:
            _grow(plan, Milestone, factor)
        count = plan.milestones.count()
        for name, path in pages.items():
            assert demo.client.get(path).status_code == 200
            timing = time_page(demo.client, path, repeats, cold=True)
            rows.append({"milestones": count, "page": name, **timing})
    results["rows"] = rows
    return results


def _grow(plan: object, milestone_model: object, factor: int) -> None:
    """Copies of the plan's milestones until it has `factor` times as many (owned by the analyst,
    so that "my milestones" grows too)."""
    from django.contrib.auth.models import User

    analyst = User.objects.get(username="analyst")
    existing = list(plan.milestones.all())  # type: ignore[attr-defined]
    copies = [
        milestone_model(  # type: ignore[operator]
            plan=plan,
            title=f"{each.title} ({copy})",
            owner=analyst,
            starts_on=each.starts_on,
            due=each.due + timedelta(days=copy) if each.due else None,
            status=each.status,
        )
        for copy in range(1, factor)
        for each in existing
    ]
    milestone_model.objects.bulk_create(copies)  # type: ignore[attr-defined]


def report(rows: list[dict[str, object]], command: str) -> str:
    uptime = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout
    lines = [
        "# Delivery plan pages: server time and query counts",
        "",
        f"Command: `{command}`",
        f"Machine: {platform.platform()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        f"Run: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; the machine is shared "
        f"(`uptime` at the end: {uptime.strip()})",
        "",
        f"Budget: p95 under {P95_BUDGET_MS} ms for the priority page, and the same number of "
        "queries at ten times the milestones. Cold: every chart rendered again by vl-convert.",
        "",
        "| schools | milestones | page | median ms | p95 ms | queries |",
        "|---:|---:|---|---:|---:|---:|",
    ]
    for size in rows:
        for row in size["rows"]:  # type: ignore[attr-defined]
            lines.append(
                f"| {size['schools']:,} | {row['milestones']} | {row['page']} | "
                f"{row['median_ms']:.1f} | {row['p95_ms']:.1f} | {row['queries']} |"
            )
    return "\n".join(lines) + "\n"


def main() -> None:
    page_benchmark_main(__file__, __doc__, measure, report, RESULTS)


if __name__ == "__main__":
    main()
