"""Installing the demo's chains, activity profiles and drivers (deliverology.demo.chains)."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import User

from deliverology.demo.chains import CHAIN_SETS, DemoChainSet
from deliverology.web.chains.models import (
    Activity,
    ChainLink,
    DeliveryChain,
    Driver,
    LinkRating,
)
from deliverology.web.diagnostics.models import Hypothesis
from deliverology.web.performance.models import LocalUnit
from deliverology.web.priorities.models import Priority


def install_demo_chains(people: dict[str, User]) -> None:
    """One chain per priority (for its first intervention), its activities and its drivers."""
    for demo in CHAIN_SETS:
        priority = Priority.objects.filter(code=demo.priority_code).first()
        if priority is None:
            continue
        _install_chain(demo, priority, people)
        _install_activities(demo, priority)
        _install_drivers(demo, priority, people)


def _install_chain(demo: DemoChainSet, priority: Priority, people: dict[str, User]) -> None:
    chain = DeliveryChain.objects.create(
        priority=priority,
        intervention=priority.interventions.order_by("pk").first(),
        title=demo.chain_title,
        front_line_change=demo.front_line_change,
    )
    regions = list(LocalUnit.objects.filter(type="region"))
    for position, plan in enumerate(demo.links, start=1):
        link = ChainLink(
            chain=chain,
            position=position,
            actor_kind=plan.actor_kind,
            actor=plan.actor,
            owner_name=plan.owner_name,
            owner=people.get(plan.owner) if plan.owner else None,
            levers=plan.levers,
            mitigation=plan.mitigation,
        )
        link.full_clean()
        link.save()
        if plan.all_regions:
            link.local_units.set(regions)
        for rating in plan.ratings:
            LinkRating.objects.create(
                link=link,
                rating=rating.rating,
                evidence=rating.evidence,
                rated_on=datetime.date.fromisoformat(rating.rated_on),
                rated_by=people[rating.rated_by],
            )


def _install_activities(demo: DemoChainSet, priority: Priority) -> None:
    for plan in demo.activities:
        activity = Activity(
            priority=priority,
            name=plan.name,
            kind=plan.kind,
            owner_name=plan.owner_name,
            cost=plan.cost,
            reach=plan.reach,
            intended_effect=plan.intended_effect,
            evidence_of_impact=plan.evidence_of_impact,
            evidence_notes=plan.evidence_notes,
            stop_candidate=plan.stop_candidate,
        )
        activity.full_clean()
        activity.save()


def _install_drivers(demo: DemoChainSet, priority: Priority, people: dict[str, User]) -> None:
    for plan in demo.drivers:
        hypothesis = None
        statement = plan.statement
        if not statement:
            hypothesis = (
                Hypothesis.objects.filter(priority=priority)
                .exclude(status=Hypothesis.Status.REJECTED)
                .order_by("pk")
                .first()
            )
            if hypothesis is None:
                continue
            statement = hypothesis.statement
        driver = Driver(
            priority=priority,
            hypothesis=hypothesis,
            statement=statement,
            evidence=plan.evidence,
            confidence=plan.confidence,
            created_by=people["analyst"],
        )
        driver.full_clean()
        driver.save()
