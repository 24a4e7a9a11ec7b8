from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from deliverology.web.chains.forms import AdminActivityForm, ChainLinkForm
from deliverology.web.chains.models import Activity, ChainLink, DeliveryChain, Driver, LinkRating


@admin.register(Activity)
class ActivityAdmin(SimpleHistoryAdmin):  # type: ignore[misc]
    form = AdminActivityForm
    list_display = ("name", "priority", "kind", "owner_name", "cost", "reach", "stop_candidate")
    list_filter = ("priority", "kind", "evidence_of_impact", "stop_candidate")
    search_fields = ("name", "owner_name")
    list_select_related = ("priority",)


@admin.register(Driver)
class DriverAdmin(SimpleHistoryAdmin):  # type: ignore[misc]
    list_display = ("statement", "priority", "confidence", "created_at")
    list_filter = ("priority", "confidence")
    list_select_related = ("priority",)
    raw_id_fields = ("hypothesis",)


class ChainLinkInline(admin.StackedInline):  # type: ignore[type-arg]
    model = ChainLink
    form = ChainLinkForm
    extra = 0
    filter_horizontal = ("local_units",)


@admin.register(DeliveryChain)
class DeliveryChainAdmin(SimpleHistoryAdmin):  # type: ignore[misc]
    list_display = ("title", "priority", "intervention")
    list_filter = ("priority",)
    list_select_related = ("priority", "intervention")
    inlines = (ChainLinkInline,)


@admin.register(LinkRating)
class LinkRatingAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Ratings are kept as history: added here or on the chain page, never changed."""

    list_display = ("link", "rating", "rated_on", "rated_by")
    list_filter = ("rating", "link__chain__priority")
    list_select_related = ("link", "rated_by")

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return obj is None
