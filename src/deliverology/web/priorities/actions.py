"""Changes to targets and trajectories that touch several rows and must keep their history."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from deliverology.core.periods import Period
from deliverology.core.trajectories import (
    TrajectoryError,
    TrajectoryMethod,
    build_trajectory,
    clamped_trajectory,
)
from deliverology.core.trajectories import TrajectoryPoint as CorePoint
from deliverology.web.accounts.models import Profile
from deliverology.web.performance.series import load_series
from deliverology.web.priorities.models import Target, Trajectory, TrajectoryPoint
from deliverology.web.priorities.smart import refresh_smart_check


def figures_of(target: Target) -> list[tuple[Period, float]]:
    """Every figure of the target's unit and subgroup, oldest first."""
    metric = target.metric
    series = load_series([metric], [target.local_unit_id], [target.subgroup])
    figures = series.get((metric.pk, target.local_unit_id, target.subgroup_id), {})
    return sorted(
        (metric.parse_period(label), figure.value)
        for label, figure in figures.items()
        if figure.value is not None
    )


def history_of(target: Target) -> list[tuple[Period, float]]:
    """The target's unit and subgroup's figures up to its baseline, oldest first."""
    baseline = target.baseline()
    return [(period, value) for period, value in figures_of(target) if period <= baseline]


APPROVER_ROLES = (Profile.Role.SYSTEM_LEADER, Profile.Role.DELIVERY_UNIT)


class LockedError(ValueError):
    """A change to a locked target or trajectory without a reason or a valid approver."""


@transaction.atomic
def set_trajectory(
    target: Target,
    method: TrajectoryMethod | str,
    *,
    by: User | None = None,
    assumptions: str = "",
    reason: str = "",
    approved_by: User | None = None,
    points: Sequence[CorePoint] | None = None,
    check_smart: bool = True,
    **parameters: Any,
) -> Trajectory:
    """Build a new version of the target's trajectory; earlier versions are kept.

    `points` stores a trajectory built elsewhere (bottom-up from the interventions) under
    `method`. A locked target's trajectory changes only with a reason and an approver.
    The target's SMART check is refreshed too, unless `check_smart` is False (bulk callers).
    """
    check_change_allowed(target, by=by, reason=reason, approved_by=approved_by)
    if points is None:
        points = build_trajectory(
            TrajectoryMethod(method),
            baseline_period=target.baseline(),
            baseline_value=target.baseline_value,
            target_period=target.target(),
            target_value=target.target_value,
            bounds=target.metric.bounds,
            **parameters,
        )
    points = clamped_trajectory(points, target.metric.bounds)
    latest = target.trajectories.aggregate(latest=Max("version"))["latest"] or 0
    trajectory = Trajectory.objects.create(
        target=target,
        method=str(method),
        version=latest + 1,
        parameters={k: v for k, v in parameters.items() if k != "history"},
        assumptions=assumptions,
        created_by=by,
        reason=reason.strip(),
        approved_by=approved_by if target.is_locked else None,
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
    if check_smart:
        refresh_smart_check(target)
    return trajectory


def check_change_allowed(
    target: Target, *, by: User | None, reason: str, approved_by: User | None
) -> None:
    """Raise LockedError unless the target is unlocked, or the change has a reason and an
    approver who is a system leader or delivery unit member other than the person changing it."""
    if not target.is_locked:
        return
    if not reason.strip():
        raise LockedError(_("This target is locked: give the reason for the change."))
    if approved_by is None:
        raise LockedError(_("This target is locked: name who approved the change."))
    if by is not None and approved_by.pk == by.pk:
        raise LockedError(
            _("The approver must be someone other than the person making the change.")
        )
    if not may_approve(approved_by):
        raise LockedError(
            _("%(name)s cannot approve: only a system leader or delivery unit staff can.")
            % {"name": approved_by.get_username()}
        )


def may_approve(user: User) -> bool:
    if user.is_superuser:
        return True
    profile = Profile.objects.filter(user=user).first()
    return profile is not None and profile.role in APPROVER_ROLES


@transaction.atomic
def lock_target(target: Target, *, by: User | None) -> Target:
    """Agree and lock the target and its current trajectory: later changes need an approver."""
    if target.current_trajectory() is None:
        raise LockedError(_("Set a trajectory before locking the target."))
    target.status = Target.Status.LOCKED
    target._change_reason = _("locked")  # type: ignore[attr-defined]
    target._history_user = by  # type: ignore[attr-defined]
    target.save(update_fields=["status"])
    return target


@transaction.atomic
def revise_target(
    target: Target,
    *,
    by: User | None,
    reason: str = "",
    approved_by: User | None = None,
    **changes: Any,
) -> Trajectory:
    """Change a target's baseline or target (re-baselining) and rebuild its trajectory as a
    new version by the current method; every earlier version stays. Never silent: a locked
    target needs a reason and an approver, recorded on the target's history and trajectory."""
    check_change_allowed(target, by=by, reason=reason, approved_by=approved_by)
    unknown = sorted(set(changes) - set(Target.LOCKED_FIELDS[3:]))
    if unknown:
        raise LockedError(_("These cannot be revised: %(names)s") % {"names": ", ".join(unknown)})
    for name, value in changes.items():
        setattr(target, name, value)
    target.full_clean(exclude=["smart_check"])
    target.change_reason = reason.strip()
    target.approved_by = approved_by if target.is_locked else None
    target._change_reason = reason.strip()  # type: ignore[attr-defined]
    target._history_user = by  # type: ignore[attr-defined]
    target.save()
    return _rebuild(target, by=by, reason=reason, approved_by=approved_by)


def _rebuild(
    target: Target, *, by: User | None, reason: str, approved_by: User | None
) -> Trajectory:
    current = target.current_trajectory()
    method = TrajectoryMethod.LINEAR
    parameters: dict[str, Any] = {}
    if current is not None and current.method in set(TrajectoryMethod):
        method = TrajectoryMethod(current.method)
        parameters = dict(current.parameters)
    if method == TrajectoryMethod.HISTORICAL_RATE:
        parameters["history"] = history_of(target)
    note = _("Rebuilt after the target was revised.")
    try:
        return set_trajectory(
            target,
            method,
            by=by,
            assumptions=note,
            reason=reason,
            approved_by=approved_by,
            **parameters,
        )
    except TrajectoryError:
        return set_trajectory(
            target,
            TrajectoryMethod.LINEAR,
            by=by,
            assumptions=note,
            reason=reason,
            approved_by=approved_by,
        )
