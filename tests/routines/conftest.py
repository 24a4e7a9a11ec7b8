"""A stocktake of the reading priority held on 2025-10-20, with one open and one done action."""

from __future__ import annotations

from datetime import date

import pytest

from tests.conftest import System


@pytest.fixture
def stocktake(system: System):
    from deliverology.web.routines.actions import raise_action, schedule_stocktake, update_action

    people = system.people
    held = schedule_stocktake(
        [system.priorities["reading"]],
        date(2025, 10, 20),
        people["leader"],
        attendees=[people["owner"]],
        agenda="Reading in the South",
        issues_for_decision="Whether to fund tutoring in D3",
        by=people["analyst"],
    )
    raise_action(
        held,
        "Visit the schools of District D3",
        people["owner"],
        date(2025, 10, 27),
        priority=system.priorities["reading"],
        local_unit=system.units["D1"],
        today=date(2025, 10, 20),
    )
    done = raise_action(
        held,
        "Send the reading figures to heads",
        people["analyst"],
        date(2025, 10, 22),
        priority=system.priorities["reading"],
        today=date(2025, 10, 20),
    )
    update_action(done, status="done", evidence="Sent", today=date(2025, 10, 21))
    return held
