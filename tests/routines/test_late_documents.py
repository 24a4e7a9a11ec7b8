"""The momentum page lists the documents the routine calendar says were due and were not
published by their due date, with the days late. Today is 2025-11-01; the calendar's anchor is
2025-09-01: monthly notes due 2025-09-01 and 2025-10-01, a delivery report due 2025-09-01."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

from bs4 import BeautifulSoup
from django.urls import reverse

from deliverology.web.routines.models import Stocktake
from tests.conftest import System


def late_rows(client: object) -> list[list[str]]:
    response = client.get(reverse("momentum"))  # type: ignore[attr-defined]
    page = BeautifulSoup(response.content, "html.parser")
    return [
        [cell.get_text(" ", strip=True) for cell in row.find_all(["th", "td"])]
        for row in page.select("#late-documents tbody tr")
    ]


def test_the_momentum_page_lists_documents_late_and_missing_with_days_late(
    login: Callable[[str], object], stocktake: Stocktake
) -> None:
    from deliverology.web.assessments.models import MonthlyNote

    MonthlyNote.objects.create(
        month=date(2025, 10, 1), published_at=datetime(2025, 10, 6, 9, tzinfo=UTC)
    )
    assert late_rows(login("leader")) == [
        ["Delivery report", "", "2025-09-01", "still missing", "61"],
        ["Monthly note", "", "2025-09-01", "still missing", "61"],
        # the stocktake of 2025-10-20: its follow-up note was due three working days later
        ["Follow-up note", "Stocktake 2025-10-20", "2025-10-23", "still missing", "9"],
        ["Monthly note", "", "2025-10-01", "2025-10-06", "5"],
    ]


def test_a_follow_up_published_on_time_is_not_late(
    login: Callable[[str], object], stocktake: Stocktake, system: System
) -> None:
    from deliverology.web.routines.actions import mark_held, publish_follow_up

    mark_held(stocktake)
    publish_follow_up(
        stocktake,
        summary="",
        decisions=[],
        actions=[],
        by=system.people["analyst"],
        today=date(2025, 10, 22),
    )
    assert not any(row[0] == "Follow-up note" for row in late_rows(login("leader")))


def test_the_momentum_pages_queries_do_not_grow_with_the_routines(
    login: Callable[[str], object], system: System
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from deliverology.web.assessments.models import MonthlyNote
    from deliverology.web.routines.actions import mark_held, raise_action, schedule_stocktake

    client = login("leader")
    made = {"stocktakes": 0}

    def queries_with(count: int) -> int:
        for _index in range(count):
            made["stocktakes"] += 1
            held = schedule_stocktake(
                [system.priorities["reading"], system.priorities["absence"]],
                date(2025, 9, made["stocktakes"]),
                system.people["leader"],
            )
            mark_held(held)
            raise_action(
                held,
                f"Action {made['stocktakes']}",
                system.people["owner"],
                date(2025, 10, 1),
                priority=system.priorities["reading"],
                today=date(2025, 9, 1),
            )
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("momentum")).status_code == 200  # type: ignore[attr-defined]
        return len(captured)

    queries_with(0)  # the session and the person are loaded once
    MonthlyNote.objects.create(
        month=date(2025, 9, 1), published_at=datetime(2025, 9, 3, 9, tzinfo=UTC)
    )
    assert queries_with(2) == queries_with(12)
    assert len(late_rows(client)) >= 12  # every follow-up note is missing
