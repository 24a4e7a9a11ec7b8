"""Server time of a stocktake's documents as PDFs (and the pack as a page) at the demo's size.

Each size runs in a fresh process with its own SQLite database (built with the demo generator,
whose year of routines includes two held stocktakes per priority):
    python benchmarks/documents.py                  # the demo's 4,000 schools
    python benchmarks/documents.py --sizes 400      # a quick run

Times are measured around Django's test client after one warm-up request per document; the
charts' SVG cache is cleared before every request, so each PDF renders its charts afresh.
The stocktake pack PDF should take under 1.5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from page_timing import demo_with_client, run_child, time_page

RESULTS = Path(__file__).resolve().parent / "results" / "documents.md"


def measure(schools: int, repeats: int) -> dict[str, object]:
    demo = demo_with_client(schools)
    from deliverology.web.routines.models import Stocktake

    stocktake = Stocktake.objects.filter(follow_up_published_on__isnull=False).order_by("-pk")[0]
    base = f"/stocktakes/{stocktake.pk}"
    pages = {
        "stocktake pack, page": f"{base}/pack/",
        "stocktake pack, PDF": f"{base}/pack/?format=pdf",
        "pre-brief, PDF": f"{base}/pre-brief/?format=pdf",
        "follow-up note, PDF": f"{base}/follow-up/?format=pdf",
    }
    results: dict[str, object] = {"schools": schools, "build_seconds": demo.build_seconds}
    for name, path in pages.items():
        assert demo.client.get(path).status_code == 200
        results[name] = time_page(demo.client, path, repeats, cold=True)
    return results


def report(rows: list[dict[str, object]], command: str, uptime: str) -> str:
    lines = [
        "# Stocktake documents: server time and query counts",
        "",
        f"Command: `{command}`",
        f"Machine: {platform.platform()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        f"Run: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; `uptime` at the end: "
        f"{uptime} (the machine is shared: other work slows every figure)",
        "",
        "Every request renders its charts afresh (the SVG cache is cleared). Target: the stocktake "
        "pack PDF under 1.5 s.",
        "",
        "| schools | document | median ms | p95 ms | queries |",
        "|---:|---|---:|---:|---:|",
    ]
    for row in rows:
        for page, figures in row.items():
            if not isinstance(figures, dict):
                continue
            lines.append(
                f"| {row['schools']:,} | {page} | "
                f"{figures['median_ms']:.1f} | {figures['p95_ms']:.1f} | {figures['queries']} |"
            )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[4000])
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.repeats)))
        return
    os.environ["AXES_ENABLED"] = "false"  # the test client's login passes no request to axes
    os.environ.setdefault("SECRET_KEY", "benchmark-only-" + "x" * 40)  # a throwaway database
    rows = [run_child(__file__, size, args.repeats) for size in args.sizes]
    uptime = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout  # noqa: S607
    text = report(rows, "python " + " ".join(sys.argv), uptime.strip())
    print(text)
    if not args.no_write:
        RESULTS.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
