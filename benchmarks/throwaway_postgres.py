"""The throwaway PostgreSQL server of `scripts/postgres.sh` (fsync off), for benchmarks that
write into PostgreSQL: started in a folder of its own on a port of its own, and stopped."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def postgres(action: str, folder: Path, port: str) -> str:
    """`start` (the server's URL) or `stop` the server kept in `folder`, on `port`."""
    env = {**os.environ, "PG_DIR": str(folder), "PGPORT": port}
    done = subprocess.run(  # noqa: S603
        ["bash", "scripts/postgres.sh", action],  # noqa: S607
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
