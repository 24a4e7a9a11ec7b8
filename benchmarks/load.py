"""Load: many logged-in people using the app at once, against `deliverology serve`.

    python benchmarks/load.py                      # 50 people for 60 s, demo of 4,000 schools
    python benchmarks/load.py --users 10 --seconds 15 --schools 400     # a quick run
    python benchmarks/load.py --record             # also write benchmarks/results/load.md

The demo is built once into a data folder (`--data-dir`, kept between runs) with
`deliverology demo --no-serve`, served by `deliverology serve` (gunicorn, the production
settings: DEBUG off, Argon2 passwords, SQLite in WAL mode) on loopback, and each simulated
person logs in as one of the demo people, then moves through the pages that person's dashboard
links to (dashboard, a priority, a drill-down, the diagnostic, sub-targets), waiting between one
and three seconds between pages, as a person reading them would. The measured window (`--seconds`)
opens once all of them are logged in: the target is for logged-in people; the logins (Argon2id,
deliberately slow) and the whole run are reported beside it. Every response is checked: an
answer other than 200 (or a login that does not redirect) counts as an error.

The load generator runs on the same machine: its own CPU time is reported, since on two cores
it takes some from the server.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path

from deliverology.cli import DEMO_PASSWORD_DEFAULT as PASSWORD

RESULTS = Path(__file__).resolve().parent / "results" / "load.md"
PEOPLE = ("analyst", "leader", "owner", "district", "viewer")
PAGE_KINDS = ("dashboard", "priority", "drill-down", "diagnostic", "sub-targets")
_LINKS = {
    "priority": re.compile(r'href="(/priorities/[^/"]+/units/[^/"]+/)"'),
    "drill-down": re.compile(r'href="(/priorities/[^/"]+/units/[^/"]+/\?subgroup=all)"'),
    "diagnostic": re.compile(r'href="(/priorities/[^/"]+/diagnostic/[^"]*)"'),
    "sub-targets": re.compile(r'href="(/targets/\d+/sub-targets/)"'),
}


@dataclass
class Tally:
    """Every request's time (seconds) by page kind, and the errors seen."""

    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    # pages asked for once everyone is logged in, during the measured window
    logged_in: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    window: tuple[float, float] | None = None  # monotonic start and end of the measured window

    def open_window(self, seconds: float) -> None:
        began = time.monotonic()
        self.window = (began, began + seconds)

    def add(self, kind: str, seconds: float, error: str | None) -> None:
        with self.lock:
            self.times[kind].append(seconds)
            asked_at = time.monotonic() - seconds
            if kind in PAGE_KINDS and self.window and asked_at >= self.window[0]:
                self.logged_in[kind].append(seconds)
            if error:
                self.errors.append(f"{kind}: {error}")


def build_demo(data_dir: Path, schools: int) -> None:
    if (data_dir / "deliverology.sqlite3").exists():
        return
    env = _server_env(data_dir)
    command = ["deliverology", "demo", "--no-serve", "--schools", str(schools)]
    subprocess.run(command, env=env, check=True)  # noqa: S603  (our own command)


def _server_env(data_dir: Path) -> dict[str, str]:
    env = {**os.environ, "DELIVEROLOGY_DATA_DIR": str(data_dir), "DEBUG": "false"}
    env.pop("DELIVEROLOGY_FAST_HASHER", None)  # the production hasher: Argon2
    env.pop("DELIVEROLOGY_DEMO_PASSWORD", None)  # the documented demo password
    return env


def start_server(data_dir: Path, port: int, workers: int | None) -> subprocess.Popen[bytes]:
    command = ["deliverology", "serve", "--port", str(port)]
    if workers is not None:
        command += ["--workers", str(workers)]
    log = (data_dir / "serve.log").open("wb")
    server = subprocess.Popen(command, env=_server_env(data_dir), stdout=log, stderr=log)  # noqa: S603
    for _ in range(240):
        if server.poll() is not None:
            break
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):  # noqa: S310
                return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise SystemExit(f"The server did not start: see {data_dir / 'serve.log'}")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # a login answers 302: seen as it is, not followed


class Browser:
    """One person's cookies (session, CSRF) over plain HTTP, every request timed."""

    def __init__(self, base: str, tally: Tally) -> None:
        self.base, self.tally = base, tally
        self.cookies = CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect()
        )

    def visit(self, kind: str, path: str, form: dict[str, str] | None = None) -> str:
        """GET (or POST `form` to) `path`, counted under `kind`; the page's HTML."""
        body = None
        if form is not None:
            form = {**form, "csrfmiddlewaretoken": self._cookie("csrftoken")}
            body = urllib.parse.urlencode(form).encode()
        request = urllib.request.Request(f"{self.base}{path}", data=body)  # noqa: S310
        expected = 200 if form is None else 302
        begin = time.perf_counter()
        status, html = self._open(request)
        error = None if status == expected else f"{path} {status}"
        self.tally.add(kind, time.perf_counter() - begin, error)
        return html

    def _cookie(self, name: str) -> str:
        return next((c.value or "" for c in self.cookies if c.name == name), "")

    def _open(self, request: urllib.request.Request) -> tuple[int, str]:
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as answer:
            return answer.code, ""
        except OSError as failure:  # refused, reset, timed out
            return 0, failure.__class__.__name__


