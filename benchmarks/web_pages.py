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
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH_PASSWORD = "bench-password-1"  # noqa: S105  (a throwaway benchmark database)
RESULTS = Path(__file__).resolve().parent / "results" / "web_pages.md"


def measure(schools: int, repeats: int) -> dict[str, object]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "deliverology.web.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from deliverology.demo.generator import generate_demo_system
    from deliverology.web.demo_system import install_demo_system
    from deliverology.web.performance.models import LocalUnit

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    system = generate_demo_system(schools=schools)
    install_demo_system(system, password=BENCH_PASSWORD, say=lambda _: None)
    build_seconds = time.perf_counter() - started
    district = LocalUnit.objects.filter(type="district").order_by("-pk").first()
    client = Client()
    client.login(username="analyst", password=BENCH_PASSWORD)
    pages = {
        "dashboard": "/",
        "priority (state)": "/priorities/" + system.priorities[0].code + "/",
        "priority (district)": f"/priorities/{system.priorities[0].code}/units/{district.code}/",
    }
    results: dict[str, object] = {
        "schools": schools,
        "observations": len(system.observations),
        "build_seconds": build_seconds,
    }
    for name, path in pages.items():
        assert client.get(path).status_code == 200
        for cache in ("warm", "cold"):
            results[f"{name}, {cache} charts"] = _time_page(client, path, repeats, cache == "cold")
    return results


def _time_page(client: Any, path: str, repeats: int, cold: bool) -> dict[str, float]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from deliverology.reports import charts

    timings = []
    for _ in range(repeats):
        if cold:
            charts._render_canonical.cache_clear()  # every chart rendered afresh
        with CaptureQueriesContext(connection) as queries:
            begin = time.perf_counter()
            response = client.get(path)
            timings.append((time.perf_counter() - begin) * 1000)
        assert response.status_code == 200
    timings.sort()
    return {
        "median_ms": statistics.median(timings),
        "p95_ms": timings[int(0.95 * (len(timings) - 1))],
        "queries": len(queries),
    }


def run_child(schools: int, repeats: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as data_dir:
        env = {**os.environ, "DELIVEROLOGY_DATA_DIR": data_dir}
        env["DELIVEROLOGY_FAST_HASHER"] = "true"
        output = subprocess.run(
            [sys.executable, __file__, "--child", str(schools), "--repeats", str(repeats)],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    return json.loads(output.strip().splitlines()[-1])


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
    rows = [run_child(size, args.repeats) for size in args.sizes]
    text = report(rows, "python " + " ".join(sys.argv))
    print(text)
    if not args.no_write:
        RESULTS.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
