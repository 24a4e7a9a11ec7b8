"""League tables: places with ties, movement between snapshots, and the priorities' order.

Local units are ranked by a score where higher is better (a level turned by the metric's
direction, or the gap to their own trajectory as a share); scores equal once rounded share a
place (1, 2, 2, 4) and are listed by name; units with no score come last, without a place.

The scores of every unit are worked out on arrays (one row per unit, NaN for "none"), with the
same arithmetic as `status.assess_against_trajectory`, so a table of thousands of units is ranked
without a progress object per unit; a long table is read a page at a time (`page_of`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from deliverology.core.assessment import RAG4_ORDER, Challenge

FloatArray = npt.NDArray[np.float64]


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


IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


def rank_arrays(
    keys: Sequence[str], names: Sequence[str], scores: FloatArray, decimals: int
) -> tuple[IntArray, IntArray, BoolArray]:
    """`rank` on arrays (a score of NaN: none): the entries' positions in table order, and in
    that order each one's place (0: none) and whether it is tied. The same order, places and
    ties as `rank`: scores rounded by Python's `round`, names and keys compared as Python does."""
    count = len(keys)
    by_name = sorted(range(count), key=lambda i: (names[i], keys[i]))
    name_order = np.empty(count, dtype=np.int64)
    name_order[by_name] = np.arange(count)
    rounded = np.array([round(score, decimals) for score in scores.tolist()], dtype=float)
    scored = ~np.isnan(rounded)
    order = np.lexsort((name_order, np.where(scored, -rounded, 0.0), ~scored)).astype(np.int64)
    best = rounded[order][: int(scored.sum())]
    starts = np.concatenate(([True], best[1:] != best[:-1]))[: len(best)]
    group = np.cumsum(starts) - 1
    places = np.zeros(count, dtype=np.int64)
    places[: len(best)] = (np.flatnonzero(starts) + 1)[group]
    tied = np.zeros(count, dtype=bool)
    tied[: len(best)] = np.bincount(group)[group] > 1 if len(best) else []
    return order, places, tied


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


# Scores on arrays: NaN stands for "none".


def level_scores(values: FloatArray, lower_is_better: bool) -> FloatArray:
    """The latest level turned so that higher is better."""
    return -values if lower_is_better else values.copy()


def gap_ratios(
    actual: FloatArray,
    expected: FloatArray,
    baseline: FloatArray,
    target: FloatArray,
    lower_is_better: bool,
) -> FloatArray:
    """Each unit's gap to its trajectory as a share of the improvement expected so far (or, at
    the baseline, of the whole improvement): `StatusAssessment.gap_ratio`, element by element.
    NaN where a figure, the expected value or the baseline is missing, or nothing is expected."""
    with np.errstate(invalid="ignore", divide="ignore"):
        difference = actual - expected
        gap = np.where(_same(actual, expected), 0.0, -difference if lower_is_better else difference)
        by_expected = ~np.isnan(expected) & ~_same(expected, baseline)
        by_target = ~np.isnan(target) & ~_same(target, baseline)
        reference = np.where(by_expected, expected, np.where(by_target, target, np.nan))
        ratio = gap / np.abs(reference - baseline)
    usable = ~np.isnan(actual) & ~np.isnan(expected) & ~np.isnan(baseline)
    return np.where(usable & (by_expected | by_target), ratio, np.nan)


def _same(first: FloatArray, second: FloatArray) -> npt.NDArray[np.bool_]:
    """`math.isclose(first, second, rel_tol=1e-9, abs_tol=1e-12)` element by element (NaN: no)."""
    largest = np.maximum(np.abs(first), np.abs(second))
    with np.errstate(invalid="ignore"):
        return np.abs(first - second) <= np.maximum(1e-9 * largest, 1e-12)


def scores_or_none(scores: FloatArray) -> list[float | None]:
    """Plain floats for `rank`, None for NaN."""
    return [None if math.isnan(score) else score for score in scores.tolist()]


# Pages of a long table.


@dataclass(frozen=True)
class Page:
    """One page of `total` rows: its number (from 1), the number of pages, and its rows as
    1-based positions `first` to `last` (0 and 0 when there are no rows)."""

    number: int
    pages: int
    total: int
    first: int
    last: int

    @property
    def start(self) -> int:
        """The page's first row as a 0-based index, for slicing."""
        return max(self.first - 1, 0)

    @property
    def stop(self) -> int:
        return self.last

    @property
    def previous(self) -> int | None:
        return self.number - 1 if self.number > 1 else None

    @property
    def next(self) -> int | None:
        return self.number + 1 if self.number < self.pages else None


def page_of(total: int, requested: int | None, rows_per_page: int) -> Page:
    """The requested page of a table; none asked for (or before the first): the first; past the
    last: the last, so an old link to a shorter table still shows rows."""
    if rows_per_page < 1:
        raise ValueError(f"rows_per_page must be 1 or more, not {rows_per_page}")
    pages = max(1, -(-total // rows_per_page))
    number = min(max(requested or 1, 1), pages)
    if total == 0:
        return Page(number=1, pages=1, total=0, first=0, last=0)
    first = (number - 1) * rows_per_page + 1
    return Page(number, pages, total, first, min(number * rows_per_page, total))
