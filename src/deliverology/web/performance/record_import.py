"""Record-level imports kept in columns from the engine to the database, in bounded memory.

A national file gives millions of figures. They never become one Python object each: the
engine leaves them as a table of a DuckDB workspace (a file in a temporary folder, so DuckDB
spills to disk beyond its share of the memory budget); the figures the database already holds
for the metric and the file's periods are exported into the same workspace; DuckDB sorts the
file's figures into new, changed and unchanged, and checks every code against the local units,
subgroups and periods the database knows, as one set, before anything is written. The new
figures then go to the database in chunks sized by DELIVEROLOGY_IMPORT_MEMORY_MB: a binary COPY
on PostgreSQL, batched inserts on SQLite. A file that changes nothing writes nothing.

Everything is written in one transaction (all or nothing, as every import), each new or
changed figure with its history and the import it came from (see docs/operating.md).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from deliverology.engine.definitions import RecordDefinition
from deliverology.engine.metrics import (
    compute_record_metric_tables,
    store_record_metric_figures,
)
from deliverology.web.performance.actions import (
    record_creation_history,
    refresh_rollups_of,
)
from deliverology.web.performance.columnar_rollups import copy_query_into, export_figures
from deliverology.web.performance.models import (
    ImportRun,
    Metric,
    Observation,
    lock_against_writers,
    reserve_ids,
)

if TYPE_CHECKING:
    from deliverology.engine.metrics import RecordMetric

Say = Callable[[str], None]
# What one figure costs in Python while it is written (a tuple of thirteen values, its floats
# and dates): a chunk of the new figures holds a quarter of the budget's worth.
ROW_BYTES = 500
# DuckDB gets half the budget, and never less than this (it needs some room for any query).
DUCKDB_LEAST_MB = 128
_HELD = ("id", "local_unit_id", "subgroup_id", "period", "numerator", "denominator", "value")
_HELD_TYPES = {
    "id": "BIGINT",
    "local_unit_id": "BIGINT",
    "subgroup_id": "BIGINT",
    "period": "VARCHAR",
    "numerator": "DOUBLE",
    "denominator": "DOUBLE",
    "value": "DOUBLE",
    "provisional": "INTEGER",
    "missing_reason": "VARCHAR",
}
_CHANGED = ("numerator", "denominator", "value", "provisional", "missing_reason")


@dataclass(frozen=True)
class Budget:
    """How the import's memory budget (DELIVEROLOGY_IMPORT_MEMORY_MB) is shared out."""

    megabytes: float

    @classmethod
    def from_settings(cls) -> Budget:
        return cls(float(settings.DELIVEROLOGY_IMPORT_MEMORY_MB))

    @property
    def duckdb_limit(self) -> str:
        return f"{max(DUCKDB_LEAST_MB, int(self.megabytes / 2))}MB"

    @property
    def index_build_mb(self) -> int:
        """PostgreSQL's memory for building an index again (maintenance_work_mem)."""
        return max(64, int(self.megabytes / 4))

    @property
    def rows_a_chunk(self) -> int:
        return max(1, int(self.megabytes * 1_000_000 / 4 / ROW_BYTES))


@dataclass
class Compared:
    """How many of the file's figures are new, changed and unchanged."""

    new: int
    changed: int
    unchanged: int


@contextmanager
def workspace(budget: Budget) -> Iterator[Any]:
    """A DuckDB database in a temporary folder of the data folder, as an Ibis connection,
    limited to its share of the budget and spilling to disk beyond it."""
    import ibis  # the engine's own library, loaded when records are imported

    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=settings.DATA_DIR, prefix="import-") as folder:
        con = duckdb.connect(str(Path(folder) / "workspace.duckdb"))
        try:
            con.execute(f"SET memory_limit = '{budget.duckdb_limit}'")
            con.execute(f"SET temp_directory = '{Path(folder) / 'spill'}'")
            con.execute("SET preserve_insertion_order = false")
            yield ibis.duckdb.from_connection(con)
        finally:
            con.close()


