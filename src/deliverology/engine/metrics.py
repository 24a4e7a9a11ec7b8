"""Metrics computed from records (one row per pupil, patient or case) with Ibis on DuckDB.

A `RecordMetric` says which records count (filters), what each adds to the numerator and the
denominator, which columns hold the local unit at each level of the hierarchy, the period and
the subgroups. `compute_record_metric` sums them per level × local unit × period × subgroup; each
subgroup column is one breakdown, next to the "all" figure. Rates are ratios of the sums, never
means of rates, so a district's figure is exactly what its schools' sums give.

DuckDB does the heavy work (a 20M-row table in under two seconds). Periods are
grouped by month (a date column) or by their text, then put in periods of the metric's kind in
Python: months nest in every kind, so the sums stay exact. The values (rates and means) are
worked out by the engine too, with the operations of `measure_value`, so the figures come back
as Arrow columns with nothing done per figure in Python unless rows are asked for.

On DuckDB each step (the periods, the finest grain, the figures) is one SQL statement that
Ibis compiles from the expressions of record_expressions.py, or that a folder of compiled SQL
gives back from an earlier run; the statements run on the DuckDB connection itself.
"""

from __future__ import annotations

import gc
import hashlib
import json
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import repeat
from pathlib import Path
from typing import Any, NamedTuple

import duckdb
import pyarrow as pa

from deliverology.core import periods as periods_module
from deliverology.core.aggregation import Aggregation
from deliverology.core.periods import PeriodError, PeriodKind, parse_period, period_containing
from deliverology.engine.backends import Backend, arrow_result, arrow_table, backend_of, connect
from deliverology.engine.compiled_sql import (
    Compiled,
    CompiledSql,
    fingerprint,
    key_base,
    library_versions,
)
from deliverology.engine.mapping import DEFAULT_SUBGROUP

# A column whose values are summed (true counts as 1), or a function of the Ibis table
# returning such a column, for anything a column name cannot say.
Expression = str | Callable[[Any], Any]
_SHOWN_BAD_PERIODS = 5


class RecordMetricError(ValueError):
    """A metric that cannot be computed from these records."""


@dataclass(frozen=True)
class RecordMetric:
    """How to compute one metric from records.

    For a rate or mean, `numerator` is summed over the records and divided by the sum of
    `denominator` (by the number of records when it is None). A sum adds up `numerator`; a
    count is the number of records, or the sum of `numerator` when given.
    """

    code: str
    aggregation: Aggregation
    period: str
    period_kind: PeriodKind
    levels: Mapping[str, str]
    numerator: Expression | None = None
    denominator: Expression | None = None
    subgroups: tuple[str, ...] = ()
    filters: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)
    where: Callable[[Any], Any] | None = None
    scale: float = 100.0
    default_subgroup: str = DEFAULT_SUBGROUP

    def __post_init__(self) -> None:
        if not self.levels:
            raise RecordMetricError("say which column holds the local unit at each level")
        needs_numerator = self.aggregation in (Aggregation.RATE, Aggregation.MEAN, Aggregation.SUM)
        if needs_numerator and self.numerator is None:
            raise RecordMetricError(f"a {self.aggregation} needs a numerator")

    def columns(self) -> set[str]:
        named = {self.period, *self.levels.values(), *self.subgroups, *self.filters}
        return named | {e for e in (self.numerator, self.denominator) if isinstance(e, str)}


class MetricRow(NamedTuple):
    """One aggregated figure: `records` is how many records it was computed from."""

    metric_code: str
    level: str
    local_unit_code: str
    period: str
    subgroup_code: str
    numerator: float | None
    denominator: float | None
    value: float | None
    records: int


