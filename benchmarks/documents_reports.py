"""The documents' cost: the delivery report PDF for 10 priorities, and the server time and query
counts of the monthly note and league-table pages, at 1x and 10x the schools.

Each size runs in a fresh process with its own SQLite database (built with the demo generator,
which adds two reporting rounds, monthly notes and league-table snapshots):
    python benchmarks/documents_reports.py                  # 1,000 and 10,000 schools
    python benchmarks/documents_reports.py --sizes 200      # a quick run
    python benchmarks/documents_reports.py --pages-only     # the pages, not the PDFs

The demo has four priorities; six more are added on the same goal metrics (each with its chart)
and a round is opened with a final assessment for each of the ten. Times are measured around
Django's test client, after one warm-up request per page.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from page_timing import demo_with_client, run_child, time_page

# The login throttle needs a request; the benchmark logs in through the test client.
os.environ.setdefault("AXES_ENABLED", "false")
os.environ.setdefault("SECRET_KEY", "benchmark-only-" + "k3y-" * 12)  # a throwaway database

RESULTS = Path(__file__).resolve().parent / "results" / "documents_reports.md"
PRIORITIES = 10


def ten_priorities_round() -> int:
    from django.contrib.auth.models import User

    from deliverology.web.assessments import actions
    from deliverology.web.assessments.models import Assessment
    from deliverology.web.priorities.models import Priority

    existing = list(Priority.objects.order_by("order"))
    for index in range(PRIORITIES - len(existing)):
        model = existing[index % len(existing)]
        Priority.objects.create(
            aspiration=model.aspiration,
            code=f"bench-{index}",
            title=f"{model.title} (benchmark copy {index + 1})",
            goal_metric=model.goal_metric,
            order=100 + index,
        )
    analyst = User.objects.get(username="analyst")
    reporting_round = actions.open_round("Benchmark round", dt.date(2026, 1, 31))
    for assessment in Assessment.objects.filter(reporting_round=reporting_round):
        actions.save_assessment(
            assessment,
            {
                "challenge": "high",
                "governance": "amber_green",
                "managing_performance": "amber_red",
                "likelihood": "amber_red",
                "rationale": "Behind the trajectory in a third of districts.",
                "to_move_up": "Every district on its trajectory for a year.",
                "narrative": "Steady where the chain is strong.",
                "key_actions": "Coaching for the lowest districts.",
            },
            by=analyst,
            finalise=True,
        )
    return reporting_round.pk


def publish_round(pk: int) -> None:
    from django.contrib.auth.models import User

    from deliverology.web.assessments import actions
    from deliverology.web.assessments.models import ReportingRound

    analyst = User.objects.get(username="analyst")
    actions.publish_round(ReportingRound.objects.get(pk=pk), by=analyst)


def time_pdf(client: object, path: str, repeats: int) -> dict[str, float]:
    import pypdfium2
    from django.core.cache import caches

    from deliverology.web import chart_cache

    timings = []
    pages = 0
    for _ in range(repeats):
        # Every chart rendered again (this process's copies and the shared cache): the worst case.
        chart_cache.forget_in_process()
        caches[chart_cache.CHART_CACHE].clear()
        begin = time.perf_counter()
        response = client.get(path)  # type: ignore[attr-defined]
        timings.append(time.perf_counter() - begin)
        assert response["Content-Type"] == "application/pdf"
        pages = len(pypdfium2.PdfDocument(response.content))
    timings.sort()
    return {"median_s": timings[len(timings) // 2], "max_s": timings[-1], "pages": pages}


def measure(schools: int, repeats: int, *, pages_only: bool = False) -> dict[str, object]:
    demo = demo_with_client(schools)
    from deliverology.web.assessments.models import MonthlyNote
    from deliverology.web.priorities.models import Priority

    round_pk = ten_priorities_round()
    assert Priority.objects.count() == PRIORITIES
    note = MonthlyNote.objects.filter(published_at__isnull=False).order_by("-month").first()
    assert note is not None
    metric = Priority.objects.order_by("order").first().goal_metric  # type: ignore[union-attr]
    pages = {
        "monthly note": f"/notes/{note.month.strftime('%Y-%m')}/",
        "league table, schools by progress": (
            f"/league/?metric={metric.code}&level=school&view=progress"
        ),
        "league table, districts by level": (
            f"/league/?metric={metric.code}&level=district&view=level"
        ),
    }
    report_pdf = f"/assessments/{round_pk}/report/?format=pdf"
    results: dict[str, object] = {"schools": schools, "build_seconds": demo.build_seconds}
    if not pages_only:
        results["pdf"] = time_pdf(demo.client, report_pdf, 3)
    publish_round(round_pk)
    if not pages_only:
        results["published pdf"] = time_pdf(demo.client, report_pdf, 3)
    for name, path in pages.items():
        assert demo.client.get(path).status_code == 200
        results[name] = time_page(demo.client, path, repeats, cold=False)
    forget = forget_rankings()
    if forget is not None:  # the first request after any change of the data: ranked afresh
        path = pages["league table, schools by progress"]
        name = "league table, schools by progress, ranked afresh"
        results[name] = time_page(demo.client, path, repeats, cold=False, before_each=forget)
    return results


def forget_rankings() -> Callable[[], None] | None:
    """What forgets the league tables' kept rankings; None for code that keeps none."""
    try:
        from deliverology.web.assessments.league_cache import RANKINGS
    except ImportError:
        return None
    return RANKINGS.clear


