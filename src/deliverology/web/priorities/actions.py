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
from deliverology.web.priorities.models import Proposal, Target, Trajectory, TrajectoryPoint
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
    """A change to a locked target or trajectory that no approved proposal stands behind."""


@transaction.atomic
def set_trajectory(
    target: Target,
    method: TrajectoryMethod | str,
    *,
    by: User | None = None,
    assumptions: str = "",
    reason: str = "",
    proposal: Proposal | None = None,
    points: Sequence[CorePoint] | None = None,
    check_smart: bool = True,
    **parameters: Any,
) -> Trajectory:
    """Build a new version of the target's trajectory; earlier versions are kept.

    `points` stores a trajectory built elsewhere (bottom-up from the interventions) under
    `method`. A locked target's trajectory changes only by an approved `proposal`, whose
    reason and approver are recorded on the new version.
    The target's SMART check is refreshed too, unless `check_smart` is False (bulk callers).
    """
    check_change_allowed(target, by=by, proposal=proposal)
    if points is None:
        points = points_for(target, method, **parameters)
    points = clamped_trajectory(points, target.metric.bounds)
    latest = target.trajectories.aggregate(latest=Max("version"))["latest"] or 0
    trajectory = Trajectory.objects.create(
        target=target,
        method=str(method),
        version=latest + 1,
        parameters={k: v for k, v in parameters.items() if k != "history"},
        assumptions=assumptions,
        created_by=by,
        reason=(proposal.reason if proposal else reason).strip(),
        approved_by=proposal.decided_by if proposal and target.is_locked else None,
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


def points_for(
    target: Target, method: TrajectoryMethod | str, **parameters: Any
) -> list[CorePoint]:
    """The points of a trajectory by `method` from the target's baseline to its target."""
    return build_trajectory(
        TrajectoryMethod(method),
        baseline_period=target.baseline(),
        baseline_value=target.baseline_value,
        target_period=target.target(),
        target_value=target.target_value,
        bounds=target.metric.bounds,
        **parameters,
    )


def check_change_allowed(target: Target, *, by: User | None, proposal: Proposal | None) -> None:
    """Raise LockedError unless the target is unlocked, or an approved proposal for it, made by
    `by` and approved by an eligible other person, stands behind the change."""
    if not target.is_locked:
        return
    if proposal is None or proposal.status != Proposal.Status.APPROVED:
        raise LockedError(
            _("This target is locked: propose the change, for another person to approve.")
        )
    approver = proposal.decided_by
    if (
        proposal.target_id != target.pk
        or not proposal.reason.strip()
        or approver is None
        or approver.pk == proposal.proposed_by_id
        or (by is not None and by.pk != proposal.proposed_by_id)
        or not may_approve(approver)
    ):
        raise LockedError(_("This change was not approved by an eligible other person."))


def may_approve(user: User) -> bool:
    """A system leader or delivery unit member (or a superuser) may approve proposals."""
    if user.is_superuser:
        return True
    try:
        return user.profile.role in APPROVER_ROLES
    except Profile.DoesNotExist:
        return False


@transaction.atomic
def lock_target(target: Target, *, by: User | None) -> Target:
    """Agree and lock the target and its current trajectory: later changes need an approved
    proposal."""
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
    proposal: Proposal | None = None,
    **changes: Any,
) -> Trajectory:
    """Change a target's baseline or target (re-baselining) and rebuild its trajectory as a
    new version by the current method; every earlier version stays. Never silent: a locked
    target changes only by an approved proposal, whose reason, proposer and approver are
    recorded on the target's history and the new trajectory version."""
    check_change_allowed(target, by=by, proposal=proposal)
    if proposal is not None:
        reason = proposal.reason
    unknown = unknown_fields(changes)
    if unknown:
        raise LockedError(_("These cannot be revised: %(names)s") % {"names": ", ".join(unknown)})
    for name, value in changes.items():
        setattr(target, name, value)
    target.full_clean(exclude=["smart_check"])
    target.change_reason = reason.strip()
    target.approved_by = proposal.decided_by if proposal and target.is_locked else None
    target._change_reason = reason.strip()  # type: ignore[attr-defined]
    target._history_user = by  # type: ignore[attr-defined]
    target.save()
    return _rebuild(target, by=by, reason=reason, proposal=proposal)


def unknown_fields(changes: dict[str, Any]) -> list[str]:
    """The names in `changes` that a revision may not change."""
    return sorted(set(changes) - set(Target.LOCKED_FIELDS[3:]))


def _rebuild(
    target: Target, *, by: User | None, reason: str, proposal: Proposal | None
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
            proposal=proposal,
            **parameters,
        )
    except TrajectoryError:
        return set_trajectory(
            target,
            TrajectoryMethod.LINEAR,
            by=by,
            assumptions=note,
            reason=reason,
            proposal=proposal,
        )
