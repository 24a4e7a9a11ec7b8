"""The demo holds problems at several levels, some decided by the delivery unit."""

from __future__ import annotations

import numpy as np
import pytest
from django.db import connection

from deliverology.demo.generator import generate_demo_system
from deliverology.web.demo_system import install_demo_system
from deliverology.web.performance.models import Observation, Rollup
from deliverology.web.priorities.clock import today
from deliverology.web.problems import evaluation
from deliverology.web.problems.actions import evaluate_triggers
from deliverology.web.problems.evaluation import evaluate
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


@pytest.mark.django_db
def test_the_evaluation_reads_the_figures_the_previous_reading_did(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The covering-index reading (two texts per metric and period, one query) gives exactly the
    findings of the reading it replaced (one text of every figure per metric and period, a
    query per table)."""
    system = generate_demo_system(schools=120, districts=6, regions=1)
    install_demo_system(system, password="demo-pass-1", say=lambda _: None)
    open_keys = [p.key() for p in Problem.objects.filter(status__in=["suggested", "confirmed"])]
    fast = evaluate(today(), open_keys)
    monkeypatch.setattr(evaluation, "_figures", _previous_figures)
    previous = evaluate(today(), open_keys)
    assert len(previous) > 20 and any(f.key[1] is not None and f.fired for f in previous)
    assert fast == previous


def _previous_figures(metric_ids: list[int], wanted: list[str]) -> list[evaluation.Group]:
    return [g for model in (Rollup, Observation) for g in _previous(model, metric_ids, wanted)]


def _previous(
    model: type[Rollup] | type[Observation], metric_ids: list[int], wanted: list[str]
) -> list[evaluation.Group]:
    """The reading before the covering index, as it was: one text of every figure per metric
    and period, each figure as unit, subgroup and value, a query per table."""
    if not metric_ids or not wanted:
        return []
    table = model._meta.db_table
    joined = "string_agg" if connection.vendor == "postgresql" else "group_concat"
    figure = "local_unit_id || ',' || subgroup_id || ',' || CAST(value AS TEXT)"
    metrics = ", ".join(["%s"] * len(metric_ids))
    periods = ", ".join(["%s"] * len(wanted))
    sql = (
        f"SELECT metric_id, period, {joined}({figure}, ',') FROM {table} "  # noqa: S608 (names from models)
        f"WHERE value IS NOT NULL AND metric_id IN ({metrics}) AND period IN ({periods}) "
        "GROUP BY metric_id, period"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*metric_ids, *wanted])
        groups = cursor.fetchall()
    found = []
    for metric_id, label, text in groups:
        numbers = np.array(text.split(","), dtype=np.float64).reshape(-1, 3)
        units, subgroups = numbers[:, 0].astype(np.int64), numbers[:, 1].astype(np.int64)
        found.append((metric_id, label, units * evaluation.KEY_WIDTH + subgroups, numbers[:, 2]))
    return found
