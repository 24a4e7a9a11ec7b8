"""Thin views over `actions` and `builders`: assessments, the delivery report, monthly notes
and league tables. Documents are pages and PDFs from one template each."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from deliverology.configuration import load_method_config
from deliverology.core.league import Page, page_of
from deliverology.web.accounts.access import request_access, request_person
from deliverology.web.assessments import actions, builders
from deliverology.web.assessments.access import (
    get_assessment_for_user,
    get_note_for_user,
    get_round_for_user,
    may_comment,
    reads_drafts,
    require_preparer,
    require_reader,
)
from deliverology.web.assessments.forms import (
    AssessmentForm,
    CommentForm,
    EntryFormSet,
    LeagueForm,
    ModerationForm,
    NoteForm,
    RoundForm,
)
from deliverology.web.assessments.league import ranked_units, visible_units
from deliverology.web.assessments.models import (
    Assessment,
    LeagueSnapshot,
    MonthlyNote,
    ReportingRound,
)
from deliverology.web.documents import document_response, wants_pdf
from deliverology.web.performance.models import Metric
from deliverology.web.priorities.clock import today


def _month(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(f"{text}-01")
    except ValueError:
        raise Http404 from None


# Reporting rounds and assessments


@require_http_methods(["GET", "POST"])
@login_required
def rounds(request: HttpRequest) -> HttpResponse:
    access = require_reader(request)
    form = RoundForm(request.POST or None)
    if request.method == "POST":
        require_preparer(request)
        if form.is_valid():
            made = actions.open_round(form.cleaned_data["name"], form.cleaned_data["as_of"])
            return redirect("reporting_round", pk=made.pk)
    found = ReportingRound.objects.all()
    if not reads_drafts(access):
        found = found.filter(published_at__isnull=False)
    context = {"rounds": list(found), "form": form, "prepares": access.role == "delivery_unit"}
    return render(request, "assessments/rounds.html", context, status=400 if form.errors else 200)


@require_GET
@login_required
def reporting_round(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_round_for_user(request, pk)
    access = request_access(request)
    assessments = list(
        Assessment.objects.filter(reporting_round=found)
        .select_related("priority")
        .order_by("priority__order", "priority__code")
    )
    context = {
        "round": found,
        "assessments": assessments,
        "prepares": access.role == "delivery_unit",
        "reads_drafts": reads_drafts(access),
    }
    return render(request, "assessments/round.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def assessment(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    found = get_assessment_for_user(request, pk, code)
    access = request_access(request)
    if not reads_drafts(access):
        raise Http404
    form = AssessmentForm(request.POST or None, instance=found)
    problem = ""
    if request.method == "POST":
        require_preparer(request)
        if form.is_valid():
            values = {k: v for k, v in form.cleaned_data.items() if k != "finalise"}
            try:
                actions.save_assessment(
                    Assessment.objects.get(pk=found.pk),
                    values,
                    by=request_person(request),
                    finalise=form.cleaned_data["finalise"],
                )
                return redirect("assessment", pk=pk, code=code)
            except actions.Refused as refused:
                problem = str(refused)
    return _assessment_page(request, found, form=form, problem=problem)


def _assessment_page(
    request: HttpRequest,
    found: Assessment,
    *,
    form: AssessmentForm | None = None,
    comment_form: CommentForm | None = None,
    problem: str = "",
) -> HttpResponse:
    access = request_access(request)
    suggestion = actions.suggestion_for(found)
    config = load_method_config()
    context = {
        "assessment": found,
        "round": found.reporting_round,
        "form": form or AssessmentForm(instance=found),
        "comment_form": comment_form or CommentForm(),
        "moderation_form": ModerationForm(),
        "suggested": config.rag4_labels.get(suggestion.likelihood or "", ""),
        "reasons": builders.reason_sentences(actions._reasons_json(suggestion)),
        "unrated": [config.assessment.sub_criterion_labels[c] for c in suggestion.unrated],
        "comments": list(found.comments.select_related("author")),
        "moderations": list(found.moderations.select_related("moderated_by")),
        "prepares": access.role == "delivery_unit",
        "may_comment": may_comment(request, found),
        "problem": problem,
    }
    status = 400 if problem or (form is not None and form.errors) else 200
    if comment_form is not None and comment_form.errors:
        status = 400
    return render(request, "assessments/assessment.html", context, status=status)


@require_POST
@login_required
def assessment_comment(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    found = get_assessment_for_user(request, pk, code)
    if not may_comment(request, found):
        raise Http404
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            actions.comment_on(found, by=request_person(request), **form.cleaned_data)
            return redirect("assessment", pk=pk, code=code)
        except actions.Refused as refused:
            return _assessment_page(request, found, comment_form=form, problem=str(refused))
    return _assessment_page(request, found, comment_form=form)


@require_POST
@login_required
def assessment_moderate(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    require_preparer(request)
    found = get_assessment_for_user(request, pk, code)
    form = ModerationForm(request.POST)
    if not form.is_valid():
        return _assessment_page(request, found, problem=_("Choose a rating and give a reason."))
    try:
        actions.moderate(found, by=request_person(request), **form.cleaned_data)
    except actions.Refused as refused:
        return _assessment_page(request, found, problem=str(refused))
    return redirect("assessment", pk=pk, code=code)


@require_GET
@login_required
def delivery_report(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_round_for_user(request, pk)
    if found.frozen is not None:
        report = found.frozen
        changes = _report_changes(report, builders.delivery_report(found, with_charts=False))
    else:
        report, changes = builders.delivery_report(found), []
    context: dict[str, Any] = {
        "round": found,
        "report": report,
        "published": found.is_published,
        "changes": changes,
        "prepares": request_access(request).role == "delivery_unit",
    }
    return document_response(
        request,
        "assessments/delivery_report.html",
        context,
        title=_("Delivery report, %(round)s") % {"round": found.name},
        printed_on=today(),
    )


def _report_changes(frozen: dict[str, Any], live: dict[str, Any]) -> list[str]:
    then = {p["code"]: p for p in frozen["pages"]}
    changes = []
    for page in live["pages"]:
        before = then.get(page["code"])
        if before and before["figures"].get("value") != page["figures"].get("value"):
            changes.append(
                _(
                    "%(title)s: now %(value)s in %(period)s; published with %(was)s in "
                    "%(was_period)s."
                )
                % {
                    "title": page["title"],
                    "value": page["figures"].get("value_text", "–"),
                    "period": page["figures"].get("period") or "–",
                    "was": before["figures"].get("value_text", "–"),
                    "was_period": before["figures"].get("period") or "–",
                }
            )
    return changes


@require_POST
@login_required
def delivery_report_publish(request: HttpRequest, pk: int) -> HttpResponse:
    require_preparer(request)
    found = get_object_or_404(ReportingRound, pk=pk)
    try:
        actions.publish_round(found, by=request_person(request))
    except actions.Refused as refused:
        return _refused(request, str(refused), "reporting_round", pk=pk)
    return redirect("delivery_report", pk=pk)


def _refused(request: HttpRequest, message: str, back: str, **kwargs: Any) -> HttpResponse:
    return render(
        request,
        "assessments/refused.html",
        {"message": message, "back": back, "back_kwargs": kwargs},
        status=409,
    )


# Monthly notes


@require_http_methods(["GET", "POST"])
@login_required
def notes(request: HttpRequest) -> HttpResponse:
    access = require_reader(request)
    if request.method == "POST":
        require_preparer(request)
        note = actions.note_for(_month(request.POST.get("month", "")))
        return redirect("note_edit", month=note.month.strftime("%Y-%m"))
    found = MonthlyNote.objects.all()
    if not reads_drafts(access):
        found = found.filter(published_at__isnull=False)
    context = {
        "notes": list(found),
        "prepares": access.role == "delivery_unit",
        "this_month": today().strftime("%Y-%m"),
    }
    return render(request, "assessments/notes.html", context)


@require_GET
@login_required
def note(request: HttpRequest, month: str) -> HttpResponse:
    found = get_note_for_user(request, _month(month))
    entries = list(found.entries.select_related("priority").order_by("priority__order"))
    live = builders.note_figures(found)
    figures = found.frozen if found.frozen is not None else live
    by_code = {row["code"]: row for row in figures["priorities"]}
    context = {
        "note": found,
        "rows": [(e, by_code.get(e.priority.code, {})) for e in entries],
        "published": found.is_published,
        "changes": builders.note_changes(figures, live) if found.is_published else [],
        "brevity": actions.note_brevity(found, entries),
        "prepares": request_access(request).role == "delivery_unit",
        "rag4": load_method_config().rag4_labels,
        "directions": load_method_config().assessment.direction_labels,
    }
    return document_response(
        request,
        "assessments/note.html",
        context,
        title=_("Monthly note, %(month)s") % {"month": found},
        printed_on=today(),
    )


@require_http_methods(["GET", "POST"])
@login_required
def note_edit(request: HttpRequest, month: str) -> HttpResponse:
    require_preparer(request)
    found = get_object_or_404(MonthlyNote, month=_month(month))
    if found.is_published:
        return _refused(
            request,
            _("The note for %(month)s is published and cannot be changed.") % {"month": found},
            "note",
            month=month,
        )
    entries = found.entries.select_related("priority").order_by("priority__order")
    form = NoteForm(request.POST or None, instance=found)
    formset = EntryFormSet(request.POST or None, queryset=entries)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        form.save()
        formset.save()
        return redirect("note", month=month)
    figures = {row["code"]: row for row in builders.note_figures(found)["priorities"]}
    context = {
        "note": found,
        "form": form,
        "formset": formset,
        "figures": figures,
        "brevity": actions.note_brevity(found, list(entries)),
        "limits": load_method_config().assessment.note_limits,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "assessments/note_edit.html", context, status=status)


@require_POST
@login_required
def note_publish(request: HttpRequest, month: str) -> HttpResponse:
    require_preparer(request)
    found = get_object_or_404(MonthlyNote, month=_month(month))
    try:
        actions.publish_note(found, by=request_person(request))
    except actions.Refused as refused:
        return _refused(request, str(refused), "note", month=month)
    return redirect("note", month=month)


# League tables of local units


@require_GET
@login_required
def league(request: HttpRequest) -> HttpResponse:
    access = request_access(request)
    levels = builders.league_levels()
    metrics = list(Metric.objects.order_by("name"))
    if not metrics or not levels:
        raise Http404
    initial = {"metric": metrics[0].code, "level": levels[-1], "view": LeagueSnapshot.View.PROGRESS}
    form = LeagueForm(request.GET or initial, levels=levels)
    if not form.is_valid():
        form = LeagueForm(initial, levels=levels)
        form.is_valid()
    metric, level, view = (form.cleaned_data[k] for k in ("metric", "level", "view"))
    day = today()
    previous = actions.latest_snapshot(metric, level, view, builders.snapshot_label(day))
    mine = visible_units(ranked_units(metric, level, view), access)
    page = _league_page(request, len(mine))
    shown = mine if wants_pdf(request) else mine[page.start : page.stop]
    table = builders.league_table(metric, level, view, day, previous=previous, ranked=shown)
    context = {
        "form": form,
        "table": table,
        "page": page,
        "page_query": _page_query(request),
        "snapshot": None,
        "quarter": builders.snapshot_label(day),
        "prepares": access.role == "delivery_unit",
        "snapshots": list(
            LeagueSnapshot.objects.filter(metric=metric, local_unit_type=level, view=view)
        ),
    }
    return document_response(
        request,
        "assessments/league.html",
        context,
        title=_("League table: %(metric)s by %(level)s") % {"metric": metric.name, "level": level},
        printed_on=day,
    )


def _league_page(request: HttpRequest, total: int) -> Page:
    """The page asked for (`?page=`); a page past the last shows the last, anything that is not
    a page number the first. The PDF holds every row."""
    try:
        requested = int(request.GET.get("page", ""))
    except ValueError:
        requested = None
    return page_of(total, requested, load_method_config().assessment.league_page_rows)


def _page_query(request: HttpRequest) -> str:
    """The request's query without its page, for the links to the other pages."""
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    return query.urlencode()


