"""Changes to targets and trajectories that touch several rows and must keep their history."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Max
from simple_history.utils import bulk_create_with_history

from deliverology.core.periods import Period
from deliverology.core.trajectories import TrajectoryMethod, build_trajectory
from deliverology.web.performance.series import load_series
from deliverology.web.priorities.models import Target, Trajectory, TrajectoryPoint


def history_of(target: Target) -> list[tuple[Period, float]]:
    """The target's unit and subgroup's figures up to its baseline, oldest first."""
    metric = target.metric
    series = load_series([metric], [target.local_unit_id], [target.subgroup])
    figures = series.get((metric.pk, target.local_unit_id, target.subgroup_id), {})
    baseline = target.baseline()
    history = [
        (metric.parse_period(label), figure.value)
        for label, figure in figures.items()
        if figure.value is not None
    ]
    return sorted((p, v) for p, v in history if p <= baseline)


@transaction.atomic
def set_trajectory(
    target: Target,
    method: TrajectoryMethod,
    *,
    by: User | None = None,
    assumptions: str = "",
    **parameters: Any,
) -> Trajectory:
    """Build a new version of the target's trajectory; earlier versions are kept."""
    points = build_trajectory(
        method,
        baseline_period=target.baseline(),
        baseline_value=target.baseline_value,
        target_period=target.target(),
        target_value=target.target_value,
        **parameters,
    )
    latest = target.trajectories.aggregate(latest=Max("version"))["latest"] or 0
    trajectory = Trajectory.objects.create(
        target=target,
        method=method.value,
        version=latest + 1,
        parameters={k: v for k, v in parameters.items() if k != "history"},
        assumptions=assumptions,
        created_by=by,
    )
    bulk_create_with_history(
        [
            TrajectoryPoint(
                trajectory=trajectory,
                period=point.period.label,
                period_start=point.period.start,
                expected=point.expected,
                lower=point.lower,
                upper=point.upper,
            )
            for point in points
        ],
        TrajectoryPoint,
        default_user=by,
    )
    return trajectory
