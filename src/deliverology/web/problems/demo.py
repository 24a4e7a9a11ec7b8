"""Problems in the demo: the triggers evaluated on its figures, and some decisions taken."""

from __future__ import annotations

from django.contrib.auth.models import User

from deliverology.demo.problems import DECISIONS, DemoDecision
from deliverology.web.priorities.clock import today
from deliverology.web.problems.actions import confirm, dismiss, evaluate_triggers
from deliverology.web.problems.models import Problem


def install_demo_problems(analyst: User) -> None:
    evaluate_triggers(today())
    for decision in DECISIONS:
        problem = _first(decision)
        if problem is not None:
            _decide(problem, decision, analyst)


def _first(decision: DemoDecision) -> Problem | None:
    return (
        Problem.objects.filter(
            status=Problem.Status.SUGGESTED,
            severity=decision.severity,
            local_unit__type=decision.local_unit_type,
        )
        .order_by("priority__order", "local_unit__path", "metric__code", "subgroup__order")
        .first()
    )


def _decide(problem: Problem, decision: DemoDecision, analyst: User) -> None:
    if decision.decision == "dismiss":
        dismiss(problem, by=analyst, reason=decision.reason)
    else:
        severity = decision.to or problem.severity
        confirm(problem, severity, by=analyst, reason=decision.reason)
