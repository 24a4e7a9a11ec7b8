"""The diagnostic in a real browser: reached from the priority page, a pattern recorded."""

from __future__ import annotations

import pytest

from tests.e2e.test_journeys import _log_in, _serious_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_analyst_opens_the_diagnostic_and_records_a_pattern(page, live_server, system, artifacts):
    _log_in(page, live_server, "analyst")
    page.get_by_role("link", name="Priority: Grade 3 reading").click()
    page.get_by_role("link", name="Performance diagnostic", exact=False).click()
    assert page.get_by_role("heading", name="Against history").is_visible()
    assert page.get_by_role("heading", name="Where is the gap?").is_visible()
    assert _serious_violations(page) == []

    page.get_by_label("Compare").select_option("district")
    page.get_by_label("Periods back (k)").fill("2")
    page.get_by_role("button", name="Show").click()
    assert "over the last 2 periods" in page.locator("#history-heading + dl").inner_text()

    page.get_by_label("Kind").select_option("pattern")
    page.get_by_label("Statement").fill("The gap is concentrated in District D1.")
    page.get_by_role("button", name="Record").click()
    assert page.get_by_text("The gap is concentrated in District D1.").is_visible()
    assert _serious_violations(page) == []
    page.screenshot(path=str(artifacts / "diagnostic.png"), full_page=True)

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the diagnostic (Excel)").click()
    assert download.value.suggested_filename == "diagnostic-reading-ST-all.xlsx"
