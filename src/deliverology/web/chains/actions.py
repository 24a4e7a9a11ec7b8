"""What the chain pages do, for views and the command line alike: rate a link, promote a
hypothesis, and describe a chain with the core rules (weakest link, weak links)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from deliverology.configuration import load_method_config
from deliverology.core.chains import (
    LinkState,
    WeakestLink,
    unmitigated_weak_links,
    weak_links,
    weakest_link,
)
from deliverology.reports.chain_diagram import DiagramLink, chain_diagram_svg
from deliverology.web.chains.models import ChainLink, DeliveryChain, Driver, LinkRating
from deliverology.web.diagnostics.models import Hypothesis


@transaction.atomic
def rate_link(
    link: ChainLink,
    *,
    rating: str,
    evidence: str,
    rated_on: datetime.date,
    by: User,
    today: datetime.date,
) -> LinkRating:
    """Record a new rating of the link; the earlier ones are kept. ValidationError (nothing
    saved) for a rating off the RAG4 scale, no evidence, or a date after `today`."""
    new = LinkRating(
        link=link, rating=rating, evidence=evidence.strip(), rated_on=rated_on, rated_by=by
    )
    new.check_against(today)
    new.save()
    return new


@transaction.atomic
def promote_hypothesis(
    hypothesis: Hypothesis, *, evidence: str, confidence: str, by: User
) -> Driver:
    """The hypothesis becomes a driver of its priority's performance; ValidationError when the
    evidence is missing, the confidence is off the scale or it is a driver already."""
    driver = Driver(
        priority_id=hypothesis.priority_id,
        hypothesis=hypothesis,
        statement=hypothesis.statement,
        evidence=evidence.strip(),
        confidence=confidence,
        created_by=by,
    )
    driver.full_clean()
    driver.save()
    return driver


@dataclass(frozen=True)
class ChainSummary:
    """What the rules say about a chain's links (each with its ratings prefetched)."""

    links: list[ChainLink]
    weakest: WeakestLink
    weak: list[LinkState]
    unmitigated: list[LinkState]

    @property
    def weakest_link(self) -> ChainLink | None:
        return next((ln for ln in self.links if ln.position == self.weakest.position), None)

    def is_weak(self, link: ChainLink) -> bool:
        return any(state.position == link.position for state in self.weak)

    def is_unmitigated(self, link: ChainLink) -> bool:
        return any(state.position == link.position for state in self.unmitigated)


def summarise(links: list[ChainLink]) -> ChainSummary:
    states = [link.state() for link in links]
    weak_ratings = load_method_config().chains.weak_ratings
    return ChainSummary(
        links=links,
        weakest=weakest_link(states),
        weak=weak_links(states, weak_ratings),
        unmitigated=unmitigated_weak_links(states, weak_ratings),
    )


def chain_svg(chain: DeliveryChain, summary: ChainSummary) -> str:
    """The chain's diagram, in the configured labels and colours."""
    config = load_method_config()
    drawn = []
    for link in summary.links:
        latest = link.latest_rating()
        drawn.append(
            DiagramLink(
                position=link.position,
                actor=link.actor,
                kind_label=link.actor_kind_label(),
                owner=link.owner_name,
                rating_label=latest.rating_label() if latest else _("Not rated yet"),
                colour=config.rag4_colours.get(latest.rating) if latest else None,
            )
        )
    return chain_diagram_svg(
        drawn,
        title=_("Delivery chain: %(title)s") % {"title": chain.title},
        description=_description(summary),
        weakest_position=summary.weakest.position,
        weakest_label=_("◀ Weakest link"),
    )


def _description(summary: ChainSummary) -> str:
    length = len(summary.links)
    words = [_("%(count)s links from the system leader to the front line.") % {"count": length}]
    weakest = summary.weakest_link
    if weakest is not None and summary.weakest.rating is not None:
        label = load_method_config().rag4_labels[summary.weakest.rating]
        words.append(
            _("The weakest link is %(position)s, %(actor)s, rated %(rating)s.")
            % {"position": weakest.position, "actor": weakest.actor, "rating": label}
        )
    if summary.weakest.unrated:
        positions = ", ".join(str(p) for p in summary.weakest.unrated)
        words.append(_("Not rated yet: %(positions)s.") % {"positions": positions})
    return " ".join(words)
