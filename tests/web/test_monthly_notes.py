"""The monthly note: drafted from the data, edited by the unit, kept short, published once and
then never changed; its figures frozen at publication."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import F

from deliverology.web.assessments import actions
from deliverology.web.assessments.models import MonthlyNote, NoteEntry


@pytest.fixture
def note(system):
    return actions.note_for(dt.date(2025, 10, 1))


def entry_data(note, **overrides):
    entries = list(note.entries.order_by("pk"))
    data = {
        "form-TOTAL_FORMS": str(len(entries)),
        "form-INITIAL_FORMS": str(len(entries)),
        "cross_cutting": "Late data from two districts.",
        "upcoming": "Stocktake on reading.",
    }
    for index, entry in enumerate(entries):
        data |= {
            f"form-{index}-id": str(entry.pk),
            f"form-{index}-headline": f"{entry.priority.title} is on course.",
            f"form-{index}-judgement": "amber_green",
            f"form-{index}-direction": "improving",
            f"form-{index}-judgement_text": "Steady gains in most districts.",
            f"form-{index}-asks": "Chair the stocktake.",
        }
    return data | overrides


@pytest.mark.django_db
def test_the_product_drafts_each_priority_with_its_latest_figure_and_a_headline(login, note):
    page = login("analyst").get("/notes/2025-10/").content.decode()
    assert "Monthly note, October 2025" in page
    # the latest period with a figure, never an older one shown as the latest
    assert "2024-25: " in page and "2023-24: " not in page
    reading = NoteEntry.objects.get(note=note, priority__code="reading")
    assert reading.headline.startswith("Priority: Grade 3 reading: ")
    assert "in 2024-25" in reading.headline
    assert "No published note last month to compare with." in page


@pytest.mark.django_db
def test_the_change_since_last_month_reads_last_months_published_note(login, system, note):
    actions.publish_note(note, by=system.people["analyst"])
    actions.note_for(dt.date(2025, 11, 1))
    page = login("analyst").get("/notes/2025-11/").content.decode()
    assert "No new figure since the note of October 2025 (still 2024-25)." in page


@pytest.mark.django_db
def test_the_unit_edits_and_publishes_and_the_leader_reads_it(login, note):
    analyst = login("analyst")
    assert analyst.post("/notes/2025-10/edit/", entry_data(note)).status_code == 302
    assert analyst.post("/notes/2025-10/publish/").status_code == 302
    page = login("leader").get("/notes/2025-10/").content.decode()
    assert "Chair the stocktake." in page and "Late data from two districts." in page
    assert "The figures are as they were when it was published." in page


@pytest.mark.django_db
def test_a_note_over_its_limits_is_not_published(login, note):
    analyst = login("analyst")
    long_text = " ".join(["word"] * 200)
    analyst.post("/notes/2025-10/edit/", entry_data(note, cross_cutting=long_text))
    edit = analyst.get("/notes/2025-10/edit/").content.decode()
    assert "cross_cutting: 200 words, the limit is 120." in edit
    response = analyst.post("/notes/2025-10/publish/")
    assert response.status_code == 409
    assert "too long to publish" in response.content.decode()
    assert not MonthlyNote.objects.get(pk=note.pk).is_published


@pytest.mark.django_db
def test_editing_a_published_note_is_refused_and_nothing_changes(login, system, note):
    actions.publish_note(note, by=system.people["analyst"])
    analyst = login("analyst")
    response = analyst.post("/notes/2025-10/edit/", entry_data(note, upcoming="Changed!"))
    assert response.status_code == 409
    assert "is published and cannot be changed" in response.content.decode()
    assert MonthlyNote.objects.get(pk=note.pk).upcoming == note.upcoming != "Changed!"
    assert analyst.get("/notes/2025-10/edit/").status_code == 409


@pytest.mark.django_db
def test_publishing_a_note_twice_is_refused_and_its_figures_stay(login, system, note):
    analyst = login("analyst")
    assert analyst.post("/notes/2025-10/publish/").status_code == 302
    frozen = MonthlyNote.objects.get(pk=note.pk).frozen
    again = analyst.post("/notes/2025-10/publish/")
    assert again.status_code == 409
    assert "already published" in again.content.decode()
    assert MonthlyNote.objects.get(pk=note.pk).frozen == frozen


@pytest.mark.django_db
def test_a_published_note_shows_its_frozen_figures_and_what_changed_since(login, system, note):
    from deliverology.web.performance.actions import refresh_rollups
    from deliverology.web.performance.models import Observation

    actions.publish_note(note, by=system.people["analyst"])
    frozen = {row["code"]: row for row in MonthlyNote.objects.get(pk=note.pk).frozen["priorities"]}
    Observation.objects.filter(metric__code="reading", period="2024-25").update(
        numerator=F("denominator"), value=100.0
    )
    refresh_rollups()
    page = login("leader").get("/notes/2025-10/").content.decode()
    assert f"2024-25: {frozen['reading']['value_text']}" in page
    assert "What has changed since" in page and "now 100.0% in 2024-25" in page


@pytest.mark.django_db
def test_viewers_read_published_notes_only_and_local_unit_users_none(login, system, note):
    assert login("viewer").get("/notes/2025-10/").status_code == 404
    actions.publish_note(note, by=system.people["analyst"])
    assert login("viewer").get("/notes/2025-10/").status_code == 200
    assert login("viewer").get("/notes/2025-10/edit/").status_code == 403
    assert login("district").get("/notes/2025-10/").status_code == 403
    assert login("leader").post("/notes/2025-10/publish/").status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["analyst", "leader", "owner"])
def test_the_notes_pages_open_for_every_reader(login, note, username):
    client = login(username)
    assert client.get("/notes/").status_code == 200
    assert client.get("/notes/2025-10/").status_code == 200
    assert client.get("/notes/2025-10/?format=pdf")["Content-Type"] == "application/pdf"


@pytest.mark.django_db
def test_the_unit_drafts_a_month_from_the_list(login, system):
    response = login("analyst").post("/notes/", {"month": "2025-09"})
    assert response.status_code == 302 and response["Location"] == "/notes/2025-09/edit/"
    assert MonthlyNote.objects.get(month=dt.date(2025, 9, 1)).entries.count() == 2


def test_publishing_tells_the_notes_readers_once_where_to_read_it(
    system, note, mailoutbox, django_capture_on_commit_callbacks
):
    people = system.people
    for who in ("leader", "owner", "viewer", "analyst", "district"):
        people[who].email = f"{who}@example.org"
        people[who].save()
    with django_capture_on_commit_callbacks(execute=True):
        actions.publish_note(note, by=people["analyst"])
    assert sorted(address for m in mailoutbox for address in m.to) == [
        "leader@example.org",
        "owner@example.org",
        "viewer@example.org",
    ]  # not the publisher, nor a local-unit user
    assert all("/notes/2025-10/" in message.body for message in mailoutbox)
    with pytest.raises(actions.Refused):
        actions.publish_note(note, by=people["analyst"])
    assert len(mailoutbox) == 3


def test_the_note_lists_missed_and_due_milestones_open_actions_and_the_leaders_problems(
    login, system, note
):
    from deliverology.core.problems import Severity
    from deliverology.web.plans.models import DeliveryPlan, Milestone
    from deliverology.web.problems.models import Problem
    from deliverology.web.routines.models import Action

    reading = system.priorities["reading"]
    plan = DeliveryPlan.objects.create(priority=reading)
    for title, due, status in (
        ("Coaches hired", dt.date(2025, 9, 15), "on_track"),  # missed: today is 2025-11-01
        ("Training done", dt.date(2025, 9, 1), "done"),
        ("Review held", dt.date(2025, 12, 1), "not_started"),  # after the note's month
    ):
        Milestone.objects.create(plan=plan, title=title, due=due, status=status)
    for description, due in (
        ("Visit D3", dt.date(2025, 10, 1)),
        ("Fund tutors", dt.date(2026, 1, 1)),
    ):
        Action.objects.create(
            description=description,
            owner=system.people["owner"],
            due=due,
            priority=reading,
            raised_on=dt.date(2025, 9, 1),
        )
    for severity, where in ((Severity.CRISIS, "ST"), (Severity.WATCH, "D1")):
        Problem.objects.create(
            priority=reading,
            local_unit=system.units[where],
            severity=severity,
            status=Problem.Status.CONFIRMED,
            trigger="well_below",
            sentence=f"A {severity} problem in {where}.",
            opened_on=dt.date(2025, 10, 1),
        )

    rows = {row["code"]: row for row in actions.builders.note_figures(note)["priorities"]}
    reading_row = rows["reading"]
    assert [m["title"] for m in reading_row["milestones_missed"]] == ["Coaches hired"]
    assert reading_row["milestones_due"] == []
    assert (reading_row["actions_open"], reading_row["actions_overdue"]) == (2, 1)
    assert [p["sentence"] for p in reading_row["problems"]] == ["A crisis problem in ST."]

    page = login("leader").get("/notes/2025-10/").content.decode()
    assert "A crisis problem in ST." in page and "A watch problem in D1." not in page
    assert "1 missed" in page and "Coaches hired" in page and "1 overdue" in page


@pytest.mark.django_db
def test_a_new_notes_upcoming_routines_name_the_dates_the_calendar_shows(login, system):
    """Today is 2025-11-01; with `[routines] note_upcoming_days = 31`, up to 2025-12-02."""
    import re

    from bs4 import BeautifulSoup

    from deliverology.web.routines.actions import cancel_stocktake, schedule_stocktake

    booked = schedule_stocktake(
        [system.priorities["reading"]], dt.date(2025, 11, 10), system.people["leader"]
    )
    cancel_stocktake(booked, new_date=dt.date(2025, 11, 17), reason="", today=dt.date(2025, 11, 1))
    client = login("analyst")
    page = BeautifulSoup(client.get("/routines/").content, "html.parser")
    shown = []
    for row in page.select("table.routine-calendar tbody tr"):
        cells = [td.get_text(" ", strip=True) for td in row.find_all("td")]
        wanted = cells[1] in {"Stocktake", "Delivery report", "Data refresh"}
        if wanted and cells[3] in {"Upcoming", "Due"} and "2025-11-01" <= cells[0] <= "2025-12-02":
            shown.append(cells[0])
    assert shown == ["2025-11-03", "2025-11-17", "2025-12-01", "2025-12-01", "2025-12-01"]

    assert client.post("/notes/", {"month": "2025-11"}).status_code == 302
    upcoming = MonthlyNote.objects.get(month=dt.date(2025, 11, 1)).upcoming
    assert upcoming.startswith("Due by 2025-12-02: Data refresh on 2025-11-03; ")
    assert "Stocktake (Priority: Grade 3 reading) on 2025-11-17 (moved from 2025-11-10)" in upcoming
    assert re.findall(r" on (\d{4}-\d\d-\d\d)", upcoming) == shown
    # still the unit's to edit
    form = BeautifulSoup(client.get("/notes/2025-11/edit/").content, "html.parser")
    assert form.select_one("textarea[name=upcoming]").get_text(strip=True) == upcoming
