"""The suggested likelihood of delivery reads the priority's delivery chain and its plan: a weak
link with no mitigation, and missed milestones, each count as evidence with their figures."""

from __future__ import annotations

import datetime as dt

from deliverology.core.assessment import Step, SubCriterion, notches
from deliverology.web.assessments import actions
from deliverology.web.assessments.models import Assessment
from deliverology.web.chains.models import LinkRating
from deliverology.web.plans.models import DeliveryPlan, Milestone


def reading_assessment() -> Assessment:
    reporting_round = actions.open_round("July 2025", dt.date(2025, 7, 31))
    assessment = Assessment.objects.get(reporting_round=reporting_round, priority__code="reading")
    for criterion in SubCriterion:
        setattr(assessment, criterion.value, "green")
    return assessment


def steps(assessment: Assessment) -> dict[Step, object]:
    return {reason.step: reason for reason in actions.suggestion_for(assessment).reasons}


def test_an_unmitigated_weak_link_lowers_the_suggestion_until_it_is_mitigated(system, chain):
    assessment = reading_assessment()
    assert actions.unmitigated_weak_links(assessment.priority, dt.date(2025, 7, 31)) == 1
    lowered = steps(assessment)[Step.WEAK_LINKS]
    assert lowered.count == 1 and notches(lowered.after) == notches(lowered.before) - 1

    weak = chain.links.get(position=3)
    weak.mitigation = "Coaches visit each school fortnightly."
    weak.save()
    assert actions.unmitigated_weak_links(assessment.priority, dt.date(2025, 7, 31)) == 0
    kept = steps(assessment)[Step.WEAK_LINKS]
    assert kept.count == 0 and kept.after == kept.before


def test_missed_milestones_of_the_plan_are_counted_from_today(system):
    assessment = reading_assessment()
    assert actions.overdue_milestones(assessment.priority, dt.date(2025, 11, 1)) is None
    plan = DeliveryPlan.objects.create(priority=system.priorities["reading"])
    for title, due, status in (
        ("Coaches hired", dt.date(2025, 9, 1), "on_track"),
        ("Materials bought", dt.date(2025, 10, 1), "late"),
        ("Training done", dt.date(2025, 8, 1), "done"),
        ("Review held", dt.date(2026, 1, 1), "not_started"),
    ):
        Milestone.objects.create(plan=plan, title=title, due=due, status=status)
    assert actions.overdue_milestones(assessment.priority, dt.date(2025, 11, 1)) == 2


def test_a_rounds_evidence_is_the_chain_and_plan_as_they_stood_on_its_date(system, chain):
    assessment = reading_assessment()  # the round of 2025-07-31
    weak = chain.links.get(position=3)  # amber-red since 2024-10-01
    LinkRating.objects.create(
        link=weak,
        rating="green",
        evidence="Coaching in place",
        rated_on=dt.date(2025, 9, 1),
        rated_by=system.people["analyst"],
    )
    assert actions.unmitigated_weak_links(assessment.priority, dt.date(2025, 7, 31)) == 1
    assert actions.unmitigated_weak_links(assessment.priority, dt.date(2025, 9, 1)) == 0
    assert steps(assessment)[Step.WEAK_LINKS].count == 1  # the round reads its own date

    plan = DeliveryPlan.objects.create(priority=system.priorities["reading"])
    Milestone.objects.create(
        plan=plan,
        title="Coaches hired",
        due=dt.date(2025, 6, 1),
        status="done",
        completed_on=dt.date(2025, 8, 15),
    )
    assert actions.overdue_milestones(assessment.priority, dt.date(2025, 7, 31)) == 1
    assert actions.overdue_milestones(assessment.priority, dt.date(2025, 9, 1)) == 0
