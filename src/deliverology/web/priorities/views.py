"""Thin views: fetch with the access helpers, compute with `progress` and `core`, render."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_POST

from deliverology.configuration import load_method_config
from deliverology.core.periods import Period
from deliverology.core.status import Direction, TrajectoryStatus
from deliverology.web.accounts.access import (
    find_units_for_user,
    get_priority_for_user,
    get_unit_for_user,
    request_access,
    request_person,
    require_approver,
)
from deliverology.web.performance.models import LocalUnit, Metric, Subgroup
from deliverology.web.performance.series import Series, load_series
from deliverology.web.priorities import charts
from deliverology.web.priorities.actions import may_approve
from deliverology.web.priorities.clock import today
from deliverology.web.priorities.forms import DecisionForm
from deliverology.web.priorities.models import Priority, Proposal, Target
from deliverology.web.priorities.progress import (
    Plan,
    Progress,
    TrajectorySource,
    plan_for,
    progress_of,
)
from deliverology.web.priorities.proposals import (
    ProposalError,
    approve,
    awaiting,
    is_stale,
    reject,
)
from deliverology.web.priorities.proposals import withdraw as withdraw_proposal
from deliverology.web.problems.lists import open_problems_at, severity_counts
from deliverology.web.problems.momentum import met_early
from deliverology.web.subtargets.plans import agreed_sub_targets

TargetKey = tuple[int, int, int]  # metric, local unit, subgroup


@dataclass(frozen=True)
class Card:
    priority: Priority
    progress: Progress
    sparkline: str


@dataclass(frozen=True)
class Line:
    """One row of a breakdown table: a child unit, a subgroup or a progress metric."""

    label: str
    progress: Progress
    unit: LocalUnit | None = None
    subgroup: Subgroup | None = None


@require_GET
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    access = request_access(request)
    home = access.home_unit
    everyone = Subgroup.objects.filter(code=Subgroup.ALL).first()
    priorities = list(
        Priority.objects.filter(status=Priority.Status.ACTIVE).select_related("goal_metric")
    )
    cards: list[Card] = []
    not_measured: list[Priority] = []
    if everyone is not None and priorities:
        metrics = [p.goal_metric for p in priorities]
        root = _root_of(home)
        lookup = Lookup(
            series=load_series(metrics, list({home.pk, root.pk}), [everyone]),
            targets=_targets(metrics, [home, root], [everyone]),
            agreed=agreed_sub_targets(metrics, [home], [everyone]),
            root=root,
            everyone=everyone,
        )
        for priority in priorities:
            progress = lookup.progress(priority.goal_metric, home, everyone)
            if not progress.rows and not priority.goal_metric.applies_to(home.type, home.category):
                not_measured.append(priority)  # a grade 3 measure for a high school
                continue
            cards.append(Card(priority, progress, charts.sparkline(progress)))
    return render(
        request,
        "priorities/dashboard.html",
        {
            "cards": cards,
            "not_measured": not_measured,
            "unit": home,
            "access": access,
            "statuses": TrajectoryStatus,
            "problem_counts": severity_counts(access),
        },
    )


@require_GET
@login_required
def priority_detail(request: HttpRequest, code: str, unit_code: str | None = None) -> HttpResponse:
    priority = get_priority_for_user(request, code)
    unit = get_unit_for_user(request, unit_code)
    access = request_access(request)
    subgroups = list(Subgroup.objects.all())
    everyone = next((s for s in subgroups if s.code == Subgroup.ALL), None)
    subgroup = _chosen_subgroup(request, subgroups, everyone)
    if everyone is None or subgroup is None:
        raise Http404
    metric = priority.goal_metric
    children = list(unit.children.all().order_by("name"))
    progress_metrics = list(priority.progress_metrics.all())
    ancestors = unit.ancestors()
    root = ancestors[0] if ancestors else unit
    lookup = Lookup(
        series=load_series(
            [metric, *progress_metrics],
            list({root.pk, unit.pk, *(c.pk for c in children)}),
            subgroups,
        ),
        targets=_targets([metric], [root, unit, *children], subgroups),
        agreed=agreed_sub_targets([metric], [unit, *children], subgroups),
        root=root,
        everyone=everyone,
    )
    progress = lookup.progress

    main = progress(metric, unit, subgroup)
    measured, not_measured = _measured(metric, children, lookup.series)
    ordered, sorted_by = _worst_first(
        [Line(c.name, progress(metric, c, subgroup), unit=c) for c in measured]
    )
    context = {
        "priority": priority,
        "unit": unit,
        "subgroup": subgroup,
        "subgroups": subgroups,
        "main": main,
        "chart": charts.trajectory(main, title=f"{metric.name}: {unit.name}"),
        "ancestors": [a for a in ancestors if access.can_see_unit(a)],
        "children": ordered,
        "children_sorted_by": sorted_by,
        "not_measured": not_measured,
        "by_subgroup": [Line(s.name, progress(metric, unit, s), subgroup=s) for s in subgroups],
        "progress_metrics": [Line(m.name, progress(m, unit, subgroup)) for m in progress_metrics],
        "statuses": TrajectoryStatus,
        "problems": open_problems_at(priority, unit),
        "raise_the_bar": _raise_the_bar(
            main, lookup.targets.get((metric.pk, unit.pk, subgroup.pk))
        ),
    }
    return render(request, "priorities/priority.html", context)


def _raise_the_bar(main: Progress, own: Target | None) -> Target | None:
    """The unit's own target when its latest figure meets it early: time to set a new one."""
    if own is None or main.trajectory_source != TrajectorySource.OWN or not met_early(main):
        return None
    return own


