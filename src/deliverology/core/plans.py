"""Delivery plans: the completeness check, overdue milestones and risk scores (docs/concepts.md).

Pure: plain facts in, plain results out; `today` is an argument. A plan is complete when every
section is filled in, every milestone has an owner and a due date, every risk has an owner and a
mitigation, and every red link of its delivery chain has a mitigation. Its quality RAG is the
share of those rules it passes, against thresholds in the configuration.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from deliverology.core.config import Rag4

# The four points of the likelihood and impact scales (docs/method.md: 1 to 4, never 5).
RISK_SCALE = (1, 2, 3, 4)


class PlanError(ValueError):
    """Facts a plan cannot hold, such as a likelihood off the scale."""


class MilestoneStatus(StrEnum):
    NOT_STARTED = "not_started"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    LATE = "late"
    DONE = "done"


class RiskStatus(StrEnum):
    OPEN = "open"
    MITIGATING = "mitigating"
    CLOSED = "closed"


class PlanStatus(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"


class PlanSection(StrEnum):
    """The sections a plan answers, in the order a reader meets them."""

    HEADER = "header"
    STRATEGY = "strategy"
    DELIVERY_CHAIN = "delivery_chain"
    ACCOUNTABILITY = "accountability"
    TRAJECTORY = "trajectory"
    PERFORMANCE_MANAGEMENT = "performance_management"
    MILESTONES = "milestones"
    BENCHMARKS = "benchmarks"
    RESOURCES = "resources"
    STAKEHOLDERS = "stakeholders"
    RISKS = "risks"


class Rule(StrEnum):
    """One line of the completeness checklist (besides one line per section)."""

    MILESTONES_OWNED = "milestones_owned"
    MILESTONES_DATED = "milestones_dated"
    RISKS_OWNED = "risks_owned"
    RISKS_MITIGATED = "risks_mitigated"
    RED_LINKS_MITIGATED = "red_links_mitigated"


@dataclass(frozen=True)
class MilestoneFacts:
    name: str
    owned: bool
    due: date | None
    status: MilestoneStatus


@dataclass(frozen=True)
class RiskFacts:
    name: str
    owned: bool
    mitigated: bool
    likelihood: int
    impact: int
    status: RiskStatus = RiskStatus.OPEN


@dataclass(frozen=True)
class PlanFacts:
    """What the check needs to know of a plan: which sections are filled in, its milestones and
    its risks."""

    filled: Mapping[PlanSection, bool]
    milestones: Sequence[MilestoneFacts]
    risks: Sequence[RiskFacts]


@dataclass(frozen=True)
class ChecklistItem:
    """A section (`section`) or a rule (`rule`), whether it passes, and what is missing."""

    passed: bool
    missing: tuple[str, ...] = ()
    section: PlanSection | None = None
    rule: Rule | None = None

    @property
    def key(self) -> str:
        return str(self.section or self.rule)


@dataclass(frozen=True)
class Checklist:
    items: tuple[ChecklistItem, ...]

    @property
    def passed(self) -> int:
        return sum(item.passed for item in self.items)

    @property
    def share(self) -> float:
        """The share of the checklist that passes, 0 to 1."""
        return self.passed / len(self.items) if self.items else 0.0

    @property
    def complete(self) -> bool:
        return all(item.passed for item in self.items)

    @property
    def missing(self) -> tuple[ChecklistItem, ...]:
        return tuple(item for item in self.items if not item.passed)


@dataclass(frozen=True)
class RagThresholds:
    """The least share of the checklist (0 to 1) for each rating above red; each at least the
    next: green ≥ amber_green ≥ amber_red."""

    green: float
    amber_green: float
    amber_red: float

    def __post_init__(self) -> None:
        if not 0 <= self.amber_red <= self.amber_green <= self.green <= 1:
            raise PlanError("thresholds must go 0 ≤ amber_red ≤ amber_green ≤ green ≤ 1")


@dataclass(frozen=True)
class RiskBands:
    """The highest score (likelihood x impact, 1 to 16) of each band below red."""

    green: int
    amber_green: int
    amber_red: int

    def __post_init__(self) -> None:
        if not 1 <= self.green <= self.amber_green <= self.amber_red < max(RISK_SCALE) ** 2:
            raise PlanError("bands must go 1 ≤ green ≤ amber_green ≤ amber_red < 16")


def check_plan(plan: PlanFacts, unmitigated_red_links: Iterable[str] | None = None) -> Checklist:
    """The completeness checklist: one item per section, then the rules on milestones and risks,
    then the delivery chain's red links: `unmitigated_red_links` names those with no mitigation;
    None (no delivery chain known) leaves that rule out rather than pass it unseen."""
    items = [
        ChecklistItem(passed=bool(plan.filled.get(section)), section=section)
        for section in PlanSection
    ]
    open_risks = [risk for risk in plan.risks if risk.status != RiskStatus.CLOSED]
    rules: tuple[tuple[Rule, list[str]], ...] = (
        (Rule.MILESTONES_OWNED, [m.name for m in plan.milestones if not m.owned]),
        (Rule.MILESTONES_DATED, [m.name for m in plan.milestones if m.due is None]),
        (Rule.RISKS_OWNED, [r.name for r in open_risks if not r.owned]),
        (Rule.RISKS_MITIGATED, [r.name for r in open_risks if not r.mitigated]),
    )
    if unmitigated_red_links is not None:
        rules += ((Rule.RED_LINKS_MITIGATED, list(unmitigated_red_links)),)
    for rule, missing in rules:
        items.append(ChecklistItem(passed=not missing, missing=tuple(missing), rule=rule))
    return Checklist(tuple(items))


def quality_rag(checklist: Checklist, thresholds: RagThresholds) -> Rag4:
    """The plan's RAG: green at or above `thresholds.green` of the checklist, and so on down."""
    share = checklist.share
    if share >= thresholds.green:
        return Rag4.GREEN
    if share >= thresholds.amber_green:
        return Rag4.AMBER_GREEN
    if share >= thresholds.amber_red:
        return Rag4.AMBER_RED
    return Rag4.RED


