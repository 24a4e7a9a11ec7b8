"""A delivery plan in a real browser: the priority's owner dates and completes a milestone, and
the analyst sees the plan's completeness change."""

from __future__ import annotations

from datetime import date

import pytest

from tests.e2e.test_journeys import _log_in, _serious_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def plan(system):
    from deliverology.web.plans.models import DeliveryPlan, Milestone, Risk

    plan = DeliveryPlan.objects.create(
        priority=system.priorities["reading"],
        owner=system.people["owner"],
        starts_on=date(2025, 1, 1),
        ends_on=date(2027, 8, 31),
        strategy="Coaching in every classroom.",
    )
    Milestone.objects.create(plan=plan, title="Coaches hired", owner=system.people["owner"])
    Milestone.objects.create(
        plan=plan, title="Materials bought", owner=system.people["analyst"], due=date(2025, 10, 1)
    )
    Risk.objects.create(
        plan=plan, description="Coaches leave", likelihood=3, impact=4, owner=system.people["owner"]
    )
    return plan


def _completeness(page) -> str:
    return page.locator("#plan-completeness").inner_text()


def test_an_owner_updates_a_milestone_and_the_analyst_sees_the_completeness_change(
    page, browser, live_server, system, plan, artifacts
):
    analyst = browser.new_page()
    _log_in(analyst, live_server, "analyst")
    analyst.goto(f"{live_server.url}/priorities/reading/plan/")
    before = _completeness(analyst)
    assert "Coaches hired" in analyst.locator(".checklist").inner_text()  # named: no due date
    assert _serious_violations(analyst) == []

    _log_in(page, live_server, "owner")
    page.get_by_role("link", name="Priority: Grade 3 reading").click()
    page.get_by_role("link", name="Delivery plan").click()
    page.get_by_role("link", name="Coaches hired", exact=True).click()
    page.get_by_label("due").fill("2026-01-15")
    page.get_by_label("status").select_option("on_track")
    page.get_by_label("evidence").fill("8 of 12 coaches in post")
    page.get_by_role("button", name="Save").click()
    row = page.get_by_role("row", name="Coaches hired")
    assert "2026-01-15" in row.inner_text() and "On track" in row.inner_text()

    page.get_by_role("link", name="My milestones").click()
    assert page.get_by_role("rowheader", name="Coaches hired").is_visible()
    assert _serious_violations(page) == []

    analyst.reload()
    after = _completeness(analyst)
    passed_before, total = (int(n) for n in before.split(" / "))
    assert after == f"{passed_before + 1} / {total}"
    assert "Coaches hired" not in analyst.locator(".checklist").inner_text()
    analyst.screenshot(path=str(artifacts / "plan.png"), full_page=True)


def test_the_plan_pages_fit_a_phone_screen(page, live_server, system, plan, artifacts):
    from tests.e2e.test_every_page import PHONE, _wider_than_the_screen

    page.set_viewport_size(PHONE)
    _log_in(page, live_server, "owner")
    too_wide = {}
    for path in (
        "/priorities/reading/plan/",
        f"/plans/{plan.pk}/edit/",
        f"/plans/{plan.pk}/risk/new/",
        f"/plans/{plan.pk}/import/",
        "/milestones/mine/",
        "/priorities/absence/plan/",
    ):
        page.goto(f"{live_server.url}{path}")
        if _wider_than_the_screen(page) > PHONE["width"]:
            too_wide[path] = _wider_than_the_screen(page)
            page.screenshot(path=str(artifacts / "plan-too-wide.png"), full_page=True)
    assert too_wide == {}
