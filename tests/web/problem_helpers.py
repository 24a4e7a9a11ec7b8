"""What the problem tests share: the state's reading problem and a chain link to rate or cite."""

from __future__ import annotations

from datetime import date

from deliverology.web.chains.models import ChainLink, DeliveryChain
from deliverology.web.problems.actions import evaluate_triggers
from deliverology.web.problems.models import Problem
from tests.conftest import System


def state_problem(system: System, evaluated_on: date | None = None) -> Problem:
    """The state's problem on the reading priority, after evaluating the triggers on a date
    when one is given."""
    if evaluated_on is not None:
        evaluate_triggers(evaluated_on)
    return Problem.objects.get(
        priority=system.priorities["reading"],
        local_unit=system.units["ST"],
        subgroup=system.subgroups["all"],
    )


def chain_link(system: System, priority: str = "reading", title: str = "") -> ChainLink:
    """The first link of a new delivery chain of a priority."""
    chain = DeliveryChain.objects.create(  # type: ignore[misc]
        priority=system.priorities[priority], title=title or f"Structured literacy ({priority})"
    )
    return ChainLink.objects.create(  # type: ignore[no-any-return]
        chain=chain, position=1, actor_kind="teacher", actor="K-3 teachers", owner_name="Leads"
    )
