"""The demo holds problems at several levels, some decided by the delivery unit."""

from __future__ import annotations

import pytest

from deliverology.demo.generator import generate_demo_system
from deliverology.web.demo_system import install_demo_system
from deliverology.web.priorities.clock import today
from deliverology.web.problems.actions import evaluate_triggers
from deliverology.web.problems.models import PriorityReview, Problem, ProblemEvent


@pytest.mark.django_db
def test_the_demo_holds_problems_at_several_levels_and_decisions_on_them() -> None:
    system = generate_demo_system(schools=120, districts=6, regions=1)
    install_demo_system(system, password="demo-pass-1", say=lambda _: None)
    severities = set(Problem.objects.values_list("severity", flat=True))
    assert {"watch", "priority_review", "crisis"} <= severities
    statuses = set(Problem.objects.values_list("status", flat=True))
    assert {"suggested", "confirmed", "dismissed"} <= statuses
    escalated = ProblemEvent.objects.filter(kind=ProblemEvent.Kind.ESCALATED).get()
    assert escalated.by is not None and escalated.by.username == "analyst" and escalated.reason
    again = evaluate_triggers(today())
    assert (again.suggested, again.changed) == (0, 0)
    reviewed = PriorityReview.objects.get().problem
    causes = list(reviewed.root_causes.all())
    assert sorted(c.kind for c in causes) == ["driver", "hypothesis", "link"]
    assert all(c.note and c.added_by.username == "analyst" for c in causes)
    linked = ProblemEvent.objects.filter(problem=reviewed, kind="root_cause_added")
    assert linked.count() == len(causes)
