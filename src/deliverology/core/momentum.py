"""Sustaining momentum (docs/concepts.md, "Problems and momentum"): streaks on trajectory,
actions closed on time, days since a routine, lapsed cadences, and raising the bar when a
target is met early. Pure functions; `today` is always an argument."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from deliverology.core.periods import Period
from deliverology.core.problems import on_track_run
from deliverology.core.status import Direction, TrajectoryStatus


def streak_on_trajectory(statuses: Sequence[TrajectoryStatus]) -> int:
    """The latest periods in a row on or above the trajectory (oldest first in `statuses`)."""
    return on_track_run(statuses)


@dataclass(frozen=True)
class ActionDates:
    """An action as the on-time share needs it: due when, closed when (None: still open)."""

    due: date
    closed_on: date | None = None


def on_time_share(actions: Sequence[ActionDates], today: date) -> float | None:
    """The share of actions due by `today` that were closed on or before their due date; None
    when none was due yet. An open action past its due date counts as late."""
    due = [action for action in actions if action.due <= today]
    if not due:
        return None
    on_time = sum(1 for a in due if a.closed_on is not None and a.closed_on <= a.due)
    return on_time / len(due)


def days_since(last: date | None, today: date) -> int | None:
    """Days since a routine last took place; None when it never has."""
    return None if last is None else (today - last).days


def has_lapsed(last: date | None, cadence_days: int, grace_days: int, today: date) -> bool:
    """A routine has lapsed when its last occurrence is older than its cadence and the grace
    allowed; one that never took place has lapsed too."""
    since = days_since(last, today)
    return since is None or since > cadence_days + grace_days


@dataclass(frozen=True)
class DocumentDue:
    """A document the routine calendar says is due (a monthly note, a delivery report, a
    stocktake's follow-up note), with the day it was published, if it was."""

    document: str
    subject: str
    due: date
    published_on: date | None = None


@dataclass(frozen=True)
class LateDocument:
    document: str
    subject: str
    due: date
    published_on: date | None
    days_late: int

    @property
    def missing(self) -> bool:
        return self.published_on is None


def late_documents(dues: Sequence[DocumentDue], today: date) -> list[LateDocument]:
    """The documents not published by their due date: those published late, with the days they
    were late, and those still missing, late by the days since they were due. Still missing
    first, then the latest; the most days late first within each."""
    found: list[LateDocument] = []
    for due in dues:
        if due.published_on is None and due.due < today:
            days = (today - due.due).days
        elif due.published_on is not None and due.published_on > due.due:
            days = (due.published_on - due.due).days
        else:
            continue
        found.append(LateDocument(due.document, due.subject, due.due, due.published_on, days))
    return sorted(found, key=lambda d: (not d.missing, -d.days_late, d.due, d.document))


def target_met_early(
    actual: float | None,
    latest: Period | None,
    target_value: float,
    target_period: Period,
    direction: Direction,
) -> bool:
    """The target's value is reached before the target's period: time to raise the bar."""
    if actual is None or latest is None or latest >= target_period:
        return False
    if direction is Direction.LOWER_IS_BETTER:
        return actual <= target_value
    return actual >= target_value
