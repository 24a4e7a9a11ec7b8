"""A stocktake's three documents: the pack, the pre-brief and the follow-up note.

`load_pack` fetches the figures (as the priority page does: `priorities.views.Lookup`, worst
local units first) and renders the charts; the builders below turn that plain data into each
document's context and do no I/O, so they are tested on their own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from deliverology.core.config import MethodConfig
from deliverology.core.plans import MilestoneStatus, is_overdue
from deliverology.core.routines import PriorityFacts, Question, questions_to_press
from deliverology.core.status import TrajectoryStatus
from deliverology.reports.numbers import measure
from deliverology.web.assessments.models import Assessment
from deliverology.web.chains.queries import weak_links
from deliverology.web.performance.models import LocalUnit, Subgroup
from deliverology.web.performance.series import load_series
from deliverology.web.plans.models import Milestone
from deliverology.web.priorities import charts
from deliverology.web.priorities.models import Priority
from deliverology.web.priorities.progress import Progress
from deliverology.web.priorities.views import Line, Lookup, _targets, _worst_first
from deliverology.web.routines.actions import carried_into, open_actions
from deliverology.web.routines.models import Action, Stocktake
from deliverology.web.subtargets.plans import agreed_sub_targets

WORST_LOCAL_UNITS = 5  # rows of the worst local units a pack shows per priority
MILESTONES_SHOWN = 8  # open milestones a pack shows per priority, overdue first


@dataclass(frozen=True)
class FigureLine:
    """One row of a pack's table, its figures already written as they are printed."""

    label: str
    period: str
    actual: str
    expected: str
    status: TrajectoryStatus


@dataclass(frozen=True)
class ActionLine:
    description: str
    owner: str
    due: date
    status: str
    overdue: bool


@dataclass(frozen=True)
class MilestoneLine:
    title: str
    owner: str
    due: date | None
    status: str
    overdue: bool


@dataclass(frozen=True)
class WeakLinkLine:
    """A weak link of the priority's delivery chain: its latest rating and its mitigation."""

    actor: str
    chain: str
    rating: str
    rated_on: date
    evidence: str
    mitigation: str


@dataclass(frozen=True)
class PrioritySection:
    title: str
    code: str
    goal: FigureLine
    chart: str
    progress_metrics: tuple[FigureLine, ...]
    worst_local_units: tuple[FigureLine, ...]
    open_actions: tuple[ActionLine, ...]
    assessment: str | None = None  # none until assessments are wired in
    milestones: tuple[MilestoneLine, ...] = ()
    open_milestones: int = 0
    weak_links: tuple[WeakLinkLine, ...] = ()


@dataclass(frozen=True)
class Pack:
    """Everything a stocktake's documents show, as plain data."""

    held_on: date
    chair: str
    attendees: tuple[str, ...]
    agenda: str
    issues_for_decision: str
    carried: tuple[ActionLine, ...]
    sections: tuple[PrioritySection, ...]
    decisions: tuple[str, ...] = ()
    raised: tuple[ActionLine, ...] = ()
    summary: str = ""
    published_on: date | None = None
    follow_up_due: date | None = None
    rubric: tuple[tuple[str, str, str], ...] = field(default=())  # category, rating, note


def figure_line(label: str, progress: Progress) -> FigureLine:
    unit = progress.metric.measure_unit
    latest = progress.latest
    if latest is None:
        return FigureLine(label, "–", "–", "–", TrajectoryStatus.NO_DATA)
    return FigureLine(
        label,
        latest.period.label,
        measure(latest.actual, unit),
        measure(latest.expected, unit),
        progress.status,
    )


def action_line(action: Action, config: MethodConfig, today: date) -> ActionLine:
    return ActionLine(
        description=action.description,
        owner=action.owner.get_full_name() or action.owner.get_username(),
        due=action.due,
        status=config.routines.action_statuses.get(action.status, action.status),
        overdue=action.closed_on is None and action.due < today,
    )


def pack_context(pack: Pack, config: MethodConfig) -> dict[str, Any]:
    """The pack: data against the trajectory, worst local units, open actions, the assessment
    and the issues for decision, after the actions carried forward."""
    return {
        "pack": pack,
        "status_labels": config.status_labels,
        "overdue_count": sum(line.overdue for line in pack.carried),
    }


def prebrief_context(pack: Pack, config: MethodConfig) -> dict[str, Any]:
    """The leader's pre-brief: per priority, the figures and the questions they press."""
    briefs = []
    for section in pack.sections:
        facts = priority_facts(section)
        briefs.append((section, questions_to_press(facts, config.routines.prompts)))
    return {
        "pack": pack,
        "briefs": briefs,
        "question_bank": config.routines.question_bank,
        "status_labels": config.status_labels,
    }


def priority_facts(section: PrioritySection) -> PriorityFacts:
    behind = [
        line.label
        for line in section.worst_local_units
        if line.status
        in (TrajectoryStatus.WELL_BELOW, TrajectoryStatus.BELOW, TrajectoryStatus.SLIGHTLY_BELOW)
    ]
    return PriorityFacts(
        title=section.title,
        status=section.goal.status,
        period=section.goal.period,
        actual=section.goal.actual,
        expected=section.goal.expected,
        worst_local_units=tuple(behind[:3]),
        overdue_actions=sum(line.overdue for line in section.open_actions),
    )


def follow_up_context(pack: Pack, config: MethodConfig) -> dict[str, Any]:
    return {
        "pack": pack,
        "rubric_labels": config.routines.rubric_labels,
        "rag4_labels": config.rag4_labels,
    }


def questions(pack: Pack, config: MethodConfig) -> list[list[Question]]:
    return [questions_to_press(priority_facts(s), config.routines.prompts) for s in pack.sections]


