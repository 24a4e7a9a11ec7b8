"""Strategy and course pages: thin views over `course`, `priorities.actions` and `core`; every
view starts with an access helper."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from deliverology.configuration import load_method_config
from deliverology.core.benchmarking import BenchmarkType
from deliverology.core.interventions import OverlapMethod
from deliverology.core.periods import Period
from deliverology.core.status import Direction
from deliverology.core.trajectories import TrajectoryError, TrajectoryMethod
from deliverology.reports.strategy_charts import course_chart_spec, prioritisation_chart_spec
from deliverology.web.accounts.access import (
    Access,
    Role,
    get_priority_for_planning,
    get_priority_for_user,
    may_plan,
    request_access,
    request_person,
    require_delivery_unit,
)
from deliverology.web.chart_cache import render_svg
from deliverology.web.priorities.actions import (
    APPROVER_ROLES,
    LockedError,
    figures_of,
    history_of,
    lock_target,
    revise_target,
    set_trajectory,
)
from deliverology.web.priorities.models import Priority, Proposal, Target, Trajectory
from deliverology.web.priorities.proposals import propose_revision, propose_trajectory
from deliverology.web.priorities.smart import (
    CRITERIA,
    benchmark_rates,
    check_of,
    explained,
    stored,
)
from deliverology.web.strategy.course import SHAPES, Choices, Course, course_for
from deliverology.web.strategy.forms import (
    AdoptForm,
    CourseForm,
    PriorityInterventionForm,
    ReviseForm,
    StopListItemForm,
)
from deliverology.web.strategy.models import (
    RATINGS,
    Intervention,
    StopListItem,
    rating_choices,
    rating_position,
)


@require_GET
@login_required
def strategy(request: HttpRequest, code: str) -> HttpResponse:
    priority = get_priority_for_user(request, code)
    access = request_access(request)
    interventions = list(
        Intervention.objects.filter(priority=priority)
        .select_related("owner")
        .prefetch_related("dependencies", "reach_units")
    )
    context = {
        "priority": priority,
        "interventions": interventions,
        "stop_list": list(StopListItem.objects.filter(priority=priority)),
        "chart": _prioritisation_chart(priority, interventions),
        "may_plan": may_plan(access, request.user, priority),
        "targets": _targets_for(access, priority),
    }
    return render(request, "strategy/strategy.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def intervention_new(request: HttpRequest, code: str) -> HttpResponse:
    priority = get_priority_for_planning(request, code)
    return _intervention_form(request, priority, Intervention(priority=priority))


@require_http_methods(["GET", "POST"])
@login_required
def intervention_edit(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    priority = get_priority_for_planning(request, code)
    intervention = get_object_or_404(Intervention, pk=pk, priority=priority)
    return _intervention_form(request, priority, intervention)


@require_http_methods(["GET", "POST"])
@login_required
def stop_list_new(request: HttpRequest, code: str) -> HttpResponse:
    priority = get_priority_for_planning(request, code)
    form = StopListItemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        item = form.save(commit=False)
        item.priority = priority
        item.save()
        return redirect("strategy", priority.code)
    status = 400 if request.method == "POST" else 200
    context = {"priority": priority, "form": form, "heading": _("Add to the stop list")}
    return render(request, "strategy/form.html", context, status=status)


@require_GET
@login_required
def course(request: HttpRequest, target_id: int) -> HttpResponse:
    target, access = _get_target_for_user(request, target_id)
    return _course_page(request, target, access, CourseForm(request.GET or None))


@require_POST
@login_required
def adopt(request: HttpRequest, target_id: int) -> HttpResponse:
    require_delivery_unit(request)
    target, access = _get_target_for_user(request, target_id)
    form = AdoptForm(request.POST)
    page = _compute_course(target, form)
    if not form.is_valid():
        return _course_page(request, target, access, form, adopt_form=form, status=400)
    try:
        _adopt(page, form.cleaned_data, by=request_person(request))
    except (LockedError, TrajectoryError) as error:
        form.add_error(None, str(error))
        return _course_page(request, target, access, form, adopt_form=form, status=400)
    return _back_to_course(target)


@require_POST
@login_required
def lock(request: HttpRequest, target_id: int) -> HttpResponse:
    require_delivery_unit(request)
    target, access = _get_target_for_user(request, target_id)
    try:
        lock_target(target, by=request_person(request))
    except LockedError as error:
        return _course_page(request, target, access, CourseForm(), problem=str(error), status=400)
    return redirect("course", target.pk)


@require_POST
@login_required
def revise(request: HttpRequest, target_id: int) -> HttpResponse:
    require_delivery_unit(request)
    target, access = _get_target_for_user(request, target_id)
    form = ReviseForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        changes = {name: data[name] for name in Target.LOCKED_FIELDS[3:]}
        by, reason = request_person(request), data["reason"]
        try:
            with transaction.atomic():
                if target.is_locked:
                    propose_revision(target, by=by, reason=reason, **changes)
                else:
                    revise_target(target, by=by, reason=reason, **changes)
        except LockedError as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                for message in messages:
                    form.add_error(name if name in form.fields else None, message)
        else:
            return _back_to_course(target)
        target.refresh_from_db()
    return _course_page(request, target, access, CourseForm(), revise_form=form, status=400)


def _get_target_for_user(request: HttpRequest, target_id: int) -> tuple[Target, Access]:
    """A target the person may see: any, or one at or above their own local units."""
    access = request_access(request)
    target = get_object_or_404(
        Target.objects.select_related("metric", "local_unit", "subgroup", "approved_by"),
        pk=target_id,
    )
    if not access.sees_everything and not any(
        root.is_within(target.local_unit) for root in access.roots
    ):
        raise Http404
    return target, access


def _targets_for(access: Access, priority: Priority) -> list[Target]:
    """The priority's targets the person may open, for the links to set their course."""
    targets = Target.objects.filter(metric_id=priority.goal_metric_id).select_related(
        "metric", "local_unit", "subgroup"
    )
    return [
        target
        for target in targets.order_by("local_unit__path", "subgroup__order")
        if access.sees_everything or any(r.is_within(target.local_unit) for r in access.roots)
    ]


