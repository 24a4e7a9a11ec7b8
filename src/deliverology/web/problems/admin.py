from django.contrib import admin

from deliverology.web.problems.models import Problem, ProblemEvent


class ProblemEventInline(admin.TabularInline[ProblemEvent, Problem]):
    model = ProblemEvent
    extra = 0
    readonly_fields = ("kind", "from_severity", "to_severity", "by", "at", "reason")
    can_delete = False


@admin.register(Problem)
class ProblemAdmin(admin.ModelAdmin[Problem]):
    list_display = ("priority", "local_unit", "metric", "subgroup", "severity", "status")
    list_filter = ("status", "severity", "priority")
    readonly_fields = ("evidence", "sentence", "opened_on", "trigger", "latest_period")
    raw_id_fields = ("local_unit",)
    inlines = [ProblemEventInline]
