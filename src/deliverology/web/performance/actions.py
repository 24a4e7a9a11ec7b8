"""Changes to performance data that touch many rows: rebuilding the rolled-up figures."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from datetime import date

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.utils import timezone

from deliverology.core.aggregation import Hierarchy, Measure, roll_up
from deliverology.web.performance.models import ImportRun, LocalUnit, Metric, Observation, Rollup

Key = tuple[int, str, date]  # subgroup id, period label, period start


@transaction.atomic
def refresh_rollups(metrics: Iterable[Metric] | None = None) -> int:
    """Recompute every rolled-up figure of the given metrics (all by default); returns the count."""
    parents: dict[int, int | None] = dict(LocalUnit.objects.values_list("pk", "parent_id"))
    hierarchy = Hierarchy.of(parents)
    created = 0
    for metric in metrics if metrics is not None else Metric.objects.all():
        Rollup.objects.filter(metric=metric).delete()
        rows = [
            rollup
            for key, reported in _reported_by_key(metric).items()
            for rollup in _rollups(metric, key, parents, hierarchy, reported)
        ]
        Rollup.objects.bulk_create(rows, batch_size=2000)
        created += len(rows)
    return created


def _reported_by_key(metric: Metric) -> dict[Key, dict[int, Measure]]:
    reported: dict[Key, dict[int, Measure]] = defaultdict(dict)
    fields = ("local_unit_id", "subgroup_id", "period", "period_start")
    measures = ("numerator", "denominator", "value", "provisional")
    for row in Observation.objects.filter(metric=metric).values_list(*fields, *measures):
        unit_id, subgroup_id, period, start, numerator, denominator, value, provisional = row
        reported[(subgroup_id, period, start)][unit_id] = Measure(
            numerator, denominator, value, provisional
        )
    return reported


def _rollups(
    metric: Metric,
    key: Key,
    parents: Mapping[int, int | None],
    hierarchy: Hierarchy[int],
    reported: Mapping[int, Measure],
) -> list[Rollup]:
    subgroup_id, period, start = key
    rolled = roll_up(parents, reported, metric.core_aggregation, metric.scale, hierarchy=hierarchy)
    reporting = _reporting_children(parents, reported, rolled)
    return [
        Rollup(
            metric=metric,
            local_unit_id=unit_id,
            subgroup_id=subgroup_id,
            period=period,
            period_start=start,
            numerator=measure.numerator,
            denominator=measure.denominator,
            value=measure.value,
            provisional=measure.provisional,
            reporting_children=reporting[unit_id],
        )
        for unit_id, measure in rolled.items()
        if measure.value is not None
    ]


def _reporting_children(
    parents: Mapping[int, int | None],
    reported: Mapping[int, Measure],
    rolled: Mapping[int, Measure],
) -> Counter[int | None]:
    """How many children of each unit have a figure, reported or rolled up: each unit with
    one counts once, for its parent."""
    with_figure = {unit for unit, m in reported.items() if m.value is not None}
    with_figure |= {unit for unit, m in rolled.items() if m.value is not None}
    return Counter(parents.get(unit) for unit in with_figure)


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
