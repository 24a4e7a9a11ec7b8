"""Delivery plan pages: thin views over `plans.actions` and `core.plans`; every view starts
with an access helper (`accounts.access`)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.forms import ModelForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from deliverology.configuration import load_method_config
from deliverology.core.plans import MilestoneStatus, heat_map, risk_band
from deliverology.reports.charts import render_svg
from deliverology.reports.plan_charts import (
    MILESTONE_COLOURS,
    HeatCell,
    TimelineMilestone,
    milestone_timeline_spec,
    risk_heat_map_spec,
)
from deliverology.web.accounts.access import (
    can_edit_plan,
    get_priority_for_planning,
    get_priority_for_user,
    may_plan,
    request_access,
    request_person,
)
from deliverology.web.chains.models import DeliveryChain
from deliverology.web.plans import actions, spreadsheets
from deliverology.web.plans.forms import (
    AccountabilityForm,
    DeliveryPlanForm,
    ImportForm,
    MilestoneForm,
    MilestoneStatusForm,
    RiskForm,
    StakeholderForm,
)
from deliverology.web.plans.models import (
    Accountability,
    DeliveryPlan,
    Milestone,
    Risk,
    Stakeholder,
)
from deliverology.web.priorities.clock import today

# The lists of a plan edited one item at a time: the model, its form and the page's heading.
ITEMS: dict[str, tuple[type[Model], type[ModelForm[Any]], str]] = {
    "milestone": (Milestone, MilestoneForm, "milestones"),
    "raci": (Accountability, AccountabilityForm, "accountability"),
    "stakeholder": (Stakeholder, StakeholderForm, "stakeholders"),
    "risk": (Risk, RiskForm, "risks"),
}


@require_GET
@login_required
def priority_plan(request: HttpRequest, code: str) -> HttpResponse:
    """The plan of the whole priority; a page offering to start one if there is none."""
    priority = get_priority_for_user(request, code)
    plan = actions.priority_plan(priority)
    if plan is not None:
        return _plan_page(request, plan)
    access = request_access(request)
    context = {
        "priority": priority,
        "may_start": may_plan(access, request.user, priority),
        "others": list(priority.plans.select_related("intervention")),
    }
    return render(request, "plans/no_plan.html", context)


@require_GET
@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan_for_user(request, pk)
    return _plan_page(request, plan)


@require_http_methods(["GET", "POST"])
@login_required
def plan_new(request: HttpRequest, code: str) -> HttpResponse:
    """The delivery unit and the priority's owner start a plan, for the priority or one of its
    interventions."""
    priority = get_priority_for_planning(request, code)
    plan = DeliveryPlan(priority=priority, owner=priority.owner)
    return _plan_form(request, plan, _("Start a delivery plan"))


@require_http_methods(["GET", "POST"])
@login_required
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan_for_editing(request, pk)
    return _plan_form(request, plan, _("Edit the delivery plan"))


@require_http_methods(["GET", "POST"])
@login_required
def item_new(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    plan = _plan_for_editing(request, pk)
    model, _form, _section = _item_kind(kind)
    return _item_form(request, plan, kind, model(plan=plan))


@require_http_methods(["GET", "POST"])
@login_required
def item_edit(request: HttpRequest, pk: int, kind: str, item: int) -> HttpResponse:
    plan = _plan_for_editing(request, pk)
    model, _form, _section = _item_kind(kind)
    instance = get_object_or_404(model, pk=item, plan=plan)
    return _item_form(request, plan, kind, instance)


@require_http_methods(["GET", "POST"])
@login_required
def milestone_update(request: HttpRequest, pk: int) -> HttpResponse:
    """A milestone's owner (or anyone who edits its plan) reports its status and evidence."""
    access = request_access(request)
    milestone = get_object_or_404(
        Milestone.objects.select_related("plan__priority", "plan__intervention", "owner"), pk=pk
    )
    plan = milestone.plan
    if not can_edit_plan(access, request.user, plan, milestone):
        raise PermissionDenied(_("Only the milestone's owner and the plan's editors can do this."))
    form = MilestoneStatusForm(request.POST or None, instance=milestone)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        actions.update_milestone(
            milestone,
            status=data["status"],
            evidence=data["evidence"],
            completed_on=data["completed_on"],
            today=today(),
        )
        if request.GET.get("next") == "mine":
            return redirect("my_milestones")
        return redirect(_plan_url(plan))
    status = 400 if request.method == "POST" else 200
    context = {
        "plan": plan,
        "form": form,
        "heading": _("Update “%(name)s”") % {"name": milestone.title},
        "milestone": milestone,
    }
    return render(request, "plans/form.html", context, status=status)


