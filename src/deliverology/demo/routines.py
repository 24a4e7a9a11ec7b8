"""The demo's year of routines (pure): two stocktakes per priority with follow-up notes, the
first's open actions carried into the second (some overdue), and a third scheduled ahead."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class DemoAction:
    description: str
    owner: str  # a demo person's username
    due: date
    done_on: date | None = None


@dataclass(frozen=True)
class DemoStocktake:
    priority_code: str
    held_on: date
    agenda: str
    issues_for_decision: str
    decisions: tuple[str, ...] = ()
    actions: tuple[DemoAction, ...] = ()
    published_on: date | None = None
    rubric: tuple[tuple[str, str, str], ...] = ()


RUBRIC = (
    ("regularity", "green", "Held on the date in the calendar."),
    ("execution", "amber_green", "The pack reached the chair a day late."),
    ("focus_on_performance", "green", "Most of the hour was on the trajectory."),
    ("action_on_performance", "amber_red", "Two actions from last time were still open."),
)


def _monday_on_or_after(day: date) -> date:
    return day + timedelta(days=(7 - day.weekday()) % 7)


def demo_routines(priorities: Sequence[tuple[str, str]], today: date) -> list[DemoStocktake]:
    """For each (code, title): stocktakes about 9 and 4 months ago and one 6 weeks ahead, each
    priority a week after the one before."""
    stocktakes: list[DemoStocktake] = []
    for index, (code, title) in enumerate(priorities):
        first = _monday_on_or_after(today - timedelta(days=270 - 7 * index))
        second = _monday_on_or_after(today - timedelta(days=120 - 7 * index))
        ahead = _monday_on_or_after(today + timedelta(days=42 + 7 * index))
        stocktakes.append(
            DemoStocktake(
                code,
                first,
                f"{title}: the latest figures against the trajectory; the districts behind",
                "Whether to move coaching time to the districts furthest behind",
                decisions=(
                    "Coaching time moves to the three districts furthest behind.",
                    "The delivery unit checks the data quality of late returns.",
                ),
                actions=(
                    DemoAction(
                        "Agree a recovery plan with each district behind",
                        "owner",
                        first + timedelta(days=30),
                        done_on=first + timedelta(days=28),
                    ),
                    DemoAction(
                        "Report which schools' returns were late and why",
                        "analyst",
                        first + timedelta(days=21),
                    ),
                    DemoAction(
                        "Visit the two weakest districts with the regional lead",
                        "district",
                        first + timedelta(days=45),
                    ),
                ),
                published_on=first + timedelta(days=2),
                rubric=RUBRIC,
            )
        )
        stocktakes.append(
            DemoStocktake(
                code,
                second,
                f"{title}: progress on the recovery plans; the actions carried forward",
                "Whether to extend the coaching to a fourth district",
                decisions=("Coaching extends to a fourth district from next term.",),
                actions=(
                    DemoAction(
                        "Publish the coaching timetable for the fourth district",
                        "owner",
                        second + timedelta(days=14),
                    ),
                    DemoAction(
                        "Bring the late-returns report to the next stocktake", "analyst", ahead
                    ),
                ),
                published_on=second + timedelta(days=3),
                rubric=RUBRIC,
            )
        )
        stocktakes.append(DemoStocktake(code, ahead, f"{title}: the carried actions first", ""))
    return stocktakes
