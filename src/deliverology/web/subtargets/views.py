"""Sub-target pages: thin views over `actions` and `spreadsheets`, every one through the access
helpers first."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Choices, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from deliverology.core.allocation import AllocationMethod
from deliverology.core.status import Direction
from deliverology.web.accounts.access import Access, Role, request_access, require_delivery_unit
from deliverology.web.performance.models import LocalUnit, Metric
from deliverology.web.priorities.models import Target
from deliverology.web.subtargets import actions, spreadsheets
from deliverology.web.subtargets.actions import SubTargetError
from deliverology.web.subtargets.forms import BuildForm, SpreadsheetForm, TableForm, ValueForm
from deliverology.web.subtargets.models import NegotiationStep, SubTarget, SubTargetSet

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@require_GET
@login_required
def target_list(request: HttpRequest) -> HttpResponse:
    access = request_access(request)
    targets = Target.objects.select_related(
        "metric", "local_unit", "subgroup", "sub_target_set"
    ).order_by("metric__name", "local_unit__path")
    if not access.sees_everything:
        targets = targets.filter(_above_any(access))
    return render(request, "subtargets/targets.html", {"targets": targets, "access": access})


@require_GET
@login_required
def sub_targets(request: HttpRequest, target_id: int) -> HttpResponse:
    target, access = _get_target_for_user(request, target_id)
    return _page(request, target, access)


@require_POST
@login_required
def build(request: HttpRequest, target_id: int) -> HttpResponse:
    require_delivery_unit(request)
    target, access = _get_target_for_user(request, target_id)
    form = BuildForm(request.POST, levels=actions.levels_under(target))
    if not form.is_valid():
        return _page(request, target, access, build_form=form, status=400)
    try:
        actions.build_sub_targets(
            target,
            level=form.cleaned_data["level"],
            subgroups=list(form.cleaned_data["subgroups"]),
            method=AllocationMethod(form.cleaned_data["method"]),
            by=_user(request),
            **form.parameters(),
        )
    except SubTargetError as error:
        form.add_error(None, str(error))
        return _page(request, target, access, build_form=form, status=400)
    return redirect("sub_targets", target.pk)


@require_POST
@login_required
def stretch(request: HttpRequest, target_id: int) -> HttpResponse:
    return _on_set(request, target_id, actions.stretch)


@require_POST
@login_required
def agree(request: HttpRequest, target_id: int) -> HttpResponse:
    return _on_set(request, target_id, actions.agree)


@require_POST
@login_required
def propose(request: HttpRequest, pk: int) -> HttpResponse:
    sub_target = _get_sub_target_for_user(request, pk, may_change=_proposes)
    return _change(request, sub_target, actions.propose)


@require_POST
@login_required
def adjust(request: HttpRequest, pk: int) -> HttpResponse:
    require_delivery_unit(request)
    sub_target = _get_sub_target_for_user(request, pk, may_change=_adjusts)
    return _change(request, sub_target, actions.adjust)


@require_POST
@login_required
def reshape(request: HttpRequest, target_id: int) -> HttpResponse:
    return _on_set(request, target_id, actions.reshape)


@require_GET
@login_required
def export(request: HttpRequest, target_id: int) -> HttpResponse:
    target, access = _get_target_for_user(request, target_id)
    if not access.sees_everything:
        raise PermissionDenied(_("The spreadsheet holds every local unit's sub-target."))
    content = spreadsheets.export_workbook(target)
    name = slugify(f"{target.metric.code}-{target.local_unit.code}-{target.target_period}")
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


@require_http_methods(["GET", "POST"])
@login_required
def import_spreadsheet(request: HttpRequest, target_id: int) -> HttpResponse:
    require_delivery_unit(request)
    target, _access = _get_target_for_user(request, target_id)
    form = SpreadsheetForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            spreadsheets.import_workbook(target, upload, file_name=upload.name, by=_user(request))
        except spreadsheets.SpreadsheetError as error:
            problems = error.problems
        else:
            return redirect("sub_targets", target.pk)
    status = 400 if request.method == "POST" else 200
    context = {"target": target, "form": form, "problems": problems}
    return render(request, "subtargets/import.html", context, status=status)


def _get_target_for_user(request: HttpRequest, target_id: int) -> tuple[Target, Access]:
    """A target whose sub-targets the person may see: any, or one above their own units."""
    access = request_access(request)
    target = get_object_or_404(
        Target.objects.select_related("metric", "local_unit", "subgroup"), pk=target_id
    )
    if not access.sees_everything and not any(
        root.is_within(target.local_unit) or target.local_unit.is_within(root)
        for root in access.roots
    ):
        raise Http404
    return target, access


def _get_sub_target_for_user(request: HttpRequest, pk: int, *, may_change: Any) -> SubTarget:
    access = request_access(request)
    sub_target = get_object_or_404(
        SubTarget.objects.select_related(
            "local_unit",
            "subgroup",
            "sub_target_set__target__metric",
            "sub_target_set__target__local_unit",
        ),
        pk=pk,
    )
    if not (access.sees_everything or access.can_see_unit(sub_target.local_unit)):
        raise Http404
    if not may_change(access):
        raise PermissionDenied(_("You may not change this sub-target."))
    return sub_target


def _proposes(access: Access) -> bool:
    return access.role in (Role.LOCAL_UNIT_USER, Role.DELIVERY_UNIT)


def _adjusts(access: Access) -> bool:
    return access.role == Role.DELIVERY_UNIT


def _above_any(access: Access) -> Q:
    """Targets for a unit at or above one of the person's own units."""
    condition = Q(pk__in=[])
    for root in access.roots:
        ancestors = [code for code in root.path.strip("/").split("/")]
        condition |= Q(local_unit__code__in=ancestors)
    return condition


