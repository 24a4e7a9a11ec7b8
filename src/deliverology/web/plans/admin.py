from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from deliverology.web.plans.models import (
    Accountability,
    DeliveryPlan,
    Milestone,
    Risk,
    Stakeholder,
)


class MilestoneInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Milestone
    extra = 0
    fields = ("title", "owner", "starts_on", "due", "status", "completed_on")


class RiskInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Risk
    extra = 0
    fields = ("description", "likelihood", "impact", "owner", "status")


@admin.register(DeliveryPlan)
class DeliveryPlanAdmin(SimpleHistoryAdmin):  # type: ignore[misc]
    list_display = (
        "__str__",
        "priority",
        "intervention",
        "owner",
        "status",
        "starts_on",
        "ends_on",
    )
    list_filter = ("status", "priority")
    list_select_related = ("priority", "intervention", "owner")
    inlines = (MilestoneInline, RiskInline)


@admin.register(Milestone)
class MilestoneAdmin(SimpleHistoryAdmin):  # type: ignore[misc]
    list_display = ("title", "plan", "owner", "due", "status")
    list_filter = ("status", "plan__priority")
    search_fields = ("title", "evidence")
    list_select_related = ("plan__priority", "plan__intervention", "owner")


@admin.register(Risk)
class RiskAdmin(SimpleHistoryAdmin):  # type: ignore[misc]
    list_display = ("description", "plan", "likelihood", "impact", "owner", "status")
    list_filter = ("status", "plan__priority")
    list_select_related = ("plan__priority", "plan__intervention", "owner")


@admin.register(Accountability)
class AccountabilityAdmin(SimpleHistoryAdmin):  # type: ignore[misc]
    list_display = ("activity", "plan", "responsible", "accountable")
    filter_horizontal = ("consulted", "informed")
    list_select_related = ("plan__priority", "plan__intervention", "responsible", "accountable")


@admin.register(Stakeholder)
class StakeholderAdmin(SimpleHistoryAdmin):  # type: ignore[misc]
    list_display = ("name", "plan", "interest", "influence")
    list_select_related = ("plan__priority", "plan__intervention")