@require_POST
@login_required
def league_keep(request: HttpRequest) -> HttpResponse:
    require_preparer(request)
    levels = builders.league_levels()
    form = LeagueForm(request.POST, levels=levels)
    if not form.is_valid():
        return _refused(request, _("Choose a metric, a level and a view."), "league")
    try:
        kept = actions.keep_snapshot(
            form.cleaned_data["metric"],
            form.cleaned_data["level"],
            form.cleaned_data["view"],
            today=today(),
            by=request_person(request),
        )
    except actions.Refused as refused:
        return _refused(request, str(refused), "league")
    return redirect("league_snapshot", pk=kept.pk)


@require_GET
@login_required
def league_snapshot(request: HttpRequest, pk: int) -> HttpResponse:
    access = request_access(request)
    kept = get_object_or_404(LeagueSnapshot.objects.select_related("metric"), pk=pk)
    table = builders.visible_rows(kept.frozen, access)
    page = _league_page(request, len(table["rows"]))
    if not wants_pdf(request):
        table = {**table, "rows": table["rows"][page.start : page.stop]}
    context: dict[str, Any] = {
        "form": None,
        "table": table,
        "page": page,
        "page_query": _page_query(request),
        "snapshot": kept,
        "prepares": False,
        "snapshots": [],
    }
    return document_response(
        request,
        "assessments/league.html",
        context,
        title=_("League table: %(metric)s by %(level)s, %(quarter)s")
        % {"metric": kept.metric.name, "level": kept.local_unit_type, "quarter": kept.quarter},
        printed_on=today(),
    )
