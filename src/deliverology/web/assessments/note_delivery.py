"""What a monthly note says of how each priority is being delivered, beside its figures: the
plans' milestones due this month and missed, the routines' open and overdue actions, and the
open problems at the levels the leader must see (`[problems] on_monthly_note_from`). Plain data
(text, numbers, ISO dates) so that it is frozen with the note when it is published. Three
queries whatever the number of priorities."""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.db.models import Count, Q

from deliverology.configuration import load_method_config
from deliverology.core.plans import MilestoneStatus
from deliverology.core.problems import Severity
from deliverology.web.plans.models import Milestone
from deliverology.web.priorities.models import Priority
from deliverology.web.problems.models import Problem
from deliverology.web.routines.models import Action


def note_delivery(
    priorities: Sequence[Priority], month: dt.date, today: dt.date
) -> dict[int, dict[str, Any]]:
    wanted = [priority.pk for priority in priorities]
    rows: dict[int, dict[str, Any]] = {
        pk: {"milestones_due": [], "milestones_missed": [], "problems": []} for pk in wanted
    }
    _milestones(rows, wanted, month, today)
    _actions(rows, wanted, today)
    _problems(rows, wanted)
    return rows


def _milestones(
    rows: dict[int, dict[str, Any]], wanted: list[int], month: dt.date, today: dt.date
) -> None:
    first = month.replace(day=1)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    open_milestones = (
        Milestone.objects.filter(plan__priority__in=wanted, due__isnull=False, due__lte=last)
        .exclude(status=MilestoneStatus.DONE)
        .select_related("owner", "plan")
        .order_by("due", "title")
    )
    for milestone in open_milestones:
        if milestone.due is None:  # for the type checker: the query leaves these out
            continue
        owner = milestone.owner
        line = {
            "title": milestone.title,
            "due": milestone.due.isoformat(),
            "owner": (owner.get_full_name() or owner.get_username()) if owner else "",
        }
        kind = "milestones_missed" if milestone.due < today else "milestones_due"
        if kind == "milestones_due" and milestone.due < first:
            continue
        rows[milestone.plan.priority_id][kind].append(line)


def _actions(rows: dict[int, dict[str, Any]], wanted: list[int], today: dt.date) -> None:
    counts = defaultdict(lambda: (0, 0)) | {
        row["priority"]: (row["open"], row["overdue"])
        for row in Action.objects.filter(priority__in=wanted, closed_on__isnull=True)
        .values("priority")
        .annotate(open=Count("pk"), overdue=Count("pk", filter=Q(due__lt=today)))
    }
    for pk in wanted:
        rows[pk]["actions_open"], rows[pk]["actions_overdue"] = counts[pk]


def _problems(rows: dict[int, dict[str, Any]], wanted: list[int]) -> None:
    settings = load_method_config().problems
    shown = [s for s in Severity if s.level >= settings.on_monthly_note_from.level]
    problems = (
        Problem.objects.filter(
            priority__in=wanted,
            severity__in=shown,
            status__in=[Problem.Status.SUGGESTED, Problem.Status.CONFIRMED],
        )
        .select_related("local_unit")
        .order_by("-severity", "local_unit__path")
    )
    for problem in problems:
        rows[problem.priority_id]["problems"].append(
            {
                "severity": problem.severity,
                "severity_label": settings.severity_labels.get(problem.severity, problem.severity),
                "status": settings.status_labels.get(problem.status, problem.status),
                "where": problem.local_unit.name,
                "sentence": problem.sentence,
            }
        )
    for pk in wanted:
        rows[pk]["problems"].sort(key=lambda p: -Severity(p["severity"]).level)
