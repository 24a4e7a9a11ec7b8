"""Routines' pages for every role: the calendar, my actions, stocktakes and their documents."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse

from deliverology.web.routines.models import Action, Stocktake
from tests.conftest import System

ROLES = ["leader", "analyst", "owner", "district", "viewer"]


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


@pytest.mark.parametrize("role", ROLES)
def test_every_role_sees_the_routine_calendar(login: Callable[[str], object], role: str) -> None:
    page = soup(login(role).get(reverse("routine_calendar")))  # type: ignore[attr-defined]
    rows = page.select("table.routine-calendar tbody tr")
    routines = {row.find_all("td")[1].get_text(strip=True) for row in rows}
    assert {"Data refresh", "Monthly note", "Stocktake", "Delivery report"} <= routines


@pytest.mark.parametrize(
    ("role", "pack", "prebrief", "follow_up_draft"),
    [
        ("analyst", 200, 200, 200),
        ("leader", 200, 200, 200),
        ("owner", 200, 403, 200),
        ("district", 403, 403, 403),
        ("viewer", 403, 403, 403),
    ],
)
def test_who_reads_a_stocktakes_working_papers(
    login: Callable[[str], object],
    stocktake: Stocktake,
    role: str,
    pack: int,
    prebrief: int,
    follow_up_draft: int,
) -> None:
    client = login(role)
    get = client.get  # type: ignore[attr-defined]
    assert get(reverse("stocktake", args=[stocktake.pk])).status_code == pack
    assert get(reverse("stocktake_pack", args=[stocktake.pk])).status_code == pack
    assert get(reverse("stocktake_prebrief", args=[stocktake.pk])).status_code == prebrief
    assert get(reverse("stocktake_follow_up", args=[stocktake.pk])).status_code == follow_up_draft


def publish(client: object, stocktake: Stocktake, system: System, rows: list[dict[str, str]]):
    data = {
        "summary": "A good discussion",
        "decisions": "Fund tutoring in D3\nReview in January",
        "actions-TOTAL_FORMS": str(len(rows)),
        "actions-INITIAL_FORMS": "0",
    }
    for index, row in enumerate(rows):
        for name, value in row.items():
            data[f"actions-{index}-{name}"] = value
    url = reverse("stocktake_follow_up_edit", args=[stocktake.pk])
    return client.post(url, data)  # type: ignore[attr-defined]


def test_the_delivery_unit_publishes_a_follow_up_with_two_actions_and_everyone_may_read_it(
    login: Callable[[str], object], stocktake: Stocktake, system: System, mailoutbox
) -> None:
    owner, district = system.people["owner"], system.people["district"]
    owner.email, district.email = "owner@example.org", "district@example.org"
    owner.save(), district.save()
    rows = [
        {"description": "Tutoring plan for D3", "owner": str(owner.pk), "due": "2025-11-14"},
        {"description": "Head teachers' meeting", "owner": str(district.pk), "due": "2025-11-21"},
    ]
    response = publish(login("analyst"), stocktake, system, rows)
    assert response.status_code == 302
    stocktake.refresh_from_db()
    assert stocktake.is_published and stocktake.decisions.count() == 2
    raised = Action.objects.filter(source_id=stocktake.pk, raised_on=date(2025, 11, 1))
    assert sorted(raised.values_list("description", flat=True)) == [
        "Head teachers' meeting",
        "Tutoring plan for D3",
    ]
    assert {m.to[0] for m in mailoutbox} == {"owner@example.org", "district@example.org"}
    assert all("Published" in m.subject for m in mailoutbox)
    for role in ROLES:
        page = login(role).get(reverse("stocktake_follow_up", args=[stocktake.pk]))  # type: ignore[attr-defined]
        assert page.status_code == 200
        items = [li.get_text(strip=True) for li in soup(page).select("#decisions li")]
        assert items == ["Fund tutoring in D3", "Review in January"]


def test_an_action_without_owner_or_date_is_refused_and_nothing_is_saved(
    login: Callable[[str], object], stocktake: Stocktake, system: System, mailoutbox
) -> None:
    rows = [
        {
            "description": "Tutoring plan",
            "owner": str(system.people["owner"].pk),
            "due": "2025-11-14",
        },
        {"description": "Nobody's action", "owner": "", "due": ""},
    ]
    before = Action.objects.count()
    response = publish(login("analyst"), stocktake, system, rows)
    assert response.status_code == 400
    page = soup(response)
    errors = [p.get_text(strip=True) for p in page.select("p.error")]
    assert "Every action needs an owner." in errors and "Every action needs a due date." in errors
    stocktake.refresh_from_db()
    assert not stocktake.is_published and stocktake.decisions.count() == 0
    assert Action.objects.count() == before and not mailoutbox


def test_a_follow_up_cannot_be_published_twice(
    login: Callable[[str], object], stocktake: Stocktake, system: System
) -> None:
    row = {
        "description": "Tutoring plan",
        "owner": str(system.people["owner"].pk),
        "due": "2025-11-14",
    }
    client = login("analyst")
    assert publish(client, stocktake, system, [row]).status_code == 302
    again = publish(client, stocktake, system, [row])
    assert again.status_code == 400
    assert "cannot be published again" in soup(again).select_one("p.error").get_text()
    assert Action.objects.filter(description="Tutoring plan").count() == 1
    assert stocktake.decisions.count() == 2


def test_only_the_delivery_unit_writes_a_follow_up(
    login: Callable[[str], object], stocktake: Stocktake
) -> None:
    for role in ("leader", "owner", "district", "viewer"):
        url = reverse("stocktake_follow_up_edit", args=[stocktake.pk])
        assert login(role).get(url).status_code == 403  # type: ignore[attr-defined]


def test_a_stocktake_for_a_priority_with_no_target_is_refused(
    login: Callable[[str], object], system: System
) -> None:
    from deliverology.web.priorities.models import Target

    Target.objects.filter(metric=system.metrics["absence"]).delete()
    response = login("analyst").post(  # type: ignore[attr-defined]
        reverse("stocktakes"),
        {
            "priorities": [system.priorities["absence"].pk, system.priorities["reading"].pk],
            "held_on": "2025-12-01",
            "chair": system.people["leader"].pk,
        },
    )
    assert response.status_code == 400
    assert "has no target yet" in soup(response).select_one("p.error").get_text()
    assert not Stocktake.objects.exists()


def test_scheduling_a_stocktake_opens_its_agenda_with_the_carried_actions(
    login: Callable[[str], object], stocktake: Stocktake, system: System
) -> None:
    client = login("analyst")
    response = client.post(  # type: ignore[attr-defined]
        reverse("stocktakes"),
        {
            "priorities": [system.priorities["reading"].pk],
            "held_on": "2026-01-19",
            "chair": system.people["leader"].pk,
            "agenda": "Tutoring",
        },
    )
    assert response.status_code == 302
    page = soup(client.get(response["Location"]))  # type: ignore[attr-defined]
    carried = [row.find("td").get_text(strip=True) for row in page.select("#carried tbody tr")]
    assert carried == ["Visit the schools of District D3"]  # the done one stays behind
    assert "overdue" in page.select_one("#carried tbody tr").get_text()


def test_the_pack_shows_the_figures_worst_local_units_actions_and_no_assessment_yet(
    login: Callable[[str], object], stocktake: Stocktake
) -> None:
    page = soup(login("leader").get(reverse("stocktake_pack", args=[stocktake.pk])))  # type: ignore[attr-defined]
    section = page.select_one("#priority-reading")
    assert section.select_one("figure.chart svg") is not None
    assert "Grade 3 reading" in section.select_one("table").get_text()
    assert "No assessment yet." in section.get_text()
    open_rows = [
        r.find("td").get_text(strip=True) for r in section.select("#open-reading tbody tr")
    ]
    assert open_rows == ["Visit the schools of District D3"]
    assert "Whether to fund tutoring in D3" in page.get_text()


def test_the_prebrief_presses_questions_with_the_tables_figures(
    login: Callable[[str], object], stocktake: Stocktake
) -> None:
    page = soup(login("leader").get(reverse("stocktake_prebrief", args=[stocktake.pk])))  # type: ignore[attr-defined]
    brief = page.select_one("#brief-reading")
    cells = [td.get_text(strip=True) for td in brief.select("table tbody tr td")]
    period, actual, expected = cells[0], cells[1], cells[2]
    first = brief.select_one("ol.questions li")
    assert first["data-prompt"] in {"below_trajectory", "well_below_trajectory", "on_trajectory"}
    assert (
        actual in first.get_text() and expected in first.get_text() and period in first.get_text()
    )
    prompts = [li["data-prompt"] for li in brief.select("ol.questions li")]
    assert "overdue_actions" in prompts and prompts[-1] == "how_can_we_help"


def test_an_owner_updates_their_action_and_not_anothers(
    login: Callable[[str], object], stocktake: Stocktake, system: System
) -> None:
    mine = Action.objects.get(owner=system.people["owner"])
    theirs = Action.objects.get(owner=system.people["analyst"])
    client = login("owner")
    page = soup(client.get(reverse("my_actions")))  # type: ignore[attr-defined]
    row = page.select_one("#my-actions tbody tr")
    assert "overdue" in row.get_text()
    url = reverse("action_update", args=[mine.pk])
    assert client.post(url, {"status": "done", "evidence": "Visited"}).status_code == 302  # type: ignore[attr-defined]
    mine.refresh_from_db()
    assert (mine.status, mine.evidence, mine.closed_on) == ("done", "Visited", date(2025, 11, 1))
    other = reverse("action_update", args=[theirs.pk])
    assert client.post(other, {"status": "open"}).status_code == 403  # type: ignore[attr-defined]


def test_a_local_unit_user_sees_the_actions_concerning_their_units(
    login: Callable[[str], object], stocktake: Stocktake
) -> None:
    page = soup(login("district").get(reverse("my_actions")))  # type: ignore[attr-defined]
    seen = [r.find("td").get_text(strip=True) for r in page.select("#other-actions tbody tr")]
    assert seen == ["Visit the schools of District D3"]
    viewer = soup(login("viewer").get(reverse("my_actions")))  # type: ignore[attr-defined]
    assert viewer.select("#other-actions") == []


def test_the_follow_up_is_late_on_the_calendar_after_its_working_days(
    login: Callable[[str], object], stocktake: Stocktake
) -> None:
    page = soup(login("analyst").get(reverse("routine_calendar")))  # type: ignore[attr-defined]
    rows = [
        r for r in page.select("table.routine-calendar tbody tr") if "Follow-up" in r.get_text()
    ]
    cells = [td.get_text(strip=True) for td in rows[0].find_all("td")]
    assert cells[0] == "2025-10-23" and cells[3] == "Late"  # 3 working days after 20 October


def test_the_calendar_feed_is_reached_with_the_persons_secret_address(
    login: Callable[[str], object], stocktake: Stocktake, system: System, client
) -> None:
    from icalendar import Calendar

    page = soup(login("owner").get(reverse("routine_calendar")))  # type: ignore[attr-defined]
    feed_url = page.select_one("#feed-url")["href"]
    client.logout()
    response = client.get(feed_url)
    assert response["Content-Type"].startswith("text/calendar")
    events = Calendar.from_ical(response.content).walk("VEVENT")
    summaries = [str(e["SUMMARY"]) for e in events]
    assert "Action due: Visit the schools of District D3" in summaries
    assert any(s.startswith("Stocktake: ") for s in summaries)
    token = feed_url.split("/feed/")[1].split("/")[0]
    forged = feed_url.replace(token, token[:-2] + ("AA" if token[-2:] != "AA" else "BB"))
    assert client.get(forged).status_code == 403
    owner = system.people["owner"]
    owner.set_password("a-new-password-entirely")
    owner.save()
    assert client.get(feed_url).status_code == 403  # a new password, a new address


def test_the_pack_prints_as_a_pdf(login: Callable[[str], object], stocktake: Stocktake) -> None:
    url = reverse("stocktake_pack", args=[stocktake.pk]) + "?format=pdf"
    response = login("leader").get(url)  # type: ignore[attr-defined]
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


@pytest.mark.parametrize(
    "name", ["my_actions", "stocktake", "stocktake_pack", "stocktake_follow_up"]
)
def test_query_counts_do_not_grow_with_the_number_of_actions(
    login: Callable[[str], object], stocktake: Stocktake, system: System, name: str
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from deliverology.web.routines.actions import raise_action

    client = login("owner")
    args = [] if name == "my_actions" else [stocktake.pk]

    def queries_with(count: int) -> int:
        for index in range(count):
            raise_action(
                stocktake,
                f"Action {index}",
                system.people["owner"],
                date(2025, 10, 25),
                priority=system.priorities["reading"],
                today=date(2025, 10, 1),
            )
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse(name, args=args)).status_code == 200  # type: ignore[attr-defined]
        return len(captured)

    queries_with(0)  # the session and the person are loaded once
    assert queries_with(2) == queries_with(20)


def test_the_pack_shows_the_plans_milestones_the_chains_weak_links_and_the_assessment(
    login: Callable[[str], object], system: System, stocktake: Stocktake
) -> None:
    from deliverology.web.assessments import actions as assessments
    from deliverology.web.assessments.models import Assessment
    from deliverology.web.chains.models import ChainLink, DeliveryChain, LinkRating
    from deliverology.web.plans.models import DeliveryPlan, Milestone

    reading = system.priorities["reading"]
    plan = DeliveryPlan.objects.create(priority=reading)  # type: ignore[misc]
    Milestone.objects.create(plan=plan, title="Coaches hired", due=date(2025, 9, 1))
    Milestone.objects.create(plan=plan, title="Training done", due=date(2025, 8, 1), status="done")
    chain = DeliveryChain.objects.create(priority=reading, title="Structured literacy")  # type: ignore[misc]
    link = ChainLink.objects.create(
        chain=chain, position=1, actor_kind="teacher", actor="K-3 teachers", owner_name="Leads"
    )
    LinkRating.objects.create(
        link=link,
        rating="red",
        evidence="Half the classrooms visited had no phonics block",
        rated_on=date(2025, 10, 1),
        rated_by=system.people["analyst"],  # type: ignore[misc]
    )
    reporting_round = assessments.open_round("July 2025", date(2025, 7, 31))
    Assessment.objects.filter(reporting_round=reporting_round, priority=reading).update(  # type: ignore[misc]
        likelihood="amber_red", rationale="Coaching started late."
    )

    page = soup(login("leader").get(reverse("stocktake_pack", args=[stocktake.pk])))  # type: ignore[attr-defined]
    section = page.select_one("#priority-reading")
    milestones = [
        r.find("td").get_text(strip=True) for r in section.select("table.milestones tr")[1:]
    ]
    assert milestones == ["Coaches hired"]  # the done one is left out
    assert "overdue" in section.select_one("table.milestones tbody tr").get_text()
    weak = section.select_one("table.weak-links tbody tr").get_text(" ", strip=True)
    assert "K-3 teachers (Structured literacy)" in weak and "None recorded" in weak
    assert "Likelihood of delivery: Amber-red (July 2025, draft). Coaching started late." in (
        section.get_text(" ", strip=True)
    )


def test_the_momentum_page_shows_days_since_the_last_stocktake_and_actions_closed_on_time(
    login: Callable[[str], object], stocktake: Stocktake
) -> None:
    from deliverology.web.routines.actions import mark_held

    before = soup(login("leader").get(reverse("momentum")))  # type: ignore[attr-defined]
    assert "none held" in before.select_one("#streaks tbody tr .stocktake").get_text()

    mark_held(stocktake)
    page = soup(login("leader").get(reverse("momentum")))  # type: ignore[attr-defined]
    row = page.select_one("#streaks tbody tr")  # reading, the first priority
    # today is 2025-11-01: held 12 days ago, within the monthly cadence
    assert row.select_one(".stocktake").get_text(" ", strip=True) == "2025-10-20, 12 days ago"
    # of the two actions due, one was closed on time, the other is open and late
    assert row.select_one(".on-time").get_text(" ", strip=True).startswith("50%")
