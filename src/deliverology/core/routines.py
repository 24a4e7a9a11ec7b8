"""Routines (docs/concepts.md, "Routines and actions"): working days, cadences, the calendar's
states, carried-forward actions and the questions a pre-brief presses. Pure: `today` is always
an argument."""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from deliverology.core.status import TrajectoryStatus


class Routine(StrEnum):
    """The routines of the calendar (docs/concepts.md); each has a cadence in configuration."""

    DATA_REFRESH = "data_refresh"
    MONTHLY_NOTE = "monthly_note"
    STOCKTAKE = "stocktake"
    DELIVERY_REPORT = "delivery_report"


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class WorkingCalendar:
    """Which days are worked: not the weekend's weekdays (0 = Monday), not a holiday."""

    weekend: frozenset[int]
    holidays: frozenset[date]

    def is_working_day(self, day: date) -> bool:
        return day.weekday() not in self.weekend and day not in self.holidays

    def on_or_after(self, day: date) -> date:
        """The day itself when it is worked, else the next working day."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def add_working_days(self, start: date, days: int) -> date:
        """The working day `days` working days after `start` (the start itself when 0 and worked,
        else the next working day)."""
        day = self.on_or_after(start) if days == 0 else start
        for _ in range(days):
            day = self.on_or_after(day + timedelta(days=1))
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """How many working days fall after `start` up to and including `end` (0 when end is not
        later)."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += self.is_working_day(day)
        return count


class CadenceUnit(StrEnum):
    WEEK = "week"
    MONTH = "month"


@dataclass(frozen=True)
class Cadence:
    """How often a routine is held: every `count` weeks or months."""

    count: int
    unit: CadenceUnit

    @classmethod
    def parse(cls, text: str) -> Cadence:
        """'2 weeks', '1 month', '3 months'; ValueError for anything else."""
        parts = text.split()
        if len(parts) != 2 or not parts[0].isdigit() or int(parts[0]) < 1:
            raise ValueError(f"{text!r} is not a cadence like '2 weeks' or '3 months'")
        word = parts[1].lower().removesuffix("s")
        if word not in tuple(CadenceUnit):
            raise ValueError(f"{text!r} is not a cadence like '2 weeks' or '3 months'")
        return cls(int(parts[0]), CadenceUnit(word))

    @property
    def longest_days(self) -> int:
        """The most days one interval can span (a month counted as 31 days), so a routine is
        called lapsed only when it surely is."""
        return self.count * (7 if self.unit is CadenceUnit.WEEK else 31)

    def step(self, anchor: date, index: int) -> date:
        """The `index`-th date from the anchor (index 0 is the anchor); a month-end anchor stays
        at the end of shorter months."""
        if self.unit is CadenceUnit.WEEK:
            return anchor + timedelta(weeks=self.count * index)
        months = anchor.month - 1 + self.count * index
        year, month = anchor.year + months // 12, months % 12 + 1
        return date(year, month, min(anchor.day, calendar.monthrange(year, month)[1]))


def due_dates(
    anchor: date, cadence: Cadence, start: date, end: date, working: WorkingCalendar
) -> list[date]:
    """Every due date from `start` to `end` (inclusive): the cadence's steps from the anchor, each
    moved to the next working day."""
    found: list[date] = []
    index = 0
    while (step := cadence.step(anchor, index)) <= end:
        due = working.on_or_after(step)
        if start <= due <= end:
            found.append(due)
        index += 1
    return found


class RoutineState(StrEnum):
    UPCOMING = "upcoming"  # due later
    DUE = "due"  # due, within the grace of working days
    HELD = "held"
    LATE = "late"  # past due and past the grace, not held


@dataclass(frozen=True)
class Occurrence:
    due: date
    held_on: date | None
    state: RoutineState