def compute_figures(
    workspace: Any, path: Path, metric: RecordMetric, backend: str, name: str = "figures"
) -> None:
    """The metric's figures as table `name` of the workspace: computed there on DuckDB (with
    the SQL compiled for the metric kept in the data folder's cache); on Spark computed there
    and copied in as Arrow."""
    if backend == "duckdb":
        compiled = settings.DATA_DIR / "cache" / "compiled-sql"
        store_record_metric_figures(path, metric, workspace, name, sql_cache=compiled)
        return
    (found,) = compute_record_metric_tables(path, [metric], backend=backend)
    workspace.con.register("_computed", found)
    workspace.con.execute(f"CREATE TABLE {name} AS SELECT * FROM _computed")  # noqa: S608
    workspace.con.unregister("_computed")


def unknown_codes(
    con: duckdb.DuckDBPyConnection, definition: RecordDefinition, units: Any, subgroups: Any
) -> list[str]:
    """The local units and subgroups of the figures the database does not know, as a set."""
    _known_codes(con, "known_units", units)
    _known_codes(con, "known_subgroups", subgroups)
    problems = []
    for level, column in definition.levels.items():
        codes = _codes_not_in(con, "local_unit_code", "known_units", f"level = '{level}'")
        if codes:
            problems.append(_unknown("local unit", codes, f"column '{column}' ({level})"))
    codes = _codes_not_in(con, "subgroup_code", "known_subgroups", "true")
    if codes:
        columns = ", ".join(f"'{c}'" for c in definition.subgroups)
        problems.append(_unknown("subgroup", codes, f"column {columns}"))
    return problems


def _known_codes(con: duckdb.DuckDBPyConnection, name: str, ids: dict[str, int]) -> None:
    known = pa.table({"code": list(ids), "id": pa.array(list(ids.values()), pa.int64())})
    con.register("_known", known)
    con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _known")  # noqa: S608
    con.unregister("_known")


def _codes_not_in(con: duckdb.DuckDBPyConnection, column: str, known: str, where: str) -> set[str]:
    sql = (
        f"SELECT DISTINCT f.{column} FROM figures f ANTI JOIN {known} k "  # noqa: S608
        f"ON k.code = f.{column} WHERE {where}"
    )
    return {code for (code,) in con.execute(sql).fetchall()}


def _unknown(what: str, codes: set[str], where: str) -> str:
    shown = ", ".join(f"'{code}'" for code in sorted(codes)[:10])
    more = f" and {len(codes) - 10:,} more" if len(codes) > 10 else ""
    return (
        f"{len(codes):,} {what} code(s) in {where} are not known: {shown}{more}. "
        f"Load or add them first."
    )


def records_and_figures(
    con: duckdb.DuckDBPyConnection, level: str, default_subgroup: str
) -> tuple[int, int]:
    """How many records the figures came from (those of the smallest level, all records),
    and how many figures there are."""
    sql = (
        "SELECT coalesce(sum(records) FILTER (level = ? AND subgroup_code = ?), 0)::BIGINT, "
        "count(*) FROM figures"
    )
    found = con.execute(sql, [level, default_subgroup]).fetchone()
    assert found is not None  # noqa: S101  (an aggregate always gives a row)
    return int(found[0]), int(found[1])


def compare(con: duckdb.DuckDBPyConnection, metric: Metric, budget: Budget) -> Compared:
    """Sort the figures into new, changed and unchanged against what the database holds for
    the metric and the file's periods, exported into the workspace."""
    periods = [p for (p,) in con.execute("SELECT DISTINCT period FROM figures").fetchall()]
    starts = pa.table(
        {
            "period": periods,
            "period_start": pa.array([metric.parse_period(p).start for p in periods], pa.date32()),
        }
    )
    con.register("_starts", starts)
    con.execute("CREATE TABLE periods AS SELECT * FROM _starts")
    con.unregister("_starts")
    _export_held(con, metric, periods, budget)
    con.execute(_COMPARED)
    counts = dict(con.execute("SELECT state, count(*) FROM compared GROUP BY state").fetchall())
    return Compared(counts.get("new", 0), counts.get("changed", 0), counts.get("unchanged", 0))


