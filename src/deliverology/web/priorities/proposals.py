"""Changes to a locked target as a workflow: one person proposes a revised target or a new
trajectory version, with its reason; another eligible person (a system leader or delivery unit
member) approves or rejects it in their own session. An approval applies the change through
`actions.revise_target` or `actions.set_trajectory`, which accept nothing else for a locked
target."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from deliverology.core.trajectories import TrajectoryMethod
from deliverology.core.trajectories import TrajectoryPoint as CorePoint
from deliverology.web.priorities.actions import (
    LockedError,
    may_approve,
    points_for,
    revise_target,
    set_trajectory,
    unknown_fields,
)
from deliverology.web.priorities.models import Proposal, Target, Trajectory

REVISABLE = Target.LOCKED_FIELDS[3:]  # baseline and target, period and value


class ProposalError(LockedError):
    """A proposal that cannot be made, approved or rejected, with the reason why."""


def basis_of(target: Target) -> dict[str, Any]:
    """What a proposal is made against: the target's values and its trajectory's version."""
    current = target.current_trajectory()
    return {
        **{name: getattr(target, name) for name in REVISABLE},
        "trajectory_version": current.version if current else 0,
    }


def is_stale(proposal: Proposal, target: Target | None = None) -> bool:
    """Whether the target or its trajectory has changed since the proposal was made."""
    basis: dict[str, Any] = proposal.basis
    return basis_of(target or proposal.target) != basis


@transaction.atomic
def propose_revision(target: Target, *, by: User, reason: str, **changes: Any) -> Proposal:
    """Propose a revised baseline or target for a locked target; nothing changes until another
    person approves. The proposed values are checked now, as the target itself would check them."""
    _check_proposable(target, reason)
    unknown = unknown_fields(changes)
    if unknown:
        raise ProposalError(_("These cannot be revised: %(names)s") % {"names": ", ".join(unknown)})
    revised = copy.copy(target)
    for name, value in changes.items():
        setattr(revised, name, value)
    revised.full_clean(exclude=["smart_check"])  # raises ValidationError, naming the field
    return Proposal.objects.create(
        target=target,
        kind=Proposal.Kind.REVISION,
        reason=reason.strip(),
        changes={name: getattr(revised, name) for name in changes},
        basis=basis_of(target),
        proposed_by=by,
    )


@transaction.atomic
def propose_trajectory(
    target: Target,
    method: TrajectoryMethod | str,
    *,
    by: User,
    reason: str,
    assumptions: str = "",
    points: Sequence[CorePoint] | None = None,
    **parameters: Any,
) -> Proposal:
    """Propose a new trajectory version for a locked target, kept point by point so that what
    is approved is exactly what was proposed."""
    _check_proposable(target, reason)
    if points is None:
        points = points_for(target, method, **parameters)
    return Proposal.objects.create(
        target=target,
        kind=Proposal.Kind.TRAJECTORY,
        reason=reason.strip(),
        method=str(method),
        parameters={k: v for k, v in parameters.items() if k != "history"},
        assumptions=assumptions,
        points=[
            {"period": p.period.label, "expected": p.expected, "lower": p.lower, "upper": p.upper}
            for p in points
        ],
        basis=basis_of(target),
        proposed_by=by,
    )


@transaction.atomic
def approve(proposal: Proposal, *, by: User, comment: str = "") -> Trajectory:
    """Approve a pending proposal and apply it: the revised target or new trajectory version
    records the reason, the proposer and the approver."""
    proposal = _for_decision(proposal, by, verb=_("approve"))
    target = Target.objects.select_for_update().get(pk=proposal.target_id)
    if is_stale(proposal, target):
        raise ProposalError(
            _(
                "The target has changed since this was proposed, so it cannot be approved: "
                "reject it and propose again from the target as it is now."
            )
        )
    _decide(proposal, Proposal.Status.APPROVED, by, comment)
    proposal.trajectory = _apply(proposal, target)
    proposal.save(update_fields=["trajectory"])
    return proposal.trajectory


@transaction.atomic
def reject(proposal: Proposal, *, by: User, comment: str) -> Proposal:
    """Reject a pending proposal, saying why; the target does not change."""
    proposal = _for_decision(proposal, by, verb=_("reject"))
    if not comment.strip():
        raise ProposalError(_("Say why the proposal is rejected."))
    _decide(proposal, Proposal.Status.REJECTED, by, comment)
    return proposal


@transaction.atomic
def withdraw(proposal: Proposal, *, by: User, comment: str = "") -> Proposal:
    """The proposer takes back their own pending proposal; it stays in the history, withdrawn,
    and the target does not change."""
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.proposed_by_id != by.pk:
        raise ProposalError(_("Only the person who proposed a change can withdraw it."))
    if not proposal.is_pending:
        raise ProposalError(
            _("This proposal was already decided: %(status)s.")
            % {"status": proposal.get_status_display().lower()}
        )
    _decide(proposal, Proposal.Status.WITHDRAWN, by, comment)
    return proposal


def awaiting(user: User) -> QuerySet[Proposal]:
    """The pending proposals `user` may decide: anyone else's, for an eligible approver."""
    if not may_approve(user):
        return Proposal.objects.none()
    return Proposal.objects.filter(status=Proposal.Status.PENDING).exclude(proposed_by=user)


def _check_proposable(target: Target, reason: str) -> None:
    if not target.is_locked:
        raise ProposalError(_("This target is not locked: change it directly."))
    if not reason.strip():
        raise ProposalError(_("This target is locked: give the reason for the change."))


def _for_decision(proposal: Proposal, by: User, *, verb: str) -> Proposal:
    """The proposal, locked for this decision, if `by` may decide it now."""
    proposal = (
        Proposal.objects.select_for_update().select_related("proposed_by").get(pk=proposal.pk)
    )
    if not proposal.is_pending:
        raise ProposalError(
            _("This proposal was already decided: %(status)s.")
            % {"status": proposal.get_status_display().lower()}
        )
    if proposal.proposed_by_id == by.pk:
        raise ProposalError(
            _("You cannot %(verb)s your own proposal: another person decides it.") % {"verb": verb}
        )
    if not may_approve(by):
        raise ProposalError(_("Only a system leader or delivery unit staff can decide this."))
    return proposal


def _decide(proposal: Proposal, status: Proposal.Status, by: User, comment: str) -> None:
    proposal.status = status
    proposal.decided_by = by
    proposal.decided_at = timezone.now()
    proposal.comment = comment.strip()
    proposal.save(update_fields=["status", "decided_by", "decided_at", "comment"])


def _apply(proposal: Proposal, target: Target) -> Trajectory:
    if proposal.kind == Proposal.Kind.REVISION:
        return revise_target(target, by=proposal.proposed_by, proposal=proposal, **proposal.changes)
    metric = target.metric
    points = [
        CorePoint(metric.parse_period(p["period"]), p["expected"], p["lower"], p["upper"])
        for p in proposal.points
    ]
    return set_trajectory(
        target,
        proposal.method,
        by=proposal.proposed_by,
        assumptions=proposal.assumptions,
        proposal=proposal,
        points=points,
        **proposal.parameters,
    )
