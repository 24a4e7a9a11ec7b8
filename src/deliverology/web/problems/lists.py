"""The problems a person may see, as the register, the priority page and the dashboard list
them: a fixed number of queries, however many problems there are."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When

from deliverology.configuration import load_method_config
from deliverology.core.problems import Severity
from deliverology.web.accounts.access import Access
from deliverology.web.performance.models import LocalUnit
from deliverology.web.priorities.models import Priority
from deliverology.web.problems.models import OPEN_STATUSES, Problem


def visible_problems(access: Access) -> QuerySet[Problem]:
    """Every problem at a local unit the person may see, worst first."""
    problems = Problem.objects.select_related("priority", "metric", "local_unit", "subgroup")
    if not access.sees_everything:
        within = Q()
        for root in access.roots:
            within |= Q(local_unit__path__startswith=root.path)
        problems = problems.filter(within)
    return with_level(problems).order_by(
        "-ladder", "priority__order", "local_unit__depth", "local_unit__name", "pk"
    )


def with_level(problems: QuerySet[Problem]) -> QuerySet[Problem]:
    """The severity's place on the ladder, so the database can sort worst first."""
    return problems.annotate(
        ladder=Case(
            *(When(severity=s.value, then=Value(s.level)) for s in Severity),
            output_field=IntegerField(),
        )
    )


def open_only(problems: QuerySet[Problem]) -> QuerySet[Problem]:
    return problems.filter(status__in=[s.value for s in OPEN_STATUSES])


def open_problems_at(priority: Priority, local_unit: LocalUnit) -> list[Problem]:
    """The open problems of a priority at one local unit, worst first (one query)."""
    problems = Problem.objects.filter(priority=priority, local_unit=local_unit)
    return list(
        with_level(open_only(problems))
        .select_related("metric", "subgroup")
        .order_by("-ladder", "metric__name", "subgroup__order", "pk")
    )


@dataclass(frozen=True)
class SeverityCount:
    severity: str
    label: str
    suggested: int
    confirmed: int


def severity_counts(access: Access) -> list[SeverityCount]:
    """Open problems the person may see, by severity, worst first (one query)."""
    labels = load_method_config().problems.severity_labels
    rows = (
        open_only(visible_problems(access).order_by())
        .values("severity", "status")
        .annotate(count=Count("pk"))
    )
    counts = {(row["severity"], row["status"]): row["count"] for row in rows}
    return [
        SeverityCount(
            s.value,
            labels[s.value],
            counts.get((s.value, Problem.Status.SUGGESTED), 0),
            counts.get((s.value, Problem.Status.CONFIRMED), 0),
        )
        for s in reversed(Severity)
    ]
