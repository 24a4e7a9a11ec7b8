"""Thin views: the access helpers first, then `diagnosis` loads and computes, then render."""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from deliverology.configuration import load_method_config
from deliverology.web.accounts.access import (
    Access,
    Role,
    get_priority_for_user,
    get_unit_for_user,
    request_access,
    require_delivery_unit,
)
from deliverology.web.diagnostics import charts
from deliverology.web.diagnostics.comparator_import import (
    ComparatorFileError,
    read_comparators,
    save_comparators,
)
from deliverology.web.diagnostics.diagnosis import Diagnostic, Scope, levels_under, load_diagnostic
from deliverology.web.diagnostics.export import diagnostic_workbook, workbook_bytes
from deliverology.web.diagnostics.forms import (
    ComparatorForm,
    ComparatorUploadForm,
    DiagnosticOptions,
    HypothesisForm,
)
from deliverology.web.diagnostics.models import Comparator, Hypothesis
from deliverology.web.performance.models import Subgroup
from deliverology.web.priorities.models import Priority

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Page:
    diagnostic: Diagnostic
    options: DiagnosticOptions
    access: Access


@require_http_methods(["GET", "POST"])
@login_required
def diagnostic(request: HttpRequest, code: str, unit_code: str | None = None) -> HttpResponse:
    page = _diagnostic_for_user(request, code, unit_code)
    priority = page.diagnostic.scope.priority
    may_record = may_record_hypotheses(request, priority)
    form = HypothesisForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not may_record:
            raise PermissionDenied(_("Only the delivery unit and the priority owner can do this."))
        if form.is_valid():
            _record(form, page.diagnostic.scope, request)
            messages.success(request, _("Recorded."))
            return redirect(request.get_full_path())
    context = {
        **_context(page),
        "hypothesis_form": form if may_record else None,
        "xlsx_url": _xlsx_url(page.diagnostic, request),
        "notices": messages.get_messages(request),
    }
    return render(
        request, "diagnostics/diagnostic.html", context, status=400 if form.errors else 200
    )


@require_GET
@login_required
def diagnostic_xlsx(request: HttpRequest, code: str, unit_code: str | None = None) -> HttpResponse:
    page = _diagnostic_for_user(request, code, unit_code)
    scope = page.diagnostic.scope
    response = HttpResponse(workbook_bytes(diagnostic_workbook(page.diagnostic)), content_type=XLSX)
    name = f"diagnostic-{scope.priority.code}-{scope.unit.code}-{scope.subgroup.code}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_http_methods(["GET", "POST"])
@login_required
def comparators(request: HttpRequest) -> HttpResponse:
    require_delivery_unit(request)
    form = ComparatorForm(request.POST if "add" in request.POST else None)
    upload = ComparatorUploadForm(
        request.POST if "upload" in request.POST else None, request.FILES or None
    )
    problems: list[str] = []
    if form.is_bound and form.is_valid():
        save_comparators([form.save(commit=False)])
        messages.success(request, _("The comparator figure is saved."))
        return redirect("comparators")
    if upload.is_bound and upload.is_valid():
        try:
            added, replaced = save_comparators(read_comparators(upload.cleaned_data["file"].read()))
        except ComparatorFileError as error:
            problems = error.problems
        else:
            messages.success(
                request,
                _("%(added)d figures added, %(replaced)d replaced.")
                % {"added": added, "replaced": replaced},
            )
            return redirect("comparators")
    context = {
        "form": form,
        "upload": upload,
        "problems": problems,
        "notices": messages.get_messages(request),
        "figures": Comparator.objects.select_related("metric", "subgroup").order_by(
            "metric__name", "name", "subgroup__order", "period_start"
        ),
    }
    bad = form.errors or upload.errors or problems
    return render(request, "diagnostics/comparators.html", context, status=400 if bad else 200)


def may_record_hypotheses(request: HttpRequest, priority: Priority) -> bool:
    """The delivery unit and the priority's owner record hypotheses; others read them."""
    access = request_access(request)
    return access.role == Role.DELIVERY_UNIT or (
        access.role == Role.PRIORITY_OWNER and priority.owner_id == request.user.pk
    )


def _diagnostic_for_user(request: HttpRequest, code: str, unit_code: str | None) -> Page:
    priority = get_priority_for_user(request, code)
    unit = get_unit_for_user(request, unit_code)
    access = request_access(request)
    subgroups = list(Subgroup.objects.all())
    levels = levels_under(unit)
    labels = load_method_config().local_unit_type_labels
    options = DiagnosticOptions(
        request.GET,
        subgroups=subgroups,
        levels=[(level, labels.get(level, level)) for level in levels],
    )
    options.is_valid()  # a bad choice is shown on its field; the defaults stand in for it
    chosen = {k: v for k, v in options.cleaned_data.items() if v not in (None, "")}
    settings = load_method_config().diagnostic
    subgroup = next((s for s in subgroups if s.code == chosen.get("subgroup", Subgroup.ALL)), None)
    if subgroup is None:
        raise Http404
    scope = Scope(
        priority=priority,
        unit=unit,
        subgroup=subgroup,
        level=chosen.get("level", levels[0] if levels else None),
        periods_back=chosen.get("k", settings.periods_back),
    )
    found = load_diagnostic(scope, access, settings, levels, subgroups)
    visible = [
        h for h in found.hypotheses if h.local_unit is None or access.can_see_unit(h.local_unit)
    ]
    found = replace(found, hypotheses=visible)
    return Page(found, options, access)


def _record(form: HypothesisForm, scope: Scope, request: HttpRequest) -> Hypothesis:
    hypothesis = form.save(commit=False)
    hypothesis.priority = scope.priority
    hypothesis.local_unit = scope.unit
    hypothesis.subgroup = scope.subgroup
    hypothesis.author = request.user  # type: ignore[assignment]
    hypothesis.save()
    return hypothesis


def _xlsx_url(found: Diagnostic, request: HttpRequest) -> str:
    scope = found.scope
    if scope.unit.parent_id is None:
        path = reverse("diagnostic_xlsx", args=[scope.priority.code])
    else:
        path = reverse("diagnostic_unit_xlsx", args=[scope.priority.code, scope.unit.code])
    query = request.GET.urlencode()
    return f"{path}?{query}" if query else path


def _context(page: Page) -> dict[str, object]:
    found = page.diagnostic
    scope = found.scope
    ancestors = [a for a in scope.unit.ancestors() if page.access.can_see_unit(a)]
    return {
        "d": found,
        "scope": scope,
        "priority": scope.priority,
        "unit": scope.unit,
        "metric": scope.metric,
        "subgroup": scope.subgroup,
        "options": page.options,
        "ancestors": ancestors,
        "trend_chart": charts.trend_with_comparators(found),
        "peers_chart": charts.spread(
            found, found.peers, _("%(unit)s among its peers") % {"unit": scope.unit.name}
        )
        if found.peers
        else None,
        "inside_chart": charts.spread(
            found, found.inside, _("Local units in %(unit)s") % {"unit": scope.unit.name}
        )
        if found.inside
        else None,
        "gaps_chart": charts.subgroup_gaps(found),
        "may_manage_comparators": page.access.role == Role.DELIVERY_UNIT,
    }
