"""League tables: places with ties, movement between snapshots, and the priorities' order.

Local units are ranked by a score where higher is better (a level turned by the metric's
direction, or the gap to their own trajectory as a share); scores equal once rounded share a
place (1, 2, 2, 4) and are listed by name; units with no score come last, without a place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from deliverology.core.assessment import RAG4_ORDER, Challenge


@dataclass(frozen=True)
class Entry:
    key: str
    name: str
    score: float | None


@dataclass(frozen=True)
class Placed:
    entry: Entry
    place: int | None
    tied: bool


def rank(entries: Sequence[Entry], decimals: int) -> list[Placed]:
    """Best score first, with shared places for ties; no score: last, by name, unplaced."""
    scored = [e for e in entries if e.score is not None]
    unscored = sorted((e for e in entries if e.score is None), key=lambda e: (e.name, e.key))
    rounded = {e.key: round(e.score, decimals) for e in scored if e.score is not None}
    ordered = sorted(scored, key=lambda e: (-rounded[e.key], e.name, e.key))
    counts: dict[float, int] = {}
    for value in rounded.values():
        counts[value] = counts.get(value, 0) + 1
    placed: list[Placed] = []
    place = 0
    for index, entry in enumerate(ordered):
        if index == 0 or rounded[entry.key] != rounded[ordered[index - 1].key]:
            place = index + 1
        placed.append(Placed(entry, place, counts[rounded[entry.key]] > 1))
    return placed + [Placed(e, None, False) for e in unscored]


def movement(place: int | None, previous_place: int | None) -> int | None:
    """Places gained since the previous snapshot (positive: up); None when either is unknown."""
    if place is None or previous_place is None:
        return None
    return previous_place - place


@dataclass(frozen=True)
class RatedPriority:
    key: str
    name: str
    likelihood: str | None
    previous_likelihood: str | None
    challenge: str | None


def change(likelihood: str | None, previous: str | None) -> int | None:
    """Notches moved since the previous report (positive: improved)."""
    if likelihood is None or previous is None:
        return None
    return RAG4_ORDER.index(likelihood) - RAG4_ORDER.index(previous)


def priority_order(priorities: Sequence[RatedPriority]) -> list[RatedPriority]:
    """Most likely to be delivered first; then the most improved since the last report; then
    the hardest challenge first (a green on a very hard priority ranks above an easy one)."""
    challenges = list(Challenge)

    def key(rated: RatedPriority) -> tuple[int, int, int, str]:
        likelihood = -1 if rated.likelihood is None else RAG4_ORDER.index(rated.likelihood)
        moved = change(rated.likelihood, rated.previous_likelihood)
        hardest = -1 if rated.challenge is None else challenges.index(Challenge(rated.challenge))
        return (-likelihood, -(moved or 0), -hardest, rated.name)

    return sorted(priorities, key=key)


def places_by_key(placed: Sequence[Placed]) -> Mapping[str, int | None]:
    return {p.entry.key: p.place for p in placed}
