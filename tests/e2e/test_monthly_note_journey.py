"""The monthly note in a real browser: the delivery unit drafts, edits and publishes this
month's note; the system leader reads it and downloads it as a PDF."""

from __future__ import annotations

import pytest

from tests.e2e.test_journeys import _log_in, _serious_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_unit_publishes_a_note_and_the_leader_reads_it(page, live_server, system, artifacts):
    _log_in(page, live_server, "analyst")
    page.get_by_role("link", name="Assessments").first.click()
    page.get_by_role("link", name="Monthly notes").click()
    page.get_by_role("button", name="Draft the note for this month").click()

    reading = page.get_by_role("group", name="Priority: Grade 3 reading")
    assert "well below trajectory in 2024-25" in reading.get_by_label("Headline").input_value()
    reading.get_by_label("Headline").fill("Reading is behind its trajectory in two districts.")
    reading.get_by_label("Asks of the leader").fill("Call the two district leads this month.")
    page.get_by_label("Cross-cutting issues").fill("Late data from two districts.")
    assert _serious_violations(page) == []
    page.get_by_role("button", name="Save the note").click()

    assert page.get_by_role("heading", name="Monthly note, November 2025").is_visible()
    page.get_by_role("button", name="Publish the note").click()
    assert "The figures are as they were when it was published." in page.content()
    assert page.get_by_role("link", name="Edit").count() == 0
    page.get_by_role("button", name="Log out").click()

    _log_in(page, live_server, "leader")
    page.goto(f"{live_server.url}/notes/")
    page.get_by_role("link", name="November 2025").click()
    text = page.locator("article.document").inner_text()
    assert "Reading is behind its trajectory in two districts." in text
    assert "Call the two district leads this month." in text
    assert page.get_by_role("button", name="Publish the note").count() == 0
    assert _serious_violations(page) == []
    page.screenshot(path=str(artifacts / "monthly-note.png"), full_page=True)

    link = page.get_by_role("link", name="Download as PDF")
    pdf = page.request.get(f"{live_server.url}/notes/2025-11/{link.get_attribute('href')}")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