def is_overdue(due: date | None, status: MilestoneStatus, today: date) -> bool:
    """A milestone is overdue when its due date has passed and it is not done."""
    return due is not None and due < today and status != MilestoneStatus.DONE


def overdue_first(milestones: Sequence[MilestoneFacts], today: date) -> list[MilestoneFacts]:
    """Overdue milestones first (the longest overdue first), then the rest by due date; those
    with no date last."""
    return sorted(
        milestones,
        key=lambda m: (
            not is_overdue(m.due, m.status, today),
            m.due is None,
            m.due or date.max,
            m.name,
        ),
    )


def days_overdue(due: date | None, status: MilestoneStatus, today: date) -> int:
    """How many days past its due date an overdue milestone is; 0 if it is not overdue."""
    if due is None or not is_overdue(due, status, today):
        return 0
    return (today - due).days


def risk_score(likelihood: int, impact: int) -> int:
    """Likelihood times impact, each on the four-point scale: 1 to 16."""
    for name, value in (("likelihood", likelihood), ("impact", impact)):
        if isinstance(value, bool) or value not in RISK_SCALE:
            raise PlanError(f"{name} must be 1, 2, 3 or 4, not {value!r}")
    return likelihood * impact


def risk_band(likelihood: int, impact: int, bands: RiskBands) -> Rag4:
    """The RAG band of a risk's score."""
    score = risk_score(likelihood, impact)
    if score <= bands.green:
        return Rag4.GREEN
    if score <= bands.amber_green:
        return Rag4.AMBER_GREEN
    if score <= bands.amber_red:
        return Rag4.AMBER_RED
    return Rag4.RED


def heat_map(risks: Iterable[RiskFacts]) -> dict[tuple[int, int], int]:
    """How many open risks sit in each (likelihood, impact) cell; every cell, zeros included."""
    counts = {(likelihood, impact): 0 for likelihood in RISK_SCALE for impact in RISK_SCALE}
    for risk in risks:
        if risk.status != RiskStatus.CLOSED:
            risk_score(risk.likelihood, risk.impact)
            counts[(risk.likelihood, risk.impact)] += 1
    return counts


def date_problem(due: date, start: date | None, end: date | None) -> str | None:
    """Why a milestone cannot be due on `due` in a plan running from `start` to `end`; None if
    it can. The words are for the caller to translate: "before_start" or "after_end"."""
    if start is not None and due < start:
        return "before_start"
    if end is not None and due > end:
        return "after_end"
    return None
