from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deliverology.core.momentum import (
    ActionDates,
    DocumentDue,
    days_since,
    has_lapsed,
    late_documents,
    on_time_share,
    streak_on_trajectory,
    target_met_early,
)
from deliverology.core.periods import Period, PeriodKind
from deliverology.core.status import Direction, TrajectoryStatus

ON = TrajectoryStatus.ON_OR_ABOVE
BELOW = TrajectoryStatus.BELOW
NO_DATA = TrajectoryStatus.NO_DATA
TODAY = date(2026, 3, 1)


@pytest.mark.parametrize(
    ("statuses", "streak"),
    [((), 0), ((BELOW,), 0), ((BELOW, ON, ON), 2), ((ON, NO_DATA, ON), 2), ((ON, ON, BELOW), 0)],
)
def test_it_counts_the_streak_on_trajectory(
    statuses: tuple[TrajectoryStatus, ...], streak: int
) -> None:
    assert streak_on_trajectory(statuses) == streak


@pytest.mark.parametrize(
    ("actions", "share"),
    [
        ((), None),
        ((ActionDates(date(2026, 4, 1)),), None),  # not due yet
        ((ActionDates(date(2026, 2, 1), date(2026, 1, 30)),), 1.0),
        ((ActionDates(date(2026, 2, 1), date(2026, 2, 2)),), 0.0),
        ((ActionDates(date(2026, 2, 1)), ActionDates(date(2026, 1, 1), date(2026, 1, 1))), 0.5),
    ],
)
def test_it_shares_the_actions_closed_on_time(
    actions: tuple[ActionDates, ...], share: float | None
) -> None:
    assert on_time_share(actions, TODAY) == share


@given(st.lists(st.tuples(st.dates(), st.one_of(st.none(), st.dates()))), st.dates())
def test_the_on_time_share_is_a_share(pairs: list[tuple[date, date | None]], today: date) -> None:
    share = on_time_share([ActionDates(d, c) for d, c in pairs], today)
    assert share is None or 0.0 <= share <= 1.0


@pytest.mark.parametrize(
    ("last", "lapsed"),
    [
        (None, True),
        (date(2026, 1, 1), False),
        (date(2025, 11, 22), False),
        (date(2025, 11, 1), True),
    ],
)
def test_it_says_when_a_routine_lapsed_beyond_its_cadence(last: date | None, lapsed: bool) -> None:
    # A 90-day cadence with 10 days' grace: lapsed after 100 days.
    assert has_lapsed(last, 90, 10, TODAY) is lapsed
    assert days_since(last, TODAY) == (None if last is None else (TODAY - last).days)


YEAR = PeriodKind.ACADEMIC_YEAR


@pytest.mark.parametrize(
    ("actual", "latest", "direction", "met"),
    [
        (70.0, 2024, Direction.HIGHER_IS_BETTER, True),
        (69.9, 2024, Direction.HIGHER_IS_BETTER, False),
        (70.0, 2029, Direction.HIGHER_IS_BETTER, False),  # met on time, not early
        (69.0, 2024, Direction.LOWER_IS_BETTER, True),
        (None, 2024, Direction.HIGHER_IS_BETTER, False),
    ],
)
def test_it_says_when_a_target_is_met_early(
    actual: float | None, latest: int, direction: Direction, met: bool
) -> None:
    target_period = Period(YEAR, 2029)
    assert target_met_early(actual, Period(YEAR, latest), 70.0, target_period, direction) is met


@pytest.mark.parametrize(
    ("due", "published_on", "late"),
    [
        (date(2026, 2, 2), date(2026, 2, 2), None),  # on its due date
        (date(2026, 2, 2), date(2026, 1, 30), None),  # early
        (date(2026, 2, 2), date(2026, 2, 5), 3),  # three days late
        (date(2026, 2, 2), None, 27),  # still missing: late until today
        (TODAY, None, None),  # due today: not late yet
        (date(2026, 3, 9), None, None),  # due later
    ],
)
def test_a_document_is_late_when_not_published_by_its_due_date(
    due: date, published_on: date | None, late: int | None
) -> None:
    found = late_documents([DocumentDue("Monthly note", "", due, published_on)], TODAY)
    assert [d.days_late for d in found] == ([] if late is None else [late])
    if found:
        assert found[0].missing is (published_on is None)


def test_the_missing_documents_come_first_the_most_late_first() -> None:
    dues = [
        DocumentDue("Monthly note", "", date(2026, 1, 2), date(2026, 1, 30)),  # 28 days late
        DocumentDue("Monthly note", "", date(2026, 2, 2), None),  # 27 days missing
        DocumentDue("Delivery report", "", date(2025, 12, 1), None),  # 90 days missing
        DocumentDue("Follow-up note", "Stocktake 2026-02-16", date(2026, 2, 19), date(2026, 2, 20)),
    ]
    found = late_documents(dues, TODAY)
    assert [(d.document, d.due, d.days_late, d.missing) for d in found] == [
        ("Delivery report", date(2025, 12, 1), 90, True),
        ("Monthly note", date(2026, 2, 2), 27, True),
        ("Monthly note", date(2026, 1, 2), 28, False),
        ("Follow-up note", date(2026, 2, 19), 1, False),
    ]
