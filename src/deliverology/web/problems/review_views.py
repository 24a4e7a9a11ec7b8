"""Priority review and crisis group pages: the access helpers first, then `reviews`, then render.

The delivery unit opens and edits them; everyone who may see the problem reads them. The review
report is a document: the page, or the PDF with ``?format=pdf``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from deliverology.web.accounts.access import request_access, request_person, require_delivery_unit
from deliverology.web.accounts.models import Profile
from deliverology.web.chains.models import ChainLink
from deliverology.web.documents import document_response, wants_pdf
from deliverology.web.priorities.clock import today
from deliverology.web.problems import reviews
from deliverology.web.problems.forms import (
    CrisisGroupForm,
    FindingForm,
    FollowUpOutcomeForm,
    MeetingForm,
    ReviewForm,
    ScopeForm,
    SiteForm,
)
from deliverology.web.problems.models import CrisisGroup, PriorityReview
from deliverology.web.problems.root_causes import root_causes_of
from deliverology.web.problems.views import _get_problem_for_user
from deliverology.web.routines.forms import FollowUpActions


def _may_edit(request: HttpRequest) -> bool:
    return request_access(request).role == Profile.Role.DELIVERY_UNIT


def _get_review_for_user(request: HttpRequest, pk: int) -> PriorityReview:
    review = get_object_or_404(PriorityReview, pk=pk)
    review.problem = _get_problem_for_user(request, review.problem_id)
    return review


def _get_group_for_user(request: HttpRequest, pk: int) -> CrisisGroup:
    group = get_object_or_404(CrisisGroup.objects.select_related("chair"), pk=pk)
    group.problem = _get_problem_for_user(request, group.problem_id)
    return group


# --- Priority reviews ----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def review_new(request: HttpRequest, pk: int) -> HttpResponse:
    require_delivery_unit(request)
    problem = _get_problem_for_user(request, pk)
    form = ReviewForm(request.POST or None)
    error = (
        "" if reviews.may_review(problem) else _("This problem is not at priority-review level.")
    )
    if request.method == "POST" and form.is_valid() and not error:
        review = reviews.open_review(
            problem,
            form.cleaned_data["scope"],
            form.cleaned_data["team"],
            follow_up_on=form.cleaned_data["follow_up_on"],
            today=today(),
        )
        return redirect("priority_review", review.pk)
    status = 400 if request.method == "POST" or error else 200
    context = {"problem": problem, "form": form, "error": error}
    return render(request, "problems/review_new.html", context, status=status)


def _links(review: PriorityReview) -> Any:
    return ChainLink.objects.filter(chain__priority_id=review.problem.priority_id).select_related(
        "chain"
    )


@require_GET
@login_required
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    review = _get_review_for_user(request, pk)
    return _review_page(request, review)


def _review_page(
    request: HttpRequest, review: PriorityReview, *, status: int = 200, **forms: Any
) -> HttpResponse:
    editing = _may_edit(request) and not wants_pdf(request)
    context = {
        "review": review,
        "problem": review.problem,
        "team": list(review.team.all()),
        "sites": list(review.sites.select_related("local_unit")),
        "findings": list(review.findings.select_related("link__chain", "link_rating")),
        "recommendations": list(reviews.actions_from(review)),
        "root_causes": list(root_causes_of(review.problem)),
        "may_edit": editing,
    }
    if editing:
        context |= {
            "suggested_sites": reviews.suggested_sites(review.problem),
            "site_form": forms.get("site_form") or SiteForm(),
            "finding_form": forms.get("finding_form") or FindingForm(links=_links(review)),
            "actions_formset": forms.get("actions_formset") or FollowUpActions(prefix="actions"),
            "follow_up_form": forms.get("follow_up_form")
            or FollowUpOutcomeForm(initial={"follow_up_on": review.follow_up_on}),
            "error": forms.get("error", ""),
        }
    title = _("Priority review: %(p)s") % {"p": review.problem.priority.title}
    response = document_response(
        request, "problems/review.html", context, title=title, printed_on=today()
    )
    response.status_code = status
    return response


@require_POST
@login_required
def review_site(request: HttpRequest, pk: int) -> HttpResponse:
    require_delivery_unit(request)
    review = _get_review_for_user(request, pk)
    form = SiteForm(request.POST)
    if not form.is_valid():
        return _review_page(request, review, status=400, site_form=form)
    try:
        reviews.add_site(review, form.cleaned_data["local_unit"], form.cleaned_data["rationale"])
    except reviews.ReviewError as error:
        return _review_page(request, review, status=400, site_form=form, error=str(error))
    return redirect("priority_review", review.pk)


@require_POST
@login_required
def review_finding(request: HttpRequest, pk: int) -> HttpResponse:
    require_delivery_unit(request)
    review = _get_review_for_user(request, pk)
    form = FindingForm(request.POST, links=_links(review))
    if not form.is_valid():
        return _review_page(request, review, status=400, finding_form=form)
    draft = reviews.FindingDraft(
        form.cleaned_data["link"], form.cleaned_data["finding"], form.cleaned_data["rating"]
    )
    reviews.add_findings(review, [draft], by=request_person(request), today=today())
    return redirect("priority_review", review.pk)


@require_POST
@login_required
def review_recommendations(request: HttpRequest, pk: int) -> HttpResponse:
    require_delivery_unit(request)
    review = _get_review_for_user(request, pk)
    formset = FollowUpActions(request.POST, prefix="actions")
    if not formset.is_valid():
        return _review_page(request, review, status=400, actions_formset=formset)
    drafts = [d for d in (form.draft() for form in formset) if d is not None]
    try:
        reviews.add_recommendations(review, drafts, by=request_person(request), today=today())
    except reviews.ReviewError as error:
        return _review_page(request, review, status=400, actions_formset=formset, error=str(error))
    return redirect("priority_review", review.pk)


@require_POST
@login_required
def review_follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    require_delivery_unit(request)
    review = _get_review_for_user(request, pk)
    form = FollowUpOutcomeForm(request.POST)
    if not form.is_valid():
        return _review_page(request, review, status=400, follow_up_form=form)
    reviews.record_follow_up(
        review, form.cleaned_data["follow_up_on"], form.cleaned_data["outcome"]
    )
    return redirect("priority_review", review.pk)


# --- Crisis groups ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def crisis_new(request: HttpRequest, pk: int) -> HttpResponse:
    require_delivery_unit(request)
    problem = _get_problem_for_user(request, pk)
    form = CrisisGroupForm(request.POST or None)
    allowed = reviews.may_open_crisis_group(problem)
    error = "" if allowed else _("This problem is not in crisis.")
    if request.method == "POST" and form.is_valid() and allowed:
        data = form.cleaned_data
        group = reviews.open_crisis_group(
            problem,
            data["chair"],
            data["members"],
            data["cadence"],
            data["exit_value"],
            today=today(),
        )
        return redirect("crisis_group", group.pk)
    status = 400 if request.method == "POST" or error else 200
    context = {"problem": problem, "form": form, "error": error}
    return render(request, "problems/crisis_new.html", context, status=status)


@require_GET
@login_required
def crisis_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _crisis_page(request, _get_group_for_user(request, pk))


def _crisis_page(
    request: HttpRequest, group: CrisisGroup, *, status: int = 200, **forms: Any
) -> HttpResponse:
    meetings = list(group.meetings.all())
    actions = reviews.meeting_actions(meetings)
    context = {
        "group": group,
        "problem": group.problem,
        "members": list(group.members.all()),
        "scope": list(group.scope.select_related("local_unit", "owner")),
        "meetings": [(m, actions.get(m.pk, [])) for m in meetings],
        "next_meeting": reviews.next_meeting_due(group, meetings),
        "exit": reviews.exit_check(group),
        "may_edit": _may_edit(request),
        "scope_form": forms.get("scope_form") or ScopeForm(),
        "meeting_form": forms.get("meeting_form") or MeetingForm(initial={"held_on": today()}),
        "actions_formset": forms.get("actions_formset") or FollowUpActions(prefix="actions"),
        "error": forms.get("error", ""),
    }
    return render(request, "problems/crisis_group.html", context, status=status)


@require_POST
@login_required
def crisis_scope(request: HttpRequest, pk: int) -> HttpResponse:
    require_delivery_unit(request)
    group = _get_group_for_user(request, pk)
    form = ScopeForm(request.POST)
    if not form.is_valid():
        return _crisis_page(request, group, status=400, scope_form=form)
    try:
        reviews.add_scope(group, form.cleaned_data["local_unit"], form.cleaned_data["owner"])
    except reviews.ReviewError as error:
        return _crisis_page(request, group, status=400, scope_form=form, error=str(error))
    return redirect("crisis_group", group.pk)


@require_POST
@login_required
def crisis_meeting(request: HttpRequest, pk: int) -> HttpResponse:
    require_delivery_unit(request)
    group = _get_group_for_user(request, pk)
    form = MeetingForm(request.POST)
    formset = FollowUpActions(request.POST, prefix="actions")
    if not (form.is_valid() and formset.is_valid()):
        return _crisis_page(request, group, status=400, meeting_form=form, actions_formset=formset)
    drafts = [d for d in (f.draft() for f in formset) if d is not None]
    try:
        reviews.hold_meeting(
            group,
            form.cleaned_data["held_on"],
            form.cleaned_data["notes"],
            drafts,
            by=request_person(request),
        )
    except reviews.ReviewError as error:
        return _crisis_page(
            request, group, status=400, meeting_form=form, actions_formset=formset, error=str(error)
        )
    return redirect("crisis_group", group.pk)
