"""The main journey in a real browser: log in, dashboard, drill down to a district and a school."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.conftest import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _serious_violations(page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])} elements)"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/")


def test_analyst_drills_from_the_dashboard_down_to_a_school(page, live_server, system, artifacts):
    _log_in(page, live_server, "analyst")
    assert page.get_by_role("heading", name="Priority: Grade 3 reading").is_visible()
    assert _serious_violations(page) == []
    page.screenshot(path=str(artifacts / "dashboard.png"), full_page=True)

    page.get_by_role("link", name="Priority: Grade 3 reading").click()
    page.get_by_role("link", name="North Region").click()
    page.get_by_role("link", name="District D1").click()
    assert page.get_by_role("heading", name="Actuals against the trajectory").is_visible()
    assert _serious_violations(page) == []
    page.screenshot(path=str(artifacts / "district.png"), full_page=True)

    page.get_by_role("link", name="School S1").click()
    assert "School S1" in page.locator(".lede").inner_text()
    page.get_by_label("Students").select_option("low_income")
    page.get_by_role("button", name="Show").click()
    assert "Low income" in page.locator(".lede").inner_text()
    assert _serious_violations(page) == []
    page.screenshot(path=str(artifacts / "school.png"), full_page=True)


def test_keyboard_users_can_skip_to_the_content_and_log_out(page, live_server, system):
    _log_in(page, live_server, "leader")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.get_by_role("button", name="Log out").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/accounts/login/")


def test_the_dashboard_reads_on_a_phone(page, live_server, system, artifacts):
    page.set_viewport_size({"width": 390, "height": 844})
    _log_in(page, live_server, "district")
    assert page.get_by_role("heading", name="Priority: Grade 3 reading").is_visible()
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 390
    page.screenshot(path=str(artifacts / "dashboard-phone.png"), full_page=True)
