"""Routines' pure core: working days, cadences, states, carry-forward and the questions."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deliverology.core.routines import (
    ActionFacts,
    Cadence,
    CadenceUnit,
    PriorityFacts,
    Prompt,
    RoutineState,
    WorkingCalendar,
    carried_forward,
    due_dates,
    occurrences,
    questions_to_press,
)
from deliverology.core.status import TrajectoryStatus

CHRISTMAS = date(2025, 12, 25)
WEEKDAYS_ONLY = WorkingCalendar(weekend=frozenset({5, 6}), holidays=frozenset({CHRISTMAS}))


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (date(2025, 11, 3), 3, date(2025, 11, 6)),  # Monday + 3 = Thursday
        (date(2025, 11, 6), 3, date(2025, 11, 11)),  # Thursday + 3 skips the weekend
        (date(2025, 11, 1), 0, date(2025, 11, 3)),  # Saturday + 0 is Monday
        (date(2025, 11, 1), 1, date(2025, 11, 3)),  # Saturday + 1 is Monday
        (date(2025, 12, 23), 3, date(2025, 12, 29)),  # over Christmas and a weekend
    ],
)
def test_it_adds_working_days_over_weekends_and_holidays(start, days, expected):
    assert WORKING_DAYS.add_working_days(start, days) == expected


WORKING_DAYS = WEEKDAYS_ONLY


@given(
    st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31)),
    st.integers(min_value=0, max_value=40),
)
def test_adding_working_days_lands_on_a_working_day_that_many_working_days_later(start, days):
    end = WORKING_DAYS.add_working_days(start, days)
    assert WORKING_DAYS.is_working_day(end)
    if days:
        assert WORKING_DAYS.working_days_between(start, end) == days
    assert end - start <= timedelta(days=days * 2 + 10)


@pytest.mark.parametrize(
    ("text", "cadence"),
    [
        ("1 month", Cadence(1, CadenceUnit.MONTH)),
        ("3 months", Cadence(3, CadenceUnit.MONTH)),
        ("2 weeks", Cadence(2, CadenceUnit.WEEK)),
    ],
)
def test_it_reads_a_cadence(text, cadence):
    assert Cadence.parse(text) == cadence


@pytest.mark.parametrize("text", ["monthly", "0 months", "2 fortnights", "three months", ""])
def test_it_refuses_a_cadence_it_cannot_read(text):
    with pytest.raises(ValueError, match="is not a cadence"):
        Cadence.parse(text)


def test_a_month_end_anchor_stays_at_the_end_of_shorter_months():
    monthly = Cadence(1, CadenceUnit.MONTH)
    assert [monthly.step(date(2025, 1, 31), i) for i in range(3)] == [
        date(2025, 1, 31),
        date(2025, 2, 28),
        date(2025, 3, 31),
    ]


def test_due_dates_follow_the_cadence_from_the_anchor_on_working_days():
    quarterly = Cadence(3, CadenceUnit.MONTH)
    dues = due_dates(date(2025, 9, 1), quarterly, date(2025, 9, 1), date(2026, 9, 1), WORKING_DAYS)
    # 2025-11-01 is a Saturday and 2026-03-01 a Sunday: both move to the Monday
    assert dues == [
        date(2025, 9, 1),
        date(2025, 12, 1),
        date(2026, 3, 2),
        date(2026, 6, 1),
        date(2026, 9, 1),
    ]


@given(
    st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 12, 31)),
    st.integers(min_value=1, max_value=6),
    st.sampled_from(list(CadenceUnit)),
)
def test_due_dates_are_working_days_in_order(anchor, count, unit):
    dues = due_dates(
        anchor, Cadence(count, unit), anchor, anchor + timedelta(days=400), WORKING_DAYS
    )
    assert dues == sorted(set(dues))
    assert all(WORKING_DAYS.is_working_day(d) for d in dues)


def test_a_routine_is_held_due_late_or_upcoming():
    dues = [date(2025, 9, 1), date(2025, 10, 1), date(2025, 11, 3), date(2025, 12, 1)]
    held = [date(2025, 9, 3)]  # the first, two days late; the second never
    found = occurrences(dues, held, date(2025, 11, 5), late_after=5, working=WORKING_DAYS)
    assert [o.state for o in found] == [
        RoutineState.HELD,
        RoutineState.LATE,
        RoutineState.DUE,  # due two working days ago: within the grace of five
        RoutineState.UPCOMING,
    ]
    assert found[0].held_on == date(2025, 9, 3)


def test_a_holding_counts_once():
    dues = [date(2025, 9, 1), date(2025, 10, 1)]
    found = occurrences(dues, [date(2025, 9, 20)], date(2025, 12, 1), 5, WORKING_DAYS)
    assert [o.state for o in found] == [RoutineState.HELD, RoutineState.LATE]


def action(key, raised, due, closed=None):
    return ActionFacts(key, raised, due, closed)


def test_open_actions_carry_forward_to_the_next_stocktake_longest_overdue_first():
    meeting = date(2025, 12, 1)
    actions = [
        action(1, date(2025, 9, 2), date(2025, 10, 1)),  # open, overdue
        action(2, date(2025, 9, 2), date(2025, 9, 20), closed=date(2025, 9, 19)),  # done
        action(3, date(2025, 9, 2), date(2025, 9, 15), closed=date(2025, 12, 5)),  # closed later
        action(4, date(2025, 12, 1), date(2025, 12, 20)),  # raised at the meeting itself
        action(5, date(2025, 11, 1), date(2026, 1, 10)),  # open, not yet due
    ]
    assert [a.key for a in carried_forward(actions, meeting)] == [3, 1, 5]


@given(
    st.lists(
        st.tuples(
            st.dates(min_value=date(2025, 1, 1), max_value=date(2025, 12, 31)),
            st.integers(min_value=0, max_value=90),
            st.one_of(st.none(), st.integers(min_value=0, max_value=200)),
        ),
        max_size=20,
    ),
    st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 6, 30)),
)
def test_every_carried_action_was_raised_before_and_open_on_the_day(rows, meeting):
    actions = [
        action(
            i,
            raised,
            raised + timedelta(days=due),
            None if c is None else raised + timedelta(days=c),
        )
        for i, (raised, due, c) in enumerate(rows)
    ]
    carried = carried_forward(actions, meeting)
    assert all(a.raised_on < meeting and a.is_open_on(meeting) for a in carried)
    left = set(actions) - set(carried)
    assert all(a.raised_on >= meeting or not a.is_open_on(meeting) for a in left)
    assert [a.due for a in carried] == sorted(a.due for a in carried)


BANK = {
    "well_below_trajectory": "{title} well below: {actual} in {period} against {expected}",
    "below_trajectory": "{title} below: {actual} in {period} against {expected}",
    "on_trajectory": "{title} on track at {actual}",
    "no_data": "{title}: how will you know?",
    "worst_local_units": "{local_units} behind",
    "overdue_actions": "{count} overdue",
    "how_can_we_help": "How can we help you?",
}


def facts(status, worst=(), overdue=0):
    return PriorityFacts("Reading", status, "2024-25", "61.2%", "64.0%", worst, overdue)


@pytest.mark.parametrize(
    ("status", "worst", "overdue", "prompts"),
    [
        (TrajectoryStatus.BELOW, (), 0, ["below_trajectory", "how_can_we_help"]),
        (TrajectoryStatus.SLIGHTLY_BELOW, (), 0, ["below_trajectory", "how_can_we_help"]),
        (
            TrajectoryStatus.WELL_BELOW,
            ("North",),
            2,
            ["well_below_trajectory", "worst_local_units", "overdue_actions", "how_can_we_help"],
        ),
        (TrajectoryStatus.ON_OR_ABOVE, (), 0, ["on_trajectory", "how_can_we_help"]),
        (TrajectoryStatus.NO_DATA, ("North",), 0, ["no_data", "how_can_we_help"]),
    ],
)
def test_the_data_chooses_the_questions_to_press(status, worst, overdue, prompts):
    chosen = questions_to_press(facts(status, worst, overdue), BANK)
    assert [q.prompt.value for q in chosen] == prompts


def test_the_questions_use_the_figures_as_written():
    below = questions_to_press(facts(TrajectoryStatus.BELOW), BANK)[0]
    assert below.prompt is Prompt.BELOW_TRAJECTORY
    assert below.text == "Reading below: 61.2% in 2024-25 against 64.0%"
