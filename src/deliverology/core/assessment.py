"""The assessment framework's suggested likelihood of delivery (docs/concepts.md).

The likelihood is a professional judgement; the product only suggests one from the evidence and
says why. The suggestion starts at the worst of the six sub-ratings, moves by the configured
notches for the trajectory status, and is lowered by one notch for weak delivery-chain links and
for missed milestones when those counts are known. It stays on the four-point scale.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from deliverology.core.status import TrajectoryStatus

# The RAG4 scale, worst first (the values of `core.config.Rag4`).
RAG4_ORDER = ("red", "amber_red", "amber_green", "green")


class Challenge(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    VERY_HIGH = "very_high"


class SubCriterion(StrEnum):
    UNDERSTANDING_THE_CHALLENGE = "understanding_the_challenge"
    GOVERNANCE = "governance"
    MANAGING_PERFORMANCE = "managing_performance"
    STRUCTURING_THE_CHAIN = "structuring_the_chain"
    ENGAGING_THE_CHAIN = "engaging_the_chain"
    LEADERSHIP_AND_CULTURE = "leadership_and_culture"


class JudgementDirection(StrEnum):
    IMPROVING = "improving"
    STEADY = "steady"
    WORSENING = "worsening"


STAGES = ("stage_1", "stage_2", "stage_3", "stage_4")


class Step(StrEnum):
    """One reason in a suggestion, in the order they are applied."""

    WORST_SUB_RATING = "worst_sub_rating"
    TRAJECTORY = "trajectory"
    WEAK_LINKS = "weak_links"
    MISSED_MILESTONES = "missed_milestones"


@dataclass(frozen=True)
class SuggestionRules:
    """`status_notches`: how far each trajectory status moves the rating (+1 is one notch up)."""

    status_notches: Mapping[TrajectoryStatus, int]
    weak_links_lower_at: int = 1
    missed_milestones_lower_at: int = 2


@dataclass(frozen=True)
class Evidence:
    """What the suggestion rests on. `weak_chain_links` and `missed_milestones` are None when
    not known (no delivery chain or plan yet); they are then left out, and the reasons say so."""

    status: TrajectoryStatus
    sub_ratings: Mapping[SubCriterion, str | None]
    weak_chain_links: int | None = None
    missed_milestones: int | None = None


@dataclass(frozen=True)
class Reason:
    """One step of the suggestion with the figures it used: `count` is the number of weak links
    or missed milestones, `criteria` the sub-criteria at the worst rating."""

    step: Step
    before: str | None
    after: str
    count: int | None = None
    criteria: tuple[SubCriterion, ...] = ()
    status: TrajectoryStatus | None = None


@dataclass(frozen=True)
class Suggestion:
    likelihood: str | None  # None: no sub-criterion is rated yet
    reasons: tuple[Reason, ...]
    unrated: tuple[SubCriterion, ...]


def suggest_likelihood(evidence: Evidence, rules: SuggestionRules) -> Suggestion:
    """The suggested likelihood of delivery and the steps that led to it."""
    rated = {c: r for c, r in evidence.sub_ratings.items() if r is not None}
    unrated = tuple(c for c in SubCriterion if c not in rated)
    if not rated:
        return Suggestion(None, (), unrated)
    worst = min(rated.values(), key=RAG4_ORDER.index)
    at_worst = tuple(c for c in SubCriterion if rated.get(c) == worst)
    reasons = [Reason(Step.WORST_SUB_RATING, None, worst, criteria=at_worst)]
    rating = worst
    moved = _moved(rating, rules.status_notches.get(evidence.status, 0))
    reasons.append(Reason(Step.TRAJECTORY, rating, moved, status=evidence.status))
    rating = moved
    for step, count, lower_at in (
        (Step.WEAK_LINKS, evidence.weak_chain_links, rules.weak_links_lower_at),
        (Step.MISSED_MILESTONES, evidence.missed_milestones, rules.missed_milestones_lower_at),
    ):
        if count is None:
            continue
        lowered = _moved(rating, -1) if lower_at and count >= lower_at else rating
        reasons.append(Reason(step, rating, lowered, count=count))
        rating = lowered
    return Suggestion(rating, tuple(reasons), unrated)


def notches(rating: str) -> int:
    """The rating's place on the scale: 0 for red, 3 for green."""
    return RAG4_ORDER.index(rating)


def _moved(rating: str, by: int) -> str:
    place = min(max(notches(rating) + by, 0), len(RAG4_ORDER) - 1)
    return RAG4_ORDER[place]


def is_override(suggested: str | None, final: str) -> bool:
    """A final rating that differs from the suggestion (none suggested: not an override)."""
    return suggested is not None and suggested != final
