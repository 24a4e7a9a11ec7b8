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
"""

from __future__ import annotations

import gc
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import repeat
from pathlib import Path
from typing import Any, NamedTuple

import ibis
import pyarrow as pa

from deliverology.core.aggregation import Aggregation
from deliverology.core.periods import PeriodError, PeriodKind, parse_period, period_containing
from deliverology.engine.backends import Backend, arrow_result, arrow_table, connect
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
) -> list[MetricRow]:
    """The metric per level × local unit × period × subgroup, from a Parquet or CSV file of
    records or an Arrow table, computed on `backend` ("duckdb" or "spark"; see backends.py), or
    on `connection`, an Ibis connection to either.
    """
    (rows,) = compute_record_metrics(records, [metric], backend=backend, connection=connection)
    return rows


def compute_record_metrics(
    records: str | Path | pa.Table,
    metrics: Sequence[RecordMetric],
    *,
    backend: Backend | str = Backend.DUCKDB,
    connection: Any = None,
) -> list[list[MetricRow]]:
    """Several metrics of the same records (same filters, levels, period and subgroups) in one
    pass over them: each metric's rows, in the order of `metrics`, sorted by level, local unit,
    period and subgroup."""
    found = _figures(records, metrics, backend, connection, ordered=True)
    return [_rows(metric, _table(i, found)) for i, metric in enumerate(metrics)]


def compute_record_metric_tables(
    records: str | Path | pa.Table,
    metrics: Sequence[RecordMetric],
    *,
    backend: Backend | str = Backend.DUCKDB,
    connection: Any = None,
) -> list[pa.Table]:
    """The same figures as `compute_record_metrics`, as one Arrow table per metric (columns
    level, local_unit_code, period, subgroup_code, numerator, denominator, value, records), in
    no particular order: for work that stays in Arrow, with no Python object per figure."""
    found = _figures(records, metrics, backend, connection, ordered=False)
    return [_table(i, found) for i in range(len(metrics))]


def store_record_metric_figures(
    records: str | Path | pa.Table, metric: RecordMetric, connection: Any, name: str
) -> None:
    """The figures of `compute_record_metric_tables` kept in DuckDB as table `name` of
    `connection` (an Ibis DuckDB connection): they never reach Python, and DuckDB holds them
    within its memory limit, on disk beyond it. For imports of millions of figures."""
    with _figure_expression(records, [metric], connection, ordered=False) as figures:
        named = figures.select(
            level=figures._level,
            local_unit_code=figures._unit,
            period=figures._period,
            subgroup_code=figures._subgroup,
            numerator=figures.numerator0,
            denominator=figures.denominator0,
            value=figures.value0,
            records=figures.records,
        )
        connection.con.execute(f"CREATE TABLE {name} AS {connection.compile(named)}")


def _figures(
    records: str | Path | pa.Table,
    metrics: Sequence[RecordMetric],
    backend: Backend | str,
    connection: Any,
    *,
    ordered: bool,
) -> pa.Table:
    con = connection if connection is not None else connect(backend)
    with _figure_expression(records, metrics, con, ordered=ordered) as figures:
        return arrow_result(con, figures)


@contextmanager
def _figure_expression(
    records: str | Path | pa.Table, metrics: Sequence[RecordMetric], con: Any, *, ordered: bool
) -> Iterator[Any]:
    """The figures as an Ibis expression, while the finest grain it reads is cached."""
    shape = _shared_shape(metrics)
    with _quiet_duckdb():
        table = _records_table(con, records)
        for metric in metrics:
            _check_columns(metric, table)
        # One pass over the records to the finest grain; every figure is summed from that.
        periods = _periods(con, table, shape)
        finest = _finest(_prepared(table, metrics, periods), shape, metrics).cache()
        try:
            labelled = finest.mutate(_period=_period_labels(con, finest, shape, periods))
            figures = ibis.union(*_groupings(labelled, shape, metrics))
            if ordered:
                figures = figures.order_by(["_level", "_unit", "_period", "_subgroup"])
            yield figures
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


def _check_columns(metric: RecordMetric, table: Any) -> None:
    missing = sorted(metric.columns() - set(table.columns))
    if missing:
        raise RecordMetricError(
            f"metric '{metric.code}' needs column {', '.join(repr(c) for c in missing)}, "
            f"which the records do not have; their columns are {', '.join(table.columns)}"
        )


@dataclass(frozen=True)
class _Periods:
    """How the records' periods are grouped at the finest grain: by month (`by_month`) or as
    they are, and the values found there when they are known beforehand."""

    by_month: bool
    values: list[Any] | None = None


def _periods(con: Any, table: Any, metric: RecordMetric) -> _Periods:
    """Dates are few (one a day at most), so they are looked at first: dates that are already
    one per month (a monthly extract) are grouped as they are, which spares working out the
    month of every record. Timestamps are grouped by month, texts and numbers as they are."""
    period = table[metric.period]
    if not period.type().is_date():
        return _Periods(by_month=period.type().is_temporal())
    found = arrow_result(con, table.select(_period=period).distinct())
    days = found.column(0).to_pylist()
    months = {date(d.year, d.month, 1) for d in days if d is not None}
    if len(months) == len(days) - days.count(None):
        return _Periods(by_month=False, values=days)
    return _Periods(by_month=True, values=[*months, *(None for d in days if d is None)])


def _prepared(table: Any, metrics: Sequence[RecordMetric], periods: _Periods) -> Any:
    metric = metrics[0]  # they all keep the same records
    kept = table
    for column, allowed in metric.filters.items():
        kept = kept.filter(kept[column].isin(list(allowed)))
    if metric.where is not None:
        kept = kept.filter(metric.where(kept))
    period = kept[metric.period]
    if periods.by_month:
        period = period.truncate("M").cast("date")
    summed = {name: _summable(kept, each) for name, each in _summed_columns(metrics).items()}
    return kept.mutate(
        **summed,
        _period=period.cast("string") if period.type().is_integer() else period,
    )


def _summed_columns(metrics: Sequence[RecordMetric]) -> dict[str, Expression]:
    """The columns summed for the metrics' numerators and denominators. One left out (None)
    counts each record once, which the number of records already says, so it is not summed."""
    summed: dict[str, Expression] = {}
    for index, metric in enumerate(metrics):
        parts = {"numerator": metric.numerator, "denominator": metric.denominator}
        for part, expression in parts.items():
            if expression is not None:
                summed[f"_{part}{index}"] = expression
    return summed


def _summable(table: Any, expression: Expression) -> Any:
    column = table[expression] if isinstance(expression, str) else expression(table)
    return column.cast("int64") if column.type().is_boolean() else column


def _finest(prepared: Any, metric: RecordMetric, metrics: Sequence[RecordMetric]) -> Any:
    # The levels' columns in their order (the local units first, as a hand-written query
    # would): DuckDB groups 100 million records a quarter faster than with the names sorted.
    keys = list(dict.fromkeys([*metric.levels.values(), "_period", *metric.subgroups]))
    sums = {name: prepared[name].sum() for name in _summed_columns(metrics)}
    return prepared.group_by(keys).aggregate(**sums, _records=prepared.count())


def _period_labels(con: Any, finest: Any, metric: RecordMetric, periods: _Periods) -> Any:
    """Dates and texts put in periods of the metric's kind; they are few, so Python does it."""
    raw = periods.values
    if raw is None:
        raw = arrow_result(con, finest.select("_period").distinct()).column(0).to_pylist()
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
    return finest._period.substitute(labels, else_=ibis.null("string"))


