"""Assessments and documents in the set-up pages: read mostly; published documents are frozen."""

from __future__ import annotations

from django.contrib import admin

from deliverology.web.assessments.models import (
    Assessment,
    AssessmentComment,
    LeagueSnapshot,
    Moderation,
    MonthlyNote,
    NoteEntry,
    ReportingRound,
)


class AssessmentInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Assessment
    fields = ("priority", "likelihood", "suggested_likelihood", "is_override", "status")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(ReportingRound)
class ReportingRoundAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "as_of", "published_at")
    readonly_fields = ("published_at", "published_by")
    inlines = [AssessmentInline]


class CommentInline(admin.TabularInline):  # type: ignore[type-arg]
    model = AssessmentComment
    extra = 0


class ModerationInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Moderation
    extra = 0
    readonly_fields = ("moderated_at",)


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("priority", "reporting_round", "likelihood", "is_override", "status")
    list_filter = ("reporting_round", "status")
    readonly_fields = ("suggested_likelihood", "suggestion_reasons", "is_override", "updated_by")
    inlines = [CommentInline, ModerationInline]


class EntryInline(admin.StackedInline):  # type: ignore[type-arg]
    model = NoteEntry
    extra = 0


@admin.register(MonthlyNote)
class MonthlyNoteAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("month", "published_at", "published_by")
    readonly_fields = ("published_at", "published_by")
    inlines = [EntryInline]


@admin.register(LeagueSnapshot)
class LeagueSnapshotAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("quarter", "metric", "local_unit_type", "view", "taken_at")
    readonly_fields = ("taken_at", "taken_by")