# A figure is unchanged when its counts and value equal those held (floats to 1e-12, as the
# comparison of any other import) and the held one was neither provisional nor missing.
_COMPARED = """
CREATE TABLE compared AS
WITH fresh AS (
    SELECT u.id AS local_unit_id, s.id AS subgroup_id, f.period, p.period_start,
           f.numerator, f.denominator, f.value
    FROM figures f
    JOIN known_units u ON u.code = f.local_unit_code
    JOIN known_subgroups s ON s.code = f.subgroup_code
    JOIN periods p ON p.period = f.period
)
SELECT fresh.*, held.id AS held_id,
    CASE
        WHEN held.id IS NULL THEN 'new'
        WHEN same(fresh.numerator, held.numerator) AND same(fresh.denominator, held.denominator)
             AND same(fresh.value, held.value) AND held.provisional = 0
             AND coalesce(held.missing_reason, '') = '' THEN 'unchanged'
        ELSE 'changed'
    END AS state
FROM fresh LEFT JOIN held USING (local_unit_id, subgroup_id, period)
"""
_SAME = """
CREATE MACRO same(a, b) AS (a IS NULL AND b IS NULL) OR (a IS NOT NULL AND b IS NOT NULL
    AND abs(a - b) <= greatest(1e-12 * greatest(abs(a), abs(b)), 1e-12))
"""


def _export_held(
    con: duckdb.DuckDBPyConnection, metric: Metric, periods: list[str], budget: Budget
) -> None:
    columns = ", ".join(f"{name} {kind}" for name, kind in _HELD_TYPES.items())
    con.execute(f"CREATE TABLE held ({columns})")
    con.execute(_SAME)
    size = max(1, settings.DELIVEROLOGY_IMPORT_BATCH_SIZE - 1)
    for start in range(0, len(periods), size):
        some = periods[start : start + size]
        if connection.vendor == "postgresql":
            _copy_held(con, metric, some)
        else:
            _fetch_held(con, metric, some, budget)


def _held_query(metric: Metric, periods: list[str]) -> tuple[str, list[Any]]:
    table = connection.ops.quote_name(Observation._meta.db_table)
    listed = ", ".join(["%s"] * len(periods))
    selected = ", ".join(_HELD)
    sql = (
        f"SELECT {selected}, CASE WHEN provisional THEN 1 ELSE 0 END, missing_reason "  # noqa: S608
        f"FROM {table} WHERE metric_id = %s AND period IN ({listed})"
    )
    return sql, [metric.pk, *periods]


def _copy_held(con: duckdb.DuckDBPyConnection, metric: Metric, periods: list[str]) -> None:
    text, params = _held_query(metric, periods)
    copy_query_into(con, "held", text, params, _HELD_TYPES)


def _fetch_held(
    con: duckdb.DuckDBPyConnection, metric: Metric, periods: list[str], budget: Budget
) -> None:
    sql, params = _held_query(metric, periods)
    names = list(_HELD_TYPES)
    arrow = {"VARCHAR": pa.string(), "DOUBLE": pa.float64(), "BIGINT": pa.int64()}
    schema = pa.schema([(name, arrow.get(kind, pa.int64())) for name, kind in _HELD_TYPES.items()])
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(budget.rows_a_chunk):
            columns = list(zip(*rows, strict=True))
            chunk = pa.table(
                [pa.array(column, schema.field(i).type) for i, column in enumerate(columns)],
                names=names,
            )
            con.register("_chunk", chunk)
            con.execute("INSERT INTO held SELECT * FROM _chunk")
            con.unregister("_chunk")


