"""A problem in a real browser: suggested by the triggers, confirmed and escalated by the
analyst, its history showing who did what and why."""

from __future__ import annotations

from datetime import date

import pytest

from tests.e2e.test_journeys import _log_in, _serious_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_analyst_confirms_and_escalates_a_suggested_problem(page, live_server, system, artifacts):
    from deliverology.web.problems.actions import evaluate_triggers
    from deliverology.web.problems.models import Problem

    evaluate_triggers(date(2025, 10, 1))
    problem = (
        Problem.objects.filter(
            status="suggested", severity="priority_review", local_unit__type="region"
        )
        .order_by("local_unit__code", "subgroup__order")
        .first()
    )
    assert problem is not None
    _log_in(page, live_server, "analyst")
    assert page.locator("#dashboard-problems").is_visible()
    page.get_by_role("navigation").get_by_role("link", name="Problems").click()
    page.get_by_label("Severity", exact=True).select_option("priority_review")
    page.get_by_role("button", name="Show").click()
    assert _serious_violations(page) == []
    page.locator(f"a[href='/problems/{problem.pk}/']").click()
    assert "well below trajectory" in page.locator("#evidence-sentence").inner_text()

    page.locator("#confirm-form").get_by_label("Reason").fill("The region's figures are confirmed.")
    page.get_by_role("button", name="Confirm at this severity").click()
    assert page.locator("#problem-status").inner_text() == "Confirmed"

    page.locator("#confirm-form").get_by_label("Severity", exact=True).select_option("crisis")
    page.locator("#confirm-form").get_by_label("Reason").fill(
        "Three agencies failing: crisis group."
    )
    page.get_by_role("button", name="Confirm at this severity").click()
    history = page.locator("#history").inner_text()
    assert "confirmed" in history and "escalated" in history
    assert "Three agencies failing: crisis group." in history and "analyst" in history
    assert "Crisis management" in page.locator(".severity").first.inner_text()
    assert _serious_violations(page) == []
    page.screenshot(path=str(artifacts / "problem.png"), full_page=True)