def compute_record_metric(
    records: str | Path | pa.Table,
    metric: RecordMetric,
    *,
    backend: Backend | str = Backend.DUCKDB,
    connection: Any = None,
    sql_cache: Path | None = None,
) -> list[MetricRow]:
    """The metric per level × local unit × period × subgroup, from a Parquet or CSV file of
    records or an Arrow table, computed on `backend` ("duckdb" or "spark"; see backends.py), or
    on `connection`: a DuckDB connection, or an Ibis connection to DuckDB or Spark. A DuckDB
    connection is given the settings Ibis gives its own (time zone UTC, no replacement scans).

    On DuckDB, `sql_cache` is a folder where the SQL Ibis compiles is kept (see
    compiled_sql.py): later runs of the same metric on records of the same columns run it
    without loading Ibis. Without it, everything is compiled each time.
    """
    (rows,) = compute_record_metrics(
        records, [metric], backend=backend, connection=connection, sql_cache=sql_cache
    )
    return rows


def compute_record_metrics(
    records: str | Path | pa.Table,
    metrics: Sequence[RecordMetric],
    *,
    backend: Backend | str = Backend.DUCKDB,
    connection: Any = None,
    sql_cache: Path | None = None,
) -> list[list[MetricRow]]:
    """Several metrics of the same records (same filters, levels, period and subgroups) in one
    pass over them: each metric's rows, in the order of `metrics`, sorted by level, local unit,
    period and subgroup."""
    found = _figures(records, metrics, backend, connection, ordered=True, sql_cache=sql_cache)
    return [_rows(metric, _table(i, found)) for i, metric in enumerate(metrics)]


def compute_record_metric_tables(
    records: str | Path | pa.Table,
    metrics: Sequence[RecordMetric],
    *,
    backend: Backend | str = Backend.DUCKDB,
    connection: Any = None,
    sql_cache: Path | None = None,
) -> list[pa.Table]:
    """The same figures as `compute_record_metrics`, as one Arrow table per metric (columns
    level, local_unit_code, period, subgroup_code, numerator, denominator, value, records), in
    no particular order: for work that stays in Arrow, with no Python object per figure."""
    found = _figures(records, metrics, backend, connection, ordered=False, sql_cache=sql_cache)
    return [_table(i, found) for i in range(len(metrics))]


def store_record_metric_figures(
    records: str | Path | pa.Table,
    metric: RecordMetric,
    connection: Any,
    name: str,
    *,
    sql_cache: Path | None = None,
) -> None:
    """The figures of `compute_record_metric_tables` kept in DuckDB as table `name` of
    `connection` (a DuckDB connection, plain or through Ibis): they never reach Python, and
    DuckDB holds them within its memory limit, on disk beyond it. For imports of millions of
    figures. `sql_cache` is as for `compute_record_metrics`."""
    duck = _duckdb_of(Backend.DUCKDB, connection)
    if duck is None:
        raise RecordMetricError("figures are stored in DuckDB: give a DuckDB connection")
    with _duckdb_steps(duck, records, [metric], sql_cache) as (statements, choices):
        stored = statements.get(
            "stored", choices, lambda: duck.compiled(_named_figures(duck, metric))
        )
        duck.con.execute(f"CREATE TABLE {name} AS {stored.sql}")


def _named_figures(duck: _DuckDB, metric: RecordMetric) -> Any:
    from deliverology.engine import record_expressions as rx

    return rx.named(_figures_of(duck, [metric], ordered=False))


def _figures(
    records: str | Path | pa.Table,
    metrics: Sequence[RecordMetric],
    backend: Backend | str,
    connection: Any,
    *,
    ordered: bool,
    sql_cache: Path | None,
) -> pa.Table:
    duck = _duckdb_of(backend, connection)
    if duck is None:
        con = connection if connection is not None else connect(backend)
        return _ibis_figures(con, records, metrics, ordered=ordered)
    with _duckdb_steps(duck, records, metrics, sql_cache) as (statements, choices):
        found = statements.get(
            "figures",
            {**choices, "ordered": ordered},
            lambda: duck.compiled(_figures_of(duck, metrics, ordered=ordered)),
        )
        return duck.result(found)


