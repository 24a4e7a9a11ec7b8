"""Metrics computed from records (one row per pupil, patient or case) with Ibis on DuckDB.

A `RecordMetric` says which records count (filters), what each adds to the numerator and the
denominator, which columns hold the local unit at each level of the hierarchy, the period and
the subgroups. `compute_record_metric` sums them per level × local unit × period × subgroup; each
subgroup column is one breakdown, next to the "all" figure. Rates are ratios of the sums, never
means of rates, so a district's figure is exactly what its schools' sums give.

DuckDB does the heavy work (TECH.md: a 20M-row table in under two seconds). Periods are
grouped by month (a date column) or by their text, then put in periods of the metric's kind in
Python: months nest in every kind, so the sums stay exact.
"""

from __future__ import annotations

import math
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa

from deliverology.core.aggregation import Aggregation, measure_value
from deliverology.core.periods import PeriodError, PeriodKind, parse_period, period_containing
from deliverology.engine.backends import Backend, arrow_table, connect
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


@dataclass(frozen=True)
class MetricRow:
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
    con = connection if connection is not None else connect(backend)
    with _quiet_duckdb():
        table = _records_table(con, records)
        _check_columns(metric, table)
        prepared = _prepared(table, metric)
        sums = _Sums()
        for level, column in metric.levels.items():
            for subgroup in (None, *metric.subgroups):
                for found in _grouped(prepared, column, subgroup).to_pyarrow().to_pylist():
                    sums.add(metric, level, subgroup, found)
    return sums.rows(metric)


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


def _prepared(table: Any, metric: RecordMetric) -> Any:
    kept = table
    for column, allowed in metric.filters.items():
        kept = kept.filter(kept[column].isin(list(allowed)))
    if metric.where is not None:
        kept = kept.filter(metric.where(kept))
    period = kept[metric.period]
    if period.type().is_temporal():
        period = period.truncate("M").cast("date")
    return kept.mutate(
        _numerator=_summable(kept, metric.numerator, default=1),
        _denominator=_summable(kept, metric.denominator, default=1),
        _period=period.cast("string") if period.type().is_integer() else period,
    )


def _summable(table: Any, expression: Expression | None, *, default: int) -> Any:
    if expression is None:
        return ibis.literal(default)
    column = table[expression] if isinstance(expression, str) else expression(table)
    return column.cast("int64") if column.type().is_boolean() else column


def _grouped(prepared: Any, unit_column: str, subgroup: str | None) -> Any:
    unit = prepared[unit_column]
    kept = prepared.filter(unit.notnull())
    keys = {"_unit": kept[unit_column].cast("string"), "_period": kept._period}
    if subgroup is not None:
        kept = kept.filter(kept[subgroup].notnull())
        keys["_subgroup"] = kept[subgroup].cast("string")
    return kept.group_by(**keys).aggregate(
        numerator=kept._numerator.sum(),
        denominator=kept._denominator.sum(),
        records=kept.count(),
    )


class _Sums:
    """Sums per (level, unit, period, subgroup), after months and texts become periods."""

    def __init__(self) -> None:
        self.parts: dict[tuple[str, str, str, str], list[tuple[float, float, int]]] = defaultdict(
            list
        )
        self.bad_periods: set[str] = set()

    def add(
        self, metric: RecordMetric, level: str, subgroup: str | None, found: dict[str, Any]
    ) -> None:
        period = self._period(found["_period"], metric.period_kind)
        if period is None:
            return
        code = metric.default_subgroup if subgroup is None else found["_subgroup"]
        key = (level, found["_unit"], period, code)
        self.parts[key].append(
            (found["numerator"] or 0, found["denominator"] or 0, found["records"])
        )

    def _period(self, raw: Any, kind: PeriodKind) -> str | None:
        if isinstance(raw, datetime):
            raw = raw.date()
        try:
            if isinstance(raw, date):
                return period_containing(raw, kind).label
            return parse_period(str(raw), kind).label
        except PeriodError:
            self.bad_periods.add(str(raw))
            return None

    def rows(self, metric: RecordMetric) -> list[MetricRow]:
        if self.bad_periods:
            shown = ", ".join(f"'{p}'" for p in sorted(self.bad_periods)[:_SHOWN_BAD_PERIODS])
            raise RecordMetricError(
                f"column '{metric.period}' has values that are not periods of the kind "
                f"{metric.period_kind}: {shown}"
            )
        return [self._row(metric, key, parts) for key, parts in sorted(self.parts.items())]

    def _row(
        self,
        metric: RecordMetric,
        key: tuple[str, str, str, str],
        parts: list[tuple[float, float, int]],
    ) -> MetricRow:
        numerator = math.fsum(part[0] for part in parts)
        denominator = math.fsum(part[1] for part in parts)
        records = sum(part[2] for part in parts)
        match metric.aggregation:
            case Aggregation.RATE | Aggregation.MEAN:
                value = measure_value(metric.aggregation, numerator, denominator, metric.scale)
                return MetricRow(metric.code, *key, numerator, denominator, value, records)
            case Aggregation.SUM:
                return MetricRow(metric.code, *key, None, None, numerator, records)
            case Aggregation.COUNT:
                count = numerator if metric.numerator is not None else float(records)
                return MetricRow(metric.code, *key, None, None, count, records)
