"""Reading and changing delivery plans: a plan with everything its page shows, in a fixed number
of queries, its completeness checklist and quality RAG, and a milestone's status update."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import User
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from deliverology.configuration import load_method_config
from deliverology.core.config import Rag4
from deliverology.core.plans import (
    Checklist,
    MilestoneFacts,
    MilestoneStatus,
    PlanFacts,
    PlanSection,
    RagThresholds,
    RiskBands,
    RiskFacts,
    RiskStatus,
    check_plan,
    days_overdue,
    is_overdue,
    overdue_first,
    quality_rag,
    risk_band,
)
from deliverology.web.chains.models import DeliveryChain
from deliverology.web.chains.queries import weak_links
from deliverology.web.performance.models import Subgroup
from deliverology.web.plans.models import (
    Accountability,
    DeliveryPlan,
    Milestone,
    Risk,
    Stakeholder,
)
from deliverology.web.priorities.models import Priority, Target, Trajectory
from deliverology.web.strategy.models import Intervention, system_target


@dataclass(frozen=True)
class Quality:
    checklist: Checklist
    rag: Rag4


@dataclass(frozen=True)
class MilestoneLine:
    milestone: Milestone
    overdue: bool
    days_overdue: int


@dataclass(frozen=True)
class RiskLine:
    risk: Risk
    score: int
    band: Rag4


@dataclass(frozen=True)
class PlanPage:
    """A plan and everything its page shows."""

    plan: DeliveryPlan
    milestones: list[MilestoneLine]
    risks: list[RiskLine]
    raci: list[Accountability]
    stakeholders: list[Stakeholder]
    interventions: list[Intervention]
    target: Target | None
    trajectory: Trajectory | None
    quality: Quality

    @property
    def overdue(self) -> list[MilestoneLine]:
        return [line for line in self.milestones if line.overdue]

    @property
    def done(self) -> int:
        return sum(line.milestone.status == MilestoneStatus.DONE for line in self.milestones)


def plan_queryset() -> QuerySet[DeliveryPlan]:
    return DeliveryPlan.objects.select_related(
        "priority__goal_metric",
        "priority__owner",
        "intervention",
        "owner",
        "delivery_unit_contact",
        "approved_by",
    )


def priority_plan(priority: Priority) -> DeliveryPlan | None:
    """The plan of the whole priority (not of one of its interventions), if there is one."""
    return (
        DeliveryPlan.objects.select_related(
            "priority__goal_metric", "priority__owner", "owner", "delivery_unit_contact"
        )
        .filter(priority=priority, intervention=None)
        .first()
    )


def chain_weak_links_unmitigated(
    priority: Priority, intervention: Intervention | None = None
) -> list[str] | None:
    """The weak links (red and amber-red by default) of the priority's delivery chains (those of
    the intervention, for an intervention's plan) with no mitigation recorded, named as
    "Actor (chain)"; None when the priority has no chain yet (the checklist then leaves the rule
    out and counts the chain section as missing). Two queries."""
    chains = DeliveryChain.objects.filter(priority=priority)
    if intervention is not None:
        chains = chains.filter(intervention=intervention)
    if not chains.exists():
        return None
    return [
        f"{weak.link.actor} ({weak.chain.title})"
        for weak in weak_links(priority)
        if not weak.has_mitigation
        and (intervention is None or weak.chain.intervention_id == intervention.pk)
    ]


def plan_page(
    plan: DeliveryPlan, today: date, unmitigated_red_links: Sequence[str] | None = None
) -> PlanPage:
    """Everything the plan's page shows, in a fixed number of queries however many milestones.

    `unmitigated_red_links` names the red links of the plan's delivery chain with no
    mitigation; None leaves the delivery chain's rule out of the checklist (no chain linked).
    """
    milestones = list(plan.milestones.select_related("owner", "local_unit"))
    risks = list(plan.risks.select_related("owner"))
    raci = list(
        plan.raci.select_related("responsible", "accountable").prefetch_related(
            "consulted", "informed"
        )
    )
    stakeholders = list(plan.stakeholders.all())
    interventions = _interventions(plan)
    target = system_target(plan.priority)
    trajectory = _current_trajectory(target)
    quality = _quality(
        plan,
        milestones,
        risks,
        filled_lists=(bool(raci), bool(stakeholders), bool(interventions), trajectory is not None),
        unmitigated_red_links=unmitigated_red_links,
    )
    return PlanPage(
        plan=plan,
        milestones=_milestone_lines(milestones, today),
        risks=risk_lines(risks),
        raci=raci,
        stakeholders=stakeholders,
        interventions=interventions,
        target=target,
        trajectory=trajectory,
        quality=quality,
    )


@dataclass(frozen=True)
class PlanSummary:
    """What the priority's page says of its plan."""

    plan: DeliveryPlan
    quality: Quality
    milestones: int
    done: int
    overdue: list[MilestoneLine]
    next_due: Milestone | None
    red_risks: int