@require_GET
@login_required
def approvals(request: HttpRequest) -> HttpResponse:
    """What awaits this person's decision, their own proposals, and what was decided lately."""
    require_approver(request)
    return _approvals_page(request)


@require_POST
@login_required
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve or reject a proposed change, in the approver's own session."""
    require_approver(request)
    proposal = get_object_or_404(Proposal, pk=pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        by = request_person(request)
        comment = form.cleaned_data["comment"]
        try:
            if form.cleaned_data["decision"] == "approve":
                approve(proposal, by=by, comment=comment)
            else:
                reject(proposal, by=by, comment=comment)
        except ProposalError as error:
            return _approvals_page(request, problem=str(error), status=400)
        return redirect("approvals")
    return _approvals_page(request, problem=_("Choose approve or reject."), status=400)


@require_POST
@login_required
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """The proposer withdraws their own pending proposal."""
    by = request_person(request)
    proposal = get_object_or_404(Proposal, pk=pk)
    try:
        withdraw_proposal(proposal, by=by, comment=request.POST.get("comment", "")[:1000])
    except ProposalError as error:
        if proposal.proposed_by_id != by.pk:
            raise PermissionDenied(str(error)) from error
        return _approvals_page(request, problem=str(error), status=400)
    if may_approve(by):
        return redirect("approvals")
    return redirect("course", proposal.target_id)


def _approvals_page(request: HttpRequest, *, problem: str = "", status: int = 200) -> HttpResponse:
    user = request_person(request)
    waiting = list(_with_targets(awaiting(user)))
    context = {
        "waiting": [(proposal, is_stale(proposal)) for proposal in waiting],
        "mine": list(
            _with_targets(Proposal.objects.filter(status=Proposal.Status.PENDING, proposed_by=user))
        ),
        "decided": list(
            _with_targets(
                Proposal.objects.exclude(status=Proposal.Status.PENDING).order_by("-decided_at")
            )[:20]
        ),
        "problem": problem,
        "form": DecisionForm(),
    }
    return render(request, "priorities/approvals.html", context, status=status)


def _with_targets(proposals: QuerySet[Proposal]) -> QuerySet[Proposal]:
    return proposals.select_related(
        "target__metric",
        "target__local_unit",
        "target__subgroup",
        "proposed_by",
        "decided_by",
    ).prefetch_related("target__trajectories")


@require_GET
@cache_control(max_age=3600)
def method_css(request: HttpRequest) -> HttpResponse:
    """The method's status colours as CSS classes, so that pages need no inline styles (the
    Content Security Policy allows none); the colours are checked as #rrggbb when loaded."""
    rules = [
        f".status-{status} {{ --status-colour: {colour}; }}"
        for status, colour in load_method_config().status_colours.items()
    ]
    return HttpResponse("\n".join(rules) + "\n", content_type="text/css; charset=utf-8")


@require_GET
@login_required
def unit_search(request: HttpRequest) -> HttpResponse:
    """Local units the person may see, by name or code, each with a link to every priority."""
    words = request.GET.get("q", "")[:100]
    units = find_units_for_user(request, words)
    priorities = list(Priority.objects.filter(status=Priority.Status.ACTIVE).order_by("order"))
    return render(
        request,
        "priorities/search.html",
        {"words": words, "units": units, "priorities": priorities},
    )


def _measured(
    metric: Metric, children: list[LocalUnit], series: Series
) -> tuple[list[LocalUnit], list[LocalUnit]]:
    """The children the metric applies to, and those it does not: a child with no figure at all
    is left out when no local unit of its type and category has ever had one (a query per such
    kind, none when every child has figures)."""
    with_figures = {
        unit_id
        for (metric_id, unit_id, _), found in series.items()
        if found and metric_id == metric.pk
    }
    kinds = {(c.type, c.category) for c in children if c.pk in with_figures}
    doubtful = {(c.type, c.category) for c in children if c.pk not in with_figures} - kinds
    outside = {kind for kind in doubtful if not metric.applies_to(*kind)}
    measured = [c for c in children if (c.type, c.category) not in outside]
    return measured, [c for c in children if (c.type, c.category) in outside]


def _chosen_subgroup(
    request: HttpRequest, subgroups: list[Subgroup], everyone: Subgroup | None
) -> Subgroup | None:
    code = request.GET.get("subgroup")
    if not code:
        return everyone
    for subgroup in subgroups:
        if subgroup.code == code:
            return subgroup
    raise Http404


def _root_of(unit: LocalUnit) -> LocalUnit:
    if unit.parent_id is None:
        return unit
    root_code = unit.path.strip("/").split("/")[0]
    return LocalUnit.objects.get(code=root_code)


def _targets(
    metrics: list[Metric], units: list[LocalUnit], subgroups: list[Subgroup]
) -> dict[TargetKey, Target]:
    queryset = Target.objects.filter(
        metric__in=metrics, local_unit__in=units, subgroup__in=subgroups
    ).prefetch_related("trajectories__points")
    return {(t.metric_id, t.local_unit_id, t.subgroup_id): t for t in queryset}


@dataclass(frozen=True)
class Lookup:
    """Everything fetched for one page, so that each figure costs no further query."""

    series: Series
    targets: dict[TargetKey, Target]
    agreed: dict[TargetKey, Plan]
    root: LocalUnit
    everyone: Subgroup

    def progress(self, metric: Metric, unit: LocalUnit, subgroup: Subgroup) -> Progress:
        figures = self.series.get((metric.pk, unit.pk, subgroup.pk), {})
        own = self.targets.get((metric.pk, unit.pk, subgroup.pk))
        system = self.targets.get((metric.pk, self.root.pk, subgroup.pk)) or self.targets.get(
            (metric.pk, self.root.pk, self.everyone.pk)
        )
        for target in (own, system):
            if target is not None:
                target.metric = metric  # saves a query per target
        agreed = self.agreed.get((metric.pk, unit.pk, subgroup.pk))
        plan = plan_for(metric, figures, own, system, agreed)
        return progress_of(
            metric, figures, plan, load_method_config(), today(), self.system_latest(metric)
        )

    def system_latest(self, metric: Metric) -> Period | None:
        """The system's latest period with a figure for the metric (all students)."""
        figures = self.series.get((metric.pk, self.root.pk, self.everyone.pk), {})
        known = [metric.parse_period(label) for label, f in figures.items() if f.value is not None]
        return max(known, default=None)


_SEVERITY = {
    TrajectoryStatus.WELL_BELOW: 0,
    TrajectoryStatus.BELOW: 1,
    TrajectoryStatus.SLIGHTLY_BELOW: 2,
    TrajectoryStatus.ON_OR_ABOVE: 3,
    TrajectoryStatus.NO_DATA: 4,
}


class SortedBy:
    """What a "worst first" table is ordered by, said above it."""

    GAP = "gap"  # status, then the gap to the trajectory or sub-target as a share
    VALUE = "value"  # no trajectory to compare with: the latest value, worst first


def _worst_first(lines: list[Line]) -> tuple[list[Line], str]:
    """The lines worst first, and by what: the gap to the trajectory when any line has one, else
    the latest value in the metric's direction; lines with no figure last, never alphabetical."""
    if any(line.progress.status is not TrajectoryStatus.NO_DATA for line in lines):
        return sorted(lines, key=_by_gap), SortedBy.GAP
    return sorted(lines, key=_by_value), SortedBy.VALUE


def _by_gap(line: Line) -> tuple[int, float, str]:
    latest = line.progress.latest
    ratio = latest.assessment.gap_ratio if latest else None
    return (_SEVERITY[line.progress.status], ratio if ratio is not None else 0.0, line.label)


def _by_value(line: Line) -> tuple[bool, float, str]:
    latest = line.progress.latest
    if latest is None or latest.actual is None:
        return (True, 0.0, line.label)
    worse_is_lower = line.progress.metric.core_direction is Direction.HIGHER_IS_BETTER
    return (False, latest.actual if worse_is_lower else -latest.actual, line.label)
