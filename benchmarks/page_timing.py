"""What the page benchmarks share: a demo system in a fresh process, a logged-in client, and
server time and query counts of a page (imported by web_pages.py and diagnostic_pages.py)."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

BENCH_PASSWORD = "bench-password-1"  # noqa: S105  (a throwaway benchmark database)


@dataclass
class Demo:
    system: Any
    client: Any
    build_seconds: float


def demo_with_client(schools: int) -> Demo:
    """A demo system of `schools` schools in this process's database, and the analyst's client."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "deliverology.web.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from deliverology.cli import demo_shape
    from deliverology.demo.generator import generate_demo_system
    from deliverology.web.demo_system import install_demo_system

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    system = generate_demo_system(**demo_shape(schools))  # as `deliverology demo --schools`
    install_demo_system(system, password=BENCH_PASSWORD, say=lambda _: None)
    build_seconds = time.perf_counter() - started
    from django.contrib.auth import get_user_model

    client = Client()  # logged in without a password check: login throttling needs a request
    client.force_login(get_user_model().objects.get(username="analyst"))
    freeze_as_the_server_does()
    return Demo(system, client, build_seconds)


def freeze_as_the_server_does() -> None:
    """What a gunicorn process does before its first request (`gunicorn_conf.post_worker_init`):
    everything loaded so far, here the demo's build too, left out of later garbage collections.
    Without it a full collection walks the generated system in the middle of a measured request
    (40 to 130 ms, every other request of the 5,000-school league table), which no server has."""
    try:
        from deliverology.web.gunicorn_conf import freeze_loaded_objects
    except ImportError:  # code from before the server froze its objects: measured as it ran
        return
    freeze_loaded_objects()


def time_page(
    client: Any,
    path: str,
    repeats: int,
    *,
    cold: bool,
    before_each: Callable[[], None] | None = None,
) -> dict[str, float]:
    """Median and 95th percentile of the server time in ms, and the queries of one request.
    `cold` clears the charts' SVG caches (this process's and the shared one) before every
    request, so each renders its charts; `before_each` is called before every request, not
    timed."""
    from django.core.cache import caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from deliverology.web import chart_cache

    timings = []
    for _ in range(repeats):
        if cold:
            chart_cache.forget_in_process()
            caches[chart_cache.CHART_CACHE].clear()
        if before_each is not None:
            before_each()
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


def run_child(
    script: str, schools: int, repeats: int, extra: Sequence[str] = ()
) -> dict[str, object]:
    """`script --child SCHOOLS` (and `extra` arguments) in a fresh process with its own SQLite
    database; its JSON."""
    with tempfile.TemporaryDirectory() as data_dir:
        env = {**os.environ, "DELIVEROLOGY_DATA_DIR": data_dir}
        env["DELIVEROLOGY_FAST_HASHER"] = "true"
        env.setdefault("SECRET_KEY", "benchmark-only-" + "x" * 40)  # DEBUG is off: a key is needed
        output = subprocess.run(  # noqa: S603  (our own interpreter and script)
            [sys.executable, script, "--child", str(schools), "--repeats", str(repeats), *extra],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    return json.loads(output.strip().splitlines()[-1])


def page_benchmark_main(
    script: str,
    description: str | None,
    measure: Any,
    report: Any,
    results: Any,
    *,
    sizes: Sequence[int] = (4000,),
    repeats: int = 50,
) -> None:
    """The command line of a page benchmark: each size measured in a child process of its own
    (`measure(schools, repeats)`), the rows reported (`report(rows, command)`) and written to
    `results` unless `--no-write`."""
    import argparse

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(sizes))
    parser.add_argument("--repeats", type=int, default=repeats)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.repeats)))
        return
    # The test client's login gives the login throttle no request to count; not measured here.
    os.environ.setdefault("AXES_ENABLED", "false")
    rows = [run_child(script, size, args.repeats) for size in args.sizes]
    text = report(rows, "python " + " ".join(sys.argv))
    print(text)
    if not args.no_write:
        results.write_text(text, encoding="utf-8")