def _on_set(request: HttpRequest, target_id: int, action: Any) -> HttpResponse:
    require_delivery_unit(request)
    target, access = _get_target_for_user(request, target_id)
    sub_target_set = get_object_or_404(SubTargetSet, target=target)
    sub_target_set.target = target
    try:
        action(sub_target_set, by=_user(request))
    except SubTargetError as error:
        return _page(request, target, access, problem=str(error), status=400)
    return redirect("sub_targets", target.pk)


def _change(request: HttpRequest, sub_target: SubTarget, action: Any) -> HttpResponse:
    target = sub_target.sub_target_set.target
    form = ValueForm(request.POST)
    problem = ""
    if form.is_valid():
        try:
            action(
                sub_target,
                form.cleaned_data["value"],
                by=_user(request),
                note=form.cleaned_data["note"],
            )
        except SubTargetError as error:
            problem = str(error)
        else:
            return redirect("sub_targets", target.pk)
    else:
        problem = "; ".join(str(e) for errors in form.errors.values() for e in errors)
    message = _("%(unit)s: %(problem)s") % {"unit": sub_target.label, "problem": problem}
    return _page(request, target, request_access(request), problem=message, status=400)


def _page(
    request: HttpRequest,
    target: Target,
    access: Access,
    *,
    build_form: BuildForm | None = None,
    problem: str = "",
    status: int = 200,
) -> HttpResponse:
    sub_target_set = SubTargetSet.objects.filter(target=target).select_related("agreed_by").first()
    context: dict[str, Any] = {
        "target": target,
        "metric": target.metric,
        "access": access,
        "is_delivery_unit": access.role == Role.DELIVERY_UNIT,
        "proposes": access.role == Role.LOCAL_UNIT_USER,
        "set": sub_target_set,
        "problem": problem,
        "build_form": build_form or BuildForm(levels=actions.levels_under(target)),
    }
    if sub_target_set is not None:
        sub_target_set.target = target
        context.update(_set_context(request, sub_target_set, access))
    return render(request, "subtargets/sub_targets.html", context, status=status)


_SORT_KEYS: dict[str, Any] = {
    "baseline": lambda each: each.baseline_value,
    "denominator": lambda each: each.baseline_denominator,
    "value": lambda each: each.value,
    "improvement": lambda each: abs(each.value - each.baseline_value),
    "status": lambda each: each.status,
}


