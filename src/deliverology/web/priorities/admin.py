from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from deliverology.web.priorities.models import (
    Aspiration,
    Priority,
    Target,
    Trajectory,
    TrajectoryPoint,
)


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


class TrajectoryPointInline(admin.TabularInline[TrajectoryPoint, Trajectory]):
    model = TrajectoryPoint
    fields = ("period", "expected", "lower", "upper")
    extra = 0


@admin.register(Trajectory)
class TrajectoryAdmin(SimpleHistoryAdmin):  # type: ignore[misc]
    list_display = ("target", "version", "method", "created_at", "created_by")
    list_filter = ("method",)
    inlines = [TrajectoryPointInline]
    readonly_fields = ("created_at",)
