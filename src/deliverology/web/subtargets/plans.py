"""Agreed sub-targets as the plans local units are measured against on the priority pages."""

from __future__ import annotations

from collections.abc import Sequence

from deliverology.core.trajectories import TrajectoryPoint
from deliverology.web.performance.models import LocalUnit, Metric, Subgroup
from deliverology.web.priorities.progress import Plan, TrajectorySource
from deliverology.web.subtargets.models import SubTarget, SubTargetSet

PlanKey = tuple[int, int, int]  # metric, local unit, subgroup


def agreed_sub_targets(
    metrics: Sequence[Metric], units: Sequence[LocalUnit], subgroups: Sequence[Subgroup]
) -> dict[PlanKey, Plan]:
    """Each agreed sub-target of these units and subgroups, with its own trajectory: two queries
    however many units there are."""
    by_pk = {metric.pk: metric for metric in metrics}
    agreed = (
        SubTarget.objects.filter(
            sub_target_set__status=SubTargetSet.Status.AGREED,
            sub_target_set__target__metric__in=metrics,
            local_unit__in=units,
            subgroup__in=subgroups,
        )
        .select_related("sub_target_set__target")
        .prefetch_related("points")
    )
    plans: dict[PlanKey, Plan] = {}
    for sub_target in agreed:
        target = sub_target.sub_target_set.target
        metric = by_pk[target.metric_id]
        points = sorted(sub_target.points.all(), key=lambda point: point.period_start)
        if not points:
            continue
        plans[(metric.pk, sub_target.local_unit_id, sub_target.subgroup_id)] = Plan(
            points=tuple(
                TrajectoryPoint(metric.parse_period(point.period), point.expected)
                for point in points
            ),
            baseline_period=metric.parse_period(target.baseline_period),
            baseline_value=sub_target.baseline_value,
            target_period=metric.parse_period(target.target_period),
            target_value=sub_target.value,
            source=TrajectorySource.SUB_TARGET,
        )
    return plans
