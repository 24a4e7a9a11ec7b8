"""A stocktake in a real browser: scheduled, its pack opened, the follow-up written with two
actions, and both carried into the next stocktake of the priority."""

from __future__ import annotations

import pytest

from tests.e2e.test_journeys import _log_in, _serious_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _schedule(page, held_on: str) -> None:
    page.get_by_role("link", name="Stocktakes", exact=True).click()
    page.get_by_label("Priority: Grade 3 reading").check()
    page.get_by_label("date").fill(held_on)
    page.get_by_label("Chair").select_option(label="leader")
    page.get_by_role("button", name="Schedule").click()
    page.get_by_role("heading", name=f"Stocktake of {held_on}").wait_for()


def test_analyst_runs_a_stocktake_and_its_actions_open_the_next(
    page, live_server, system, artifacts
):
    _log_in(page, live_server, "analyst")
    page.get_by_role("link", name="Routines").click()
    assert page.get_by_role("heading", name="Routine calendar").is_visible()
    assert _serious_violations(page) == []

    _schedule(page, "2025-10-20")
    assert _serious_violations(page) == []
    page.get_by_role("link", name="Pack").click()
    assert page.get_by_role("heading", name="Data against the trajectory").is_visible()
    assert page.locator("#priority-reading figure.chart svg").count() == 1
    assert _serious_violations(page) == []
    page.screenshot(path=str(artifacts / "stocktake-pack.png"), full_page=True)
    page.get_by_role("link", name="Back to the stocktake").click()

    page.get_by_role("link", name="Write the follow-up note").click()
    page.get_by_label("Decisions").fill("Fund tutoring in the South")
    actions = (
        ("Tutoring plan for District D3", "owner", "2025-11-14"),
        ("Head teachers' meeting on reading", "district", "2025-11-21"),
    )
    for index, (description, owner, due) in enumerate(actions):
        page.locator(f"#id_actions-{index}-description").fill(description)
        page.locator(f"#id_actions-{index}-owner").select_option(label=owner)
        page.locator(f"#id_actions-{index}-due").fill(due)
    assert _serious_violations(page) == []
    page.get_by_role("button", name="Publish the follow-up note").click()
    raised = page.locator("#raised tbody tr td:first-child").all_inner_texts()
    assert raised == [description for description, _, _ in actions]

    page.get_by_role("link", name="Back to the stocktake").click()
    _schedule(page, "2026-01-19")
    carried = page.locator("#carried tbody tr td:first-child").all_inner_texts()
    assert carried == [description for description, _, _ in actions]
    page.screenshot(path=str(artifacts / "stocktake-carried.png"), full_page=True)