def _back_to_course(target: Target) -> HttpResponse:
    """To the course page; to its proposals when the change awaits approval."""
    anchor = "#proposals" if target.is_locked else ""
    return redirect(reverse("course", args=[target.pk]) + anchor)


def _intervention_form(
    request: HttpRequest, priority: Priority, intervention: Intervention
) -> HttpResponse:
    form = PriorityInterventionForm(request.POST or None, instance=intervention)
    if request.method == "POST" and form.is_valid():
        form.save()
        return redirect("strategy", priority.code)
    status = 400 if request.method == "POST" else 200
    heading = _("Edit the intervention") if intervention.pk else _("Add an intervention")
    context = {"priority": priority, "form": form, "heading": heading}
    return render(request, "strategy/form.html", context, status=status)


def _prioritisation_chart(priority: Priority, interventions: list[Intervention]) -> str:
    points = [
        (each.title, rating_position(each.impact), rating_position(each.difficulty))
        for each in interventions
        if each.counts
    ]
    spec = prioritisation_chart_spec(
        points,
        scale_size=len(RATINGS),
        quadrants={
            "quick_wins": _("Quick wins"),
            "major_projects": _("Major projects"),
            "fill_ins": _("Fill-ins"),
            "reconsider": _("Reconsider"),
        },
        title=_("Impact and difficulty: %(priority)s") % {"priority": priority.title},
        rating_labels=[label for _value, label in rating_choices()],
        labels={
            "impact": _("Impact"),
            "difficulty": _("Difficulty"),
            "intervention": _("Intervention"),
        },
    )
    return render_svg(spec)


def _benchmark_label(kind: BenchmarkType) -> str:
    return {
        BenchmarkType.HISTORICAL: _("Historical: its own best run"),
        BenchmarkType.INTERNAL: _("Internal: the fastest local unit under it"),
        BenchmarkType.EXTERNAL: _("External: the fastest peer system"),
        BenchmarkType.INTERNATIONAL: _("International"),
    }[kind]


