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
