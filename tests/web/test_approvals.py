"""Changes to a locked target as a workflow: proposed by one person, approved or rejected by
another eligible person in their own session, from the Approvals page."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from deliverology.core.trajectories import TrajectoryMethod
from deliverology.web.accounts.models import Profile
from deliverology.web.priorities.actions import lock_target
from deliverology.web.priorities.models import Proposal, Target
from deliverology.web.priorities.proposals import (
    ProposalError,
    approve,
    propose_revision,
    propose_trajectory,
    reject,
    withdraw,
)
from tests.conftest import PASSWORD, System

REASON = "The 2021-22 figures were revised by the statistics office."


@pytest.fixture
def locked(system: System) -> Target:
    target = Target.objects.get(metric=system.metrics["reading"], local_unit=system.units["ST"])
    return lock_target(target, by=system.people["analyst"])  # type: ignore[arg-type]


@pytest.fixture
def proposal(locked: Target, system: System) -> Proposal:
    return propose_revision(
        locked,
        by=system.people["analyst"],  # type: ignore[arg-type]
        reason=REASON,
        baseline_value=45.0,
    )


def _session(system: System, who: str) -> Client:
    client = Client()
    client.force_login(system.people[who])  # type: ignore[arg-type]
    return client


def _decide(client: Client, proposal: Proposal, decision: str, comment: str = "") -> object:
    url = reverse("approval_decide", args=[proposal.pk])
    return client.post(url, {"decision": decision, "comment": comment})


def test_it_keeps_a_proposal_without_changing_the_locked_target(
    proposal: Proposal, locked: Target
) -> None:
    locked.refresh_from_db()
    assert locked.baseline_value != 45.0
    assert locked.trajectories.count() == 1
    assert (proposal.status, proposal.changes) == ("pending", {"baseline_value": 45.0})


def test_it_applies_an_approved_revision_and_keeps_both_names_and_the_reason(
    proposal: Proposal, locked: Target, system: System
) -> None:
    response = _decide(_session(system, "leader"), proposal, "approve", "Checked the figures.")
    assert response.status_code == 302  # type: ignore[attr-defined]
    locked.refresh_from_db()
    assert locked.baseline_value == 45.0
    latest = locked.history.order_by("-history_date").first()
    assert latest is not None
    assert (latest.history_user, latest.approved_by, latest.history_change_reason) == (
        system.people["analyst"],
        system.people["leader"],
        REASON,
    )
    proposal.refresh_from_db()
    trajectory = locked.current_trajectory()
    assert trajectory is not None and proposal.trajectory == trajectory
    assert (trajectory.created_by, trajectory.approved_by, trajectory.reason) == (
        system.people["analyst"],
        system.people["leader"],
        REASON,
    )
    assert (proposal.status, proposal.decided_by, proposal.comment) == (
        "approved",
        system.people["leader"],
        "Checked the figures.",
    )


def test_another_delivery_unit_member_may_approve(proposal: Proposal, system: System) -> None:
    colleague = User.objects.create_user("colleague", password=PASSWORD)
    Profile.objects.create(user=colleague, role=Profile.Role.DELIVERY_UNIT)
    approve(proposal, by=colleague)
    proposal.refresh_from_db()
    assert proposal.status == "approved"


def test_one_cannot_approve_ones_own_proposal(
    proposal: Proposal, locked: Target, system: System
) -> None:
    response = _decide(_session(system, "analyst"), proposal, "approve")
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert "your own proposal" in response.content.decode()  # type: ignore[attr-defined]
    proposal.refresh_from_db()
    locked.refresh_from_db()
    assert (proposal.status, locked.baseline_value != 45.0) == ("pending", True)


@pytest.mark.parametrize("who", ["owner", "district", "viewer"])
def test_only_system_leaders_and_the_delivery_unit_decide(
    proposal: Proposal, system: System, who: str
) -> None:
    client = _session(system, who)
    assert client.get(reverse("approvals")).status_code == 403
    assert _decide(client, proposal, "approve").status_code == 403  # type: ignore[attr-defined]
    with pytest.raises(ProposalError):
        approve(proposal, by=system.people[who])  # type: ignore[arg-type]
    proposal.refresh_from_db()
    assert proposal.status == "pending"


def test_a_stale_proposal_cannot_be_approved(
    locked: Target, proposal: Proposal, system: System
) -> None:
    other = propose_revision(
        locked,
        by=system.people["analyst"],  # type: ignore[arg-type]
        reason="Ambition raised.",
        target_value=76.0,
    )
    approve(other, by=system.people["leader"])  # type: ignore[arg-type]
    page = _session(system, "leader").get(reverse("approvals")).content.decode()
    assert "changed since this was proposed" in page
    response = _decide(_session(system, "leader"), proposal, "approve")
    assert response.status_code == 400  # type: ignore[attr-defined]
    locked.refresh_from_db()
    assert (locked.baseline_value != 45.0, locked.target_value) == (True, 76.0)
    assert _decide(_session(system, "leader"), proposal, "reject", "Stale.").status_code == 302  # type: ignore[attr-defined]


def test_rejecting_needs_a_comment_and_leaves_the_target_alone(
    proposal: Proposal, locked: Target, system: System
) -> None:
    leader = _session(system, "leader")
    response = _decide(leader, proposal, "reject")
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert "Say why" in response.content.decode()  # type: ignore[attr-defined]
    assert _decide(leader, proposal, "reject", "Wait for the audit.").status_code == 302  # type: ignore[attr-defined]
    proposal.refresh_from_db()
    locked.refresh_from_db()
    assert (proposal.status, proposal.comment) == ("rejected", "Wait for the audit.")
    assert locked.baseline_value != 45.0 and locked.trajectories.count() == 1


def test_a_decided_proposal_cannot_be_decided_again(proposal: Proposal, system: System) -> None:
    reject(proposal, by=system.people["leader"], comment="No.")  # type: ignore[arg-type]
    with pytest.raises(ProposalError, match="already decided"):
        approve(proposal, by=system.people["leader"])  # type: ignore[arg-type]


def test_the_approved_trajectory_is_exactly_the_one_proposed(
    locked: Target, system: System
) -> None:
    proposal = propose_trajectory(
        locked,
        TrajectoryMethod.BACK_LOADED,
        by=system.people["analyst"],  # type: ignore[arg-type]
        reason="A slower start, agreed at the stocktake.",
    )
    trajectory = approve(proposal, by=system.people["leader"])  # type: ignore[arg-type]
    made = [(p.period, p.expected) for p in trajectory.points.order_by("period_start")]
    assert made == [(p["period"], p["expected"]) for p in proposal.points]
    assert trajectory.method == "back_loaded" and trajectory.version == 2


def test_an_unlocked_target_is_changed_directly_not_proposed(system: System) -> None:
    target = Target.objects.get(metric=system.metrics["reading"], local_unit=system.units["ST"])
    with pytest.raises(ProposalError):
        propose_revision(target, by=system.people["analyst"], reason="x", target_value=76.0)  # type: ignore[arg-type]


def test_a_proposal_asking_for_worse_is_refused_when_proposed(
    locked: Target, system: System
) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        propose_revision(locked, by=system.people["analyst"], reason="x", target_value=10.0)  # type: ignore[arg-type]
    assert not Proposal.objects.exists()


@pytest.mark.parametrize(("who", "shown"), [("leader", "Approvals (1)"), ("analyst", "Approvals")])
def test_the_navigation_counts_what_awaits_each_approver(
    proposal: Proposal, login: Callable[[str], object], who: str, shown: str
) -> None:
    page = login(who).get(reverse("dashboard")).content.decode()  # type: ignore[attr-defined]
    assert f">{shown}</a>" in page


@pytest.mark.parametrize("who", ["owner", "district", "viewer"])
def test_the_navigation_shows_no_approvals_to_those_who_cannot_decide(
    proposal: Proposal, login: Callable[[str], object], who: str
) -> None:
    page = login(who).get(reverse("dashboard")).content.decode()  # type: ignore[attr-defined]
    assert reverse("approvals") not in page


def test_the_queue_shows_the_proposal_to_the_approver_and_to_its_proposer(
    proposal: Proposal, system: System
) -> None:
    leader_page = _session(system, "leader").get(reverse("approvals")).content.decode()
    assert REASON in leader_page and "Approve" in leader_page
    assert "Proposed: from 45.0 in 2021-22 to 75.0 by 2026-27" in leader_page
    own_page = _session(system, "analyst").get(reverse("approvals")).content.decode()
    assert "Nothing awaits your decision." in own_page
    assert "Your proposals, awaiting another person" in own_page and REASON in own_page


def _withdraw(client: Client, proposal: Proposal, comment: str = "") -> object:
    return client.post(reverse("approval_withdraw", args=[proposal.pk]), {"comment": comment})


def test_the_proposer_withdraws_their_pending_proposal_and_it_stays_in_the_history(
    proposal: Proposal, system: System
) -> None:
    analyst = _session(system, "analyst")
    assert "Withdraw this proposal" in analyst.get(reverse("approvals")).content.decode()

    response = _withdraw(analyst, proposal, "Asked the statistics office again.")

    assert response.status_code == 302  # type: ignore[attr-defined]
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.WITHDRAWN
    assert proposal.decided_by == system.people["analyst"]
    assert proposal.comment == "Asked the statistics office again."
    assert Target.objects.get(pk=proposal.target_id).baseline_value != 45.0
    leader_page = _session(system, "leader").get(reverse("approvals")).content.decode()
    assert "Nothing awaits your decision." in leader_page
    assert "Withdrawn by the proposer" in leader_page and REASON in leader_page


def test_only_the_proposer_may_withdraw_a_proposal(proposal: Proposal, system: System) -> None:
    for who in ("leader", "owner"):
        assert _withdraw(_session(system, who), proposal).status_code == 403  # type: ignore[attr-defined]
    with pytest.raises(ProposalError, match="Only the person who proposed"):
        withdraw(proposal, by=system.people["leader"])  # type: ignore[arg-type]
    proposal.refresh_from_db()
    assert proposal.is_pending


def test_a_decided_proposal_cannot_be_withdrawn(proposal: Proposal, system: System) -> None:
    reject(proposal, by=system.people["leader"], comment="Not now.")  # type: ignore[arg-type]

    response = _withdraw(_session(system, "analyst"), proposal)

    assert response.status_code == 400  # type: ignore[attr-defined]
    assert "already decided: rejected" in response.content.decode()  # type: ignore[attr-defined]
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.REJECTED