def _figures_of(duck: _DuckDB, metrics: Sequence[RecordMetric], *, ordered: bool) -> Any:
    from deliverology.engine import record_expressions as rx

    finest, labels = duck.table(_FINEST), duck.table(_LABELS)
    return rx.figures(finest, labels, metrics, ordered=ordered)


# -- on DuckDB: each step a statement, compiled by Ibis or kept from an earlier run --------

_RECORDS = "deliverology_records"
_FINEST = "deliverology_finest"
_LABELS = "deliverology_period_labels"


@dataclass
class _DuckDB:
    """A DuckDB connection, and the Ibis connection over it once something is compiled."""

    con: Any
    ibis_con: Any = None

    def table(self, name: str) -> Any:
        with _quiet_duckdb():
            return self._ibis().table(name)

    def compiled(self, expression: Any) -> Compiled:
        with _quiet_duckdb():
            return Compiled(self._ibis().compile(expression), expression.schema().to_pyarrow())

    def result(self, statement: Compiled) -> pa.Table:
        """What the statement gives, in the Arrow types Ibis promises (DuckDB's own differ
        here and there: a sum of integers is a HUGEINT)."""
        found = self.con.sql(statement.sql).to_arrow_table()
        promised = statement.schema
        return found if promised is None or found.schema.equals(promised) else found.cast(promised)

    def _ibis(self) -> Any:
        if self.ibis_con is None:
            import ibis

            self.ibis_con = ibis.duckdb.from_connection(self.con)
        return self.ibis_con


def _duckdb_of(backend: Backend | str, connection: Any) -> _DuckDB | None:
    """The DuckDB connection to compute on, or None when it is Spark."""
    if connection is None:
        if backend_of(backend) is not Backend.DUCKDB:
            return None
        return _DuckDB(duckdb.connect())
    if isinstance(connection, duckdb.DuckDBPyConnection):
        return _DuckDB(connection)
    if getattr(connection, "name", None) == "duckdb":
        return _DuckDB(connection.con, connection)
    return None


@contextmanager
def _duckdb_steps(
    duck: _DuckDB,
    records: str | Path | pa.Table,
    metrics: Sequence[RecordMetric],
    sql_cache: Path | None,
) -> Iterator[tuple[CompiledSql, dict[str, Any]]]:
    """The records as a view, their finest grain as a temporary table and the periods'
    labels beside it, ready for the statement of the figures; all gone afterwards. Also
    the choices made on the way, which the figures' statement depends on."""
    shape = _shared_shape(metrics)
    _set_as_ibis_does(duck.con)
    dropped = _records_view(duck.con, records)
    try:
        columns = [
            (str(c[0]), str(c[1])) for c in duck.con.execute(f"DESCRIBE {_RECORDS}").fetchall()
        ]
        for metric in metrics:
            _check_columns(metric, [name for name, _ in columns])
        statements = CompiledSql(sql_cache, key_base(_definition(metrics), columns, _source()))
        periods = _duckdb_periods(duck, statements, shape)
        finest = statements.get(
            "finest",
            {"by_month": periods.by_month},
            lambda: duck.compiled(_finest_of(duck, metrics, by_month=periods.by_month)),
        )
        duck.con.execute(f"CREATE OR REPLACE TEMP TABLE {_FINEST} AS {finest.sql}")
        labels = _labels(_raw_periods(duck, statements, periods), shape)
        kind = "DATE" if periods.by_month or periods.values is not None else "VARCHAR"
        _labels_in_duckdb(duck.con, labels, kind)
        yield statements, {"by_month": periods.by_month, "labels": kind}
    finally:
        _clean_up(duck.con, dropped)


