from django.contrib import admin

from deliverology.web.routines.models import Action, Decision, Reminder, RubricRating, Stocktake


class DecisionInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Decision
    extra = 0


class RubricInline(admin.TabularInline):  # type: ignore[type-arg]
    model = RubricRating
    extra = 0


@admin.register(Stocktake)
class StocktakeAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["held_on", "chair", "status", "follow_up_published_on"]
    list_filter = ["status"]
    filter_horizontal = ["priorities", "attendees"]
    inlines = [DecisionInline, RubricInline]


@admin.register(Action)
class ActionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["description", "owner", "due", "status", "priority", "closed_on"]
    list_filter = ["status", "priority"]
    search_fields = ["description", "evidence"]
    raw_id_fields = ["local_unit"]
    readonly_fields = ["source_type", "source_id", "raised_by"]


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["kind", "subject_key", "sent_on"]
    list_filter = ["kind"]