def pages_of(browser: Browser) -> dict[str, list[str]]:
    """The pages a person's dashboard, first priorities and sub-targets link to, by kind."""
    pages: dict[str, list[str]] = {"dashboard": ["/"]}
    pages["priority"] = sorted(set(_LINKS["priority"].findall(browser.visit("dashboard", "/"))))
    for priority in pages["priority"][:2]:
        html = browser.visit("priority", priority)
        for kind in ("drill-down", "diagnostic"):
            pages.setdefault(kind, []).extend(sorted(set(_LINKS[kind].findall(html)))[:10])
    targets = _LINKS["sub-targets"].findall(browser.visit("sub-targets", "/sub-targets/"))
    pages["sub-targets"] = ["/sub-targets/", *sorted(set(targets))[:10]]
    return {kind: sorted(set(paths)) for kind, paths in pages.items() if paths}


def person(
    base: str, username: str, everyone_in: threading.Barrier, tally: Tally, seed: int
) -> None:
    rng = random.Random(seed)
    time.sleep(rng.uniform(0, 2))  # people arrive over a couple of seconds
    browser = Browser(base, tally)
    browser.visit("login page", "/accounts/login/")
    browser.visit("login", "/accounts/login/", {"username": username, "password": PASSWORD})
    pages = pages_of(browser)
    everyone_in.wait()  # the measured window opens once all are logged in
    assert tally.window is not None
    time.sleep(rng.uniform(0, 3.0))  # and they do not all click at the same instant
    while time.monotonic() < tally.window[1]:
        kind = rng.choice(list(pages))
        browser.visit(kind, rng.choice(pages[kind]))
        time.sleep(rng.uniform(1.0, 3.0))


def run(base: str, users: int, seconds: float) -> tuple[Tally, float, float]:
    tally = Tally()
    cpu_before = time.process_time()
    everyone_in = threading.Barrier(users, action=lambda: tally.open_window(seconds))
    threads = [
        threading.Thread(target=person, args=(base, PEOPLE[n % len(PEOPLE)], everyone_in, tally, n))
        for n in range(users)
    ]
    begin = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tally, time.perf_counter() - begin, time.process_time() - cpu_before


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report(tally: Tally, wall: float, cpu: float, args: argparse.Namespace) -> str:
    pages = [t for kind in PAGE_KINDS for t in tally.times.get(kind, [])]
    logged_in = [t for times in tally.logged_in.values() for t in times]
    every = [t for times in tally.times.values() for t in times]
    lines = [
        f"{len(every):,} requests in {wall:.0f} s ({len(every) / wall:.1f}/s), "
        f"{len(tally.errors)} errors; pages: median {statistics.median(pages) * 1000:.0f} ms, "
        f"p95 {percentile(pages, 0.95) * 1000:.0f} ms; load generator CPU {cpu:.1f} s "
        f"({100 * cpu / wall:.0f}% of one core); load average {os.getloadavg()[0]:.1f}",
        "",
        f"**{args.users} logged-in people for {args.seconds:.0f} s** (the window opens once all "
        f"have logged in): {len(logged_in):,} pages ({len(logged_in) / args.seconds:.1f}/s), "
        f"median {statistics.median(logged_in) * 1000:.0f} ms, "
        f"p95 {percentile(logged_in, 0.95) * 1000:.0f} ms",
        "",
        "| requests | count | median ms | p95 ms | max ms |",
        "|---|---:|---:|---:|---:|",
    ]
    for kind in ("login page", "login", *PAGE_KINDS):
        times = tally.times.get(kind)
        if times:
            lines.append(
                f"| {kind} | {len(times)} | {statistics.median(times) * 1000:.0f} | "
                f"{percentile(times, 0.95) * 1000:.0f} | {max(times) * 1000:.0f} |"
            )
    lines += ["", "Logged in, in the window:", "", "| page | count | median ms | p95 ms |"]
    lines.append("|---|---:|---:|---:|")
    for kind in PAGE_KINDS:
        times = tally.logged_in.get(kind)
        if times:
            lines.append(
                f"| {kind} | {len(times)} | {statistics.median(times) * 1000:.0f} | "
                f"{percentile(times, 0.95) * 1000:.0f} |"
            )
    lines += [f"- {error}" for error in tally.errors[:20]]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--schools", type=int, default=4000)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, help="gunicorn workers (serve's default)")
    parser.add_argument("--data-dir", type=Path, default=Path("var/load-benchmark"))
    parser.add_argument("--record", action="store_true", help=f"append to {RESULTS.name}")
    args = parser.parse_args()
    args.data_dir.mkdir(parents=True, exist_ok=True)
    build_demo(args.data_dir, args.schools)
    server = start_server(args.data_dir, args.port, args.workers)
    try:
        tally, wall, cpu = run(f"http://127.0.0.1:{args.port}", args.users, args.seconds)
    finally:
        server.terminate()
        server.wait(timeout=60)
    text = report(tally, wall, cpu, args)
    print(text)
    if args.record:
        heading = (
            f"\n## {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: {args.users} people, "
            f"{args.seconds:.0f} s, {args.schools:,} schools\n\n"
            f"Command: `python {' '.join(sys.argv)}` on {platform.platform()}, "
            f"{os.cpu_count()} cores\n\n"
        )
        with RESULTS.open("a", encoding="utf-8") as results:
            results.write(heading + text)


if __name__ == "__main__":
    main()
