"""Server time and query counts of the performance diagnostic page and its Excel export.

Each size runs in a fresh process with its own SQLite database (built with the demo generator):
    python benchmarks/diagnostic_pages.py                 # 4,000 and 40,000 schools
    python benchmarks/diagnostic_pages.py --sizes 400     # a quick run

Times are measured around Django's test client after one warm-up request per page; the charts'
SVG cache is cleared before every request, so each request renders its charts afresh.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

from page_timing import demo_with_client, run_child, time_page

RESULTS = Path(__file__).resolve().parent / "results" / "diagnostic_pages.md"


def measure(schools: int, repeats: int) -> dict[str, object]:
    demo = demo_with_client(schools)
    from deliverology.web.performance.models import LocalUnit

    district = LocalUnit.objects.filter(type="district").order_by("-pk").first()
    school = LocalUnit.objects.filter(type="school").order_by("-pk").first()
    assert district is not None and school is not None
    base = f"/priorities/{demo.system.priorities[0].code}/diagnostic"
    pages = {
        "state, districts compared": f"{base}/?level=district",
        "state, schools compared": f"{base}/?level=school",
        "district, schools compared": f"{base}/{district.code}/",
        "school among all schools": f"{base}/{school.code}/",
        "Excel, state, schools compared": f"{base}.xlsx?level=school",
    }
    results: dict[str, object] = {
        "schools": schools,
        "observations": len(demo.system.observations),
        "build_seconds": demo.build_seconds,
    }
    for name, path in pages.items():
        assert demo.client.get(path).status_code == 200
        results[name] = time_page(demo.client, path, repeats, cold=True)
    return results


def report(rows: list[dict[str, object]], command: str) -> str:
    lines = [
        "# Performance diagnostic: server time and query counts",
        "",
        f"Command: `{command}`",
        f"Machine: {platform.platform()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        f"Run: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average at the end "
        f"{os.getloadavg()[0]:.1f} (other work on the machine slows every figure)",
        "",
        "Every request renders its charts afresh (the SVG cache is cleared).",
        "",
        "| schools | observations | page | median ms | p95 ms | queries |",
        "|---:|---:|---|---:|---:|---:|",
    ]
    for row in rows:
        for page, figures in row.items():
            if not isinstance(figures, dict):
                continue
            lines.append(
                f"| {row['schools']:,} | {row['observations']:,} | {page} | "
                f"{figures['median_ms']:.1f} | {figures['p95_ms']:.1f} | {figures['queries']} |"
            )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[4000, 40000])
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.repeats)))
        return
    rows = [run_child(__file__, size, args.repeats) for size in args.sizes]
    text = report(rows, "python " + " ".join(sys.argv))
    print(text)
    if not args.no_write:
        RESULTS.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
