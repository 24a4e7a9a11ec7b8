"""Solving a problem early, in a real browser: a new data import pushes a district from slightly
below its trajectory to well below, the triggers suggest the problem at priority review, the
analyst confirms it there,
links its root cause and opens a review whose recommendations become actions, and the leader's
monthly note lists the problem and the open actions."""

from __future__ import annotations

import pytest

from tests.e2e.test_journeys import _log_in, _serious_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# The next year's school figures: District D3's schools, S4 and S5, fall to 47.5% together.
NEW_YEAR = (
    "School,Year,Tested,Met standard\n"
    "S1,2025-26,100,68\n"
    "S2,2025-26,80,38\n"
    "S3,2025-26,200,142\n"
    "S4,2025-26,40,10\n"
    "S5,2025-26,120,66\n"
)
PLACE = "District D3 · Grade 3 reading · All students"


@pytest.fixture
def school_results_mapping(system):
    from deliverology.engine.mapping import ColumnMapping
    from deliverology.web.performance.models import SavedMapping

    mapping = ColumnMapping(
        layout="long",
        local_unit="School",
        period="Year",
        period_kind="academic_year",
        metric_code="reading",
        numerator="Met standard",
        denominator="Tested",
    )
    return SavedMapping.objects.create(
        name="School results", kind="observations", mapping=mapping.to_dict()
    )


@pytest.fixture
def driver(system):
    from deliverology.web.chains.models import Driver

    return Driver.objects.create(
        priority=system.priorities["reading"],
        statement="Too little phonics teaching in K-3",
        evidence="Classroom observations",
    )


def _d3_problem(system):
    from deliverology.web.problems.models import Problem

    return Problem.objects.filter(
        priority=system.priorities["reading"],
        local_unit=system.units["D3"],
        subgroup=system.subgroups["all"],
        status__in=["suggested", "confirmed"],
    ).first()


def test_an_import_raises_a_problem_that_is_reviewed_and_reaches_the_leader_s_note(
    page, live_server, system, school_results_mapping, driver, settings, tmp_path, artifacts
):
    from deliverology.web.priorities.clock import today
    from deliverology.web.problems.actions import evaluate_triggers

    settings.UPLOAD_DIR = tmp_path / "uploads"
    evaluate_triggers(today())  # last night's run, on last year's figures
    watched = _d3_problem(system)  # D3 is slightly below its trajectory: watch
    assert watched is not None and (watched.status, watched.severity) == ("suggested", "watch")
    path = tmp_path / "school-results-2025-26.csv"
    path.write_text(NEW_YEAR)

    # The analyst loads the new year's figures.
    _log_in(page, live_server, "analyst")
    page.get_by_role("navigation").get_by_role("link", name="Imports").click()
    page.get_by_role("link", name="Load a file").click()
    page.get_by_label("What the file holds").select_option("observations")
    page.get_by_label("File", exact=True).set_input_files(str(path))
    page.get_by_label("Saved column mapping").select_option(label="School results")
    page.get_by_role("button", name="Check the file").click()
    page.get_by_role("button", name="Load these figures").click()
    page.wait_for_selector(".outcome-committed")

    # The triggers, run after the refresh, now suggest the problem at priority review.
    problem = _d3_problem(system)
    assert problem is not None and problem.status == "suggested"
    assert problem.severity == "priority_review" and problem.latest_period == "2025-26"
    assert problem.events.filter(kind="escalation_suggested", to_severity="priority_review")
    page.get_by_role("navigation").get_by_role("link", name="Problems").click()
    page.get_by_label("Severity", exact=True).select_option("priority_review")
    page.get_by_role("button", name="Show").click()
    page.get_by_role("link", name=PLACE, exact=True).click()
    assert "well below trajectory" in page.locator("#evidence-sentence").inner_text()
    assert "2025-26" in page.locator("#evidence-sentence").inner_text()

    # The analyst confirms it at priority review and links its root cause.
    confirm = page.locator("#confirm-form")
    confirm.get_by_label("Severity", exact=True).select_option("priority_review")
    confirm.get_by_label("Reason").fill("D3 fell 15 points in a year: a joint review.")
    page.get_by_role("button", name="Confirm at this severity").click()
    assert page.locator("#problem-status").inner_text() == "Confirmed"
    causes = page.locator("#root-cause-form")
    causes.get_by_label("Root cause").select_option(label="Too little phonics teaching in K-3")
    causes.get_by_label("Why").fill("The new phonics scheme never reached the two schools.")
    page.get_by_role("button", name="Link the root cause").click()
    assert (
        "The new phonics scheme never reached the two schools."
        in page.locator("#root-causes").inner_text()
    )

    # It escalates to a priority review, whose recommendations become actions.
    page.locator("#open-review").click()
    page.get_by_label("Scope").fill("Why reading fell in D3, from the district to the classroom.")
    page.get_by_role("checkbox", name="analyst").check()
    page.get_by_role("checkbox", name="owner").check()
    page.get_by_role("button", name="Open the review").click()
    assert "Too little phonics teaching in K-3" in page.locator("article.document").inner_text()
    recommendations = page.locator("#recommendations-form")
    for number, (text, due) in enumerate(
        (
            ("Train D3's K-3 teachers in the phonics scheme", "2025-12-15"),
            (
                "The district checks the daily phonics block in S4 and S5 each fortnight",
                "2026-01-31",
            ),
        ),
        start=1,
    ):
        row = recommendations.get_by_role("group", name=f"Recommendation {number}")
        row.get_by_label("Action").fill(text)
        row.get_by_label("Owner").select_option(label="owner")
        row.get_by_label("Due").fill(due)
    page.get_by_role("button", name="Raise the recommendations as actions").click()
    raised = page.locator("#review-recommendations").inner_text()
    assert "Train D3's K-3 teachers" in raised and "each fortnight" in raised
    assert _serious_violations(page) == []

    # The analyst drafts and publishes this month's note.
    page.get_by_role("navigation").get_by_role("link", name="Assessments").click()
    page.get_by_role("link", name="Monthly notes").click()
    page.get_by_role("button", name="Draft the note for this month").click()
    reading = page.get_by_role("group", name="Priority: Grade 3 reading")
    reading.get_by_label("Headline").fill(
        "Reading fell in District D3; a priority review is under way."
    )
    reading.get_by_label("Asks of the leader").fill("Back the review's two actions.")
    page.get_by_role("button", name="Save the note").click()
    page.get_by_role("button", name="Publish the note").click()
    page.get_by_role("button", name="Log out").click()

    # The leader's note lists the problem and its open actions.
    _log_in(page, live_server, "leader")
    page.goto(f"{live_server.url}/notes/")
    page.get_by_role("link", name="November 2025").click()
    note = page.locator("section.note-priority").filter(
        has=page.get_by_role("heading", name="Priority: Grade 3 reading")
    )
    problems = note.locator(".note-problems").inner_text()
    assert "(Confirmed, District D3)" in problems and "Priority review" in problems
    assert "Open actions: 2" in note.locator(".note-actions").inner_text()
    assert _serious_violations(page) == []
    page.screenshot(path=str(artifacts / "problem-to-note.png"), full_page=True)
