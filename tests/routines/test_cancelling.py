"""Cancelling a stocktake asks for a new date: the stocktake moves, its pack and carried
actions follow, the calendar says where it moved from; dropped outright it needs a reason and
counts as a lapse on the momentum page. Today is 2025-11-01."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse

from deliverology.web.routines.models import Stocktake
from tests.conftest import System


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


@pytest.fixture
def booked(system: System) -> Stocktake:
    """A stocktake of reading booked for 2025-11-10, still scheduled."""
    from deliverology.web.routines.actions import schedule_stocktake

    return schedule_stocktake(
        [system.priorities["reading"]],
        date(2025, 11, 10),
        system.people["leader"],
        by=system.people["analyst"],
    )


def calendar_rows(client: object) -> list[list[str]]:
    page = soup(client.get(reverse("routine_calendar")))  # type: ignore[attr-defined]
    return [
        [td.get_text(" ", strip=True) for td in row.find_all("td")]
        for row in page.select("table.routine-calendar tbody tr")
    ]


def test_cancelling_with_neither_a_new_date_nor_a_reason_is_refused_and_nothing_saved(
    login: Callable[[str], object], booked: Stocktake
) -> None:
    response = login("analyst").post(  # type: ignore[attr-defined]
        reverse("stocktake_cancel", args=[booked.pk]), {"new_date": "", "reason": "  "}
    )
    assert response.status_code == 400
    errors = [p.get_text(strip=True) for p in soup(response).select(".error")]
    assert "Give the new date the stocktake moves to, or the reason it is dropped." in errors
    booked.refresh_from_db()
    assert (booked.status, booked.held_on, booked.moved_from) == (
        Stocktake.Status.SCHEDULED,
        date(2025, 11, 10),
        None,
    )
    assert booked.cancelled_on is None and booked.cancellation_reason == ""


def test_a_new_date_in_the_past_is_refused_and_nothing_saved(
    login: Callable[[str], object], booked: Stocktake
) -> None:
    response = login("analyst").post(  # type: ignore[attr-defined]
        reverse("stocktake_cancel", args=[booked.pk]), {"new_date": "2025-10-01"}
    )
    assert response.status_code == 400
    assert "The new date cannot be in the past." in soup(response).get_text()
    booked.refresh_from_db()
    assert booked.held_on == date(2025, 11, 10) and booked.moved_from is None


def test_only_the_delivery_unit_cancels_a_stocktake(
    login: Callable[[str], object], booked: Stocktake
) -> None:
    url = reverse("stocktake_cancel", args=[booked.pk])
    response = login("owner").post(url, {"reason": "Busy"})  # type: ignore[attr-defined]
    assert response.status_code == 403
    booked.refresh_from_db()
    assert booked.status == Stocktake.Status.SCHEDULED


def test_a_new_date_moves_the_stocktake_and_the_calendar_says_where_from(
    login: Callable[[str], object], booked: Stocktake
) -> None:
    client = login("analyst")
    response = client.post(  # type: ignore[attr-defined]
        reverse("stocktake_cancel", args=[booked.pk]),
        {"new_date": "2025-11-24", "reason": "The chair is away"},
    )
    assert response.status_code == 302
    booked.refresh_from_db()
    assert (booked.status, booked.held_on, booked.moved_from) == (
        Stocktake.Status.SCHEDULED,
        date(2025, 11, 24),
        date(2025, 11, 10),
    )
    page = soup(client.get(response["Location"]))  # type: ignore[attr-defined]
    assert page.select_one("#moved").get_text(strip=True).startswith("Moved from 2025-11-10.")
    rows = calendar_rows(client)
    booked_rows = [r for r in rows if r[1] == "Stocktake" and "moved from" in r[2]]
    assert booked_rows == [
        [
            "2025-11-24",
            "Stocktake",
            "Priority: Grade 3 reading (moved from 2025-11-10)",
            "Upcoming",
            "–",
        ]
    ]
    follow_up = [r for r in rows if r[1] == "Follow-up note"]
    # three working days after the new date, and still saying where it moved from
    assert follow_up == [
        [
            "2025-11-28",
            "Follow-up note",
            "Stocktake 2025-11-24 (moved from 2025-11-10)",
            "Upcoming",
            "–",
        ]
    ]
    assert not any(r[0] == "2025-11-10" for r in rows)


def test_the_moved_stocktakes_pack_carries_the_actions_open_on_its_new_date(
    booked: Stocktake, system: System
) -> None:
    from deliverology.web.routines.actions import cancel_stocktake, carried_into, raise_action

    late_raised = raise_action(
        None,
        "Ring the heads of District D2",
        system.people["owner"],
        date(2025, 11, 20),
        priority=system.priorities["reading"],
        today=date(2025, 11, 12),  # after the old date, before the new one
    )
    assert late_raised not in carried_into(booked)
    moved = cancel_stocktake(
        booked, new_date=date(2025, 11, 24), reason="", today=date(2025, 11, 1)
    )
    assert late_raised in carried_into(moved)


def test_the_feed_shows_the_moved_date_and_leaves_a_dropped_stocktake_out(
    booked: Stocktake, system: System
) -> None:
    from django.utils import timezone
    from icalendar import Calendar

    from deliverology.configuration import load_method_config
    from deliverology.web.routines.actions import cancel_stocktake, schedule_stocktake
    from deliverology.web.routines.calendar import calendar_entries, ical_feed, scheduled_stocktakes

    dropped = schedule_stocktake(
        [system.priorities["reading"]], date(2025, 12, 8), system.people["leader"]
    )
    cancel_stocktake(booked, new_date=date(2025, 11, 24), reason="", today=date(2025, 11, 1))
    cancel_stocktake(dropped, new_date=None, reason="Merged", today=date(2025, 11, 1))
    today = date(2025, 11, 1)
    body = ical_feed(
        calendar_entries(load_method_config(), today),
        scheduled_stocktakes(date(2025, 1, 1), date(2026, 6, 1)),
        [],
        name="Routines",
        stamp=timezone.now(),
    )
    booked_events = {
        str(e["SUMMARY"]): e["DTSTART"].dt
        for e in Calendar.from_ical(body).walk("VEVENT")
        if str(e["UID"]).startswith("stocktake-")
    }
    assert booked_events == {
        "Stocktake: Priority: Grade 3 reading (moved from 2025-11-10)": date(2025, 11, 24)
    }


def test_a_stocktake_dropped_with_a_reason_is_a_lapse_on_the_momentum_page(
    login: Callable[[str], object], booked: Stocktake
) -> None:
    def lapses() -> str:
        page = soup(login("leader").get(reverse("momentum")))  # type: ignore[attr-defined]
        found = page.select_one("#streaks tbody tr .stocktake .lapses")
        return found.get_text(strip=True) if found else ""

    assert lapses() == ""
    url = reverse("stocktake_cancel", args=[booked.pk])
    moved = login("analyst").post(url, {"new_date": "2025-11-24"})  # type: ignore[attr-defined]
    assert moved.status_code == 302
    assert lapses() == ""  # a move is not a lapse
    response = login("analyst").post(url, {"reason": "The unit is merging the reviews"})  # type: ignore[attr-defined]
    assert response.status_code == 302
    booked.refresh_from_db()
    assert booked.status == Stocktake.Status.CANCELLED
    assert booked.cancellation_reason == "The unit is merging the reviews"
    assert lapses() == "1 cancelled without a new date"
    rows = calendar_rows(login("analyst"))
    cancelled = [r for r in rows if r[0] == "2025-11-24" and r[1] == "Stocktake"]
    assert cancelled == [
        [
            "2025-11-24",
            "Stocktake",
            "Priority: Grade 3 reading (moved from 2025-11-10)",
            "Cancelled without a new date: The unit is merging the reviews",
            "–",
        ]
    ]
    assert not any(r[1] == "Follow-up note" for r in rows), rows


def test_a_stocktake_already_held_cannot_be_cancelled(
    login: Callable[[str], object], booked: Stocktake
) -> None:
    from deliverology.web.routines.actions import mark_held

    mark_held(booked)
    response = login("analyst").post(  # type: ignore[attr-defined]
        reverse("stocktake_cancel", args=[booked.pk]), {"reason": "Too late"}
    )
    assert response.status_code == 400
    booked.refresh_from_db()
    assert booked.status == Stocktake.Status.HELD and booked.cancellation_reason == ""


def test_a_stocktake_with_its_follow_up_published_still_counts_as_held_on_momentum(
    login: Callable[[str], object], system: System
) -> None:
    from deliverology.web.routines.actions import mark_held, publish_follow_up, schedule_stocktake

    held = schedule_stocktake(
        [system.priorities["reading"]], date(2025, 10, 20), system.people["leader"]
    )
    mark_held(held)
    publish_follow_up(
        held,
        summary="",
        decisions=[],
        actions=[],
        by=system.people["analyst"],
        today=date(2025, 10, 21),
    )
    page = soup(login("leader").get(reverse("momentum")))  # type: ignore[attr-defined]
    cell = page.select_one("#streaks tbody tr .stocktake").get_text(" ", strip=True)
    assert cell == "2025-10-20, 12 days ago"


def test_the_stocktakes_page_offers_cancelling_until_it_is_dropped(
    login: Callable[[str], object], booked: Stocktake
) -> None:
    client = login("analyst")
    url = reverse("stocktake", args=[booked.pk])
    page = soup(client.get(url))  # type: ignore[attr-defined]
    assert page.select_one("#cancel-link")["href"] == reverse("stocktake_cancel", args=[booked.pk])
    client.post(reverse("stocktake_cancel", args=[booked.pk]), {"reason": "Merged"})  # type: ignore[attr-defined]
    page = soup(client.get(url))  # type: ignore[attr-defined]
    assert page.select_one("#cancel-link") is None
    assert page.select_one("#cancelled").get_text(strip=True) == (
        "Cancelled on 2025-11-01 without a new date: Merged"
    )


def test_a_booked_stocktake_stands_once_on_the_calendar_in_place_of_its_cadence_date(
    login: Callable[[str], object], system: System
) -> None:
    from deliverology.web.routines.actions import schedule_stocktake

    client = login("analyst")

    def reading() -> list[str]:
        rows = calendar_rows(client)
        return [r[0] for r in rows if r[1] == "Stocktake" and "Grade 3 reading" in r[2]]

    cadence = reading()
    schedule_stocktake(
        [system.priorities["reading"]],
        date(2025, 11, 10),
        system.people["leader"],
        by=system.people["analyst"],
    )
    with_booking = reading()
    # the booking takes the due date a holding on that day would count for, as held stocktakes do
    assert len(with_booking) == len(cadence)
    assert sorted(set(with_booking) - set(cadence)) == ["2025-11-10"]
    assert len(set(cadence) - set(with_booking)) == 1