def write(
    con: duckdb.DuckDBPyConnection,
    metric: Metric,
    run: ImportRun,
    compared: Compared,
    budget: Budget,
    by: User | None,
) -> None:
    """Write the new and changed figures, their history and the metric's roll-ups, in one
    transaction."""
    with transaction.atomic(), _sqlite_cache(budget):
        # PostgreSQL reads the figures of the other periods before writing (at a first load
        # there are none, and none are found quicker than among the rows just written),
        # with the table locked against other writers until the commit.
        read_first = connection.vendor == "postgresql"
        if read_first:
            lock_against_writers(Observation)
            _figures_after_the_write(con, metric)
        _write_new(con, metric, run, compared.new, budget, by)
        if compared.changed:
            _write_changed(con, run, budget, by)
        if not read_first:
            _figures_after_the_write(con, metric)
        refresh_rollups_of(con, metric, "after")


@contextmanager
def _sqlite_cache(budget: Budget) -> Iterator[None]:
    """SQLite keeps as many of the tables' pages in memory as PostgreSQL has to build an
    index (`Budget.index_build_mb`) while the import writes: its unique key and indexes
    take each new row in place, a lookup a row, too many for its default 2 MiB."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (kept,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = -{budget.index_build_mb * 1024}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(kept)}")


# The metric's figures as the database holds them once the import is written: the file's
# (an unchanged one as held), and those of the periods the file does not have.
_AFTER = """
INSERT INTO after
SELECT c.local_unit_id, c.subgroup_id, c.period, c.period_start,
       if(c.state = 'unchanged', h.numerator, c.numerator),
       if(c.state = 'unchanged', h.denominator, c.denominator),
       if(c.state = 'unchanged', h.value, c.value), false, ''