def _choices(form: CourseForm, benchmarks: dict[BenchmarkType, float], target: Target) -> Choices:
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    chosen = data.get("benchmark") or ""
    if not chosen and benchmarks:
        sign = -1 if target.metric.core_direction == Direction.LOWER_IS_BETTER else 1
        chosen = max(benchmarks, key=lambda kind: sign * benchmarks[kind])
    return Choices(
        benchmark=BenchmarkType(chosen) if chosen else None,
        shape=TrajectoryMethod(data.get("shape") or TrajectoryMethod.LINEAR),
        dip_depth=data.get("dip_depth") or 1.0,
        dip_periods=data.get("dip_periods") or 1,
        overlap=OverlapMethod(data["overlap"]) if data.get("overlap") else None,
    )


def _course_page(
    request: HttpRequest,
    target: Target,
    access: Access,
    form: CourseForm,
    *,
    adopt_form: AdoptForm | None = None,
    revise_form: ReviseForm | None = None,
    problem: str = "",
    status: int = 200,
) -> HttpResponse:
    result = _compute_course(target, form)
    if not form.is_bound and result.choices.benchmark is not None:
        form.initial["benchmark"] = result.choices.benchmark.value
    priority = _priority_of(target)
    smart = target.smart_check or stored(check_of(target))
    versions = list(
        target.trajectories.select_related("created_by", "approved_by")
        .prefetch_related("points")
        .order_by("version")
    )
    context = {
        "target": target,
        "metric": target.metric,
        "priority": priority,
        "course": result,
        "benchmark_label": _benchmark_label(result.choices.benchmark)
        if result.choices.benchmark
        else "",
        "form": form,
        "adopt_form": adopt_form or AdoptForm(),
        "revise_form": revise_form or _revise_form(target),
        "chart": _course_chart(result, figures_of(target)),
        "versions": versions,
        "versions_chart": _versions_chart(target, versions),
        "target_history": list(
            target.history.select_related("history_user", "approved_by").order_by("-history_date")
        ),
        "smart": smart,
        "reasons": explained(smart, target),
        "criteria": CRITERIA,
        "is_delivery_unit": access.role == Role.DELIVERY_UNIT,
        "proposals": list(
            target.proposals.select_related("proposed_by", "decided_by").order_by("-proposed_at")
        ),
        "pending": Proposal.Status.PENDING,
        "may_decide": access.role in APPROVER_ROLES,
        "problem": problem,
    }
    return render(request, "strategy/course.html", context, status=status)


def _compute_course(target: Target, form: CourseForm) -> Course:
    config = load_method_config()
    benchmarks = benchmark_rates(target)
    labels = dict(Trajectory.Method.choices)
    form.fields["benchmark"].choices = [  # type: ignore[attr-defined]
        ("", _("None")),
        *(
            (kind.value, f"{_benchmark_label(kind)}: {rate:+.3g}")
            for kind, rate in benchmarks.items()
        ),
    ]
    form.fields["shape"].choices = [(s.value, labels[s.value]) for s in SHAPES]  # type: ignore[attr-defined]
    priority = _priority_of(target)
    interventions = (
        list(Intervention.objects.filter(priority=priority).prefetch_related("reach_units"))
        if priority
        else []
    )
    for each in interventions:
        each.priority = priority  # type: ignore[assignment]
    return course_for(
        target,
        interventions,
        history_of(target),
        benchmarks,
        _choices(form, benchmarks, target),
        config.strategy,
        config.diagnostic.periods_back,
    )


def _revise_form(target: Target) -> ReviseForm:
    return ReviseForm(initial={name: getattr(target, name) for name in Target.LOCKED_FIELDS[3:]})


def _priority_of(target: Target) -> Priority | None:
    return Priority.objects.filter(goal_metric_id=target.metric_id).first()


