"""Assessments per priority per reporting round: the suggestion and its reasons, the rationale,
overrides, the owner's comments before it is final, moderation, and who may do what."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from deliverology.web.assessments import actions
from deliverology.web.assessments.models import Assessment, Moderation, ReportingRound

RATINGS = {
    "challenge": "high",
    "understanding_the_challenge": "green",
    "governance": "amber_green",
    "managing_performance": "amber_red",
    "structuring_the_chain": "green",
    "engaging_the_chain": "amber_green",
    "leadership_and_culture": "green",
    "stage": "stage_2",
}


@pytest.fixture
def reporting_round(system):
    return actions.open_round("July 2025", dt.date(2025, 7, 31))


def url(reporting_round, code="reading", suffix=""):
    return f"/assessments/{reporting_round.pk}/{code}/{suffix}"


def reading(reporting_round):
    return Assessment.objects.get(reporting_round=reporting_round, priority__code="reading")


@pytest.mark.django_db
def test_opening_a_round_makes_an_assessment_for_each_active_priority(login, system):
    response = login("analyst").post(
        "/assessments/", {"name": "January 2026", "as_of": "2026-01-31"}
    )
    made = ReportingRound.objects.get(name="January 2026")
    assert response.status_code == 302
    assert sorted(made.assessments.values_list("priority__code", flat=True)) == [
        "absence",
        "reading",
    ]


@pytest.mark.django_db
def test_the_unit_saves_ratings_and_sees_the_suggestion_with_its_reasons(login, reporting_round):
    client = login("analyst")
    assert client.post(url(reporting_round), RATINGS).status_code == 302
    saved = reading(reporting_round)
    assert saved.suggested_likelihood  # stored with the ratings
    page = client.get(url(reporting_round)).content.decode()
    assert "The worst sub-rating is Amber-red (managing performance)" in page
    assert "The trajectory status is" in page


@pytest.mark.django_db
def test_a_likelihood_without_rationale_is_refused_and_nothing_is_saved(login, reporting_round):
    response = login("analyst").post(
        url(reporting_round), {**RATINGS, "likelihood": "green", "to_move_up": "More data."}
    )
    assert response.status_code == 400
    assert "A likelihood of delivery needs a rationale." in response.content.decode()
    saved = reading(reporting_round)
    assert (saved.likelihood, saved.challenge) == ("", "")


@pytest.mark.django_db
def test_what_it_would_take_to_move_up_is_required_with_a_likelihood(login, reporting_round):
    response = login("analyst").post(
        url(reporting_round), {**RATINGS, "likelihood": "green", "rationale": "Strong data."}
    )
    assert response.status_code == 400
    assert "Say what it would take to move the rating up." in response.content.decode()


@pytest.mark.django_db
def test_a_final_rating_unlike_the_suggestion_is_stored_as_an_override(login, reporting_round):
    client = login("analyst")
    client.post(url(reporting_round), RATINGS)
    suggested = reading(reporting_round).suggested_likelihood
    other = "red" if suggested != "red" else "green"
    client.post(
        url(reporting_round),
        {**RATINGS, "likelihood": other, "rationale": "Weak chain.", "to_move_up": "A plan."},
    )
    saved = reading(reporting_round)
    assert (saved.likelihood, saved.suggested_likelihood, saved.is_override) == (
        other,
        suggested,
        True,
    )
    client.post(
        url(reporting_round),
        {**RATINGS, "likelihood": suggested, "rationale": "As suggested.", "to_move_up": "Data."},
    )
    assert reading(reporting_round).is_override is False


@pytest.mark.django_db
def test_the_owner_challenges_before_it_is_final_and_not_after(login, system, reporting_round):
    owner = login("owner")
    response = owner.post(
        url(reporting_round, suffix="comment/"),
        {"kind": "challenge", "text": "The new programme started in March."},
    )
    assert response.status_code == 302
    assessment = reading(reporting_round)
    assert assessment.comments.get().kind == "challenge"
    final = {**RATINGS, "likelihood": "amber_green", "rationale": "R.", "to_move_up": "M."}
    login("analyst").post(url(reporting_round), {**final, "finalise": "on"})
    late = login("owner").post(
        url(reporting_round, suffix="comment/"), {"kind": "comment", "text": "Too late?"}
    )
    assert late.status_code == 400
    assert "already final" in late.content.decode()
    assert assessment.comments.count() == 1


@pytest.mark.django_db
def test_an_owner_comments_only_on_their_own_priority(login, system, reporting_round):
    system.priorities["absence"].owner = None
    system.priorities["absence"].save()
    response = login("owner").post(
        url(reporting_round, "absence", "comment/"), {"kind": "comment", "text": "Mine?"}
    )
    assert response.status_code == 404


@pytest.mark.django_db
def test_the_leader_may_comment_but_not_rate(login, reporting_round):
    leader = login("leader")
    assert leader.post(url(reporting_round), RATINGS).status_code == 403
    response = leader.post(
        url(reporting_round, suffix="comment/"), {"kind": "comment", "text": "Press on data."}
    )
    assert response.status_code == 302


@pytest.mark.django_db
def test_moderation_records_who_when_and_the_change(login, system, reporting_round):
    client = login("analyst")
    final = {**RATINGS, "likelihood": "green", "rationale": "R.", "to_move_up": "M."}
    client.post(url(reporting_round), {**final, "finalise": "on"})
    response = client.post(
        url(reporting_round, suffix="moderate/"),
        {"to": "amber_green", "reason": "Consistent with attendance, rated on weaker data."},
    )
    assert response.status_code == 302
    moderation = Moderation.objects.get()
    assert (moderation.from_likelihood, moderation.to_likelihood) == ("green", "amber_green")
    assert moderation.moderated_by == system.people["analyst"] and moderation.moderated_at
    assert reading(reporting_round).likelihood == "amber_green"
    page = client.get(url(reporting_round)).content.decode()
    assert "Green → Amber-green" in page


@pytest.mark.django_db
def test_a_report_with_draft_assessments_cannot_be_published(login, reporting_round):
    response = login("analyst").post(f"/assessments/{reporting_round.pk}/report/publish/")
    assert response.status_code == 409
    assert "2 assessments are not final yet" in response.content.decode()
    reporting_round.refresh_from_db()
    assert not reporting_round.is_published


def finalise_all(client, reporting_round):
    final = {**RATINGS, "likelihood": "amber_green", "rationale": "R.", "to_move_up": "M."}
    for code in ("reading", "absence"):
        client.post(url(reporting_round, code), {**final, "finalise": "on"})


@pytest.mark.django_db
def test_publishing_twice_is_refused_and_the_frozen_report_is_unchanged(login, reporting_round):
    client = login("analyst")
    finalise_all(client, reporting_round)
    assert client.post(f"/assessments/{reporting_round.pk}/report/publish/").status_code == 302
    reporting_round.refresh_from_db()
    frozen, published_at = reporting_round.frozen, reporting_round.published_at
    again = client.post(f"/assessments/{reporting_round.pk}/report/publish/")
    assert again.status_code == 409
    assert "already published" in again.content.decode()
    reporting_round.refresh_from_db()
    assert (reporting_round.frozen, reporting_round.published_at) == (frozen, published_at)


@pytest.mark.django_db
def test_a_published_report_keeps_its_figures_and_says_what_changed(login, system, reporting_round):
    from deliverology.web.performance.actions import refresh_rollups
    from deliverology.web.performance.models import Observation

    client = login("analyst")
    finalise_all(client, reporting_round)
    client.post(f"/assessments/{reporting_round.pk}/report/publish/")
    before = client.get(f"/assessments/{reporting_round.pk}/report/").content.decode()
    Observation.objects.filter(metric__code="reading", period="2024-25").update(
        numerator=F("denominator"), value=100.0
    )
    refresh_rollups()
    after = client.get(f"/assessments/{reporting_round.pk}/report/").content.decode()
    assert "The figures are as they were when it was published." in after
    published_figure = reporting_round_figure(reporting_round)
    assert published_figure in before and published_figure in after
    assert "What has changed since" in after
    assert "Priority: Grade 3 reading: now 100.0%" in after


def reporting_round_figure(reporting_round):
    reporting_round.refresh_from_db()
    page = next(p for p in reporting_round.frozen["pages"] if p["code"] == "reading")
    return page["figures"]["value_text"]


@pytest.mark.django_db
def test_viewers_read_published_reports_only(login, reporting_round):
    viewer = login("viewer")
    assert viewer.get(f"/assessments/{reporting_round.pk}/report/").status_code == 404
    assert reporting_round.name not in viewer.get("/assessments/").content.decode()
    analyst = login("analyst")
    finalise_all(analyst, reporting_round)
    analyst.post(f"/assessments/{reporting_round.pk}/report/publish/")
    viewer = login("viewer")
    assert viewer.get(f"/assessments/{reporting_round.pk}/report/").status_code == 200
    assert viewer.get(url(reporting_round)).status_code == 404  # the working page: drafts


@pytest.mark.django_db
def test_local_unit_users_do_not_see_the_systems_assessments(login, reporting_round):
    district = login("district")
    assert district.get("/assessments/").status_code == 403
    assert district.get(f"/assessments/{reporting_round.pk}/report/").status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["analyst", "leader", "owner"])
def test_every_preparer_and_reader_opens_the_rounds_the_round_and_the_report(
    login, reporting_round, username
):
    client = login(username)
    for path in (
        "/assessments/",
        f"/assessments/{reporting_round.pk}/",
        url(reporting_round),
        f"/assessments/{reporting_round.pk}/report/",
    ):
        assert client.get(path).status_code == 200, path


def _report_queries(client, pk: int) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(f"/assessments/{pk}/report/").status_code == 200
    return len(captured)


@pytest.mark.django_db
def test_the_report_costs_the_same_queries_however_many_rounds_there_are(login, reporting_round):
    client = login("analyst")
    actions.open_round("January 2025", dt.date(2025, 1, 31))  # a previous round to compare with
    _report_queries(client, reporting_round.pk)  # the first request fills per-process caches
    first = _report_queries(client, reporting_round.pk)
    for month in range(1, 7):
        actions.open_round(f"Round {month}", dt.date(2024, month, 28))
    assert _report_queries(client, reporting_round.pk) == first


def test_the_report_lists_each_priority_s_actions_open_on_the_round_s_date(
    login, system, reporting_round
):
    from deliverology.web.routines.actions import raise_action
    from deliverology.web.routines.models import Action

    owner, reading_priority = system.people["owner"], system.priorities["reading"]

    def action(text, raised, due, closed=None):
        made = raise_action(None, text, owner, due, priority=reading_priority, today=raised)
        if closed:
            Action.objects.filter(pk=made.pk).update(closed_on=closed, status="done")

    action("Hire coaches", dt.date(2025, 6, 1), dt.date(2025, 7, 15))  # overdue on 31 July
    action("Buy books", dt.date(2025, 6, 1), dt.date(2025, 9, 1), closed=dt.date(2025, 8, 20))
    action("Closed in June", dt.date(2025, 5, 1), dt.date(2025, 6, 1), closed=dt.date(2025, 6, 2))
    action("Raised in August", dt.date(2025, 8, 5), dt.date(2025, 9, 1))
    page = login("analyst").get(f"/assessments/{reporting_round.pk}/report/").content.decode()
    assert "Open actions on 2025-07-31" in page
    rows = page.split('class="report-actions"')[1].split("</table>")[0]
    assert "Hire coaches" in rows and "Buy books" in rows
    assert "Closed in June" not in rows and "Raised in August" not in rows
    assert rows.index("Hire coaches") < rows.index("Buy books")  # soonest due first
    assert rows.count("overdue") == 1
