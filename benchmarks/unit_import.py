"""`deliverology import units` of a national hierarchy (districts and their schools) into a
fresh SQLite database and a fresh PostgreSQL database, side by side with a baseline: the same
command run from another checkout's `src` (an earlier commit, say), alternating, fresh
databases each run.

    git worktree add /tmp/baseline <commit>
    SECRET_KEY=bench python benchmarks/unit_import.py --baseline /tmp/baseline --write

PostgreSQL is the throwaway server of `scripts/postgres.sh` (on PGPORT, 5449 by default),
started and stopped here. Each run is a fresh process; the time is the whole command, as a
user waits for it, with `deliverology setup` done beforehand.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from throwaway_postgres import postgres

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "unit_import.md"
CACHE = ROOT / "var" / "bench" / "units"
PG_PORT = os.environ.get("PGPORT", "5449")
CLI = "import sys; from deliverology.cli import main; sys.argv[0] = 'deliverology'; main()"


def hierarchy_file(schools: int, districts: int) -> Path:
    """`districts` districts and `schools` schools spread over them, as the import reads."""
    path = CACHE / f"units-{schools}-{districts}.csv"
    lines = ["code,name,type,parent_code"]
    lines += [f"D{d:05d},District {d},district," for d in range(districts)]
    lines += [f"S{s:06d},School {s},school,D{s % districts:05d}" for s in range(schools)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run_import(src: Path, database: str, path: Path, postgres_url: str) -> float:
    """Seconds for `deliverology import units` from `src` into a fresh `database`."""
    env = {**os.environ, "PYTHONPATH": str(src), "SECRET_KEY": os.environ.get("SECRET_KEY", "b")}
    env["DELIVEROLOGY_DATA_DIR"] = tempfile.mkdtemp(dir=CACHE, prefix=f"{database}-")
    env.pop("DATABASE_URL", None)
    if database == "postgresql":
        env["DATABASE_URL"] = postgres_url
        _empty(postgres_url)
    _cli(["setup"], env)
    started = time.perf_counter()
    out = _cli(["import", "units", str(path)], env)
    seconds = time.perf_counter() - started
    if "Saved" not in out:
        raise SystemExit(f"the import did not save:\n{out}")
    return seconds


def _cli(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", CLI, *args], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout + done.stderr


def _postgres(action: str) -> str:
    return postgres(action, CACHE / "pg", PG_PORT)


def _empty(url: str) -> None:
    drop = "DROP SCHEMA public CASCADE; CREATE SCHEMA public;"
    subprocess.run(["psql", "-q", url, "-c", drop], capture_output=True, check=True)  # noqa: S603,S607


def _commit(checkout: Path) -> str:
    done = subprocess.run(  # noqa: S603
        ["git", "-C", str(checkout), "log", "-1", "--format=%h"],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() or str(checkout)


def report(args: argparse.Namespace, times: dict[tuple[str, str], list[float]]) -> str:
    command = "python benchmarks/unit_import.py " + " ".join(sys.argv[1:])
    lines = [
        "# `deliverology import units` at national size",
        "",
        f"Command: `{command}`",
        "",
        f"{args.schools:,} schools in {args.districts:,} districts, a fresh database and a "
        f"fresh process each run, median of {args.repeats}, alternating.",
        "",
        "| Database | Code | Import units, median (s) | Runs (s) | Baseline / this |",
        "|---|---|---|---|---|",
    ]
    for database in args.databases.split(","):
        this = statistics.median(times[(database, "this")])
        for which in ("baseline", "this") if args.baseline else ("this",):
            runs = times[(database, which)]
            ratio = f"{statistics.median(runs) / this:.1f}×" if which == "baseline" else ""
            listed = ", ".join(f"{t:.1f}" for t in runs)
            name = _commit(args.baseline) if which == "baseline" else _commit(ROOT)
            lines.append(
                f"| {database} | {name} | **{statistics.median(runs):.1f}** | {listed} | {ratio} |"
            )
    uptime = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout
    lines += [
        "",
        f"- Machine: {os.cpu_count()} cores, {platform.platform()}",
        f"- Python {platform.python_version()}",
        f"- Load when the run ended: {uptime.strip().split('load average:')[-1].strip()}",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--schools", type=int, default=100_000)
    parser.add_argument("--districts", type=int, default=2_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--baseline", type=Path, help="another checkout, run from its src/")
    parser.add_argument("--write", action="store_true", help="write results/unit_import.md")
    args = parser.parse_args()
    CACHE.mkdir(parents=True, exist_ok=True)
    path = hierarchy_file(args.schools, args.districts)
    codes = {"this": ROOT / "src"}
    if args.baseline:
        codes["baseline"] = args.baseline.resolve() / "src"
    times: dict[tuple[str, str], list[float]] = {}
    postgres_url = _postgres("start") if "postgresql" in args.databases else ""
    try:
        for _ in range(args.repeats):
            for which, src in codes.items():
                for database in args.databases.split(","):
                    seconds = run_import(src, database, path, postgres_url)
                    times.setdefault((database, which), []).append(seconds)
                    print(f"{which} {database}: {seconds:.1f} s", flush=True)
    finally:
        if postgres_url:
            _postgres("stop")
    text = report(args, times)
    print(text)
    if args.write:
        RESULTS.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