def _labels_in_duckdb(con: Any, labels: Mapping[Any, str], kind: str) -> None:
    """The labels as a temporary table, passed as parameters (registering Python objects in
    DuckDB loads pandas, which takes longer than the query on a small file)."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE {_LABELS} (_raw {kind}, _label VARCHAR)")
    if not labels:
        return
    con.execute(
        f"INSERT INTO {_LABELS} SELECT unnest($raw), unnest($label)",  # noqa: S608
        {"raw": list(labels), "label": list(labels.values())},
    )


def _set_as_ibis_does(con: Any) -> None:
    """The settings Ibis gives a connection, so that kept statements run as compiled ones."""
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET python_enable_replacements = false")


def _records_view(con: Any, records: str | Path | pa.Table) -> str:
    """The records as view `_RECORDS`, read as Ibis reads them; how to drop it afterwards."""
    if isinstance(records, pa.Table):
        con.register(_RECORDS, records)
        return "unregister"
    path = Path(records)
    quoted = "'" + str(path).replace("'", "''") + "'"
    if path.suffix.lower() in (".parquet", ".pq"):
        source = f"read_parquet([{quoted}])"
    elif path.suffix.lower() == ".csv":
        source = f"read_csv([{quoted}], header = true, auto_detect = true)"
    else:
        raise RecordMetricError(f"records must be a .parquet or .csv file, not '{path.name}'")
    # The path is quoted as a SQL string above; the rest is this module's own text.
    con.execute(f"CREATE OR REPLACE TEMP VIEW {_RECORDS} AS SELECT * FROM {source}")  # noqa: S608
    return "drop"


def _clean_up(con: Any, dropped: str) -> None:
    con.execute(f"DROP TABLE IF EXISTS {_FINEST}")
    con.execute(f"DROP TABLE IF EXISTS {_LABELS}")
    if dropped == "unregister":
        con.unregister(_RECORDS)
    else:
        con.execute(f"DROP VIEW IF EXISTS {_RECORDS}")


def _duckdb_periods(duck: _DuckDB, statements: CompiledSql, shape: RecordMetric) -> _Periods:
    def compile_() -> Compiled:
        from deliverology.engine import record_expressions as rx

        table = duck.table(_RECORDS)
        compiled = duck.compiled(rx.distinct_periods(table, shape))
        return Compiled(compiled.sql, compiled.schema, rx.period_facts(table, shape))

    statement = statements.get("periods", {}, compile_)
    return _periods(statement.facts or {}, lambda: duck.result(statement))


def _finest_of(duck: _DuckDB, metrics: Sequence[RecordMetric], *, by_month: bool) -> Any:
    from deliverology.engine import record_expressions as rx

    return rx.finest(duck.table(_RECORDS), metrics, by_month=by_month)


def _raw_periods(duck: _DuckDB, statements: CompiledSql, periods: _Periods) -> list[Any]:
    """The periods at the finest grain, known already or looked up there."""
    if periods.values is not None:
        return periods.values

    def compile_() -> Compiled:
        from deliverology.engine import record_expressions as rx

        return duck.compiled(rx.finest_periods(duck.table(_FINEST)))

    statement = statements.get("finest periods", {"by_month": periods.by_month}, compile_)
    return list(duck.result(statement).column(0).to_pylist())


# The libraries whose versions may change a figure: what reads the records, what computes
# on them, what carries the results.
_FIGURE_LIBRARIES = ("duckdb", "ibis-framework", "sqlglot", "pyarrow", "pyspark")


def record_metric_key(metric: RecordMetric, backend: Backend | str) -> str | None:
    """The fingerprint of everything the figures of `metric` depend on but the records: its
    definition written in full (aggregation, period kind and scale included), the backend,
    the versions of the libraries and the source of the code that compute them, periods
    included. Records that are the same give the same figures under the same fingerprint.
    None when the metric holds Python functions (their effect cannot be written down)."""
    definition = _definition([metric])
    if definition is None:
        return None
    source = _source() + Path(periods_module.__file__).read_bytes()
    return fingerprint(
        {
            "definition": definition,
            "backend": str(backend_of(backend)),
            "source": hashlib.sha256(source).hexdigest(),
            "versions": library_versions(_FIGURE_LIBRARIES),
        }
    )


def _source() -> bytes:
    """The code that decides the statements, part of their key."""
    folder = Path(__file__).parent
    return b"".join((folder / n).read_bytes() for n in ("metrics.py", "record_expressions.py"))


def _definition(metrics: Sequence[RecordMetric]) -> list[dict[str, Any]] | None:
    """The metrics written down in full, or None when Python functions are part of them."""
    written = []
    for metric in metrics:
        if metric.where is not None or callable(metric.numerator) or callable(metric.denominator):
            return None
        written.append(
            {
                "code": metric.code,
                "aggregation": str(metric.aggregation),
                "period": metric.period,
                "period_kind": str(metric.period_kind),
                "levels": [list(pair) for pair in metric.levels.items()],
                "numerator": metric.numerator,
                "denominator": metric.denominator,
                "subgroups": list(metric.subgroups),
                "filters": [[c, list(kept)] for c, kept in metric.filters.items()],
                "scale": metric.scale,
                "default_subgroup": metric.default_subgroup,
            }
        )
    try:
        json.dumps(written)
    except (TypeError, ValueError):
        return None  # a filter on values JSON cannot write (dates, say)
    return written


# -- on Spark: the same expressions, through Ibis --------------------------------------------


def _ibis_figures(
    con: Any, records: str | Path | pa.Table, metrics: Sequence[RecordMetric], *, ordered: bool
) -> pa.Table:
    from deliverology.engine import record_expressions as rx

    shape = _shared_shape(metrics)
    with _quiet_duckdb():
        table = _records_table(con, records)
        for metric in metrics:
            _check_columns(metric, table.columns)
        periods = _periods(
            rx.period_facts(table, shape),
            lambda: arrow_result(con, rx.distinct_periods(table, shape)),
        )
        finest = rx.finest(table, metrics, by_month=periods.by_month).cache()
        try:
            raw = periods.values
            if raw is None:
                raw = arrow_result(con, rx.finest_periods(finest)).column(0).to_pylist()
            labels = arrow_table(con, _LABELS, _labels_table(_labels(raw, shape)))
            return arrow_result(con, rx.figures(finest, labels, metrics, ordered=ordered))
        finally:
            finest.release()


def _shared_shape(metrics: Sequence[RecordMetric]) -> RecordMetric:
    if not metrics:
        raise RecordMetricError("there is no metric to compute")
    first, *others = metrics
    for other in others:
        if _shape(other) != _shape(first):
            raise RecordMetricError(
                f"metrics '{first.code}' and '{other.code}' keep different records or group "
                "them differently (filters, levels, period, subgroups); compute them apart"
            )
    return first


def _shape(metric: RecordMetric) -> tuple[Any, ...]:
    return (
        metric.period,
        metric.period_kind,
        dict(metric.levels),
        metric.subgroups,
        dict(metric.filters),
        metric.where,
    )


@contextmanager
def _quiet_duckdb() -> Iterator[None]:
    # Ibis 12 calls DuckDB 2's deprecated fetch_arrow_table(); the warning is theirs to fix.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "fetch_arrow_table", DeprecationWarning)
        yield


def _records_table(con: Any, records: str | Path | pa.Table) -> Any:
    if isinstance(records, pa.Table):
        return arrow_table(con, "records", records)
    path = Path(records)
    if path.suffix.lower() in (".parquet", ".pq"):
        return con.read_parquet(path)
    if path.suffix.lower() == ".csv":
        return con.read_csv(path)
    raise RecordMetricError(f"records must be a .parquet or .csv file, not '{path.name}'")


def _check_columns(metric: RecordMetric, columns: Sequence[str]) -> None:
    missing = sorted(metric.columns() - set(columns))
    if missing:
        raise RecordMetricError(
            f"metric '{metric.code}' needs column {', '.join(repr(c) for c in missing)}, "
            f"which the records do not have; their columns are {', '.join(columns)}"
        )


@dataclass(frozen=True)
class _Periods:
    """How the records' periods are grouped at the finest grain: by month (`by_month`) or as
    they are, and the values found there when they are known beforehand."""

    by_month: bool
    values: list[Any] | None = None


def _periods(facts: Mapping[str, Any], distinct: Callable[[], pa.Table]) -> _Periods:
    """Dates are few (one a day at most), so they are looked at first: dates that are already
    one per month (a monthly extract) are grouped as they are, which spares working out the
    month of every record. Timestamps are grouped by month, texts and numbers as they are."""
    if not facts["is_date"]:
        return _Periods(by_month=bool(facts["temporal"]))
    days = distinct().column(0).to_pylist()
    months = {date(d.year, d.month, 1) for d in days if d is not None}
    if len(months) == len(days) - days.count(None):
        return _Periods(by_month=False, values=days)
    return _Periods(by_month=True, values=[*months, *(None for d in days if d is None)])


def summed_columns(metrics: Sequence[RecordMetric]) -> dict[str, Expression]:
    """The columns summed for the metrics' numerators and denominators. One left out (None)
    counts each record once, which the number of records already says, so it is not summed."""
    summed: dict[str, Expression] = {}
    for index, metric in enumerate(metrics):
        parts = {"numerator": metric.numerator, "denominator": metric.denominator}
        for part, expression in parts.items():
            if expression is not None:
                summed[f"_{part}{index}"] = expression
    return summed


def _labels(raw: Sequence[Any], metric: RecordMetric) -> dict[Any, str]:
    """Dates and texts put in periods of the metric's kind; they are few, so Python does it."""
    labels, bad = {}, set()
    for value in raw:
        label = _period(value, metric.period_kind)
        if label is None:
            bad.add(str(value))
        else:
            labels[value] = label
    if bad:
        shown = ", ".join(f"'{p}'" for p in sorted(bad)[:_SHOWN_BAD_PERIODS])
        raise RecordMetricError(
            f"column '{metric.period}' has values that are not periods of the kind "
            f"{metric.period_kind}: {shown}"
        )
    return labels