def load_pack(
    stocktake: Stocktake,
    config: MethodConfig,
    today: date,
    *,
    figures: bool = True,
    charts: bool = True,
) -> Pack:
    """The stocktake's figures, actions and decisions as plain data (a fixed number of queries
    per priority, however many actions); without `figures`, no priority sections (the
    follow-up note shows none)."""
    priorities = list(stocktake.priorities.select_related("goal_metric").order_by("order"))
    sections = tuple(_section(p, config, today, charts) for p in priorities) if figures else ()
    from deliverology.web.routines.actions import follow_up_due, raised_by_stocktake

    person = _name
    return Pack(
        held_on=stocktake.held_on,
        chair=person(stocktake.chair),
        attendees=tuple(person(a) for a in stocktake.attendees.order_by("last_name", "pk")),
        agenda=stocktake.agenda,
        issues_for_decision=stocktake.issues_for_decision,
        carried=tuple(action_line(a, config, today) for a in carried_into(stocktake)),
        sections=sections,
        decisions=tuple(d.text for d in stocktake.decisions.all()),
        raised=tuple(action_line(a, config, today) for a in raised_by_stocktake(stocktake)),
        summary=stocktake.follow_up_summary,
        published_on=stocktake.follow_up_published_on,
        follow_up_due=follow_up_due(stocktake),
        rubric=tuple(
            (r.category, r.rating, r.note) for r in stocktake.rubric_ratings.order_by("pk")
        ),
    )


def _name(user: Any) -> str:
    return str(user.get_full_name() or user.get_username())


def _section(
    priority: Priority, config: MethodConfig, today: date, with_chart: bool
) -> PrioritySection:
    root = LocalUnit.objects.roots().order_by("path").first()
    everyone = Subgroup.objects.filter(code=Subgroup.ALL).first()
    metric = priority.goal_metric
    progress_metrics = list(priority.progress_metrics.all())
    if root is None or everyone is None:
        empty = FigureLine(metric.name, "–", "–", "–", TrajectoryStatus.NO_DATA)
        return PrioritySection(priority.title, priority.code, empty, "", (), (), ())
    children = list(root.children.order_by("name"))
    lookup = Lookup(
        series=load_series(
            [metric, *progress_metrics], [root.pk, *(c.pk for c in children)], [everyone]
        ),
        targets=_targets([metric], [root, *children], [everyone]),
        agreed=agreed_sub_targets([metric], children, [everyone]),
        root=root,
        everyone=everyone,
    )
    main = lookup.progress(metric, root, everyone)
    worst, _sorted_by = _worst_first(
        [Line(c.name, lookup.progress(metric, c, everyone), unit=c) for c in children]
    )
    return PrioritySection(
        title=priority.title,
        code=priority.code,
        goal=figure_line(metric.name, main),
        chart=charts.trajectory(main, title=f"{metric.name}: {root.name}") if with_chart else "",
        progress_metrics=tuple(
            figure_line(m.name, lookup.progress(m, root, everyone)) for m in progress_metrics
        ),
        worst_local_units=tuple(
            figure_line(line.label, line.progress) for line in worst[:WORST_LOCAL_UNITS]
        ),
        open_actions=tuple(action_line(a, config, today) for a in open_actions(priority)),
        **_delivery(priority, config, today),
    )


def _assessment_line(priority: Priority, config: MethodConfig, today: date) -> str | None:
    """The likelihood of delivery from the priority's latest rated assessment up to `today`,
    with its round, whether it is final and its rationale; None when it has none."""
    latest = (
        Assessment.objects.filter(priority=priority, reporting_round__as_of__lte=today)
        .exclude(likelihood="")
        .select_related("reporting_round")
        .order_by("-reporting_round__as_of")
        .first()
    )
    if latest is None:
        return None
    rating = config.rag4_labels.get(latest.likelihood, latest.likelihood)
    state = _("final") if latest.status == Assessment.Status.FINAL else _("draft")
    line = _("Likelihood of delivery: %(rating)s (%(round)s, %(state)s).") % {
        "rating": rating,
        "round": latest.reporting_round.name,
        "state": state,
    }
    return f"{line} {latest.rationale}".strip()


def _delivery(priority: Priority, config: MethodConfig, today: date) -> dict[str, Any]:
    """The priority's open milestones (overdue first), the weak links of its delivery chains and
    its latest assessment: four queries."""
    milestones = [
        MilestoneLine(
            title=m.title,
            owner=(m.owner.get_full_name() or m.owner.get_username()) if m.owner else "",
            due=m.due,
            status=config.plans.milestone_status_labels.get(m.status, m.status),
            overdue=is_overdue(m.due, MilestoneStatus(m.status), today),
        )
        for m in Milestone.objects.filter(plan__priority=priority)
        .exclude(status=MilestoneStatus.DONE)
        .select_related("owner")
    ]
    milestones.sort(key=lambda m: (not m.overdue, m.due is None, m.due or today, m.title))
    links = tuple(
        WeakLinkLine(
            actor=weak.link.actor,
            chain=weak.chain.title,
            rating=config.rag4_labels.get(weak.latest.rating, weak.latest.rating),
            rated_on=weak.latest.rated_on,
            evidence=weak.latest.evidence,
            mitigation=weak.link.mitigation,
        )
        for weak in weak_links(priority)
    )
    return {
        "assessment": _assessment_line(priority, config, today),
        "milestones": tuple(milestones[:MILESTONES_SHOWN]),
        "open_milestones": len(milestones),
        "weak_links": links,
    }


def rubric_rows(
    pack: Pack, labels: Mapping[str, str], ratings: Mapping[str, str]
) -> Sequence[tuple[str, str, str]]:
    return [(labels.get(c, c), ratings.get(r, r), note) for c, r, note in pack.rubric]
