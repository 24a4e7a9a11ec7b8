from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from deliverology.web.performance.models import (
    ImportRun,
    LocalUnit,
    Metric,
    Observation,
    Rollup,
    SavedMapping,
    Subgroup,
)


@admin.register(LocalUnit)
class LocalUnitAdmin(admin.ModelAdmin[LocalUnit]):
    list_display = ("code", "name", "type", "category", "parent", "valid_from", "valid_to")
    list_filter = ("type", "category")
    search_fields = ("code", "name")
    autocomplete_fields = ("parent",)
    readonly_fields = ("path", "depth")
    list_select_related = ("parent",)


@admin.register(Subgroup)
class SubgroupAdmin(admin.ModelAdmin[Subgroup]):
    list_display = ("code", "name", "order")
    search_fields = ("code", "name")


@admin.register(Metric)
class MetricAdmin(admin.ModelAdmin[Metric]):
    list_display = ("code", "name", "kind", "aggregation", "direction", "frequency")
    list_filter = ("kind", "aggregation", "direction", "frequency")
    search_fields = ("code", "name")


@admin.register(Observation)
class ObservationAdmin(SimpleHistoryAdmin):  # type: ignore[misc]
    list_display = (
        "metric",
        "local_unit",
        "subgroup",
        "period",
        "value",
        "numerator",
        "denominator",
        "provisional",
        "missing_reason",
    )
    list_filter = ("metric", "subgroup", "period", "provisional", "missing_reason")
    search_fields = ("local_unit__code", "local_unit__name")
    autocomplete_fields = ("local_unit",)
    readonly_fields = ("value", "loaded_at")
    list_select_related = ("metric", "local_unit", "subgroup")
    show_full_result_count = False


@admin.register(Rollup)
class RollupAdmin(admin.ModelAdmin[Rollup]):
    """Derived figures: visible for checking, never edited by hand."""

    list_display = (
        "metric",
        "local_unit",
        "subgroup",
        "period",
        "value",
        "reporting_children",
        "expected_children",
        "suppressed_children",
        "uncounted_children",
        "covered_share",
    )
    list_filter = ("metric", "subgroup", "period")
    search_fields = ("local_unit__code", "local_unit__name")
    list_select_related = ("metric", "local_unit", "subgroup")
    show_full_result_count = False

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(SavedMapping)
class SavedMappingAdmin(admin.ModelAdmin[SavedMapping]):
    """Mappings and record definitions, checked when saved (SavedMapping.clean)."""

    list_display = ("name", "kind", "description")
    list_filter = ("kind",)
    search_fields = ("name", "description")


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin[ImportRun]):
    """The record of every import: read only, as provenance must be."""

    list_display = ("started_at", "file_name", "kind", "outcome", "rows_new", "rows_changed")
    list_filter = ("kind", "outcome")
    search_fields = ("file_name", "file_sha256")
    list_select_related = ("created_by",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ImportRun | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ImportRun | None = None) -> bool:
        return False
