"""Who may read and prepare assessments and documents, on top of `accounts.access`.

The delivery unit prepares everything; the system leader and priority owners read everything;
viewers read published documents only; local-unit users see the league tables of their units.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from deliverology.web.accounts.access import Access, Role, request_access
from deliverology.web.assessments.models import Assessment, MonthlyNote, ReportingRound

READERS_OF_DRAFTS = {Role.DELIVERY_UNIT, Role.SYSTEM_LEADER, Role.PRIORITY_OWNER}
READERS_OF_PUBLISHED = READERS_OF_DRAFTS | {Role.VIEWER}


def require_preparer(request: HttpRequest) -> Access:
    access = request_access(request)
    if access.role != Role.DELIVERY_UNIT:
        raise PermissionDenied(_("Only delivery unit staff prepare assessments and documents."))
    return access


def require_reader(request: HttpRequest) -> Access:
    """People who read the system's documents (all but local-unit users)."""
    access = request_access(request)
    if access.role not in READERS_OF_PUBLISHED:
        raise PermissionDenied(_("These documents are for the delivery unit and the leader."))
    return access


def reads_drafts(access: Access) -> bool:
    return access.role in READERS_OF_DRAFTS


def get_round_for_user(request: HttpRequest, pk: int) -> ReportingRound:
    access = require_reader(request)
    reporting_round = get_object_or_404(ReportingRound, pk=pk)
    if not reporting_round.is_published and not reads_drafts(access):
        raise Http404
    return reporting_round


def get_assessment_for_user(request: HttpRequest, round_pk: int, code: str) -> Assessment:
    reporting_round = get_round_for_user(request, round_pk)
    queryset = Assessment.objects.select_related("priority__goal_metric", "reporting_round")
    return get_object_or_404(queryset, reporting_round=reporting_round, priority__code=code)


def may_comment(request: HttpRequest, assessment: Assessment) -> bool:
    """The system leader, and the owner of the assessed priority."""
    access = request_access(request)
    if access.role == Role.SYSTEM_LEADER:
        return True
    return access.role == Role.PRIORITY_OWNER and assessment.priority.owner_id == getattr(
        request.user, "pk", None
    )


def get_note_for_user(request: HttpRequest, month: dt.date) -> MonthlyNote:
    access = require_reader(request)
    note = get_object_or_404(MonthlyNote, month=month)
    if not note.is_published and not reads_drafts(access):
        raise Http404
    return note