def _period(raw: Any, kind: PeriodKind) -> str | None:
    if isinstance(raw, datetime):
        raw = raw.date()
    try:
        if isinstance(raw, date):
            return period_containing(raw, kind).label
        return parse_period(str(raw), kind).label
    except PeriodError:
        return None


def _groupings(
    labelled: Any, shape: RecordMetric, metrics: Sequence[RecordMetric]
) -> Iterator[Any]:
    for level, column in shape.levels.items():
        for subgroup in (None, *shape.subgroups):
            summed = _grouped(labelled, level, column, subgroup, shape.default_subgroup, metrics)
            yield _measured(summed, metrics)


def _grouped(
    labelled: Any,
    level: str,
    unit_column: str,
    subgroup: str | None,
    default_subgroup: str,
    metrics: Sequence[RecordMetric],
) -> Any:
    kept = labelled.filter(labelled[unit_column].notnull())
    code = ibis.literal(default_subgroup, "string")
    if subgroup is not None:
        kept = kept.filter(kept[subgroup].notnull())
        code = kept[subgroup].cast("string")
    return kept.group_by(
        _level=ibis.literal(level, "string"),
        _unit=kept[unit_column].cast("string"),
        _period=kept._period,
        _subgroup=code,
    ).aggregate(
        **{name: kept[name].sum() for name in _summed_columns(metrics)},
        # Summed as doubles (exact to 2**53 records): the sum of integers would be a 128-bit
        # integer in DuckDB, which reaches Arrow as a decimal to convert back.
        records=kept._records.cast("float64").sum().cast("int64"),
    )


def _measured(summed: Any, metrics: Sequence[RecordMetric]) -> Any:
    """Each metric's numerator, denominator and value, worked out by the engine too."""
    columns: dict[str, Any] = {}
    for index, metric in enumerate(metrics):
        numerator = _total(summed, f"_numerator{index}", metric.numerator)
        denominator = _total(summed, f"_denominator{index}", metric.denominator)
        none = ibis.null("float64")
        match metric.aggregation:
            case Aggregation.RATE | Aggregation.MEAN:
                value = _ratio(metric, numerator, denominator)
            case Aggregation.SUM | Aggregation.COUNT:  # a count's numerator is the records
                value, numerator, denominator = numerator, none, none
        columns |= {
            f"numerator{index}": numerator,
            f"denominator{index}": denominator,
            f"value{index}": value,
        }
    return summed.select("_level", "_unit", "_period", "_subgroup", "records", **columns)


def _total(summed: Any, name: str, expression: Expression | None) -> Any:
    """A sum over the records; with no expression, the number of records."""
    total = summed[name] if expression is not None else summed.records
    return total.cast("float64").fill_null(0.0)


def _ratio(metric: RecordMetric, numerator: Any, denominator: Any) -> Any:
    """measure_value() over whole columns: the same operations in the same order, and an
    undefined ratio (a zero denominator) missing, not zero."""
    ratio = numerator / denominator.nullif(0.0)
    return ratio * metric.scale if metric.aggregation is Aggregation.RATE else ratio


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
