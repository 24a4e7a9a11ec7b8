from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from deliverology.web.diagnostics.models import Comparator, Hypothesis


@admin.register(Comparator)
class ComparatorAdmin(SimpleHistoryAdmin):  # type: ignore[misc]
    list_display = ("name", "kind", "metric", "subgroup", "period", "value", "source")
    list_filter = ("kind", "metric", "subgroup")
    search_fields = ("name", "source")
    list_select_related = ("metric", "subgroup")


@admin.register(Hypothesis)
class HypothesisAdmin(SimpleHistoryAdmin):  # type: ignore[misc]
    list_display = ("statement", "kind", "status", "priority", "local_unit", "author", "created_at")
    list_filter = ("kind", "status", "priority")
    search_fields = ("statement", "evidence")
    list_select_related = ("priority", "local_unit", "author")
    readonly_fields = ("created_at",)
