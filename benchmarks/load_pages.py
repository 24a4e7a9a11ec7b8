"""Server time and queries of each page of the load benchmark's mix, one request at a time.

    python benchmarks/load_pages.py                # the demo of 4,000 schools, 10 requests a page
    python benchmarks/load_pages.py --schools 400  # a quick run

Less noisy than `load.py` on a shared machine: the pages the analyst's dashboard links to
(dashboard, priorities, drill-downs, diagnostics, sub-targets, found as `load.py` finds them) are
timed around Django's test client in a fresh process with its own SQLite database. "First" is
the first request for a page, with the charts' caches empty (as the first request a process
serves used to be); "warm" the median of the later ones.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time

from load import pages_of
from page_timing import demo_with_client, run_child, time_page


class _Client:
    def __init__(self, client: object) -> None:
        self.client = client

    def visit(self, kind: str, path: str) -> str:
        response = self.client.get(path)  # type: ignore[attr-defined]
        assert response.status_code == 200, path
        return str(response.content.decode())


def measure(schools: int, repeats: int) -> dict[str, object]:
    demo = demo_with_client(schools)
    pages = pages_of(_Client(demo.client))  # type: ignore[arg-type]
    results: dict[str, object] = {}
    for kind, paths in pages.items():
        first = [time_page(demo.client, path, 1, cold=True) for path in paths[:5]]
        warm = [time_page(demo.client, path, repeats, cold=False) for path in paths[:5]]
        results[kind] = {
            "pages": len(paths),
            "first_ms": statistics.median(f["median_ms"] for f in first),
            "warm_ms": statistics.median(w["median_ms"] for w in warm),
            "warm_max_ms": max(w["median_ms"] for w in warm),
            "queries": sorted({w["queries"] for w in warm}),
        }
    return results


def report(results: dict[str, dict[str, object]], command: str) -> str:
    lines = [
        f"Command: `{command}` on {platform.platform()}, {os.cpu_count()} cores, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average "
        f"{os.getloadavg()[0]:.1f}",
        "",
        "| page | pages | first request ms | warm median ms | slowest page, warm ms | queries |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for kind, row in results.items():
        lines.append(
            f"| {kind} | {row['pages']} | {row['first_ms']:.0f} | {row['warm_ms']:.0f} | "
            f"{row['warm_max_ms']:.0f} | {', '.join(map(str, row['queries']))} |"  # type: ignore[call-overload]
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--schools", type=int, default=4000)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.repeats)))
        return
    results = run_child(__file__, args.schools, args.repeats)
    print(report(results, f"python {' '.join(sys.argv)}"))  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
