from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from deliverology.web.subtargets.models import NegotiationStep, SubTarget, SubTargetSet


class SubTargetInline(admin.TabularInline[SubTarget, SubTargetSet]):
    model = SubTarget
    fields = ("local_unit", "baseline_value", "baseline_denominator", "value", "status")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True


@admin.register(SubTargetSet)
class SubTargetSetAdmin(SimpleHistoryAdmin):  # type: ignore[misc]
    list_display = ("target", "level", "method", "status", "created_at")
    list_filter = ("method", "status")
    readonly_fields = ("created_at", "agreed_at")
    inlines = [SubTargetInline]


class NegotiationStepInline(admin.TabularInline[NegotiationStep, SubTarget]):
    model = NegotiationStep
    fields = ("kind", "value", "by", "at", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(SubTarget)
class SubTargetAdmin(SimpleHistoryAdmin):  # type: ignore[misc]
    """Read-only here: sub-targets change through the negotiation on their page, where the
    aggregation check is kept."""

    list_display = ("local_unit", "sub_target_set", "baseline_value", "value", "status")
    list_filter = ("status",)
    list_select_related = ("local_unit", "sub_target_set__target__metric")
    inlines = [NegotiationStepInline]

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_add_permission(self, request: object) -> bool:
        return False
