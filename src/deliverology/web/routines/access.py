"""Who may see and do what in routines, on top of `accounts.access` (docs/concepts.md):

- the delivery unit prepares: schedules stocktakes, writes follow-up notes, updates any action;
- the system leader reads everything (the pre-brief is written for them);
- a priority owner reads the stocktakes of their priorities and updates their own actions;
- local-unit users see the actions that concern their units and published follow-up notes;
- viewers read published follow-up notes only.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from deliverology.web.accounts.access import Access, Role, request_access, request_person
from deliverology.web.routines.models import Action, Stocktake

READ_EVERYTHING = {Role.DELIVERY_UNIT, Role.SYSTEM_LEADER}


def require_preparer(request: HttpRequest) -> Access:
    access = request_access(request)
    if access.role != Role.DELIVERY_UNIT:
        raise PermissionDenied(_("Only delivery unit staff prepare routines."))
    return access


def may_read_working_papers(access: Access, user: User, stocktake: Stocktake) -> bool:
    """The pack and the draft follow-up: the unit, the leader, the chair, attendees and the
    priorities' owners."""
    if access.role in READ_EVERYTHING or stocktake.chair_id == user.pk:
        return True
    if access.role != Role.PRIORITY_OWNER:
        return False
    return (
        stocktake.priorities.filter(owner=user).exists()
        or stocktake.attendees.filter(pk=user.pk).exists()
    )


def get_stocktake_for_reading(request: HttpRequest, pk: int) -> Stocktake:
    """A stocktake whose pack (and draft follow-up) the person may read."""
    access = request_access(request)
    stocktake = get_object_or_404(Stocktake.objects.select_related("chair"), pk=pk)
    if not may_read_working_papers(access, request_person(request), stocktake):
        raise PermissionDenied(_("Stocktake packs are for the people in the room."))
    return stocktake


def get_stocktake_for_prebrief(request: HttpRequest, pk: int) -> Stocktake:
    """The pre-brief is the delivery unit's advice to the leader who chairs."""
    access = request_access(request)
    stocktake = get_object_or_404(Stocktake.objects.select_related("chair"), pk=pk)
    if access.role not in READ_EVERYTHING and stocktake.chair_id != request_person(request).pk:
        raise PermissionDenied(_("The pre-brief is for the chair and the delivery unit."))
    return stocktake


def get_follow_up_for_reading(request: HttpRequest, pk: int) -> Stocktake:
    """A published follow-up note is for every reader; a draft only for the working papers'."""
    access = request_access(request)
    stocktake = get_object_or_404(Stocktake.objects.select_related("chair"), pk=pk)
    if stocktake.is_published:
        return stocktake
    if not may_read_working_papers(access, request_person(request), stocktake):
        raise PermissionDenied(_("This follow-up note is not published yet."))
    return stocktake


def get_stocktake_for_preparing(request: HttpRequest, pk: int) -> Stocktake:
    require_preparer(request)
    return get_object_or_404(Stocktake, pk=pk)


def visible_stocktakes(request: HttpRequest) -> QuerySet[Stocktake]:
    access = request_access(request)
    user = request_person(request)
    stocktakes = Stocktake.objects.all()
    if access.role in READ_EVERYTHING:
        return stocktakes
    if access.role == Role.PRIORITY_OWNER:
        return stocktakes.filter(
            Q(priorities__owner=user)
            | Q(attendees=user)
            | Q(chair=user)
            | Q(follow_up_published_on__isnull=False)
        ).distinct()
    return stocktakes.filter(follow_up_published_on__isnull=False)


def visible_actions(request: HttpRequest) -> QuerySet[Action]:
    """Besides their own: everything for the unit and the leader, an owner's priorities', the
    actions concerning a local-unit user's units; none for viewers."""
    access = request_access(request)
    user = request_person(request)
    if access.role in READ_EVERYTHING:
        return Action.objects.all()
    if access.role == Role.PRIORITY_OWNER:
        return Action.objects.filter(Q(owner=user) | Q(priority__owner=user))
    if access.role == Role.LOCAL_UNIT_USER:
        within = Q(owner=user)
        for root in access.roots:
            within |= Q(local_unit__path__startswith=root.path)
        return Action.objects.filter(within)
    return Action.objects.filter(owner=user)


def get_action_for_update(request: HttpRequest, pk: int) -> Action:
    """The owner moves their action on; the delivery unit may update any."""
    access = request_access(request)
    action = get_object_or_404(Action, pk=pk)
    if access.role != Role.DELIVERY_UNIT and action.owner_id != request_person(request).pk:
        raise PermissionDenied(_("Only the action's owner or the delivery unit can update it."))
    return action
