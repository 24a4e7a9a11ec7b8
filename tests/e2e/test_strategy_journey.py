"""Setting the course in a real browser: an intervention added, the bottom-up way adopted."""

from __future__ import annotations

import pytest

from tests.e2e.test_journeys import _log_in, _serious_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_analyst_adds_an_intervention_and_adopts_the_bottom_up_course(
    page, live_server, system, artifacts
):
    _log_in(page, live_server, "analyst")
    page.get_by_role("link", name="Priority: Grade 3 reading").click()
    page.get_by_role("link", name="Reform strategy", exact=False).click()
    assert page.get_by_role("heading", name="Reform strategy").is_visible()
    assert _serious_violations(page) == []

    page.get_by_role("link", name="Add an intervention").click()
    page.get_by_label("title").fill("Phonics training")
    page.get_by_label("impact").select_option("high")
    page.get_by_label("difficulty").select_option("low")
    page.get_by_label("effect, low estimate").fill("1")
    page.get_by_label("effect, central estimate").fill("3")
    page.get_by_label("effect, high estimate").fill("5")
    page.get_by_label("rollout starts in").fill("2022-23")
    page.get_by_label("full reach in").fill("2023-24")
    page.get_by_role("button", name="Save").click()
    assert page.get_by_role("rowheader", name="Phonics training").is_visible()

    page.get_by_role("link", name="Testland, All students", exact=False).click()
    assert page.get_by_role("heading", name="SMART check").is_visible()
    assert _serious_violations(page) == []
    page.get_by_label("adopt").select_option("bottom_up")
    page.get_by_role("button", name="Adopt").click()
    versions = page.get_by_role("region", name="Trajectory versions").inner_text()
    assert "Bottom-up from the interventions" in versions
    page.screenshot(path=str(artifacts / "course.png"), full_page=True)


def test_a_revision_of_a_locked_target_is_proposed_by_one_person_and_approved_by_another(
    page, browser, live_server, system, artifacts
):
    _log_in(page, live_server, "analyst")
    page.get_by_role("link", name="Priority: Grade 3 reading").click()
    page.get_by_role("link", name="Reform strategy", exact=False).click()
    page.get_by_role("link", name="Testland, All students", exact=False).click()
    page.get_by_role("button", name="Agree and lock the target and its trajectory").click()
    assert page.get_by_label("the approver's password").count() == 0
    revise = page.locator("form", has=page.get_by_role("button", name="Propose the revision"))
    revise.get_by_label("target value").fill("76")
    revise.get_by_label("reason for the change").fill("The State Board raised the ambition.")
    page.get_by_role("button", name="Propose the revision for approval").click()
    proposals = page.get_by_role("region", name="Proposed changes").inner_text()
    assert "Awaiting approval" in proposals
    assert "by 2026-27" in page.locator(".lede").inner_text()
    assert "to 75.0% by" in page.locator(".lede").inner_text()  # unchanged until approved

    # The approver decides in their own browser, in their own session.
    leader_context = browser.new_context()
    leader = leader_context.new_page()
    _log_in(leader, live_server, "leader")
    leader.get_by_role("link", name="Approvals (1)").click()
    assert leader.get_by_text("The State Board raised the ambition.").is_visible()
    assert _serious_violations(leader) == []
    leader.get_by_label("Comment (needed to reject)").fill("Agreed at the board.")
    leader.get_by_role("button", name="Approve").click()
    assert leader.get_by_text("Nothing awaits your decision.").is_visible()
    assert leader.get_by_role("link", name="Approvals", exact=True).is_visible()
    leader.screenshot(path=str(artifacts / "approvals.png"), full_page=True)
    leader_context.close()

    page.reload()
    assert "to 76.0% by 2026-27" in page.locator(".lede").inner_text()
    versions = page.get_by_role("region", name="Trajectory versions").inner_text()
    assert "The State Board raised the ambition." in versions and "leader" in versions
