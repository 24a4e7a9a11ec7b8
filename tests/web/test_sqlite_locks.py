"""On SQLite, one writer at a time: an import holding the write lock for seconds must neither
end the background worker nor turn logins into errors. Each test runs the app in its own
processes on a database file, as `deliverology serve` does, while this test holds the lock."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="SQLite's own locking")

LOGINS = """
import os, sys, time
os.environ["DJANGO_SETTINGS_MODULE"] = "deliverology.web.settings"
import django
django.setup()
from django.contrib.auth.models import User
from django.test import Client
User.objects.create_user("analyst", password="correct-horse-battery")
print("ready", flush=True)
sys.stdin.readline()  # the lock is held from now on
until = time.monotonic() + float(sys.argv[1])
while time.monotonic() < until:
    client = Client(raise_request_exception=False)
    answer = client.post(
        "/accounts/login/", {"username": "analyst", "password": "correct-horse-battery"}
    )
    print(answer.status_code, flush=True)
"""


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    subprocess.run(  # noqa: S603  (our own command)
        [sys.executable, "-m", "deliverology.cli", "setup"], env=app_env(tmp_path), check=True
    )
    return tmp_path


def app_env(data_dir: Path, **more: str) -> dict[str, str]:
    env = {**os.environ, "DELIVEROLOGY_DATA_DIR": str(data_dir), **more}
    env.pop("DATABASE_URL", None)
    env.setdefault("DELIVEROLOGY_FAST_HASHER", "true")
    return env


@contextmanager
def write_lock(data_dir: Path):
    """Hold SQLite's write lock, as an import writing its figures does."""
    holder = sqlite3.connect(data_dir / "deliverology.sqlite3", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def last_heartbeat(data_dir: Path) -> str | None:
    with sqlite3.connect(data_dir / "deliverology.sqlite3") as reader:
        row = reader.execute("SELECT max(beat_at) FROM health_workerheartbeat").fetchone()
    return row[0]


def wait_for(condition, seconds: float = 60) -> None:
    until = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > until:
            raise AssertionError("timed out")
        time.sleep(0.1)


def test_the_worker_outlives_a_database_locked_longer_than_its_busy_timeout(data_dir):
    env = app_env(data_dir, SQLITE_BUSY_TIMEOUT="1", DELIVEROLOGY_WORKER_HEARTBEAT_SECONDS="0.5")
    worker = subprocess.Popen(  # noqa: S603  (our own command)
        [sys.executable, "-m", "deliverology.cli", "worker"], env=env
    )
    try:
        wait_for(lambda: last_heartbeat(data_dir) is not None)
        with write_lock(data_dir):
            time.sleep(5)  # five times the busy timeout: every poll of the queue fails
            assert worker.poll() is None
        before = last_heartbeat(data_dir)
        wait_for(lambda: last_heartbeat(data_dir) != before, seconds=30)
        assert worker.poll() is None
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def test_logins_wait_for_an_import_writing_for_seconds_instead_of_failing(data_dir):
    logins = subprocess.Popen(  # noqa: S603  (our own interpreter)
        [sys.executable, "-c", LOGINS, "8"],
        env=app_env(data_dir),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert logins.stdout.readline().strip() == "ready"
    with write_lock(data_dir):
        logins.stdin.write("go\n")
        logins.stdin.flush()
        time.sleep(7)  # longer than the 5 s SQLite waited before
    statuses = logins.communicate(timeout=120)[0].split()
    assert statuses
    assert set(statuses) == {"302"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def worker_pids(data_dir: Path) -> set[int]:
    with sqlite3.connect(data_dir / "deliverology.sqlite3") as reader:
        rows = reader.execute("SELECT runner FROM health_workerheartbeat").fetchall()
    return {int(runner.rpartition(":")[2]) for (runner,) in rows}


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer:  # noqa: S310
            return bool(answer.status == 200)
    except OSError:
        return False


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_serve_restarts_a_worker_that_dies_and_stops_everything_when_stopped(data_dir):
    port = free_port()
    env = app_env(data_dir, DELIVEROLOGY_WORKER_HEARTBEAT_SECONDS="0.5")
    serve = subprocess.Popen(  # noqa: S603  (our own command)
        [sys.executable, "-m", "deliverology.cli", "serve", "--port", str(port), "--workers=1"],
        env=env,
    )
    try:
        wait_for(lambda: healthy(port) and worker_pids(data_dir), seconds=120)
        (first,) = worker_pids(data_dir)
        os.kill(first, signal.SIGKILL)  # out of memory, say: no goodbye
        wait_for(lambda: worker_pids(data_dir) - {first}, seconds=60)
        (second,) = worker_pids(data_dir) - {first}
        assert alive(second) and healthy(port)
    finally:
        serve.terminate()
        serve.wait(timeout=60)
    wait_for(lambda: not alive(second), seconds=30)
    assert not healthy(port)
