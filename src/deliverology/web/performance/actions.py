"""Changes to performance data that touch many rows: rebuilding the rolled-up figures."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date

import duckdb
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.dispatch import Signal
from django.utils import timezone

from deliverology.core.aggregation import Gaps, Hierarchy, Measure, RolledUp, roll_up_with_coverage
from deliverology.web.performance.columnar_rollups import (
    UnitTree,
    replace_rollups_in_columns,
    rollups_in_duckdb,
    write_rollups,
)
from deliverology.web.performance.models import ImportRun, LocalUnit, Metric, Observation, Rollup

Key = tuple[int, str, date]  # subgroup id, period label, period start

# Sent once refreshed roll-ups are committed: whatever judges the figures (the problems'
# triggers) listens, so the data refresh need not know about it.
figures_refreshed = Signal()


@transaction.atomic
def refresh_rollups_in_columns(metrics: Iterable[Metric] | None = None) -> int:
    """Recompute every rolled-up figure of the given metrics (all by default) in DuckDB, in
    columns, with the same results as `refresh_rollups_in_python`; returns the count."""
    tree = UnitTree.of_local_units()
    chosen = metrics if metrics is not None else Metric.objects.all()
    created = sum(replace_rollups_in_columns(metric, tree) for metric in chosen)
    transaction.on_commit(lambda: figures_refreshed.send(sender=Rollup))
    return created


def refresh_rollups_of(con: duckdb.DuckDBPyConnection, metric: Metric, figures: str) -> int:
    """Replace the metric's rolled-up figures with those rolled up from table `figures` of
    the DuckDB database `con`, which holds every figure of the metric as the database will
    after the transaction (a record import's workspace: no figure read back); returns the
    count. To be called inside a transaction."""
    created = write_rollups(con, metric, rollups_in_duckdb(con, metric, figures))
    transaction.on_commit(lambda: figures_refreshed.send(sender=Rollup))
    return created


def refresh_rollups(metrics: Iterable[Metric] | None = None) -> int:
    """Recompute every rolled-up figure of the given metrics (all by default), each with its
    coverage; returns the count. Computed in columns (`refresh_rollups_in_columns`)."""
    return refresh_rollups_in_columns(metrics)


@transaction.atomic
def refresh_rollups_in_python(metrics: Iterable[Metric] | None = None) -> int:
    """Recompute every rolled-up figure of the given metrics (all by default) in Python, a
    period and subgroup at a time: the reference the columnar rebuild is held to."""
    tree = _Tree.of_local_units()
    created = 0
    for metric in metrics if metrics is not None else Metric.objects.all():
        Rollup.objects.filter(metric=metric).delete()
        rows: list[Rollup] = []
        earlier: dict[int, list[_Period]] = defaultdict(list)  # by subgroup, oldest first
        reported = _reported_by_key(metric)
        outside = _never_measured_by_subgroup(tree, reported)
        for key, period in sorted(reported.items(), key=_in_time):
            rolled = _roll_up(metric, key, tree, period, earlier[key[0]], outside[key[0]])
            rows += _rollups(metric, key, tree, rolled)
            earlier[key[0]].append(_Period(period.reported, period.suppressed, rolled))
        Rollup.objects.bulk_create(rows, batch_size=2000)
        created += len(rows)
    transaction.on_commit(lambda: figures_refreshed.send(sender=Rollup))
    return created


def _never_measured_by_subgroup(
    tree: _Tree, reported: Mapping[Key, _Period]
) -> dict[int, frozenset[int]]:
    """For each subgroup, the units that never had a figure for it (nor any unit below them)."""
    reporting: dict[int, set[int]] = defaultdict(set)
    for (subgroup_id, _, _), period in reported.items():
        reporting[subgroup_id].update(period.reported)
    return {subgroup: tree.never_measured(units) for subgroup, units in reporting.items()}


@dataclass(frozen=True)
class _Tree:
    """The local units as the roll-up needs them, read once."""

    parents: dict[int, int | None]
    hierarchy: Hierarchy[int]
    validity: dict[int, tuple[date | None, date | None]]  # only units with validity dates
    children_type: dict[int, str]

    @classmethod
    def of_local_units(cls) -> _Tree:
        fields = ("pk", "parent_id", "type", "valid_from", "valid_to")
        units = list(LocalUnit.objects.values_list(*fields))
        parents = {pk: parent for pk, parent, *_ in units}
        validity = {pk: (start, end) for pk, _, _, start, end in units if start or end}
        children_type: dict[int, str] = {}
        for _pk, parent, local_unit_type, *_ in units:
            if parent is not None:
                children_type.setdefault(parent, local_unit_type)
        return cls(parents, Hierarchy.of(parents), validity, children_type)

    def never_measured(self, reporting: Iterable[int]) -> frozenset[int]:
        """Units with no figure of a metric in any period and none below them: the metric does
        not apply to them (a grade-3 measure and a high school), so no roll-up expects them."""
        measured: set[int] = set()
        for local_unit in reporting:
            current: int | None = local_unit
            while current is not None and current not in measured:
                measured.add(current)
                current = self.parents.get(current)
        return frozenset(self.parents).difference(measured)

    def closed_at(self, end: date) -> frozenset[int]:
        """Units not valid at the end of a period: a unit that closes during a period hands
        its figures to its successor, as statistical releases do."""
        return frozenset(
            pk
            for pk, (start, stop) in self.validity.items()
            if (start is not None and start > end) or (stop is not None and stop < end)
        )


@dataclass(frozen=True)
class _Period:
    """One period's figures for one metric and subgroup: reported, and a suppressed set."""

    reported: dict[int, Measure]
    suppressed: set[int] = field(default_factory=set)
    rolled: Mapping[int, RolledUp] = field(default_factory=dict)


class _EarlierSizes(Mapping[Hashable, float]):
    """Each unit's most recent earlier size, looked up only for the units that need it
    (those left out of a roll-up), so the rebuild does no work per figure for it."""

    def __init__(self, earlier: list[_Period]) -> None:
        self.earlier = earlier

    def __getitem__(self, local_unit: Hashable) -> float:
        for period in reversed(self.earlier):
            own = period.reported.get(local_unit)  # type: ignore[call-overload]
            if own is not None and own.denominator is not None:
                return float(own.denominator)
            below = period.rolled.get(local_unit)  # type: ignore[call-overload]
            size = None if below is None else below.expected_size or below.measure.denominator
            if size is not None:
                return float(size)
        raise KeyError(local_unit)

    def __iter__(self) -> Iterator[Hashable]:
        return iter({unit for period in self.earlier for unit in period.reported})

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _in_time(item: tuple[Key, _Period]) -> tuple[int, date]:
    subgroup_id, _, start = item[0]
    return subgroup_id, start


def _reported_by_key(metric: Metric) -> dict[Key, _Period]:
    found: dict[Key, _Period] = {}
    fields = ("local_unit_id", "subgroup_id", "period", "period_start", "missing_reason")
    measures = ("numerator", "denominator", "value", "provisional")
    for row in Observation.objects.filter(metric=metric).values_list(*fields, *measures):
        unit_id, subgroup_id, period, start, reason, *numbers = row
        key = (subgroup_id, period, start)
        if key not in found:
            found[key] = _Period({})
        found[key].reported[unit_id] = Measure(*numbers)
        if reason == Observation.MissingReason.SUPPRESSED:
            found[key].suppressed.add(unit_id)
    return found


def _roll_up(
    metric: Metric,
    key: Key,
    tree: _Tree,
    period: _Period,
    earlier: list[_Period],
    outside: frozenset[int] = frozenset(),
) -> dict[int, RolledUp]:
    end = metric.parse_period(key[1]).end
    gaps = Gaps(period.suppressed, tree.closed_at(end) | outside, _EarlierSizes(earlier))
    return roll_up_with_coverage(
        tree.parents,
        period.reported,
        metric.core_aggregation,
        metric.scale,
        hierarchy=tree.hierarchy,
        gaps=gaps,
    )


def _rollups(metric: Metric, key: Key, tree: _Tree, rolled: Mapping[int, RolledUp]) -> list[Rollup]:
    subgroup_id, period, start = key
    return [
        Rollup(
            metric=metric,
            local_unit_id=unit_id,
            subgroup_id=subgroup_id,
            period=period,
            period_start=start,
            numerator=each.measure.numerator,
            denominator=each.measure.denominator,
            value=each.measure.value,
            provisional=each.measure.provisional,
            reporting_children=each.coverage.reporting,
            expected_children=each.coverage.expected,
            suppressed_children=each.coverage.suppressed,
            uncounted_children=each.coverage.uncounted,
            covered_share=each.coverage.share,
            coverage=each.coverage.ratio,
            children_type=tree.children_type.get(unit_id, ""),
        )
        for unit_id, each in rolled.items()
        if each.measure.value is not None
    ]


def record_creation_history(run: ImportRun, by: User | None) -> None:
    """One statement: a '+' history row for every observation this import created."""
    history = Observation.history.model
    columns = [field.column for field in Observation._meta.concrete_fields]
    quote = connection.ops.quote_name
    listed = ", ".join(quote(column) for column in columns)
    sql = (
        f"INSERT INTO {quote(history._meta.db_table)} ({listed}, history_date, history_type, "  # noqa: S608
        f"history_user_id, history_change_reason) SELECT {listed}, %s, '+', %s, %s "
        f"FROM {quote(Observation._meta.db_table)} WHERE import_run_id = %s"
    )
    with connection.cursor() as cursor:
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        cursor.execute(sql, [now, by.pk if by else None, f"import {run.pk}", run.pk])
