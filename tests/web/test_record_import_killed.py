"""A record import killed (SIGKILL) while it writes in bulk, its keys and indexes dropped
inside its transaction: the database holds what it held, keys and indexes included, and the
same import run again loads everything. Each test gets a database of its own (a file on
SQLite, a database on the PostgreSQL server the suite runs on), used by real processes."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.db import connection

from deliverology.web.performance import record_import
from tests.web.test_import_cli import DEFINITION

SCHOOLS, DISTRICTS, MONTHS = 2_000, 20, 24
# every school, district and month, all and two subgroups: well past the bulk threshold
FIGURES = (SCHOOLS + DISTRICTS) * MONTHS * 3
TABLES = ("performance_observation", "performance_historicalobservation", "performance_rollup")
COMMAND = [sys.executable, "-m", "deliverology.cli"]


def test_the_file_is_loaded_in_bulk():
    assert FIGURES >= record_import.BULK_FROM


@pytest.fixture
def own_database(tmp_path: Path) -> Iterator[tuple[dict[str, str], Callable[..., Any]]]:
    """The environment of a process using a new, empty database, and a query on it."""
    env = {
        **os.environ,
        "DELIVEROLOGY_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "deliverology.web.settings",
    }
    if connection.vendor == "sqlite":
        database = tmp_path / "app.sqlite3"
        env["DATABASE_URL"] = f"sqlite:///{database}"

        def query(sql: str) -> list[tuple[Any, ...]]:
            with sqlite3.connect(database, timeout=0.1) as db:
                return db.execute(sql).fetchall()

        yield env, query
        return

    import psycopg

    server = os.environ["DATABASE_URL"]
    name = f"killed_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    env["DATABASE_URL"] = f"{server.rsplit('/', 1)[0]}/{name}"

    def query(sql: str) -> list[tuple[Any, ...]]:
        with psycopg.connect(env["DATABASE_URL"], autocommit=True) as db:
            return db.execute(sql).fetchall()

    try:
        yield env, query
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE {name} WITH (FORCE)")


def files(folder: Path) -> tuple[Path, Path, Path]:
    """A hierarchy of SCHOOLS schools, their records (two students a school, subgroup and
    month) and the definition of the reading metric."""
    units = ["code,name,type,parent_code", "ST,State,state,"]
    units += [f"D{d},District {d},district,ST" for d in range(DISTRICTS)]
    units += [f"S{s},School {s},school,D{s % DISTRICTS}" for s in range(SCHOOLS)]
    hierarchy = folder / "units.csv"
    hierarchy.write_text("\n".join(units) + "\n", encoding="utf-8")
    school = np.repeat(np.arange(SCHOOLS), MONTHS * 4)
    month = np.tile(np.repeat(np.arange(MONTHS), 4), SCHOOLS)
    student = np.tile(np.arange(4), SCHOOLS * MONTHS)
    table = pa.table(
        {
            "student": pa.array([f"P{s}" for s in student]),
            "school": pa.array([f"S{s}" for s in school]),
            "district": pa.array([f"D{s % DISTRICTS}" for s in school]),
            "month": pa.array((np.datetime64("2023-01", "M") + month).astype("datetime64[D]")),
            "subgroup": pa.array(np.where(student % 2 == 0, "low_income", "other")),
            "assessment": pa.array(["reading"] * len(school)),
            "proficient": pa.array((school + month + student) % 3 != 0),
        }
    )
    records = folder / "reading.parquet"
    pq.write_table(table, records)
    definition = folder / "reading.toml"
    definition.write_text(DEFINITION, encoding="utf-8")
    return hierarchy, records, definition


SETUP_METRIC = (
    "from deliverology.web.performance.models import Metric, Subgroup\n"
    "Metric.objects.create(code='reading-proficiency', name='Reading', aggregation='rate', "
    "frequency='month')\n"
    "for code in ('all', 'low_income', 'other'): Subgroup.objects.create(code=code, name=code)\n"
)


def state(query: Callable[..., Any], vendor: str) -> tuple[Any, ...]:
    """What a killed import must leave as it was: the rows of the figures' tables and every
    key and index of them."""
    counts = tuple(query(f"SELECT count(*) FROM {table}")[0][0] for table in TABLES)  # noqa: S608
    listed = ", ".join(f"'{table}'" for table in TABLES)  # our own names, not input
    if vendor == "sqlite":
        schema = query(f"SELECT type, name, sql FROM sqlite_master WHERE tbl_name IN ({listed})")  # noqa: S608
        return counts, sorted(schema, key=str)
    constraints = query(
        "SELECT conname, pg_get_constraintdef(oid), convalidated FROM pg_constraint "  # noqa: S608
        f"WHERE conrelid::regclass::text IN ({listed}) ORDER BY conname"
    )
    indexes = query(
        f"SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ({listed}) ORDER BY 1"  # noqa: S608
    )
    return counts, constraints, indexes


def test_a_record_import_killed_while_it_writes_in_bulk_leaves_the_database_as_it_was(
    own_database, tmp_path
):
    env, query = own_database
    hierarchy, records, definition = files(tmp_path)

    def run(*args: str) -> str:
        done = subprocess.run(  # noqa: S603
            [*COMMAND, *args], env=env, check=True, capture_output=True, text=True
        )
        return " ".join((done.stdout + done.stderr).split())

    run("setup")
    run("manage", "shell", "-c", SETUP_METRIC)
    run("import", "units", str(hierarchy))
    before = state(query, connection.vendor)
    assert before[0] == (0, 0, 0)

    importing = [*COMMAND, "import", "records", str(records), "--definition", str(definition)]
    loading = subprocess.Popen(  # noqa: S603
        importing, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        _wait_until_writing(query, loading)
        time.sleep(0.2)  # into the write: keys and indexes dropped, figures being copied
        assert loading.poll() is None, "the import finished before it could be killed"
        loading.send_signal(signal.SIGKILL)
    finally:
        loading.wait(timeout=60)
    assert loading.returncode == -signal.SIGKILL

    assert state(query, connection.vendor) == before
    said = run("import", "records", str(records), "--definition", str(definition))
    assert f"{FIGURES:,} figures: {FIGURES:,} new" in said, said
    counts, *schema = state(query, connection.vendor)
    assert counts[0] == FIGURES and counts[1] == FIGURES
    assert schema == list(before[1:])


def _wait_until_writing(query: Callable[..., Any], process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, "the import ended before it wrote"
        try:
            found = query(
                "SELECT 1 FROM performance_importrun WHERE kind = 'records' "
                "AND progress LIKE 'Writing%'"
            )
        except sqlite3.OperationalError:  # locked for a moment by the import
            found = []
        if found:
            return
        time.sleep(0.01)
    raise AssertionError("the import never said it was writing")