def plan_summary(
    priority: Priority, today: date, unmitigated_red_links: Sequence[str] | None = None
) -> PlanSummary | None:
    """The priority's plan in brief, in three queries however many milestones; None if it has
    no plan. The same checklist as the plan's page, with the lists it needs only counted."""
    plan = (
        DeliveryPlan.objects.filter(priority=priority, intervention=None)
        .annotate(
            has_raci=Exists(Accountability.objects.filter(plan=OuterRef("pk"))),
            has_stakeholders=Exists(Stakeholder.objects.filter(plan=OuterRef("pk"))),
            has_interventions=Exists(
                Intervention.objects.filter(priority=OuterRef("priority")).exclude(
                    status=Intervention.Status.DROPPED
                )
            ),
            has_trajectory=Exists(
                Trajectory.objects.filter(
                    target__metric=OuterRef("priority__goal_metric"),
                    target__local_unit__parent=None,
                    target__subgroup__code=Subgroup.ALL,
                )
            ),
        )
        .first()
    )
    if plan is None:
        return None
    milestones = list(plan.milestones.all())
    risks = list(plan.risks.all())
    flags = (plan.has_raci, plan.has_stakeholders, plan.has_interventions, plan.has_trajectory)
    quality = _quality(
        plan, milestones, risks, filled_lists=flags, unmitigated_red_links=unmitigated_red_links
    )
    lines = _milestone_lines(milestones, today)
    upcoming = [
        line.milestone
        for line in lines
        if not line.overdue and line.milestone.status != MilestoneStatus.DONE and line.milestone.due
    ]
    return PlanSummary(
        plan=plan,
        quality=quality,
        milestones=len(lines),
        done=sum(line.milestone.status == MilestoneStatus.DONE for line in lines),
        overdue=[line for line in lines if line.overdue],
        next_due=upcoming[0] if upcoming else None,
        red_risks=sum(
            line.band == Rag4.RED and line.risk.status != RiskStatus.CLOSED
            for line in risk_lines(risks)
        ),
    )


def my_milestones(person: User, today: date) -> list[MilestoneLine]:
    """A person's milestones across every plan: overdue first (longest overdue first), then by
    due date."""
    milestones = {
        each.pk: each
        for each in Milestone.objects.filter(owner=person).select_related(
            "plan__priority", "plan__intervention", "local_unit"
        )
    }
    ordered = overdue_first([_facts(each, key=str(each.pk)) for each in milestones.values()], today)
    return [_line(milestones[int(facts.name)], today) for facts in ordered]


def update_milestone(
    milestone: Milestone,
    *,
    status: str,
    evidence: str,
    completed_on: date | None,
    today: date,
) -> Milestone:
    """A milestone's owner reports on it: its status and evidence (kept in its history)."""
    milestone.status = status
    milestone.evidence = evidence
    if status == MilestoneStatus.DONE:
        milestone.completed_on = completed_on or today
    else:
        milestone.completed_on = None
    milestone.full_clean()
    milestone.save()
    return milestone


def risk_lines(risks: Iterable[Risk]) -> list[RiskLine]:
    bands = risk_bands()
    return [
        RiskLine(risk, risk.score, risk_band(risk.likelihood, risk.impact, bands)) for risk in risks
    ]


def risk_bands() -> RiskBands:
    return RiskBands(**load_method_config().plans.risk_band_upto)


def rag_thresholds() -> RagThresholds:
    return RagThresholds(**load_method_config().plans.quality_from)


def plan_counts(priorities: Sequence[Priority]) -> dict[int, int]:
    """How many plans each priority has (for lists of priorities), in one query."""
    rows = (
        DeliveryPlan.objects.filter(priority__in=priorities)
        .values("priority")
        .annotate(n=Count("pk"))
    )
    return {row["priority"]: row["n"] for row in rows}