FROM compared c LEFT JOIN held h ON h.id = c.held_id
"""


def _figures_after_the_write(con: duckdb.DuckDBPyConnection, metric: Metric) -> None:
    """Table `after` of the workspace: every figure of the metric once the import is
    written, for its roll-ups. Only the figures of periods the file does not have are read
    from the database (none at a first load)."""
    periods = [p for (p,) in con.execute("SELECT period FROM periods").fetchall()]
    export_figures(con, metric, "after", but=periods)
    con.execute(_AFTER)


# A write of fewer new rows than this is left to the database's row-by-row checks.
BULK_FROM = 100_000
# PostgreSQL checks a table's foreign keys once, as a set, rather than once a new row at the
# commit, when the new rows are at least this share of the table after the write (adding a
# key again reads every row of the table, so it pays only for a write big against the table).
KEYS_FROM_SHARE = 0.1
# PostgreSQL builds a table's other indexes again, rather than adding each new row to each,
# when the new rows are at least this share of the table after the write: an index built
# from sorted rows costs a few times less a row than one grown a row at a time.
INDEXES_FROM_SHARE = 0.5


@contextmanager
def _loaded_in_bulk(model: type[Any], new: int, budget: Budget) -> Iterator[None]:
    """Write many rows into a table as a bulk load does, keeping every constraint valid.

    When the new rows are a large part of the table (KEYS_FROM_SHARE), its foreign keys are
    dropped and added again, with the same names and definitions, in the same transaction:
    adding a key checks every row in one join, where a deferred key checks each new row on
    its own at the commit (four lookups a row for a figure). When they are at least half of
    it (INDEXES_FROM_SHARE), the indexes other than the primary key, unique constraints
    included, are dropped too and built again from the table. The import already checked
    the codes and keys of its figures as sets; adding the keys and unique constraints again
    checks the table as the database sees it, so a row that broke one would make the import
    fail and roll back. A killed import rolls back the drops too. The table is locked against
    readers while its rows are written. SQLite builds its plain indexes again the same way."""
    if new < BULK_FROM or connection.vendor not in ("postgresql", "sqlite"):
        yield
        return
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            dropped = _dropped_for_sqlite(cursor, table, new)
        else:
            dropped = _dropped_for_postgresql(cursor, table, new)
    yield
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SET LOCAL maintenance_work_mem = '{budget.index_build_mb}MB'")
        for statement in reversed(dropped):
            cursor.execute(statement)


def _dropped_for_postgresql(cursor: Any, table: str, new: int) -> list[str]:
    """Drop what a bulk load of `new` rows is better without; the statements that put it
    back."""
    dropped = []
    share = new / (new + _rows_held(cursor, table))
    if share >= KEYS_FROM_SHARE:
        dropped += _drop_constraints(cursor, table, "f")
    if share >= INDEXES_FROM_SHARE:
        dropped += _drop_constraints(cursor, table, "p")
        dropped += _drop_constraints(cursor, table, "u")
        dropped += _drop_plain_indexes(cursor, table)
    return dropped


def _dropped_for_sqlite(cursor: Any, table: str, new: int) -> list[str]:
    """SQLite keeps a table's unique constraints and keys in the table's own definition, so
    they stay and check each row: only the other indexes are built again. The rows held are
    taken from the span of the ids (no count of a large table)."""
    quote = connection.ops.quote_name
    cursor.execute(f"SELECT coalesce(max(id) - min(id) + 1, 0) FROM {quote(table)}")  # noqa: S608
    if new / (new + cursor.fetchone()[0]) < INDEXES_FROM_SHARE:
        return []
    cursor.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
        "AND sql IS NOT NULL ORDER BY name",
        [table],
    )
    dropped = []
    for name, definition in cursor.fetchall():
        cursor.execute(f"DROP INDEX {quote(name)}")
        dropped.append(definition)
    return dropped


def _rows_held(cursor: Any, table: str) -> float:
    """The planner's count of the table's rows (kept by ANALYZE and autovacuum): a count of
    a large table would cost more than the choice it informs. A table never counted is
    taken as empty."""
    cursor.execute("SELECT greatest(reltuples, 0) FROM pg_class WHERE oid = %s::regclass", [table])
    return float(cursor.fetchone()[0])


def _drop_constraints(cursor: Any, table: str, kind: str) -> list[str]:
    """Drop the table's constraints of a kind ('f' foreign keys, 'u' unique, 'p' its primary
    key, which no other table's key references); the statements that add them again."""
    quote = connection.ops.quote_name
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = %s ORDER BY conname",
        [table, kind],
    )
    again = []
    for name, definition in cursor.fetchall():
        cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
        again.append(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")
    return again


def _drop_plain_indexes(cursor: Any, table: str) -> list[str]:
    """Drop the table's indexes that belong to no constraint; the statements that build them
    again."""
    quote = connection.ops.quote_name
    cursor.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid = %s::regclass AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY 1",
        [table],
    )
    again = []
    for name, definition in cursor.fetchall():
        cursor.execute(f"DROP INDEX {quote(name)}")
        again.append(definition)
    return again


_NEW = """
SELECT $metric::BIGINT AS metric_id, local_unit_id, subgroup_id, period, period_start,
       numerator, denominator, value, false AS provisional, '' AS missing_reason,
       $source::VARCHAR AS source, $run::BIGINT AS import_run_id
FROM compared WHERE state = 'new'
ORDER BY {order}
"""
# PostgreSQL builds the indexes again and takes the rows in the order of the index they are
# read by (which is then built from rows already in order); SQLite keeps its unique key as
# the rows are written and takes them in its order.
_ORDER = {
    "postgresql": "period, local_unit_id, subgroup_id",
    "sqlite": "local_unit_id, subgroup_id, period",
}