def _adopt(course: Course, data: dict[str, Any], *, by: User) -> None:
    """Adopt the chosen way as a new trajectory version, or, for a locked target, propose it."""
    target = course.target
    method, options = _adoption(course, data["way"])
    if target.is_locked:
        propose_trajectory(target, method, by=by, reason=data["reason"], **options)
    else:
        set_trajectory(target, method, by=by, reason=data["reason"], **options)


def _adoption(course: Course, way: str) -> tuple[str, dict[str, Any]]:
    """The method and the options of the trajectory the chosen way gives."""
    if way == "benchmark":
        if course.benchmark_rate is None:
            raise TrajectoryError(_("Choose a benchmark rate first."))
        return TrajectoryMethod.BENCHMARK_RATE, {
            "assumptions": _("At the %(kind)s benchmark's rate.")
            % {"kind": course.choices.benchmark},
            "rate_per_period": course.benchmark_rate,
        }
    if way == "bottom_up":
        if course.band is None:
            raise TrajectoryError(course.problems.get("bottom_up", _("No bottom-up estimate.")))
        return Trajectory.Method.BOTTOM_UP, {
            "points": course.band,
            "assumptions": _("Bottom-up from %(n)d interventions; trend %(trend).3g per period.")
            % {
                "n": len(course.bottom_up.interventions) if course.bottom_up else 0,
                "trend": course.counterfactual_trend,
            },
            "overlap": str(course.overlap),
            "counterfactual_trend": course.counterfactual_trend,
            "draws": course.draws,
            "seed": course.seed,
        }
    return course.choices.shape, course.choices.shape_parameters()


def _chart_labels() -> dict[str, str]:
    return {
        "period": _("Period"),
        "value": _("Value"),
        "series": _("Trajectory"),
        "band": _("Uncertainty band"),
        "target": _("Target"),
    }


def _course_chart(course: Course, actual: list[tuple[Period, float]]) -> str:
    target = course.target
    lines: dict[str, list[tuple[Period, float]]] = {}
    if actual:
        lines[_("Actual")] = list(actual)
    ways = (
        (_("A: benchmark rate"), course.benchmark_way),
        (_("B: bottom-up"), course.bottom_up.points if course.bottom_up else None),
        (_("C: shaped curve"), course.shaped),
    )
    for name, points in ways:
        if points:
            lines[name] = [(p.period, p.expected) for p in points]
    if course.bottom_up:
        periods = [p.period for p in course.bottom_up.points]
        counterfactual = zip(periods, course.bottom_up.counterfactual, strict=True)
        lines[_("B: counterfactual")] = list(counterfactual)
    band = [
        (
            p.period.label,
            p.expected if p.lower is None else p.lower,
            p.expected if p.upper is None else p.upper,
        )
        for p in course.band or []
    ]
    spec = course_chart_spec(
        {name: [(p.label, v) for p, v in line] for name, line in lines.items()},
        periods=_in_order(lines.values()),
        band=band,
        target=(target.target_period, target.target_value),
        title=_("Three ways to the target: %(metric)s") % {"metric": target.metric.name},
        measure_unit=target.metric.measure_unit,
        labels=_chart_labels(),
    )
    return render_svg(spec)


def _in_order(lines: Any) -> list[str]:
    """Every period of the lines, as labels in time order."""
    return [period.label for period in sorted({p for line in lines for p, _v in line})]


def _versions_chart(target: Target, versions: list[Trajectory]) -> str:
    if not versions:
        return ""
    metric = target.metric
    lines = {
        _("Version %(n)d") % {"n": v.version}: [
            (metric.parse_period(p.period), p.expected) for p in v.points.all()
        ]
        for v in versions[-7:]
    }
    spec = course_chart_spec(
        {name: [(p.label, v) for p, v in sorted(line)] for name, line in lines.items()},
        periods=_in_order(lines.values()),
        target=(target.target_period, target.target_value),
        title=_("Every version of the trajectory"),
        measure_unit=target.metric.measure_unit,
        labels=_chart_labels(),
    )
    return render_svg(spec)
