"""Delivery chains, the activity profile and drivers (module 2B): thin views over `actions` and
`queries`; every view starts with an access helper. Everyone signed in reads; the delivery unit
and the priority's owner rate links and shape chains; the delivery unit keeps the activity
profile and the drivers."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from deliverology.web.accounts.access import (
    Role,
    get_priority_for_planning,
    get_priority_for_user,
    may_plan,
    request_access,
    request_person,
    require_delivery_unit,
)
from deliverology.web.chains.actions import chain_svg, promote_hypothesis, rate_link, summarise
from deliverology.web.chains.export import chain_csv_text, chain_workbook_bytes
from deliverology.web.chains.forms import (
    ActivityForm,
    ChainLinkForm,
    DeliveryChainForm,
    DriverForm,
    LinkRatingForm,
    PromoteForm,
)
from deliverology.web.chains.models import Activity, ChainLink, DeliveryChain, Driver, LinkRating
from deliverology.web.chains.queries import links_with_ratings
from deliverology.web.diagnostics.models import Hypothesis
from deliverology.web.priorities.models import Priority

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@require_GET
@login_required
def chains(request: HttpRequest, code: str) -> HttpResponse:
    priority = get_priority_for_user(request, code)
    ratings = LinkRating.objects.order_by("-rated_on", "-pk")
    links = ChainLink.objects.order_by("position").prefetch_related(
        Prefetch("ratings", queryset=ratings)
    )
    found = DeliveryChain.objects.filter(priority=priority).select_related("intervention")
    rows = [
        (chain, summarise(list(chain.links.all())))
        for chain in found.prefetch_related(Prefetch("links", queryset=links))
    ]
    context = {
        "priority": priority,
        "rows": rows,
        "may_plan": may_plan(request_access(request), request.user, priority),
    }
    return render(request, "chains/chains.html", context)


@require_GET
@login_required
def chain(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    priority = get_priority_for_user(request, code)
    found = _chain_of(priority, pk)
    return _chain_page(request, priority, found, rating_forms={})


@require_POST
@login_required
def rate(request: HttpRequest, code: str, pk: int, link_pk: int) -> HttpResponse:
    priority = get_priority_for_planning(request, code)
    found = _chain_of(priority, pk)
    link = get_object_or_404(ChainLink, pk=link_pk, chain=found)
    form = LinkRatingForm(request.POST, prefix=f"link{link.pk}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            rate_link(
                link,
                rating=data["rating"],
                evidence=data["evidence"],
                rated_on=data["rated_on"],
                by=request_person(request),
                today=timezone.localdate(),
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            return redirect(reverse("chain", args=[priority.code, found.pk]) + f"#link-{link.pk}")
    return _chain_page(request, priority, found, rating_forms={link.pk: form}, status=400)


@require_GET
@login_required
def chain_xlsx(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    priority = get_priority_for_user(request, code)
    found = _chain_of(priority, pk)
    summary = summarise(links_with_ratings(found))
    response = HttpResponse(chain_workbook_bytes(summary), content_type=XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="chain-{priority.code}-{found.pk}.xlsx"'
    )
    return response


@require_GET
@login_required
def chain_csv(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    priority = get_priority_for_user(request, code)
    found = _chain_of(priority, pk)
    summary = summarise(links_with_ratings(found))
    response = HttpResponse(chain_csv_text(summary), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="chain-{priority.code}-{found.pk}.csv"'
    return response


@require_http_methods(["GET", "POST"])
@login_required
def chain_new(request: HttpRequest, code: str) -> HttpResponse:
    priority = get_priority_for_planning(request, code)
    form = DeliveryChainForm(request.POST or None, instance=DeliveryChain(priority=priority))
    if request.method == "POST" and form.is_valid():
        created = form.save()
        return redirect("chain", priority.code, created.pk)
    return _form_page(request, priority, form, _("Draw a delivery chain"), "chains")


@require_http_methods(["GET", "POST"])
@login_required
def link_new(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    priority = get_priority_for_planning(request, code)
    found = _chain_of(priority, pk)
    following = (
        found.links.order_by("-position").values_list("position", flat=True).first() or 0
    ) + 1
    link = ChainLink(chain=found)
    form = ChainLinkForm(request.POST or None, instance=link, initial={"position": following})
    return _link_form(request, priority, found, form, _("Add a link"))


@require_http_methods(["GET", "POST"])
@login_required
def link_edit(request: HttpRequest, code: str, pk: int, link_pk: int) -> HttpResponse:
    priority = get_priority_for_planning(request, code)
    found = _chain_of(priority, pk)
    link = get_object_or_404(ChainLink, pk=link_pk, chain=found)
    form = ChainLinkForm(request.POST or None, instance=link)
    return _link_form(request, priority, found, form, _("Edit the link"))


@require_GET
@login_required
def activities(request: HttpRequest, code: str) -> HttpResponse:
    priority = get_priority_for_user(request, code)
    listed = list(Activity.objects.filter(priority=priority))
    works = [each for each in listed if each.works]
    context = {
        "priority": priority,
        "activities": listed,
        "works": works,
        "unproven": [each for each in listed if not each.works],
        "total_cost": sum((each.cost for each in listed if each.cost is not None), Decimal(0)),
        "total_reach": sum(each.reach for each in listed if each.reach is not None),
        "stop_candidates": [each for each in listed if each.stop_candidate],
        "may_edit": request_access(request).role == Role.DELIVERY_UNIT,
    }
    return render(request, "chains/activities.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def activity_new(request: HttpRequest, code: str) -> HttpResponse:
    require_delivery_unit(request)
    priority = get_priority_for_user(request, code)
    return _activity_form(request, priority, Activity(priority=priority))


@require_http_methods(["GET", "POST"])
@login_required
def activity_edit(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    require_delivery_unit(request)
    priority = get_priority_for_user(request, code)
    return _activity_form(request, priority, get_object_or_404(Activity, pk=pk, priority=priority))


@require_GET
@login_required
def drivers(request: HttpRequest, code: str) -> HttpResponse:
    priority = get_priority_for_user(request, code)
    may_edit = request_access(request).role == Role.DELIVERY_UNIT
    context = {
        "priority": priority,
        "drivers": list(Driver.objects.filter(priority=priority).select_related("hypothesis")),
        "hypotheses": _hypotheses_to_promote(priority),
        "may_edit": may_edit,
    }
    return render(request, "chains/drivers.html", context)


@require_POST
@login_required
def promote(request: HttpRequest, code: str, hypothesis_pk: int) -> HttpResponse:
    require_delivery_unit(request)
    priority = get_priority_for_user(request, code)
    hypothesis = get_object_or_404(Hypothesis, pk=hypothesis_pk, priority=priority)
    form = PromoteForm(request.POST, prefix=f"h{hypothesis.pk}")
    if form.is_valid():
        try:
            promote_hypothesis(
                hypothesis,
                evidence=form.cleaned_data["evidence"],
                confidence=form.cleaned_data["confidence"],
                by=request_person(request),
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            return redirect("drivers", priority.code)
    heading = _("Promote the hypothesis to a driver")
    return _form_page(request, priority, form, heading, "drivers", lede=hypothesis.statement)


@require_http_methods(["GET", "POST"])
@login_required
def driver_new(request: HttpRequest, code: str) -> HttpResponse:
    require_delivery_unit(request)
    priority = get_priority_for_user(request, code)
    driver = Driver(priority=priority, created_by=request_person(request))
    form = DriverForm(request.POST or None, instance=driver)
    if request.method == "POST" and form.is_valid():
        form.save()
        return redirect("drivers", priority.code)
    return _form_page(request, priority, form, _("Add a driver"), "drivers")


def _chain_of(priority: Priority, pk: int) -> DeliveryChain:
    return get_object_or_404(
        DeliveryChain.objects.select_related("intervention"), pk=pk, priority=priority
    )


def _chain_page(
    request: HttpRequest,
    priority: Priority,
    found: DeliveryChain,
    *,
    rating_forms: dict[int, LinkRatingForm],
    status: int = 200,
) -> HttpResponse:
    summary = summarise(links_with_ratings(found))
    rater = may_plan(request_access(request), request.user, priority)
    today = timezone.localdate()
    forms = (
        {
            link.pk: rating_forms.get(link.pk)
            or LinkRatingForm(prefix=f"link{link.pk}", initial={"rated_on": today})
            for link in summary.links
        }
        if rater
        else {}
    )
    context = {
        "priority": priority,
        "chain": found,
        "summary": summary,
        "diagram": chain_svg(found, summary),
        "rating_forms": forms,
        "may_rate": rater,
    }
    return render(request, "chains/chain.html", context, status=status)


def _link_form(
    request: HttpRequest,
    priority: Priority,
    found: DeliveryChain,
    form: ChainLinkForm,
    heading: str,
) -> HttpResponse:
    if request.method == "POST" and form.is_valid():
        form.save()
        return redirect("chain", priority.code, found.pk)
    back = reverse("chain", args=[priority.code, found.pk])
    return _form_page(request, priority, form, heading, back_url=back, lede=found.title)


def _activity_form(request: HttpRequest, priority: Priority, activity: Activity) -> HttpResponse:
    form = ActivityForm(request.POST or None, instance=activity)
    if request.method == "POST" and form.is_valid():
        form.save()
        return redirect("activities", priority.code)
    heading = _("Edit the activity") if activity.pk else _("Add an activity")
    return _form_page(request, priority, form, heading, "activities")


def _form_page(
    request: HttpRequest,
    priority: Priority,
    form: BaseForm,
    heading: str,
    back: str = "",
    *,
    back_url: str = "",
    lede: str = "",
) -> HttpResponse:
    status = 400 if request.method == "POST" else 200
    context = {
        "priority": priority,
        "form": form,
        "heading": heading,
        "back_url": back_url or reverse(back, args=[priority.code]),
        "lede": lede,
    }
    return render(request, "chains/form.html", context, status=status)


def _hypotheses_to_promote(priority: Priority) -> list[Hypothesis]:
    return list(
        Hypothesis.objects.filter(priority=priority, driver__isnull=True).exclude(
            status=Hypothesis.Status.REJECTED
        )
    )


def _add_errors(form: BaseForm, error: ValidationError) -> None:
    for name, messages in error.message_dict.items():
        for message in messages:
            form.add_error(name if name in form.fields else None, message)
