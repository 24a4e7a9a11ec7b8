"""Server time and query counts of the dashboard and priority pages, at 1x and 10x the schools.

Each size runs in a fresh process with its own SQLite database (built with the demo generator):
    python benchmarks/web_pages.py                 # 4,000 and 40,000 schools, writes results
    python benchmarks/web_pages.py --sizes 400     # a quick run

Times are measured around Django's test client (the whole request through middleware, views,
templates and charts, without a network), after one warm-up request per page.
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

RESULTS = Path(__file__).resolve().parent / "results" / "web_pages.md"


def measure(schools: int, repeats: int) -> dict[str, object]:
    demo = demo_with_client(schools)
    from deliverology.web.performance.models import LocalUnit

    code = demo.system.priorities[0].code
    district = LocalUnit.objects.filter(type="district").order_by("-pk").first()
    assert district is not None
    pages = {
        "dashboard": "/",
        "priority (state)": f"/priorities/{code}/",
        "priority (district)": f"/priorities/{code}/units/{district.code}/",
    }
    results: dict[str, object] = {
        "schools": schools,
        "observations": len(demo.system.observations),
        "build_seconds": demo.build_seconds,
    }
    for name, path in pages.items():
        assert demo.client.get(path).status_code == 200
        for cache in ("warm", "cold"):
            results[f"{name}, {cache} charts"] = time_page(
                demo.client, path, repeats, cold=cache == "cold"
            )
    return results


def report(rows: list[dict[str, object]], command: str) -> str:
    lines = [
        "# Web pages: server time and query counts",
        "",
        f"Command: `{command}`",
        f"Machine: {platform.platform()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        f"Run: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        "",
        "Warm: the charts' SVG comes from the in-process cache (a page seen before); cold: every",
        "chart is rendered again by vl-convert (a page with new data).",
        "",
        "| schools | observations | page | median ms | p95 ms | queries |",
        "|---:|---:|---|---:|---:|---:|",
    ]
    for row in rows:
        for page in [key for key in row if "charts" in key]:
            figures = row[page]
            assert isinstance(figures, dict)
            lines.append(
                f"| {row['schools']:,} | {row['observations']:,} | {page} | "
                f"{figures['median_ms']:.1f} | {figures['p95_ms']:.1f} | {figures['queries']} |"
            )
    lines.append("")
    lines.append(
        "Demo build time: "
        + ", ".join(f"{row['schools']:,} schools {row['build_seconds']:.0f} s" for row in rows)
    )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[4000, 40000])
    parser.add_argument("--repeats", type=int, default=50)
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
