"""The rolled-up figures of a metric computed in DuckDB, in columns, with the same results as
`core.aggregation.roll_up_with_coverage` run for every subgroup and period.

The metric's figures are exported from the database into an in-memory DuckDB database (a CSV
COPY on PostgreSQL, chunks of rows on SQLite). The local-unit tree is read once. The roll-up
then runs level by level, from the units just above the leaves to the roots, each level for all
subgroups and periods at once: every child of a unit of the level, in every period of every
subgroup the child was measured in, is matched with its own figure and with its own roll-up
(already made at a lower level). A child left out of the sums is sized by its last earlier size,
a window over its periods: the latest earlier period in which it reported a denominator, or had
a roll-up with an expected size (or, when that is none or zero, a denominator). The sums are
exact (DuckDB's `fsum`, as Python's `math.fsum`). The metric's roll-ups are then replaced:
a CSV COPY on PostgreSQL, batched inserts on SQLite; no Python object per figure on PostgreSQL.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from django.conf import settings
from django.db import connection, models
from django.utils import timezone

from deliverology.core.aggregation import Aggregation, Hierarchy
from deliverology.web.performance.models import LocalUnit, Metric, Observation, Rollup

# The columns of a metric's figures as the roll-up reads them, with their DuckDB types.
FIGURE_COLUMNS = {
    "local_unit_id": "BIGINT",
    "subgroup_id": "BIGINT",
    "period": "VARCHAR",
    "period_start": "DATE",
    "numerator": "DOUBLE",
    "denominator": "DOUBLE",
    "value": "DOUBLE",
    "provisional": "BOOLEAN",
    "missing_reason": "VARCHAR",
}
# The columns of the rolled-up figures written, in the order of the table left by the roll-up.
ROLLUP_COLUMNS = (
    "local_unit_id",
    "subgroup_id",
    "period",
    "period_start",
    "numerator",
    "denominator",
    "value",
    "provisional",
    "reporting_children",
    "expected_children",
    "suppressed_children",
    "uncounted_children",
    "covered_share",
    "coverage",
    "children_type",
)
ROWS_A_BATCH = 50_000


@dataclass(frozen=True)
class UnitTree:
    """The local units as the columnar roll-up needs them, read once: each unit with its
    parent, its height (0 for a unit without children, else one more than its highest
    child), the type of its children and its validity dates; and each unit's lineage
    (itself and every unit above it)."""

    units: pa.Table
    lineage: pa.Table
    height: int

    @classmethod
    def of_local_units(cls) -> UnitTree:
        fields = ("pk", "parent_id", "type", "valid_from", "valid_to")
        rows = list(LocalUnit.objects.values_list(*fields))
        parents = {pk: parent for pk, parent, *_ in rows}
        heights = _heights(parents)
        units = _units_table(rows, heights, _children_types(rows))
        return cls(units, _lineage(parents), max(heights.values(), default=0))

    def register(self, con: duckdb.DuckDBPyConnection) -> None:
        """The tree as tables `units` and `lineage` of the DuckDB database."""
        _table_from_arrow(con, "units", self.units)
        _table_from_arrow(con, "lineage", self.lineage)


def _children_types(rows: list[tuple[Any, ...]]) -> dict[int, str]:
    """Each parent's children's type: the type of its first child, in the units' order."""
    children_type: dict[int, str] = {}
    for _pk, parent, unit_type, *_ in rows:
        if parent is not None:
            children_type.setdefault(parent, unit_type)
    return children_type


def _units_table(
    rows: list[tuple[Any, ...]], heights: dict[int, int], children_type: dict[int, str]
) -> pa.Table:
    pks = [pk for pk, *_ in rows]
    return pa.table(
        {
            "pk": pa.array(pks, pa.int64()),
            "parent_id": pa.array([row[1] for row in rows], pa.int64()),
            "height": pa.array([heights[pk] for pk in pks], pa.int32()),
            "children_type": pa.array([children_type.get(pk, "") for pk in pks], pa.string()),
            "valid_from": pa.array([row[3] for row in rows], pa.date32()),
            "valid_to": pa.array([row[4] for row in rows], pa.date32()),
        }
    )


def _heights(parents: dict[int, int | None]) -> dict[int, int]:
    """Each unit's height; the tree is checked as `Hierarchy` checks it (no cycles)."""
    hierarchy = Hierarchy.of(parents)
    heights = dict.fromkeys(parents, 0)
    for unit in hierarchy.bottom_up:
        heights[unit] = 1 + max(heights[child] for child in hierarchy.children[unit])
    return heights


