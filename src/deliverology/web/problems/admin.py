from django.contrib import admin
from django.http import HttpRequest

from deliverology.web.problems.models import (
    CrisisGroup,
    CrisisMeeting,
    CrisisScope,
    PriorityReview,
    Problem,
    ProblemEvent,
    ReviewFinding,
    ReviewSite,
    RootCause,
)


class ProblemEventInline(admin.TabularInline[ProblemEvent, Problem]):
    model = ProblemEvent
    extra = 0
    readonly_fields = ("kind", "from_severity", "to_severity", "by", "at", "reason")
    can_delete = False


class RootCauseInline(admin.TabularInline[RootCause, Problem]):
    """Read only: root causes are linked and removed on the problem's page, kept in its history."""

    model = RootCause
    extra = 0
    readonly_fields = ("hypothesis", "driver", "link", "note", "added_by", "added_at")
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Problem | None = None) -> bool:
        return False


@admin.register(Problem)
class ProblemAdmin(admin.ModelAdmin[Problem]):
    list_display = ("priority", "local_unit", "metric", "subgroup", "severity", "status")
    list_filter = ("status", "severity", "priority")
    readonly_fields = ("evidence", "sentence", "opened_on", "trigger", "latest_period")
    raw_id_fields = ("local_unit",)
    inlines = [RootCauseInline, ProblemEventInline]


class ReviewSiteInline(admin.TabularInline[ReviewSite, PriorityReview]):
    model = ReviewSite
    extra = 0
    raw_id_fields = ("local_unit",)


class ReviewFindingInline(admin.TabularInline[ReviewFinding, PriorityReview]):
    model = ReviewFinding
    extra = 0
    raw_id_fields = ("link", "link_rating")


@admin.register(PriorityReview)
class PriorityReviewAdmin(admin.ModelAdmin[PriorityReview]):
    list_display = ("problem", "opened_on", "follow_up_on")
    raw_id_fields = ("problem",)
    inlines = [ReviewSiteInline, ReviewFindingInline]


class CrisisScopeInline(admin.TabularInline[CrisisScope, CrisisGroup]):
    model = CrisisScope
    extra = 0
    raw_id_fields = ("local_unit",)


class CrisisMeetingInline(admin.TabularInline[CrisisMeeting, CrisisGroup]):
    model = CrisisMeeting
    extra = 0


@admin.register(CrisisGroup)
class CrisisGroupAdmin(admin.ModelAdmin[CrisisGroup]):
    list_display = ("problem", "chair", "cadence", "exit_value", "opened_on")
    raw_id_fields = ("problem",)
    inlines = [CrisisScopeInline, CrisisMeetingInline]