@require_GET
@login_required
def plan_export(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan_for_user(request, pk)
    response = HttpResponse(
        spreadsheets.export_workbook(plan),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = f"plan-{plan.priority.code}-{plan.pk}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_http_methods(["GET", "POST"])
@login_required
def plan_import(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan_for_editing(request, pk)
    form = ImportForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["workbook"]
        try:
            spreadsheets.import_workbook(plan, upload, by=request_person(request))
        except spreadsheets.SpreadsheetError as error:
            problems = error.problems
        else:
            return redirect(_plan_url(plan))
    status = 400 if request.method == "POST" else 200
    context = {"plan": plan, "form": form, "problems": problems}
    return render(request, "plans/import.html", context, status=status)


@require_GET
@login_required
def my_milestones(request: HttpRequest) -> HttpResponse:
    """The signed-in person's milestones across every priority, overdue first."""
    request_access(request)
    lines = actions.my_milestones(request_person(request), today())
    return render(request, "plans/my_milestones.html", {"lines": lines, "today": today()})


@require_GET
def plans_css(request: HttpRequest) -> HttpResponse:
    """The RAG and milestone colours as CSS classes, so that pages need no inline styles."""
    config = load_method_config()
    rules = [f".rag-{name} {{ --status-colour: {colour}; }}" for name, colour in _rag(config)]
    rules += [
        f".milestone-{status.value} {{ --status-colour: {colour}; }}"
        for status, colour in MILESTONE_COLOURS.items()
    ]
    return HttpResponse("\n".join(rules) + "\n", content_type="text/css; charset=utf-8")


def _rag(config: Any) -> list[tuple[str, str]]:
    return list(config.rag4_colours.items())


def _plan_for_user(request: HttpRequest, pk: int) -> DeliveryPlan:
    request_access(request)  # every signed-in role reads every plan, like every priority
    return get_object_or_404(actions.plan_queryset(), pk=pk)


def _plan_for_editing(request: HttpRequest, pk: int) -> DeliveryPlan:
    plan = _plan_for_user(request, pk)
    if not can_edit_plan(request_access(request), request.user, plan):
        raise PermissionDenied(_("Only the delivery unit and the plan's owners can do this."))
    return plan


def _item_kind(kind: str) -> tuple[type[Model], type[ModelForm[Any]], str]:
    if kind not in ITEMS:
        raise Http404
    return ITEMS[kind]


def _plan_url(plan: DeliveryPlan) -> str:
    if plan.intervention_id is None:
        return reverse("plan", args=[plan.priority.code])
    return reverse("plan_detail", args=[plan.pk])


def _plan_form(request: HttpRequest, plan: DeliveryPlan, heading: str) -> HttpResponse:
    form = DeliveryPlanForm(request.POST or None, instance=plan)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        return redirect(_plan_url(saved))
    status = 400 if request.method == "POST" else 200
    context = {"plan": plan, "form": form, "heading": heading}
    return render(request, "plans/form.html", context, status=status)


def _item_form(
    request: HttpRequest, plan: DeliveryPlan, kind: str, instance: Model
) -> HttpResponse:
    _model, form_class, section = _item_kind(kind)
    form = form_class(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        form.save()
        return redirect(f"{_plan_url(plan)}#{section}")
    status = 400 if request.method == "POST" else 200
    heading = _("Edit “%(name)s”") % {"name": instance} if instance.pk else _new_heading(kind)
    context = {"plan": plan, "form": form, "heading": heading}
    return render(request, "plans/form.html", context, status=status)


def _new_heading(kind: str) -> str:
    return {
        "milestone": _("Add a milestone"),
        "raci": _("Add an activity and who is responsible"),
        "stakeholder": _("Add a stakeholder"),
        "risk": _("Add a risk"),
    }[kind]


def _plan_page(request: HttpRequest, plan: DeliveryPlan) -> HttpResponse:
    access = request_access(request)
    now = today()
    weak = actions.chain_weak_links_unmitigated(plan.priority, plan.intervention)
    page = actions.plan_page(plan, now, weak)
    config = load_method_config()
    heat_cells = _heat_cells(page)
    chains = DeliveryChain.objects.filter(priority=plan.priority).order_by("title")
    if plan.intervention is not None:
        chains = chains.filter(intervention=plan.intervention)
    context = {
        "priority": plan.priority,
        "page": page,
        "plan": plan,
        "chains": list(chains),
        "weak_links": weak,
        "may_edit": can_edit_plan(access, request.user, plan),
        "person": getattr(request.user, "pk", None),
        "timeline": _timeline_chart(page, now),
        "heat_map": _heat_map_chart(page, heat_cells),
        "heat_cells": heat_cells,
        "plans_config": config.plans,
        "history": list(plan.history.select_related("history_user").order_by("-history_date")[:10]),
        "today": now,
        "others": _other_plans(plan),
        "access": access,
    }
    return render(request, "plans/plan.html", context)


def _other_plans(plan: DeliveryPlan) -> list[DeliveryPlan]:
    return list(
        DeliveryPlan.objects.filter(priority_id=plan.priority_id)
        .exclude(pk=plan.pk)
        .select_related("intervention")
    )


def _timeline_chart(page: actions.PlanPage, now: Any) -> str:
    dated = [line for line in page.milestones if line.milestone.due is not None]
    if not dated:
        return ""
    config = load_method_config().plans
    spec = milestone_timeline_spec(
        [
            TimelineMilestone(
                name=line.milestone.title,
                due=line.milestone.due.isoformat(),  # type: ignore[union-attr]
                status=MilestoneStatus(line.milestone.status),
                starts_on=line.milestone.starts_on.isoformat()
                if line.milestone.starts_on
                else None,
                overdue=line.overdue,
            )
            for line in sorted(dated, key=lambda line: line.milestone.due)  # type: ignore[arg-type,return-value]
        ],
        today=now.isoformat(),
        title=_("Milestones: %(plan)s") % {"plan": page.plan},
        status_labels=config.milestone_status_labels,
        labels={
            "milestone": _("Milestone"),
            "due": _("Due"),
            "starts": _("Work starts"),
            "status": _("Status"),
            "today": _("today"),
            "overdue": _("overdue"),
        },
    )
    return render_svg(spec)


def _heat_cells(page: actions.PlanPage) -> list[HeatCell]:
    config = load_method_config()
    bands = actions.risk_bands()
    counts = heat_map(actions.risk_facts(page.risks))
    cells = []
    for (likelihood, impact), count in counts.items():
        band = risk_band(likelihood, impact, bands)
        cells.append(
            HeatCell(
                likelihood,
                impact,
                count,
                config.rag4_labels[band.value],
                config.rag4_colours[band.value],
            )
        )
    return cells


def _heat_map_chart(page: actions.PlanPage, cells: list[HeatCell]) -> str:
    if not page.risks:
        return ""
    config = load_method_config()
    bands = [(config.rag4_labels[name], colour) for name, colour in reversed(_rag(config))]
    spec = risk_heat_map_spec(
        cells,
        likelihood_labels=config.plans.likelihood_labels,
        impact_labels=config.plans.impact_labels,
        bands=bands,
        title=_("Open risks by likelihood and impact"),
        labels={
            "likelihood": _("Likelihood"),
            "impact": _("Impact"),
            "risks": _("Open risks"),
            "band": _("Band"),
        },
    )
    return render_svg(spec)
