"""Thin views: the access helpers first, then `lists`, `actions` and `momentum`, then render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from deliverology.web.accounts.access import (
    request_access,
    request_person,
    require_delivery_unit,
)
from deliverology.web.accounts.models import Profile
from deliverology.web.priorities.clock import today
from deliverology.web.problems import lists, reviews
from deliverology.web.problems.actions import ProblemError, confirm, dismiss, resolve
from deliverology.web.problems.forms import (
    CloseForm,
    ConfirmForm,
    RegisterFilterForm,
    RootCauseForm,
)
from deliverology.web.problems.models import Problem, RootCause
from deliverology.web.problems.momentum import RECENT_DAYS
from deliverology.web.problems.momentum import momentum as momentum_figures
from deliverology.web.problems.root_causes import (
    link_root_cause,
    remove_root_cause,
    root_causes_of,
)

PAGE_SIZE = 50


@require_GET
@login_required
def register(request: HttpRequest) -> HttpResponse:
    """Every problem the person may see, filtered by severity, status and priority."""
    access = request_access(request)
    form = RegisterFilterForm(request.GET or None)
    problems = lists.visible_problems(access)
    chosen = form.cleaned_data if form.is_valid() else {}
    if chosen.get("severity"):
        problems = problems.filter(severity=chosen["severity"])
    if chosen.get("status"):
        problems = problems.filter(status=chosen["status"])
    else:
        problems = lists.open_only(problems)
    if chosen.get("priority"):
        problems = problems.filter(priority=chosen["priority"])
    page = Paginator(problems, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "problems/register.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "counts": lists.severity_counts(access),
        },
    )


def problem_follow_through(problem: Problem) -> dict[str, object]:
    """The reviews and crisis groups of a problem, and which may be opened, for its page."""
    return {
        "reviews": list(problem.reviews.all()),
        "crisis_groups": list(problem.crisis_groups.all()),
        "may_review": reviews.may_review(problem),
        "may_open_crisis_group": reviews.may_open_crisis_group(problem),
    }


def _get_problem_for_user(request: HttpRequest, pk: int) -> Problem:
    access = request_access(request)
    problem = get_object_or_404(
        Problem.objects.select_related("priority", "metric", "local_unit", "subgroup"), pk=pk
    )
    if not access.can_see_unit(problem.local_unit):
        raise Http404
    return problem


@require_GET
@login_required
def problem_detail(request: HttpRequest, pk: int) -> HttpResponse:
    problem = _get_problem_for_user(request, pk)
    return _problem_page(request, problem)


def _problem_page(
    request: HttpRequest,
    problem: Problem,
    *,
    confirm_form: ConfirmForm | None = None,
    close_form: CloseForm | None = None,
    root_cause_form: RootCauseForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    access = request_access(request)
    suggested = (
        problem.pending if problem.pending and problem.pending != "resolve" else problem.severity
    )
    may_decide = access.role == Profile.Role.DELIVERY_UNIT and problem.is_open
    context = {
        "problem": problem,
        "events": list(problem.events.select_related("by")),
        "root_causes": list(root_causes_of(problem)),
        "may_decide": may_decide,
        "confirm_form": confirm_form or ConfirmForm(initial={"severity": suggested}),
        "close_form": close_form
        or CloseForm(
            initial={"decision": "resolve" if problem.pending == "resolve" else "dismiss"}
        ),
        "error": error,
        **problem_follow_through(problem),
    }
    if may_decide:
        context["root_cause_form"] = root_cause_form or RootCauseForm(problem=problem)
    return render(request, "problems/problem.html", context, status=status)


@require_POST
@login_required
def confirm_problem(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm a problem, or change its severity (escalate or de-escalate), with a reason."""
    require_delivery_unit(request)
    problem = _get_problem_for_user(request, pk)
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        return _problem_page(request, problem, confirm_form=form, status=400)
    try:
        confirm(
            problem,
            form.cleaned_data["severity"],
            by=request_person(request),
            reason=form.cleaned_data["reason"],
        )
    except ProblemError as error:
        return _problem_page(request, problem, error=str(error), status=400)
    return redirect("problem", problem.pk)


@require_POST
@login_required
def close_problem(request: HttpRequest, pk: int) -> HttpResponse:
    """Dismiss a problem (not one) or resolve it (fixed), with a reason."""
    require_delivery_unit(request)
    problem = _get_problem_for_user(request, pk)
    form = CloseForm(request.POST)
    if not form.is_valid():
        return _problem_page(request, problem, close_form=form, status=400)
    close = dismiss if form.cleaned_data["decision"] == CloseForm.DISMISS else resolve
    try:
        close(problem, by=request_person(request), reason=form.cleaned_data["reason"])
    except ProblemError as error:
        return _problem_page(request, problem, error=str(error), status=400)
    return redirect("problem", problem.pk)


@require_POST
@login_required
def add_root_cause(request: HttpRequest, pk: int) -> HttpResponse:
    """Link a hypothesis, a driver or a chain link of the problem's priority, with why."""
    require_delivery_unit(request)
    problem = _get_problem_for_user(request, pk)
    form = RootCauseForm(request.POST, problem=problem)
    if not form.is_valid():
        return _problem_page(request, problem, root_cause_form=form, status=400)
    try:
        link_root_cause(
            problem,
            form.cleaned_data["cause"],
            form.cleaned_data["note"],
            by=request_person(request),
        )
    except ProblemError as error:
        return _problem_page(request, problem, root_cause_form=form, error=str(error), status=400)
    return redirect(f"{problem_url(problem)}#root-causes")


@require_POST
@login_required
def remove_root_cause_view(request: HttpRequest, pk: int, cause: int) -> HttpResponse:
    require_delivery_unit(request)
    problem = _get_problem_for_user(request, pk)
    root_cause = get_object_or_404(RootCause, pk=cause, problem=problem)
    root_cause.problem = problem
    try:
        reason = request.POST.get("reason", "")
        remove_root_cause(root_cause, reason, by=request_person(request))
    except ProblemError as error:
        return _problem_page(request, problem, error=str(error), status=400)
    return redirect(f"{problem_url(problem)}#root-causes")


def problem_url(problem: Problem) -> str:
    return reverse("problem", args=[problem.pk])


@require_GET
@login_required
def momentum(request: HttpRequest) -> HttpResponse:
    request_access(request)  # every signed-in role reads it
    figures = momentum_figures(today())
    context = {"momentum": figures, "recent_days": RECENT_DAYS}
    return render(request, "problems/momentum.html", context)
