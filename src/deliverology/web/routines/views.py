"""Thin views over `routines.actions`, `routines.packs` and `routines.calendar`; each starts
with an access helper from `routines.access`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from deliverology.configuration import load_method_config
from deliverology.web.accounts.access import Role, request_access, request_person
from deliverology.web.documents import document_response
from deliverology.web.priorities.clock import today
from deliverology.web.routines import packs
from deliverology.web.routines.access import (
    READ_EVERYTHING,
    get_action_for_update,
    get_follow_up_for_reading,
    get_stocktake_for_prebrief,
    get_stocktake_for_preparing,
    get_stocktake_for_reading,
    require_preparer,
    visible_actions,
    visible_stocktakes,
)
from deliverology.web.routines.actions import (
    RoutineError,
    cancel_stocktake,
    carried_into,
    follow_up_due,
    mark_held,
    publish_follow_up,
    record_rubric,
    schedule_stocktake,
    update_action,
    with_people,
)
from deliverology.web.routines.calendar import (
    calendar_entries,
    ical_feed,
    scheduled_stocktakes,
    window,
)
from deliverology.web.routines.forms import (
    ActionUpdateForm,
    CancelStocktakeForm,
    FollowUpActions,
    FollowUpForm,
    RubricForm,
    StocktakeForm,
)
from deliverology.web.routines.models import Action, Stocktake

FEED_SALT = "deliverology.routines.calendar"


def _render(
    request: HttpRequest, template: str, context: dict[str, object], status: int = 200
) -> HttpResponse:
    """A page, with the notices left by the last form (this app's pages show them)."""
    notices = list(messages.get_messages(request))
    return render(request, template, {**context, "notices": notices}, status=status)


@require_GET
@login_required
def routine_calendar(request: HttpRequest) -> HttpResponse:
    request_access(request)  # every role may see when routines are held
    config = load_method_config()
    return _render(
        request,
        "routines/calendar.html",
        {
            "entries": calendar_entries(config, today()),
            "today": today(),
            "feed_url": request.build_absolute_uri(
                reverse("routine_feed", args=[feed_token(request_person(request))])
            ),
        },
    )


def feed_token(user: User) -> str:
    """A person's secret calendar address: signed with their password's hash, so that changing
    the password gives a new address and stops the old one."""
    return signing.Signer(salt=f"{FEED_SALT}:{user.password}").sign(str(user.pk))


def person_from_token(token: str) -> User:
    user_pk = token.split(":", 1)[0]
    user = get_object_or_404(User, pk=int(user_pk) if user_pk.isdigit() else 0, is_active=True)
    try:
        signing.Signer(salt=f"{FEED_SALT}:{user.password}").unsign(token)
    except signing.BadSignature:
        raise PermissionDenied from None
    return user


@require_GET
def routine_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The calendar as iCalendar, for calendar programs that subscribe without signing in: the
    secret address says whose it is (their own actions are in it)."""
    user = person_from_token(token)
    config = load_method_config()
    start, end = window(today(), config)
    actions = list(Action.objects.filter(owner=user, closed_on__isnull=True, due__gte=start))
    body = ical_feed(
        calendar_entries(config, today()),
        scheduled_stocktakes(start, end),
        actions,
        name=_("Routines"),
        stamp=timezone.now(),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="routines.ics"'
    return response


@require_GET
@login_required
def my_actions(request: HttpRequest) -> HttpResponse:
    """The person's own actions, with a form to move each on; and those they may see."""
    user = request_person(request)
    mine = list(with_people(Action.objects.filter(owner=user)))
    others = list(
        with_people(visible_actions(request).exclude(owner=user).filter(closed_on__isnull=True))
    )
    day = today()
    return _render(
        request,
        "routines/my_actions.html",
        {
            "mine": [
                (a, ActionUpdateForm(initial={"status": a.status, "evidence": a.evidence}))
                for a in mine
            ],
            "others": others,
            "today": day,
            "statuses": load_method_config().routines.action_statuses,
        },
    )


@require_POST
@login_required
def action_update(request: HttpRequest, pk: int) -> HttpResponse:
    action = get_action_for_update(request, pk)
    form = ActionUpdateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the statuses."))
        return redirect("my_actions")
    update_action(
        action,
        status=form.cleaned_data["status"],
        evidence=form.cleaned_data["evidence"],
        today=today(),
    )
    messages.success(request, _("Action updated."))
    return redirect(request.POST.get("next") or reverse("my_actions"))


@require_http_methods(["GET", "POST"])
@login_required
def stocktake_list(request: HttpRequest) -> HttpResponse:
    access = request_access(request)
    form = StocktakeForm(request.POST or None)
    problem = ""
    if request.method == "POST":
        require_preparer(request)
        if form.is_valid():
            try:
                stocktake = schedule_stocktake(
                    list(form.cleaned_data["priorities"]),
                    form.cleaned_data["held_on"],
                    form.cleaned_data["chair"],
                    attendees=form.cleaned_data["attendees"],
                    agenda=form.cleaned_data["agenda"],
                    issues_for_decision=form.cleaned_data["issues_for_decision"],
                    by=request_person(request),
                )
            except RoutineError as error:
                problem = str(error)
            else:
                return redirect("stocktake", stocktake.pk)
    stocktakes = visible_stocktakes(request).select_related("chair").prefetch_related("priorities")
    return _render(
        request,
        "routines/stocktakes.html",
        {
            "stocktakes": list(stocktakes.order_by("-held_on", "-pk")),
            "form": form if access.role == Role.DELIVERY_UNIT else None,
            "may_open": access.role in READ_EVERYTHING or access.role == Role.PRIORITY_OWNER,
            "problem": problem,
            "today": today(),
        },
        status=400 if problem or form.errors else 200,
    )


@require_GET
@login_required
def stocktake_detail(request: HttpRequest, pk: int) -> HttpResponse:
    stocktake = get_stocktake_for_reading(request, pk)
    access = request_access(request)
    config, day = load_method_config(), today()
    carried = carried_into(stocktake)
    return _render(
        request,
        "routines/stocktake.html",
        {
            "stocktake": stocktake,
            "priorities": list(stocktake.priorities.all()),
            "attendees": list(stocktake.attendees.all()),
            "carried": carried,
            "carried_lines": [packs.action_line(a, config, day) for a in carried],
            "follow_up_due": follow_up_due(stocktake),
            "may_prepare": access.role == Role.DELIVERY_UNIT,
            "may_read_prebrief": access.role in READ_EVERYTHING
            or stocktake.chair_id == request_person(request).pk,
            "rubric_form": RubricForm(
                initial={
                    **{r.category: r.rating for r in stocktake.rubric_ratings.all()},
                    **{f"{r.category}_note": r.note for r in stocktake.rubric_ratings.all()},
                }
            ),
            "today": today(),
        },
    )


@require_POST
@login_required
def stocktake_held(request: HttpRequest, pk: int) -> HttpResponse:
    stocktake = get_stocktake_for_preparing(request, pk)
    mark_held(stocktake)
    return redirect("stocktake", stocktake.pk)


@require_http_methods(["GET", "POST"])
@login_required
def stocktake_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancel a scheduled stocktake: a new date moves it; without one, a reason drops it."""
    stocktake = get_stocktake_for_preparing(request, pk)
    form = CancelStocktakeForm(request.POST or None)
    problem = ""
    if stocktake.status != Stocktake.Status.SCHEDULED:
        problem = _("Only a stocktake still scheduled can be cancelled or moved.")
    elif request.method == "POST" and form.is_valid():
        try:
            moved = cancel_stocktake(
                stocktake,
                new_date=form.cleaned_data["new_date"],
                reason=form.cleaned_data["reason"],
                today=today(),
            )
        except RoutineError as error:
            problem = str(error)
        else:
            if moved.status == Stocktake.Status.CANCELLED:
                messages.success(request, _("Stocktake cancelled without a new date."))
            else:
                messages.success(
                    request,
                    _("Stocktake moved from %(old)s to %(new)s.")
                    % {"old": moved.moved_from.isoformat(), "new": moved.held_on.isoformat()},  # type: ignore[union-attr]
                )
            return redirect("stocktake", stocktake.pk)
    elif request.method == "POST":
        problem = _("Nothing was saved: put right what is marked below.")
    return _render(
        request,
        "routines/stocktake_cancel.html",
        {"stocktake": stocktake, "form": form, "problem": problem},
        status=400 if problem else 200,
    )


@require_POST
@login_required
def stocktake_rubric(request: HttpRequest, pk: int) -> HttpResponse:
    stocktake = get_stocktake_for_preparing(request, pk)
    form = RubricForm(request.POST)
    if form.is_valid():
        try:
            record_rubric(stocktake, form.ratings())
        except RoutineError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Rubric recorded."))
    else:
        messages.error(request, _("Rate every category of the rubric."))
    return redirect("stocktake", stocktake.pk)


def _document(request: HttpRequest, stocktake: Stocktake, kind: str) -> HttpResponse:
    config = load_method_config()
    pack = packs.load_pack(
        stocktake, config, today(), figures=kind != "follow_up", charts=kind == "pack"
    )
    builders = {
        "pack": (packs.pack_context, "routines/pack.html", _("Stocktake pack")),
        "prebrief": (packs.prebrief_context, "routines/prebrief.html", _("Pre-brief")),
        "follow_up": (packs.follow_up_context, "routines/follow_up.html", _("Follow-up note")),
    }
    build, template, name = builders[kind]
    context = {**build(pack, config), "stocktake": stocktake}
    title = f"{name}: {_('stocktake of %(d)s') % {'d': stocktake.held_on.isoformat()}}"
    return document_response(request, template, context, title=title, printed_on=today())


@require_GET
@login_required
def stocktake_pack(request: HttpRequest, pk: int) -> HttpResponse:
    return _document(request, get_stocktake_for_reading(request, pk), "pack")


@require_GET
@login_required
def stocktake_prebrief(request: HttpRequest, pk: int) -> HttpResponse:
    return _document(request, get_stocktake_for_prebrief(request, pk), "prebrief")


@require_GET
@login_required
def stocktake_follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    return _document(request, get_follow_up_for_reading(request, pk), "follow_up")


@require_http_methods(["GET", "POST"])
@login_required
def stocktake_follow_up_edit(request: HttpRequest, pk: int) -> HttpResponse:
    stocktake = get_stocktake_for_preparing(request, pk)
    form = FollowUpForm(request.POST or None)
    actions = FollowUpActions(request.POST or None, prefix="actions")
    problem = ""
    if stocktake.is_published:
        problem = _("This follow-up note was published on %(d)s and cannot be published again.") % {
            "d": stocktake.follow_up_published_on.isoformat()  # type: ignore[union-attr]
        }
    elif request.method == "POST" and form.is_valid() and actions.is_valid():
        drafts = [d for d in (f.draft() for f in actions.forms) if d is not None]
        try:
            publish_follow_up(
                stocktake,
                summary=form.cleaned_data["summary"],
                decisions=form.decision_lines(),
                actions=drafts,
                by=request_person(request),
                today=today(),
            )
        except RoutineError as error:
            problem = str(error)
        else:
            messages.success(request, _("Follow-up note published."))
            return redirect("stocktake_follow_up", stocktake.pk)
    elif request.method == "POST":
        problem = _("Nothing was saved: put right what is marked below.")
    return _render(
        request,
        "routines/follow_up_form.html",
        {
            "stocktake": stocktake,
            "form": form,
            "actions": actions,
            "problem": problem,
            "follow_up_due": follow_up_due(stocktake),
        },
        status=400 if problem else 200,
    )
