"""Reading chains from the database in a fixed number of queries, and the one place later
routines (problem triggers, assessment evidence) find the weak links: `weak_links`."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery

from deliverology.configuration import load_method_config
from deliverology.web.chains.models import ChainLink, DeliveryChain, LinkRating
from deliverology.web.priorities.models import Priority


@dataclass(frozen=True)
class WeakLink:
    """A link whose latest rating is weak (red or amber-red by default, `[chains]
    weak_ratings`), with that rating, whether a mitigation is recorded, and its priority."""

    link: ChainLink
    latest: LinkRating
    has_mitigation: bool

    @property
    def chain(self) -> DeliveryChain:
        return self.link.chain

    @property
    def priority(self) -> Priority:
        return self.link.chain.priority


def links_with_ratings(chain: DeliveryChain) -> list[ChainLink]:
    """A chain's links from the leader down, each with its ratings newest first (for
    `ChainLink.latest_rating` and the history) and its local units: four queries."""
    ratings = LinkRating.objects.select_related("rated_by").order_by("-rated_on", "-pk")
    return list(
        ChainLink.objects.filter(chain=chain)
        .select_related("owner")
        .prefetch_related(Prefetch("ratings", queryset=ratings), "local_units")
        .order_by("position")
    )


def _latest_rating_pk() -> Subquery:
    newest = LinkRating.objects.filter(link=OuterRef("pk")).order_by("-rated_on", "-pk")
    return Subquery(newest.values("pk")[:1])


def weak_links(priority: Priority | None = None) -> list[WeakLink]:
    """Every link, of one priority or of all, whose latest rating is weak: ordered by priority,
    chain and position. One query however many links there are."""
    links: QuerySet[ChainLink] = ChainLink.objects.annotate(latest_pk=_latest_rating_pk())
    if priority is not None:
        links = links.filter(chain__priority=priority)
    weak = [rating.value for rating in load_method_config().chains.weak_ratings]
    latest = LinkRating.objects.filter(
        pk__in=links.values("latest_pk"),  # type: ignore[misc]
        rating__in=weak,
    ).select_related("rated_by", "link__chain__priority", "link__owner")
    found = [
        WeakLink(link=rating.link, latest=rating, has_mitigation=rating.link.has_mitigation)
        for rating in latest
    ]
    found.sort(
        key=lambda each: (
            each.priority.order,
            each.priority.code,
            each.chain.title,
            each.link.position,
        )
    )
    return found
