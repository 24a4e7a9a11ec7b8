"""The demo's assessments, monthly notes and league-table snapshots: plain, fixed data.

Two reporting rounds six months apart, so the delivery report's league table of priorities
shows movement; the ratings differ between rounds, and one final rating overrides the
suggestion. Words are kept within the monthly note's limits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

SUB_CRITERIA = (
    "understanding_the_challenge",
    "governance",
    "managing_performance",
    "structuring_the_chain",
    "engaging_the_chain",
    "leadership_and_culture",
)

# Per priority position (0, 1, ...): the six sub-ratings in the first and the second round.
_RATINGS = (
    (
        ("amber_green", "amber_green", "amber_red", "amber_green", "amber_red", "green"),
        ("green", "amber_green", "amber_green", "amber_green", "amber_green", "green"),
    ),
    (
        ("amber_red", "amber_red", "red", "amber_red", "amber_red", "amber_green"),
        ("amber_red", "amber_green", "amber_red", "amber_red", "amber_red", "amber_green"),
    ),
    (
        ("green", "green", "amber_green", "green", "amber_green", "green"),
        ("amber_green", "amber_green", "amber_red", "amber_green", "amber_green", "green"),
    ),
    (
        ("amber_green", "amber_red", "amber_green", "amber_red", "amber_green", "amber_green"),
        ("amber_green", "amber_green", "amber_green", "amber_red", "amber_green", "green"),
    ),
)
_CHALLENGES = ("high", "very_high", "medium", "high")
_STAGES = (("stage_2", "stage_3"), ("stage_2", "stage_2"), ("stage_3", "stage_3"))


@dataclass(frozen=True)
class DemoRound:
    name: str
    as_of: dt.date
    themes: str


@dataclass(frozen=True)
class DemoAssessment:
    challenge: str
    sub_ratings: dict[str, str]
    stage: str
    rationale: str
    to_move_up: str
    narrative: str
    key_actions: str
    override: bool  # the unit rates one notch below the suggestion, with its reason


def demo_rounds(today: dt.date) -> tuple[DemoRound, DemoRound]:
    """The last two reporting rounds before `today`: the ends of January and July."""
    latest_year = today.year if today.month > 7 else today.year - 1
    second = dt.date(latest_year, 7, 31)
    first = dt.date(latest_year, 1, 31)
    themes = (
        "Data arrives late from a third of districts; the unit proposes one common return date. "
        "Principal turnover is the common thread behind the priorities rated amber-red."
    )
    return (
        DemoRound(first.strftime("%B %Y"), first, themes),
        DemoRound(second.strftime("%B %Y"), second, themes),
    )


def demo_assessment(position: int, round_index: int) -> DemoAssessment:
    ratings = _RATINGS[position % len(_RATINGS)][round_index]
    return DemoAssessment(
        challenge=_CHALLENGES[position % len(_CHALLENGES)],
        sub_ratings=dict(zip(SUB_CRITERIA, ratings, strict=True)),
        stage=_STAGES[position % len(_STAGES)][round_index],
        rationale=(
            "The latest figures and the sub-ratings support this rating; the stocktake "
            "confirmed the plan is being followed in most districts."
        ),
        to_move_up=(
            "Two consecutive years at or above the trajectory, and every district with a "
            "named lead who reviews the figures monthly."
        ),
        narrative=(
            "Progress is steady where the delivery chain is strong, and slow where districts "
            "have changed their leaders this year."
        ),
        key_actions=(
            "Coaching for the ten lowest districts; a monthly data return from every school."
        ),
        override=position == 1 and round_index == 1,
    )


def demo_note_months(today: dt.date, count: int = 3) -> list[dt.date]:
    """The first days of the `count` months before today's month, oldest first."""
    months = []
    year, month = today.year, today.month
    for _ in range(count):
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        months.append(dt.date(year, month, 1))
    return list(reversed(months))


NOTE_CROSS_CUTTING = (
    "Late data from some districts delays the trajectory figures; the unit is agreeing a "
    "common return date."
)
NOTE_UPCOMING = "Stocktakes on reading and attendance; the delivery report at the end of July."
NOTE_ASKS = "Ask the districts furthest below their sub-targets for a recovery plan."