def report(rows: list[dict[str, object]], command: str) -> str:
    uptime = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout  # noqa: S607
    lines = [
        "# Documents: the delivery report PDF, monthly note and league-table pages",
        "",
        f"Command: `{command}`",
        f"Machine: {platform.platform()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        f"Run: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        f"Load (`uptime`, the machine is shared): {uptime.strip()}",
        "",
        "Delivery report PDF for 10 priorities (goal: under 3 s). Draft: the figures and every",
        "chart worked out again (the chart cache cleared); published: the frozen figures and",
        'charts, with the live figures compared for "what has changed since".',
        "",
        "| schools | report | median s | max s | PDF pages |",
        "|---:|---|---:|---:|---:|",
    ]
    for row in rows:
        for name, label in (("pdf", "draft"), ("published pdf", "published")):
            if name not in row:
                continue  # --pages-only
            pdf = row[name]
            assert isinstance(pdf, dict)
            lines.append(
                f"| {row['schools']:,} | {label} | {pdf['median_s']:.2f} | {pdf['max_s']:.2f} | "
                f"{pdf['pages']} |"
            )
    lines += [
        "",
        "Pages (goal: p95 under 150 ms, queries the same at 10x the schools):",
        "",
        "| schools | page | median ms | p95 ms | queries |",
        "|---:|---|---:|---:|---:|",
    ]
    for row in rows:
        for page, figures in row.items():
            if not isinstance(figures, dict) or "p95_ms" not in figures:
                continue
            lines.append(
                f"| {row['schools']:,} | {page} | {figures['median_ms']:.1f} | "
                f"{figures['p95_ms']:.1f} | {figures['queries']} |"
            )
    lines.append("")
    lines.append(
        "Demo build time: "
        + ", ".join(f"{row['schools']:,} schools {row['build_seconds']:.0f} s" for row in rows)
    )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeats", type=int, default=40)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--pages-only", action="store_true", help="leave out the report PDFs")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.repeats, pages_only=args.pages_only)))
        return
    extra = ["--pages-only"] if args.pages_only else []
    rows = [run_child(__file__, size, args.repeats, extra) for size in args.sizes]
    text = report(rows, "python " + " ".join(sys.argv))
    print(text)
    if not args.no_write:
        RESULTS.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
