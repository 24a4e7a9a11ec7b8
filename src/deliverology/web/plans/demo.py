"""Installing the demo's delivery plans (`deliverology.demo.plans`) for its priorities."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from django.contrib.auth.models import User
from simple_history.utils import bulk_create_with_history

from deliverology.demo.plans import PLANS, DemoPlan, on
from deliverology.web.performance.models import LocalUnit
from deliverology.web.plans.models import (
    Accountability,
    DeliveryPlan,
    Milestone,
    Risk,
    Stakeholder,
)
from deliverology.web.priorities.models import Priority


def install_demo_plans(people: Mapping[str, User], today: date) -> None:
    """A delivery plan for each demo priority, its dates counted from `today`."""
    priorities = {
        p.code: p for p in Priority.objects.filter(code__in=[d.priority_code for d in PLANS])
    }
    district = LocalUnit.objects.filter(type="district").order_by("code").first()
    for demo in PLANS:
        if demo.priority_code in priorities:
            _install_plan(demo, priorities[demo.priority_code], people, today, district)


def _install_plan(
    demo: DemoPlan,
    priority: Priority,
    people: Mapping[str, User],
    today: date,
    district: LocalUnit | None,
) -> None:
    plan = DeliveryPlan(
        priority=priority,
        owner=people[demo.owner],
        delivery_unit_contact=people["analyst"],
        status=demo.status,
        approved_by=people["leader"] if demo.status == "approved" else None,
        approved_on=on(today, demo.starts + 30) if demo.status == "approved" else None,
        starts_on=on(today, demo.starts),
        ends_on=demo.ends_on,
        strategy=demo.strategy,
        delivery_chain=demo.delivery_chain,
        performance_management=demo.performance_management,
        benchmarks=demo.benchmarks,
        resources_people=demo.resources_people,
        budget=demo.budget,
        resource_gap=demo.resource_gap,
        gap_closure=demo.gap_closure,
    )
    plan.full_clean()
    plan.save()
    milestones = [
        Milestone(
            plan=plan,
            title=m.title,
            owner=people[m.owner] if m.owner else None,
            starts_on=on(today, m.starts),
            due=on(today, m.due),
            status=m.status,
            completed_on=on(today, m.due) if m.status == "done" else None,
            evidence=m.evidence,
            trajectory_period=m.trajectory_period,
            local_unit=district if m.district else None,
        )
        for m in demo.milestones
    ]
    for milestone in milestones:
        milestone.full_clean()
    bulk_create_with_history(milestones, Milestone, default_user=people["analyst"])
    bulk_create_with_history(
        [
            Risk(
                plan=plan,
                description=r.description,
                likelihood=r.likelihood,
                impact=r.impact,
                owner=people[r.owner],
                mitigation=r.mitigation,
                trigger=r.trigger,
                status=r.status,
            )
            for r in demo.risks
        ],
        Risk,
        default_user=people["analyst"],
    )
    bulk_create_with_history(
        [
            Stakeholder(
                plan=plan,
                name=s.name,
                interest=s.interest,
                influence=s.influence,
                engagement=s.engagement,
            )
            for s in demo.stakeholders
        ],
        Stakeholder,
        default_user=people["analyst"],
    )
    for r in demo.raci:
        row = Accountability.objects.create(
            plan=plan,
            activity=r.activity,
            responsible=people[r.responsible],
            accountable=people[r.accountable],
        )
        row.consulted.set([people[name] for name in r.consulted])
        row.informed.set([people[name] for name in r.informed])
