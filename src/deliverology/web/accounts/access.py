"""The one place that decides who may see which priorities and local units.

Every view starts with one of the `get_*_for_user` helpers; they raise Http404 for things a
person may not see, so that the existence of a unit outside their subtree is not revealed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from deliverology.web.accounts.models import Profile
from deliverology.web.performance.models import LocalUnit
from deliverology.web.priorities.actions import APPROVER_ROLES
from deliverology.web.priorities.models import Priority

Role = Profile.Role
EVERYTHING_ROLES = {Role.SYSTEM_LEADER, Role.DELIVERY_UNIT, Role.PRIORITY_OWNER, Role.VIEWER}


@dataclass(frozen=True)
class Access:
    """What one signed-in person may see: the whole system, or the subtrees under some units."""

    role: Role
    roots: tuple[LocalUnit, ...]

    def can_see_unit(self, unit: LocalUnit) -> bool:
        return any(unit.is_within(root) for root in self.roots)

    @property
    def sees_everything(self) -> bool:
        return self.role in EVERYTHING_ROLES

    @property
    def home_unit(self) -> LocalUnit:
        return self.roots[0]


def access_for(user: AbstractBaseUser | AnonymousUser) -> Access:
    if not user.is_authenticated:
        raise PermissionDenied
    role = _role_of(user)
    if role in EVERYTHING_ROLES:
        roots = tuple(LocalUnit.objects.roots().order_by("path"))
    else:
        roots = tuple(user.profile.local_units.order_by("path"))  # type: ignore[attr-defined]
    if not roots:
        raise PermissionDenied(_("No local units are assigned to you yet."))
    return Access(role=role, roots=roots)


def _role_of(user: AbstractBaseUser) -> Role:
    if getattr(user, "is_superuser", False):
        return Role.DELIVERY_UNIT
    try:
        return Role(user.profile.role)  # type: ignore[attr-defined]
    except Profile.DoesNotExist:
        raise PermissionDenied(_("Your account has no role yet: ask the delivery unit.")) from None


def request_access(request: HttpRequest) -> Access:
    cached: Access | None = getattr(request, "_deliverology_access", None)
    if cached is None:
        cached = access_for(request.user)
        request._deliverology_access = cached  # type: ignore[attr-defined]
    return cached


def request_person(request: HttpRequest) -> User:
    """The signed-in person making the request."""
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


def require_delivery_unit(request: HttpRequest) -> Access:
    """Loading data and setting things up is the delivery unit's job."""
    access = request_access(request)
    if access.role != Role.DELIVERY_UNIT:
        raise PermissionDenied(_("Only delivery unit staff can do this."))
    return access


def require_approver(request: HttpRequest) -> Access:
    """Approving or rejecting proposed changes to locked targets is for system leaders and
    delivery unit staff."""
    access = request_access(request)
    if access.role not in APPROVER_ROLES:
        raise PermissionDenied(_("Only a system leader or delivery unit staff can approve."))
    return access


def get_priority_for_user(request: HttpRequest, code: str) -> Priority:
    request_access(request)  # every signed-in role may read every priority's page
    queryset = Priority.objects.select_related("goal_metric", "aspiration", "owner")
    return get_object_or_404(queryset, code=code)


def get_unit_for_user(request: HttpRequest, code: str | None) -> LocalUnit:
    access = request_access(request)
    if code is None:
        return access.home_unit
    unit = get_object_or_404(LocalUnit, code=code)
    if not access.can_see_unit(unit):
        raise Http404
    return unit


def find_units_for_user(request: HttpRequest, words: str, limit: int = 50) -> list[LocalUnit]:
    """The local units the person may see whose name or code contains `words`, best match first:
    an exact code, then names that start with the words, then the rest by name."""
    access = request_access(request)
    words = words.strip()
    if not words:
        return []
    found = LocalUnit.objects.filter(Q(name__icontains=words) | Q(code__iexact=words))
    if not access.sees_everything:
        within = Q()
        for root in access.roots:
            within |= Q(path__startswith=root.path)
        found = found.filter(within)
    lowered = words.lower()
    matches = list(found.order_by("name")[: limit * 4])
    matches.sort(
        key=lambda unit: (
            unit.code.lower() != lowered,
            not unit.name.lower().startswith(lowered),
            unit.depth,
            unit.name,
        )
    )
    return matches[:limit]


def may_plan(access: Access, user: object, priority: Priority) -> bool:
    """The delivery unit and the priority's owner shape its strategy."""
    return access.role == Role.DELIVERY_UNIT or (
        access.role == Role.PRIORITY_OWNER and priority.owner_id == getattr(user, "pk", None)
    )


def get_priority_for_planning(request: HttpRequest, code: str) -> Priority:
    """A priority whose interventions and stop list the person may change."""
    priority = get_priority_for_user(request, code)
    if not may_plan(request_access(request), request.user, priority):
        raise PermissionDenied(_("Only the delivery unit and the priority owner can do this."))
    return priority


def can_edit_plan(access: Access, user: object, plan: Any, milestone: Any = None) -> bool:
    """The delivery unit edits every delivery plan; a priority's owner edits the plans of their
    priority, and a plan's owner that plan; a milestone's owner updates that milestone's
    status and evidence (pass it as `milestone`). Everyone else reads."""
    person = getattr(user, "pk", None)
    if person is None:
        return False
    if access.role == Role.DELIVERY_UNIT or plan.owner_id == person:
        return True
    if access.role == Role.PRIORITY_OWNER and plan.priority.owner_id == person:
        return True
    return milestone is not None and milestone.owner_id == person