def _interventions(plan: DeliveryPlan) -> list[Intervention]:
    found = Intervention.objects.filter(priority_id=plan.priority_id).exclude(
        status=Intervention.Status.DROPPED
    )
    if plan.intervention_id is not None:
        found = found.filter(pk=plan.intervention_id)
    return list(found.select_related("owner"))


def _current_trajectory(target: Target | None) -> Trajectory | None:
    if target is None:
        return None
    return target.trajectories.order_by("-version").prefetch_related("points").first()


def _quality(
    plan: DeliveryPlan,
    milestones: Sequence[Milestone],
    risks: Sequence[Risk],
    *,
    filled_lists: tuple[bool, bool, bool, bool],
    unmitigated_red_links: Sequence[str] | None,
) -> Quality:
    has_raci, has_stakeholders, has_interventions, has_trajectory = filled_lists
    filled = {
        PlanSection.HEADER: bool(plan.owner_id and plan.starts_on and plan.ends_on),
        PlanSection.STRATEGY: bool(plan.strategy.strip()) and has_interventions,
        # a chain drawn as data (then the red-link rule is checked too) or described in words
        PlanSection.DELIVERY_CHAIN: unmitigated_red_links is not None
        or bool(plan.delivery_chain.strip()),
        PlanSection.ACCOUNTABILITY: has_raci,
        PlanSection.TRAJECTORY: has_trajectory,
        PlanSection.PERFORMANCE_MANAGEMENT: bool(plan.performance_management.strip()),
        PlanSection.MILESTONES: bool(milestones),
        PlanSection.BENCHMARKS: bool(plan.benchmarks.strip()),
        PlanSection.RESOURCES: _resources_filled(plan),
        PlanSection.STAKEHOLDERS: has_stakeholders,
        PlanSection.RISKS: bool(risks),
    }
    facts = PlanFacts(
        filled=filled,
        milestones=[_facts(each) for each in milestones],
        risks=[_risk_facts(risk) for risk in risks],
    )
    checklist = check_plan(facts, unmitigated_red_links)
    return Quality(checklist, quality_rag(checklist, rag_thresholds()))


def risk_facts(lines: Iterable[RiskLine]) -> list[RiskFacts]:
    return [_risk_facts(line.risk) for line in lines]


def _risk_facts(risk: Risk) -> RiskFacts:
    return RiskFacts(
        name=risk.description,
        owned=risk.owner_id is not None,
        mitigated=bool(risk.mitigation.strip()),
        likelihood=risk.likelihood,
        impact=risk.impact,
        status=RiskStatus(risk.status),
    )


def _resources_filled(plan: DeliveryPlan) -> bool:
    """People and a budget are stated, and a gap, if there is one, says how it closes."""
    gap_answered = not plan.resource_gap.strip() or bool(plan.gap_closure.strip())
    return bool(plan.resources_people.strip()) and plan.budget is not None and gap_answered


def _facts(milestone: Milestone, key: str | None = None) -> MilestoneFacts:
    return MilestoneFacts(
        name=key if key is not None else milestone.title,
        owned=milestone.owner_id is not None,
        due=milestone.due,
        status=MilestoneStatus(milestone.status),
    )


def _line(milestone: Milestone, today: date) -> MilestoneLine:
    status = MilestoneStatus(milestone.status)
    return MilestoneLine(
        milestone,
        is_overdue(milestone.due, status, today),
        days_overdue(milestone.due, status, today),
    )


def _milestone_lines(milestones: Sequence[Milestone], today: date) -> list[MilestoneLine]:
    by_key = {str(each.pk): each for each in milestones}
    ordered = overdue_first([_facts(each, key=str(each.pk)) for each in milestones], today)
    return [_line(by_key[facts.name], today) for facts in ordered]


def people_named(names: Iterable[str]) -> dict[str, User]:
    """Users by username (case-insensitive), for the spreadsheet's owner columns."""
    wanted = {name.strip().lower() for name in names if name and name.strip()}
    if not wanted:
        return {}
    query = Q()
    for name in wanted:
        query |= Q(username__iexact=name)
    return {user.username.lower(): user for user in User.objects.filter(query)}
