from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from simple_history.admin import SimpleHistoryAdmin

from deliverology.core.periods import PeriodError
from deliverology.core.trajectories import TrajectoryError, TrajectoryMethod
from deliverology.web.priorities.actions import LockedError, history_of, set_trajectory
from deliverology.web.priorities.models import (
    Aspiration,
    Priority,
    Proposal,
    Target,
    Trajectory,
    TrajectoryPoint,
)
from deliverology.web.priorities.smart import refresh_smart_check


@admin.register(Aspiration)
class AspirationAdmin(admin.ModelAdmin[Aspiration]):
    list_display = ("statement", "horizon_year", "approved_by", "approved_on")


@admin.register(Priority)
class PriorityAdmin(admin.ModelAdmin[Priority]):
    list_display = ("title", "code", "goal_metric", "owner", "status", "order")
    list_filter = ("status",)
    search_fields = ("title", "code")
    filter_horizontal = ("progress_metrics",)
    list_select_related = ("goal_metric", "owner")


class TrajectoryInline(admin.TabularInline[Trajectory, Target]):
    model = Trajectory
    fields = ("version", "method", "created_at", "created_by")
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False


def _build(
    modeladmin: TargetAdmin, request: HttpRequest, queryset: QuerySet[Target], method: str
) -> None:
    built = 0
    for target in queryset.select_related("metric", "local_unit", "subgroup"):
        parameters: dict[str, Any] = {}
        if method == TrajectoryMethod.HISTORICAL_RATE:
            parameters["history"] = history_of(target)
        try:
            set_trajectory(target, TrajectoryMethod(method), by=_user(request), **parameters)
            built += 1
        except (TrajectoryError, PeriodError, LockedError) as error:
            modeladmin.message_user(request, f"{target}: {error}", messages.ERROR)
    if built:
        modeladmin.message_user(request, _("Built %(n)d new trajectory versions.") % {"n": built})


def _user(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


@admin.action(description=_("Build a new linear trajectory version"))
def build_linear(modeladmin: TargetAdmin, request: HttpRequest, queryset: QuerySet[Target]) -> None:
    _build(modeladmin, request, queryset, TrajectoryMethod.LINEAR)


@admin.action(description=_("Build a new S-curve trajectory version"))
def build_s_curve(
    modeladmin: TargetAdmin, request: HttpRequest, queryset: QuerySet[Target]
) -> None:
    _build(modeladmin, request, queryset, TrajectoryMethod.S_CURVE)


@admin.action(description=_("Build a new trajectory at the historical rate of improvement"))
def build_historical(
    modeladmin: TargetAdmin, request: HttpRequest, queryset: QuerySet[Target]
) -> None:
    _build(modeladmin, request, queryset, TrajectoryMethod.HISTORICAL_RATE)


@admin.register(Target)
class TargetAdmin(SimpleHistoryAdmin):  # type: ignore[misc]
    list_display = (
        "metric",
        "local_unit",
        "subgroup",
        "baseline_period",
        "baseline_value",
        "target_period",
        "target_value",
        "status",
    )
    list_filter = ("status", "metric")
    autocomplete_fields = ("local_unit",)
    inlines = [TrajectoryInline]
    list_select_related = ("metric", "local_unit", "subgroup")
    actions = [build_linear, build_s_curve, build_historical]
    readonly_fields = ("change_reason", "approved_by")

    def get_readonly_fields(self, request: HttpRequest, obj: Target | None = None) -> Any:
        # A locked target changes only through an approved proposal (priorities.proposals).
        if obj is not None and obj.is_locked:
            return (*Target.LOCKED_FIELDS, "status", *self.readonly_fields)
        return self.readonly_fields

    def save_model(self, request: HttpRequest, obj: Target, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        refresh_smart_check(obj)


class TrajectoryPointInline(admin.TabularInline[TrajectoryPoint, Trajectory]):
    model = TrajectoryPoint
    fields = ("period", "expected", "lower", "upper")
    extra = 0

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.fields if obj is not None and obj.target.is_locked else ()

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not (obj is not None and obj.target.is_locked)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not (obj is not None and obj.target.is_locked)


@admin.register(Trajectory)
class TrajectoryAdmin(SimpleHistoryAdmin):  # type: ignore[misc]
    list_display = ("target", "version", "method", "created_at", "created_by")
    list_filter = ("method",)
    inlines = [TrajectoryPointInline]
    readonly_fields = ("created_at", "reason", "approved_by")

    def get_readonly_fields(self, request: HttpRequest, obj: Trajectory | None = None) -> Any:
        if obj is not None and obj.target.is_locked:
            return (
                "target",
                "method",
                "version",
                "parameters",
                "assumptions",
                "created_by",
                *self.readonly_fields,
            )
        return self.readonly_fields

    def has_delete_permission(self, request: HttpRequest, obj: Trajectory | None = None) -> bool:
        return not (obj is not None and obj.target.is_locked)


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin[Proposal]):
    """The record of proposed changes to locked targets; they are decided on the Approvals
    page, by another person in their own session, never edited here."""

    list_display = ("target", "kind", "status", "proposed_by", "proposed_at", "decided_by")
    list_filter = ("status", "kind")
    list_select_related = ("target__metric", "proposed_by", "decided_by")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
