"""The delivery chain's rules: the weakest link, the weak links, and weak links left unmitigated."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deliverology.core.chains import (
    LinkState,
    rating_rank,
    unmitigated_weak_links,
    weak_links,
    weakest_link,
)
from deliverology.core.config import Rag4

R, AR, AG, G = Rag4.RED, Rag4.AMBER_RED, Rag4.AMBER_GREEN, Rag4.GREEN
WEAK = (R, AR)


def chain(*ratings: Rag4 | None) -> list[LinkState]:
    return [LinkState(position, rating) for position, rating in enumerate(ratings, start=1)]


@pytest.mark.parametrize(
    ("ratings", "position", "rating", "unrated"),
    [
        ((G, AG, R, G), 3, R, ()),
        ((G, AR, AG, G), 2, AR, ()),
        ((AR, G, AR, G), 3, AR, ()),  # a tie goes to the link nearest the front line
        ((R, R), 2, R, ()),
        ((G, None, AG), 3, AG, (2,)),  # an unrated link is reported, not taken for the weakest
        ((None, None), None, None, (1, 2)),
        ((), None, None, ()),
        ((G,), 1, G, ()),
    ],
)
def test_it_finds_the_weakest_link(
    ratings: tuple[Rag4 | None, ...],
    position: int | None,
    rating: Rag4 | None,
    unrated: tuple[int, ...],
) -> None:
    found = weakest_link(chain(*ratings))
    assert (found.position, found.rating, found.unrated) == (position, rating, unrated)
    assert found.complete == (not unrated)


def test_it_reads_the_links_in_position_order_whatever_order_they_come_in() -> None:
    links = [LinkState(3, AR), LinkState(1, AR), LinkState(2, None)]
    found = weakest_link(links)
    assert (found.position, found.unrated) == (3, (2,))


@pytest.mark.parametrize(
    ("ratings", "weak_ratings", "positions"),
    [
        ((G, AR, R, AG, None), WEAK, [2, 3]),
        ((G, AR, R, AG, None), (R,), [3]),
        ((G, AG), WEAK, []),
        ((None, None), WEAK, []),
    ],
)
def test_it_lists_the_weak_links_from_the_leader_down(
    ratings: tuple[Rag4 | None, ...], weak_ratings: tuple[Rag4, ...], positions: list[int]
) -> None:
    assert [link.position for link in weak_links(chain(*ratings), weak_ratings)] == positions


def test_it_flags_only_the_weak_links_without_a_mitigation() -> None:
    links = [LinkState(1, R, mitigated=True), LinkState(2, AR), LinkState(3, G)]
    assert [link.position for link in unmitigated_weak_links(links, WEAK)] == [2]


ratings = st.one_of(st.none(), st.sampled_from(list(Rag4)))


@settings(deadline=None)  # the machine is shared: a slow example is not a wrong one
@given(st.lists(ratings, max_size=12))
def test_no_rated_link_is_weaker_than_the_weakest(drawn: list[Rag4 | None]) -> None:
    links = chain(*drawn)
    found = weakest_link(links)
    rated = [link for link in links if link.rating is not None]
    assert found.unrated == tuple(link.position for link in links if link.rating is None)
    if not rated:
        assert found.position is None
        return
    assert found.rating is not None
    lowest = min(rating_rank(Rag4(link.rating)) for link in rated)
    assert rating_rank(found.rating) == lowest
    ties = [link.position for link in rated if rating_rank(Rag4(link.rating)) == lowest]
    assert found.position == max(ties)
    assert found.position not in found.unrated


@settings(deadline=None)  # the machine is shared: a slow example is not a wrong one
@given(st.lists(ratings, max_size=12))
def test_the_weakest_link_is_weak_whenever_any_link_is(drawn: list[Rag4 | None]) -> None:
    links = chain(*drawn)
    weak = weak_links(links, WEAK)
    found = weakest_link(links)
    assert bool(weak) == (found.rating in WEAK)
    if weak:
        assert found.position in [link.position for link in weak]
