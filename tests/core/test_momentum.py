from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deliverology.core.momentum import (
    ActionDates,
    days_since,
    has_lapsed,
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