def _table(
    request: HttpRequest, rows: list[SubTarget], sub_target_set: SubTargetSet
) -> dict[str, Any]:
    """The rows filtered, sorted and grouped as the query string asks (see TableForm)."""
    by_subgroup = sub_target_set.breakdown == SubTargetSet.Breakdown.SUBGROUPS
    area_of = {} if by_subgroup else _areas(rows)
    names = sorted({(code, name) for code, name in area_of.values()}, key=lambda a: a[1])
    form = TableForm(request.GET or None, areas=names)
    chosen = form.cleaned_data if form.is_valid() else {}
    words = (chosen.get("q") or "").strip().lower()

    def who(each: SubTarget) -> Any:
        return each.subgroup if by_subgroup else each.local_unit

    if words:
        rows = [e for e in rows if words in who(e).name.lower() or words == who(e).code.lower()]
    if chosen.get("area"):
        rows = [e for e in rows if area_of.get(e.pk, ("", ""))[0] == chosen["area"]]
    key = _SORT_KEYS.get(chosen.get("sort") or "name", lambda each: who(each).name)
    rows = sorted(rows, key=key, reverse=bool(chosen.get("descending")))
    groups: list[tuple[str, list[SubTarget]]] = [("", rows)]
    if chosen.get("group") and area_of:
        grouped: dict[str, list[SubTarget]] = {}
        for each in rows:
            grouped.setdefault(area_of.get(each.pk, ("", ""))[1], []).append(each)
        groups = sorted(grouped.items())
    return {"rows": rows, "groups": groups, "table_form": form}


def _areas(rows: list[SubTarget]) -> dict[int, tuple[str, str]]:
    """Each row's area: its local unit's ancestor just under the system (a region), one query."""
    codes = {each.pk: each.local_unit.path.strip("/").split("/") for each in rows}
    wanted = {parts[1] for parts in codes.values() if len(parts) > 2}
    names = dict(LocalUnit.objects.filter(code__in=wanted).values_list("code", "name"))
    return {
        pk: (parts[1], names[parts[1]])
        for pk, parts in codes.items()
        if parts[1:2] and parts[1] in names and len(parts) > 2
    }


def _at_bound(metric: Metric, sub_targets: list[SubTarget]) -> tuple[float, list[SubTarget]]:
    """The best value the measure allows and the sub-targets held there (100% for a rate)."""
    bounds = metric.bounds
    best = bounds.low if metric.core_direction is Direction.LOWER_IS_BETTER else bounds.high
    if best is None:
        return (0.0, [])
    return (best, [each for each in sub_targets if each.value == best])


def _set_context(
    request: HttpRequest, sub_target_set: SubTargetSet, access: Access
) -> dict[str, Any]:
    every = list(sub_target_set.sub_targets.select_related("local_unit", "subgroup"))
    visible = [each for each in every if access.sees_everything or _owns(access, each)]
    context: dict[str, Any] = {
        **_table(request, visible, sub_target_set),
        "steps": _steps_of(sub_target_set),
        # Looked up once for the page: a row's get_*_display() rebuilds and translates them.
        "status_labels": _labels(SubTarget.Status),
        "step_labels": _labels(NegotiationStep.Kind),
        "by_subgroup": sub_target_set.breakdown == SubTargetSet.Breakdown.SUBGROUPS,
        "needs_reshaping": actions.needs_reshaping(sub_target_set),
        "at_bound": _at_bound(sub_target_set.target.metric, every),
    }
    if access.sees_everything and every:
        check = actions.check_of(sub_target_set, every)
        context["check"] = check
        context["baseline_implied"] = sum(
            each.baseline_value * each.baseline_denominator for each in every
        ) / sum(each.baseline_denominator for each in every)
        context["people_total"] = sum(each.baseline_denominator for each in every)
        if check.is_short and not sub_target_set.is_agreed:
            try:
                context["stretch"] = actions.stretch_of(sub_target_set, every)
            except SubTargetError as error:
                context["stretch_problem"] = str(error)
    return context


@dataclass(frozen=True)
class StepLine:
    """A negotiation step as its sub-target's row shows it (no model per step: a set has
    several steps for each of its hundreds of sub-targets)."""

    kind: str
    value: float
    by: str | None  # the username, None for the system
    at: datetime
    note: str


def _steps_of(sub_target_set: SubTargetSet) -> dict[int, list[StepLine]]:
    """Every sub-target's steps in order, by sub-target id: one query."""
    steps: dict[int, list[StepLine]] = defaultdict(list)
    found = NegotiationStep.objects.filter(sub_target__sub_target_set=sub_target_set).values_list(
        "sub_target_id", "kind", "value", "by__username", "at", "note"
    )
    for sub_target_id, kind, value, by, at, note in found:
        steps[sub_target_id].append(StepLine(kind, value, by, at, note))
    return steps


def _labels(choices: type[Choices]) -> dict[str, str]:
    return {value: str(label) for value, label in choices.choices}


def _owns(access: Access, sub_target: SubTarget) -> bool:
    return access.can_see_unit(sub_target.local_unit)


def _user(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None
