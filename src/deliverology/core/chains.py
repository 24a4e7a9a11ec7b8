"""Delivery chains (module 2B, docs/concepts.md "Delivery chains"): which link is weakest, which
links are weak, which weak links have no mitigation. Pure functions over plain values.

A chain is a sequence of links numbered from the system leader (position 1) down to the front
line (the highest position). Each link carries its latest RAG4 rating, or None while nobody has
rated it. A chain is as strong as its weakest link, not its average.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from deliverology.core.config import Rag4

# Worst first: red is the weakest rating.
RAG4_ORDER: tuple[Rag4, ...] = (Rag4.RED, Rag4.AMBER_RED, Rag4.AMBER_GREEN, Rag4.GREEN)


@dataclass(frozen=True)
class LinkState:
    """One link as the rules see it: where it sits, how it was last rated, whether a mitigation
    is recorded."""

    position: int
    rating: Rag4 | None
    mitigated: bool = False


@dataclass(frozen=True)
class WeakestLink:
    """The weakest rated link (None when no link is rated) and the links nobody has rated yet,
    which are reported as such: an unrated link is never guessed to be strong or weak."""

    position: int | None
    rating: Rag4 | None
    unrated: tuple[int, ...]

    @property
    def complete(self) -> bool:
        """Whether every link is rated, so that the weakest link is the chain's strength."""
        return not self.unrated


def rating_rank(rating: Rag4) -> int:
    """0 for red, the weakest, up to 3 for green."""
    return RAG4_ORDER.index(rating)


def _rank_of(link: LinkState) -> int:
    return rating_rank(link.rating) if link.rating is not None else len(RAG4_ORDER)


def weakest_link(links: Iterable[LinkState]) -> WeakestLink:
    """The link with the lowest rating.

    Ties go to the link nearest the front line (the highest position). The front line is where
    the behaviour the strategy needs must change; a weak link there has no actor below it that
    can make up for it, and everything above it passes through it. So among equally weak links
    the one nearest the front line is where a mitigation pays first. Unrated links are listed
    in `unrated` and never taken for the weakest.
    """
    ordered = sorted(links, key=lambda link: link.position)
    unrated = tuple(link.position for link in ordered if link.rating is None)
    rated = [link for link in ordered if link.rating is not None]
    if not rated:
        return WeakestLink(position=None, rating=None, unrated=unrated)
    weakest = min(rated, key=lambda link: (_rank_of(link), -link.position))
    return WeakestLink(position=weakest.position, rating=weakest.rating, unrated=unrated)


def weak_links(links: Iterable[LinkState], weak_ratings: Collection[Rag4]) -> list[LinkState]:
    """The links whose latest rating is one of the weak ratings (red and amber-red by default,
    see the configuration's `[chains] weak_ratings`), from the leader down."""
    return sorted(
        (link for link in links if link.rating is not None and link.rating in weak_ratings),
        key=lambda link: link.position,
    )


def unmitigated_weak_links(
    links: Iterable[LinkState], weak_ratings: Collection[Rag4]
) -> list[LinkState]:
    """The weak links with no mitigation recorded: the method flags each of them."""
    return [link for link in weak_links(links, weak_ratings) if not link.mitigated]
