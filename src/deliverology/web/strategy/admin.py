from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from deliverology.web.strategy.forms import InterventionForm
from deliverology.web.strategy.models import Intervention, StopListItem


@admin.register(Intervention)
class InterventionAdmin(SimpleHistoryAdmin):  # type: ignore[misc]
    form = InterventionForm
    list_display = ("title", "priority", "owner", "impact", "difficulty", "effect", "status")
    list_filter = ("status", "priority")
    search_fields = ("title", "description")
    filter_horizontal = ("reach_units", "dependencies")
    list_select_related = ("priority", "owner")


@admin.register(StopListItem)
class StopListItemAdmin(SimpleHistoryAdmin):  # type: ignore[misc]
    list_display = ("activity", "priority", "status")
    list_filter = ("status", "priority")
    list_select_related = ("priority",)