def occurrences(
    dues: Sequence[date],
    held: Iterable[date],
    today: date,
    late_after: int,
    working: WorkingCalendar,
) -> list[Occurrence]:
    """Each due date with the day it was held, if it was, and its state. A holding counts for the
    earliest due date it can: after the previous due date and before the next one."""
    unused = sorted(set(held))
    found: list[Occurrence] = []
    for index, due in enumerate(dues):
        after = dues[index - 1] if index else date.min
        before = dues[index + 1] if index + 1 < len(dues) else date.max
        held_on = next((h for h in unused if after < h < before), None)
        if held_on is not None:
            unused.remove(held_on)
            state = RoutineState.HELD
        elif due > today:
            state = RoutineState.UPCOMING
        elif today > working.add_working_days(due, late_after):
            state = RoutineState.LATE
        else:
            state = RoutineState.DUE
        found.append(Occurrence(due, held_on, state))
    return found


@dataclass(frozen=True)
class ActionFacts:
    """What carry-forward needs to know about an action."""

    key: int
    raised_on: date
    due: date
    closed_on: date | None

    def is_open_on(self, day: date) -> bool:
        return self.closed_on is None or self.closed_on > day

    def is_overdue_on(self, day: date) -> bool:
        return self.is_open_on(day) and self.due < day


def carried_forward(actions: Iterable[ActionFacts], meeting_on: date) -> list[ActionFacts]:
    """The actions a stocktake on `meeting_on` opens with: raised before it and still open that
    day, the longest overdue first."""
    carried = [a for a in actions if a.raised_on < meeting_on and a.is_open_on(meeting_on)]
    return sorted(carried, key=lambda a: (a.due, a.key))


def is_overdue(due: date, closed: bool, today: date) -> bool:
    return not closed and due < today


class Prompt(StrEnum):
    """Why a question is pressed; each names a question in configuration ([routines.prompts])."""

    BELOW_TRAJECTORY = "below_trajectory"
    WELL_BELOW_TRAJECTORY = "well_below_trajectory"
    ON_TRAJECTORY = "on_trajectory"
    NO_DATA = "no_data"
    WORST_LOCAL_UNITS = "worst_local_units"
    OVERDUE_ACTIONS = "overdue_actions"
    HOW_CAN_WE_HELP = "how_can_we_help"


BELOW = {TrajectoryStatus.SLIGHTLY_BELOW, TrajectoryStatus.BELOW}


@dataclass(frozen=True)
class PriorityFacts:
    """The figures a pre-brief presses on, already written as the table shows them."""

    title: str
    status: TrajectoryStatus
    period: str
    actual: str
    expected: str
    worst_local_units: tuple[str, ...]
    overdue_actions: int


@dataclass(frozen=True)
class Question:
    prompt: Prompt
    text: str


def questions_to_press(facts: PriorityFacts, bank: Mapping[str, str]) -> list[Question]:
    """The questions for the leader to press, chosen by the data; each sentence is filled from
    the same written figures as the table."""
    chosen: list[Prompt] = []
    if facts.status is TrajectoryStatus.WELL_BELOW:
        chosen.append(Prompt.WELL_BELOW_TRAJECTORY)
    elif facts.status in BELOW:
        chosen.append(Prompt.BELOW_TRAJECTORY)
    elif facts.status is TrajectoryStatus.ON_OR_ABOVE:
        chosen.append(Prompt.ON_TRAJECTORY)
    else:
        chosen.append(Prompt.NO_DATA)
    if facts.worst_local_units and facts.status is not TrajectoryStatus.NO_DATA:
        chosen.append(Prompt.WORST_LOCAL_UNITS)
    if facts.overdue_actions:
        chosen.append(Prompt.OVERDUE_ACTIONS)
    chosen.append(Prompt.HOW_CAN_WE_HELP)
    values = {
        "title": facts.title,
        "period": facts.period,
        "actual": facts.actual,
        "expected": facts.expected,
        "local_units": ", ".join(facts.worst_local_units),
        "count": str(facts.overdue_actions),
    }
    return [Question(prompt, bank[prompt].format(**values)) for prompt in chosen]


QUESTION_FIELDS = ("title", "period", "actual", "expected", "local_units", "count")