def _labels_table(labels: Mapping[Any, str]) -> pa.Table:
    return pa.table({"_raw": pa.array(list(labels)), "_label": pa.array(list(labels.values()))})


def _period(raw: Any, kind: PeriodKind) -> str | None:
    if isinstance(raw, datetime):
        raw = raw.date()
    try:
        if isinstance(raw, date):
            return period_containing(raw, kind).label
        return parse_period(str(raw), kind).label
    except PeriodError:
        return None


def _table(index: int, found: pa.Table) -> pa.Table:
    """One metric's figures out of the figures of several: its own columns, no copying."""
    return pa.table(
        {
            "level": found["_level"],
            "local_unit_code": found["_unit"],
            "period": found["_period"],
            "subgroup_code": found["_subgroup"],
            "numerator": found[f"numerator{index}"],
            "denominator": found[f"denominator{index}"],
            "value": found[f"value{index}"],
            "records": found["records"],
        }
    )


def _rows(metric: RecordMetric, table: pa.Table) -> list[MetricRow]:
    columns = [
        repeat(metric.code),
        *(_codes(table[name]) for name in ("level", "local_unit_code", "period", "subgroup_code")),
        *(_pylist(table[name]) for name in ("numerator", "denominator", "value", "records")),
    ]
    # A million new tuples set off full garbage collections that find nothing to free.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return list(map(MetricRow._make, zip(*columns, strict=False)))
    finally:
        if collecting:
            gc.enable()


def _codes(column: Any) -> list[str]:
    """The column's texts, one string object per distinct code: far fewer to make and hold."""
    encoded = column.combine_chunks().dictionary_encode()
    codes = encoded.dictionary.to_pylist()
    return list(map(codes.__getitem__, encoded.indices.to_numpy().tolist()))


def _pylist(column: Any) -> Any:
    if column.null_count == len(column):
        return repeat(None)
    if column.null_count:
        return column.to_pylist()
    return column.to_numpy().tolist()  # several times faster than to_pylist() for numbers