def _write_new(
    con: duckdb.DuckDBPyConnection,
    metric: Metric,
    run: ImportRun,
    new: int,
    budget: Budget,
    by: User | None,
) -> None:
    """The new figures and their first history rows, in chunks, in the order of one of the
    table's indexes (`_ORDER`).

    On PostgreSQL the figures take ids kept for them (`reserve_ids`), so that their history
    rows, with the same ids, go in a second binary COPY of the same rows rather than being
    read back from the table. On SQLite rows are inserted a chunk at a time and the history
    copied from them in one statement."""
    values = {"metric": metric.pk, "source": run.file_name, "run": run.pk}
    history = Observation.history.model
    new_figures = _NEW.format(order=_ORDER.get(connection.vendor, _ORDER["sqlite"]))
    if connection.vendor != "postgresql":
        reader = con.sql(new_figures, params=values).to_arrow_reader(budget.rows_a_chunk)
        with _loaded_in_bulk(Observation, new, budget):
            Observation.objects.load_figure_batches(_chunks(reader))
        with _loaded_in_bulk(history, new, budget):
            record_creation_history(run, by)
        return
    # Kept in order, so that each row's place in the table (its rowid) gives its ids.
    con.execute("SET preserve_insertion_order = true")
    con.execute(f"CREATE TABLE new_figures AS {new_figures}", values)  # noqa: S608
    con.execute("SET preserve_insertion_order = false")
    new = _count(con, "new_figures")
    if not new:
        return
    first = reserve_ids(Observation, new)
    first_history = reserve_ids(history, new)
    now = timezone.now()
    with _loaded_in_bulk(Observation, new, budget):
        numbered = f"SELECT {first}::BIGINT + rowid AS id, * FROM new_figures"  # noqa: S608
        reader = con.sql(numbered).to_arrow_reader(budget.rows_a_chunk)
        Observation.objects.load_figure_batches(_chunks(reader), now)
    with _loaded_in_bulk(history, new, budget):
        numbered = (
            f"SELECT {first}::BIGINT + rowid AS id, "  # noqa: S608
            f"({first_history} + rowid)::INTEGER AS history_id, * FROM new_figures"
        )
        reader = con.sql(numbered).to_arrow_reader(budget.rows_a_chunk)
        reason = f"import {run.pk}"
        Observation.objects.load_creation_history(
            _chunks(reader), now, by.pk if by else None, reason
        )


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    ((found,),) = con.execute(f"SELECT count(*) FROM {table}").fetchall()  # noqa: S608
    return int(found)


def _chunks(reader: pa.RecordBatchReader) -> Iterator[pa.RecordBatch]:
    """The batches of a reader, one in memory at a time."""
    yield from reader


def _rows(batch: pa.RecordBatch) -> list[tuple[Any, ...]]:
    return list(zip(*(column.to_pylist() for column in batch.columns), strict=True))


def _write_changed(
    con: duckdb.DuckDBPyConnection, run: ImportRun, budget: Budget, by: User | None
) -> None:
    fields = [*_CHANGED, "source", "import_run"]
    # An update of n rows carries an id and a value per field and row, and the ids again.
    rows_a_statement = max(1, settings.DELIVEROLOGY_IMPORT_BATCH_SIZE // (2 * len(fields) + 1))
    sql = "SELECT held_id, numerator, denominator, value FROM compared WHERE state = 'changed'"
    reader = con.sql(sql).to_arrow_reader(budget.rows_a_chunk)
    for batch in reader:
        changed = {row[0]: row[1:] for row in _rows(batch)}
        ids = list(changed)
        for first in range(0, len(ids), settings.DELIVEROLOGY_IMPORT_BATCH_SIZE):
            some = ids[first : first + settings.DELIVEROLOGY_IMPORT_BATCH_SIZE]
            observations = list(Observation.objects.filter(pk__in=some))
            for observation in observations:
                numbers = changed[observation.pk]
                for name, figure in zip(_CHANGED, (*numbers, False, ""), strict=True):
                    setattr(observation, name, figure)
                observation.source, observation.import_run = run.file_name, run
            bulk_update_with_history(
                observations,
                Observation,
                fields,
                batch_size=rows_a_statement,
                default_user=by,
                default_change_reason=f"import {run.pk}",
            )