def _lineage(parents: dict[int, int | None]) -> pa.Table:
    units: list[int] = []
    above: list[int] = []
    for unit in parents:
        current: int | None = unit
        while current is not None:
            units.append(unit)
            above.append(current)
            current = parents.get(current)
    return pa.table(
        {"unit_id": pa.array(units, pa.int64()), "ancestor_id": pa.array(above, pa.int64())}
    )


def _table_from_arrow(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> None:
    con.register("_arrow", table)
    con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _arrow")  # noqa: S608
    con.unregister("_arrow")


@contextmanager
def workspace() -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB database limited to half the import's memory budget, spilling
    to a temporary folder of the data folder beyond it."""
    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    limit = max(128, int(settings.DELIVEROLOGY_IMPORT_MEMORY_MB / 2))
    with tempfile.TemporaryDirectory(dir=settings.DATA_DIR, prefix="rollups-") as folder:
        con = duckdb.connect()
        try:
            con.execute(f"SET memory_limit = '{limit}MB'")
            con.execute(f"SET temp_directory = '{Path(folder) / 'spill'}'")
            con.execute("SET preserve_insertion_order = false")
            yield con
        finally:
            con.close()


def replace_rollups_in_columns(metric: Metric, tree: UnitTree) -> int:
    """Recompute every rolled-up figure of one metric in DuckDB and replace the stored ones
    with them; returns the count. To be called inside a transaction."""
    with workspace() as con:
        export_figures(con, metric, "figures")
        rolled = rollups_in_duckdb(con, metric, "figures", tree)
        return write_rollups(con, metric, rolled)


def export_figures(
    con: duckdb.DuckDBPyConnection, metric: Metric, name: str, but: Sequence[str] = ()
) -> None:
    """Every figure of the metric the database holds, but those of the periods `but`, as
    table `name` of the DuckDB database (the columns of FIGURE_COLUMNS)."""
    columns = ", ".join(f"{column} {kind}" for column, kind in FIGURE_COLUMNS.items())
    con.execute(f"CREATE OR REPLACE TABLE {name} ({columns})")
    if connection.vendor == "postgresql":
        _copy_figures(con, name, metric.pk, but)
    else:
        _fetch_figures(con, name, metric.pk, but)


def _figures_query(selected: str, but: Sequence[str]) -> str:
    table = connection.ops.quote_name(Observation._meta.db_table)
    sql = f"SELECT {selected} FROM {table} WHERE metric_id = %s"  # noqa: S608
    return sql + (f" AND period NOT IN ({', '.join(['%s'] * len(but))})" if but else "")


def _copy_figures(
    con: duckdb.DuckDBPyConnection, name: str, metric_id: int, but: Sequence[str]
) -> None:
    text = _figures_query(", ".join(FIGURE_COLUMNS), but)
    copy_query_into(con, name, text, [metric_id, *but], FIGURE_COLUMNS)


def copy_query_into(
    con: duckdb.DuckDBPyConnection,
    name: str,
    sql: str,
    params: Sequence[Any],
    columns: dict[str, str],
) -> None:
    """PostgreSQL writes a query's rows as CSV into a file that DuckDB reads into table
    `name` (its columns and DuckDB types `columns`, in the query's order): no Python object
    per row, and no more memory than a block of the file."""
    from psycopg import sql as pg  # installed with PostgreSQL's extra

    query = pg.SQL(sql.replace("%s", "{}")).format(*map(pg.Literal, params))
    with tempfile.TemporaryDirectory(dir=settings.DATA_DIR, prefix=f"{name}-") as folder:
        path = Path(folder) / f"{name}.csv"
        with connection.cursor() as cursor, path.open("wb") as out:
            copying = pg.SQL("COPY ({}) TO STDOUT (FORMAT CSV)").format(query)
            with cursor.cursor.copy(copying) as copy:
                for block in copy:
                    out.write(block)
        types = ", ".join(f"'{column}': '{kind}'" for column, kind in columns.items())
        con.execute(
            f"INSERT INTO {name} SELECT * FROM read_csv('{path}', header = false, "  # noqa: S608
            f"delim = ',', auto_detect = false, columns = {{{types}}}, quote = '\"', escape = '\"')"
        )


# SQLite's figures as it stores them (dates as text, booleans as integers), so that no value
# goes through a converter in Python; DuckDB casts them.
_SQLITE_FIGURES = {
    "local_unit_id": pa.int64(),
    "subgroup_id": pa.int64(),
    "period": pa.string(),
    "period_start": pa.string(),
    "numerator": pa.float64(),
    "denominator": pa.float64(),
    "value": pa.float64(),
    "provisional": pa.int64(),
    "missing_reason": pa.string(),
}


def _fetch_figures(
    con: duckdb.DuckDBPyConnection, name: str, metric_id: int, but: Sequence[str]
) -> None:
    """SQLite gives the figures in chunks of rows, each made an Arrow table for DuckDB."""
    schema = pa.schema(list(_SQLITE_FIGURES.items()))
    raw = {"period_start": "CAST(period_start AS TEXT)", "provisional": "provisional + 0"}
    selected = ", ".join(raw.get(column, column) for column in _SQLITE_FIGURES)
    with connection.cursor() as cursor:
        cursor.execute(_figures_query(selected, but), [metric_id, *but])
        while rows := cursor.fetchmany(ROWS_A_BATCH):
            columns = zip(*rows, strict=True)
            arrays = [pa.array(c, field.type) for c, field in zip(columns, schema, strict=True)]
            con.register("_chunk", pa.table(arrays, schema=schema))
            con.execute(f"INSERT INTO {name} SELECT * FROM _chunk")  # noqa: S608
            con.unregister("_chunk")


def rollups_in_duckdb(
    con: duckdb.DuckDBPyConnection,
    metric: Metric,
    figures: str,
    tree: UnitTree | None = None,
) -> str:
    """Roll up the metric's figures (table `figures`, the columns of FIGURE_COLUMNS) over the
    local-unit tree, level by level; returns the name of the table of the rolled-up figures
    to write (the columns of ROLLUP_COLUMNS: those with a value)."""
    tree = tree if tree is not None else UnitTree.of_local_units()
    tree.register(con)
    _periods(con, metric, figures)
    con.execute(_MEASURED.format(figures=figures))
    con.execute(_ROLLED_TABLE)
    aggregation = metric.core_aggregation
    parameters = {
        "needs_counts": aggregation in (Aggregation.RATE, Aggregation.MEAN),
        "is_rate": aggregation is Aggregation.RATE,
        "scale": float(metric.scale),
    }
    for height in range(1, tree.height + 1):
        con.execute(_ROLL_UP_LEVEL.format(figures=figures), {**parameters, "height": height})
    con.execute(_WRITTEN)
    return "written"


def _periods(con: duckdb.DuckDBPyConnection, metric: Metric, figures: str) -> None:
    """Table `rollup_periods`: each subgroup's periods (those with any figure), with each period's
    end (as the metric reads its label), the date at which units are valid or closed."""
    labels = [p for (p,) in con.execute(f"SELECT DISTINCT period FROM {figures}").fetchall()]  # noqa: S608
    ends = pa.table(
        {
            "period": pa.array(labels, pa.string()),
            "period_end": pa.array([metric.parse_period(p).end for p in labels], pa.date32()),
        }
    )
    con.register("_ends", ends)
    con.execute(
        "CREATE OR REPLACE TABLE rollup_periods AS "  # noqa: S608
        f"SELECT DISTINCT f.subgroup_id, f.period, f.period_start, e.period_end "
        f"FROM {figures} f JOIN _ends e USING (period)"
    )
    con.unregister("_ends")


# The units measured in each subgroup: those with a figure in any period, and every unit above
# them. A unit never measured is not expected of its parent (the metric does not apply to it).
_MEASURED = """
CREATE OR REPLACE TABLE measured AS
SELECT DISTINCT l.ancestor_id AS unit_id, f.subgroup_id
FROM (SELECT DISTINCT local_unit_id, subgroup_id FROM {figures}) f
JOIN lineage l ON l.unit_id = f.local_unit_id
"""

# Every unit with children, in every period of every subgroup, rolled up (with or without a
# value): the level above reads it for its children.
_ROLLED_TABLE = """
CREATE OR REPLACE TABLE rolled (
    local_unit_id BIGINT, subgroup_id BIGINT, period VARCHAR, period_start DATE,
    numerator DOUBLE, denominator DOUBLE, value DOUBLE, provisional BOOLEAN,
    reporting_children INTEGER, expected_children INTEGER, suppressed_children INTEGER,
    uncounted_children INTEGER, covered_share DOUBLE, coverage DOUBLE,
    covered_size DOUBLE, expected_size DOUBLE
)
"""

# One level: the units of height $height, from their children. A child is in the sums with
# its own figure when that has a value (and, for rates and means, its counts), else with its
# own roll-up when that has a value; a child with neither is left out of its parent's
# expected children when it was closed at the period's end. A child left out of the sums
# counts with no covered size and its last earlier size (or its roll-up's expected size).
_ROLL_UP_LEVEL = """
INSERT INTO rolled
WITH children AS (
    SELECT c.parent_id, c.pk AS child, p.subgroup_id, p.period, p.period_start,
           coalesce(c.valid_from > p.period_end OR c.valid_to < p.period_end, false) AS closed
    FROM units c
    JOIN units parent ON parent.pk = c.parent_id AND parent.height = $height
    JOIN measured m ON m.unit_id = c.pk
    JOIN rollup_periods p ON p.subgroup_id = m.subgroup_id
),
matched AS (
    SELECT c.*,
           f.numerator AS own_numerator, f.denominator AS own_denominator,
           f.value AS own_value, f.provisional AS own_provisional,
           coalesce(f.missing_reason = 'suppressed', false) AS is_suppressed,
           b.numerator AS below_numerator, b.denominator AS below_denominator,
           b.value AS below_value, b.provisional AS below_provisional,
           b.coverage AS below_coverage,
           b.covered_size AS below_covered, b.expected_size AS below_expected,
           last_value(coalesce(f.denominator, nullif(b.expected_size, 0), b.denominator)
               IGNORE NULLS) OVER (
               PARTITION BY c.child, c.subgroup_id ORDER BY c.period_start
               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
           ) AS last_size
    FROM children c
    LEFT JOIN {figures} f
        ON f.local_unit_id = c.child AND f.subgroup_id = c.subgroup_id AND f.period = c.period
    LEFT JOIN rolled b
        ON b.local_unit_id = c.child AND b.subgroup_id = c.subgroup_id AND b.period = c.period
),
expected AS (
    SELECT *,
           own_value IS NOT NULL AND (NOT $needs_counts
               OR (own_numerator IS NOT NULL AND own_denominator IS NOT NULL)) AS by_own
    FROM matched
    WHERE own_value IS NOT NULL OR below_value IS NOT NULL OR NOT closed
),
parts AS (
    SELECT *,
           NOT by_own AND below_value IS NOT NULL AS by_below,
           CASE WHEN by_own THEN own_denominator
                WHEN by_below THEN below_covered ELSE 0.0 END AS covered,
           CASE WHEN by_own THEN own_denominator
                WHEN by_below THEN below_expected
                ELSE coalesce(last_size, below_expected) END AS size,
           CASE WHEN by_own THEN own_numerator WHEN by_below THEN below_numerator END AS numerator,
           CASE WHEN by_own THEN own_denominator
                WHEN by_below THEN below_denominator END AS denominator,
           CASE WHEN by_own THEN own_value WHEN by_below THEN below_value END AS value,
           CASE WHEN by_own THEN own_provisional
                WHEN by_below THEN below_provisional END AS provisional
    FROM expected
),
sums AS (
    SELECT parent_id, subgroup_id, period,
           count(*) AS expected_children,
           count(*) FILTER (by_own OR by_below) AS reporting_children,
           count(*) FILTER (NOT by_own AND NOT by_below AND own_value IS NULL
                            AND is_suppressed) AS suppressed_children,
           count(*) FILTER (NOT by_own AND NOT by_below
                            AND own_value IS NOT NULL) AS uncounted_children,
           bool_and(covered IS NOT NULL AND size IS NOT NULL) AS sized,
           fsum(covered) AS covered_size, fsum(size) AS expected_size,
           min(below_coverage) FILTER (by_below) AS child_ratio,
           fsum(numerator) AS numerator, fsum(denominator) AS denominator,
           fsum(value) AS value_sum, bool_or(provisional) AS provisional
    FROM parts
    GROUP BY parent_id, subgroup_id, period
),
sized AS (
    SELECT u.pk AS local_unit_id, p.subgroup_id, p.period, p.period_start,
           coalesce(s.expected_children, 0) AS expected_children,
           coalesce(s.reporting_children, 0) AS reporting_children,
           coalesce(s.suppressed_children, 0) AS suppressed_children,
           coalesce(s.uncounted_children, 0) AS uncounted_children,
           least(coalesce(s.child_ratio, 1.0), 1.0) AS child_ratio,
           CASE WHEN coalesce(s.sized, true) THEN coalesce(s.covered_size, 0.0) END
               AS covered_size,
           CASE WHEN coalesce(s.sized, true) THEN coalesce(s.expected_size, 0.0) END
               AS expected_size,
           s.numerator, s.denominator, s.value_sum,
           coalesce(s.provisional, false) AS provisional
    FROM units u
    JOIN rollup_periods p ON true
    LEFT JOIN sums s
        ON s.parent_id = u.pk AND s.subgroup_id = p.subgroup_id AND s.period = p.period
    WHERE u.height = $height
),
shared AS (
    SELECT *,
           CASE WHEN $needs_counts AND expected_size <> 0
                THEN covered_size / expected_size END AS covered_share
    FROM sized
)
SELECT local_unit_id, subgroup_id, period, period_start,
       CASE WHEN $needs_counts THEN numerator END,
       CASE WHEN $needs_counts THEN denominator END,
       CASE WHEN NOT $needs_counts THEN value_sum
            WHEN denominator = 0 THEN NULL
            WHEN $is_rate THEN $scale * (numerator / denominator)
            ELSE numerator / denominator END,
       provisional,
       reporting_children, expected_children, suppressed_children, uncounted_children,
       covered_share,
       coalesce(covered_share, least(
           CASE WHEN expected_children > 0
                THEN reporting_children::DOUBLE / expected_children ELSE 0.0 END,
           child_ratio)),
       covered_size, expected_size
FROM shared
"""

_WRITTEN = """
CREATE OR REPLACE TABLE written AS
SELECT r.local_unit_id, r.subgroup_id, r.period, r.period_start, r.numerator, r.denominator,
       r.value, r.provisional, r.reporting_children, r.expected_children,
       r.suppressed_children, r.uncounted_children, r.covered_share, r.coverage,
       u.children_type
FROM rolled r JOIN units u ON u.pk = r.local_unit_id
WHERE r.value IS NOT NULL
ORDER BY r.local_unit_id, r.subgroup_id, r.period
"""


def write_rollups(con: duckdb.DuckDBPyConnection, metric: Metric, rolled: str) -> int:
    """Replace the metric's stored roll-ups with table `rolled` (the columns of
    ROLLUP_COLUMNS); returns the count written."""
    Rollup.objects.filter(metric=metric).delete()
    if connection.vendor == "postgresql":
        return _copy_rollups(con, metric, rolled)
    return _insert_rollups(con, metric, rolled)


def _rollup_columns() -> list[str]:
    """The Rollup table's columns written, quoted: the metric, ROLLUP_COLUMNS, the time."""
    names = ["metric", *ROLLUP_COLUMNS, "computed_at"]
    return [connection.ops.quote_name(_column(name.removesuffix("_id"))) for name in names]


def _column(name: str) -> str:
    field = Rollup._meta.get_field(name)
    assert isinstance(field, models.Field) and field.column  # noqa: S101  (a typing guard)
    return field.column


def _copy_rollups(con: duckdb.DuckDBPyConnection, metric: Metric, rolled: str) -> int:
    """DuckDB writes the roll-ups as CSV into a file that PostgreSQL's COPY reads, a block at
    a time: no Python object per figure."""
    table = connection.ops.quote_name(Rollup._meta.db_table)
    columns = ", ".join(_rollup_columns())
    selected = ", ".join(ROLLUP_COLUMNS)
    now = timezone.now().isoformat()
    with tempfile.TemporaryDirectory(dir=settings.DATA_DIR, prefix="rollups-") as folder:
        path = Path(folder) / "rollups.csv"
        con.execute(
            f"COPY (SELECT {metric.pk}, {selected}, '{now}' FROM {rolled}) "  # noqa: S608
            f"TO '{path}' (FORMAT CSV, HEADER false)"
        )
        copying = f"COPY {table} ({columns}) FROM STDIN (FORMAT CSV)"
        with connection.cursor() as cursor, cursor.cursor.copy(copying) as copy:
            with path.open("rb") as source:
                while block := source.read(1 << 20):
                    copy.write(block)
    return _count(con, rolled)


def _insert_rollups(con: duckdb.DuckDBPyConnection, metric: Metric, rolled: str) -> int:
    """SQLite gets the roll-ups as inserts of a batch at a time."""
    table = connection.ops.quote_name(Rollup._meta.db_table)
    columns = _rollup_columns()
    marks = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608
    stamp = connection.ops.adapt_datetimefield_value(timezone.now())
    selected = ", ".join(
        "period_start::VARCHAR" if column == "period_start" else column for column in ROLLUP_COLUMNS
    )
    result = con.execute(f"SELECT {selected} FROM {rolled}")  # noqa: S608
    count = 0
    with connection.cursor() as cursor:
        while rows := result.fetchmany(ROWS_A_BATCH):
            cursor.executemany(sql, [(metric.pk, *row, stamp) for row in rows])
            count += len(rows)
    return count


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    found = con.execute(f"SELECT count(*) FROM {table}").fetchone()  # noqa: S608
    return int(found[0]) if found is not None else 0
