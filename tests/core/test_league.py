"""League tables: places with ties, movement, and the priorities' order in a delivery report."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from deliverology.core.league import (
    Entry,
    RatedPriority,
    change,
    gap_ratios,
    level_scores,
    movement,
    page_of,
    priority_order,
    rank,
    rank_arrays,
    scores_or_none,
)
from deliverology.core.status import Direction, StatusBands, assess_against_trajectory


def test_equal_scores_share_a_place_and_the_next_place_is_skipped():
    placed = rank(
        [
            Entry("c", "Cedar", 71.04),
            Entry("a", "Ash", 80.0),
            Entry("b", "Birch", 71.0),
            Entry("d", "Dale", 60.0),
        ],
        decimals=1,
    )
    assert [(p.entry.key, p.place, p.tied) for p in placed] == [
        ("a", 1, False),
        ("b", 2, True),  # 71.0 and 71.04 are equal at one decimal: by name
        ("c", 2, True),
        ("d", 4, False),
    ]


def test_units_without_a_score_come_last_without_a_place():
    placed = rank([Entry("z", "Zed", None), Entry("y", "Yew", -0.2)], decimals=2)
    assert [(p.entry.key, p.place) for p in placed] == [("y", 1), ("z", None)]


@pytest.mark.parametrize(
    ("place", "previous", "expected"),
    [(3, 5, 2), (5, 3, -2), (4, 4, 0), (None, 2, None), (2, None, None)],
)
def test_movement_is_places_gained_since_the_previous_snapshot(place, previous, expected):
    assert movement(place, previous) == expected


scores = st.lists(
    st.tuples(st.none() | st.floats(-100, 100, allow_nan=False), st.text(max_size=3)),
    max_size=12,
)


@given(scores, st.integers(0, 3))
def test_places_never_fall_as_the_table_goes_down_and_ties_share_one(entries, decimals):
    placed = rank([Entry(str(i), name, score) for i, (score, name) in enumerate(entries)], decimals)
    assert len(placed) == len(entries)
    places = [p.place for p in placed if p.place is not None]
    assert places == sorted(places)
    assert all(p.place is None for p in placed[len(places) :])
    for index, p in enumerate(placed[: len(places)]):
        assert p.place is not None and p.place <= index + 1
        same = [q for q in placed if q.place == p.place]
        assert p.tied == (len(same) > 1)


ranked_scores = st.lists(
    st.tuples(
        st.none()
        | st.sampled_from([0.0, -0.0, 1.0, 1.004, 1.006, 2.5, -2.5])
        | st.floats(allow_nan=False),
        st.text(max_size=3),
    ),
    max_size=15,
)


@given(ranked_scores, st.integers(0, 3))
def test_ranking_on_arrays_gives_the_order_places_and_ties_of_rank(entries, decimals):
    keys = [str(i) for i in range(len(entries))]
    names = [name for _, name in entries]
    values = np.array([np.nan if s is None else s for s, _ in entries], dtype=float)
    order, places, tied = rank_arrays(keys, names, values, decimals)
    placed = rank([Entry(k, n, s) for k, (s, n) in zip(keys, entries, strict=True)], decimals)
    assert [keys[i] for i in order] == [p.entry.key for p in placed]
    assert [p or None for p in places.tolist()] == [p.place for p in placed]
    assert tied.tolist() == [p.tied for p in placed]


def rated(key, likelihood, previous=None, challenge=None):
    return RatedPriority(key, key, likelihood, previous, challenge)


def test_priorities_are_ordered_by_likelihood_then_improvement_then_challenge():
    ordered = priority_order(
        [
            rated("a", "amber_red", "amber_red", "low"),
            rated("b", "amber_green", "green", "high"),
            rated("c", "amber_green", "amber_red", "low"),
            rated("d", "green", None, "medium"),
            rated("e", "amber_red", "amber_red", "very_high"),
            rated("f", None),
        ]
    )
    assert [p.key for p in ordered] == ["d", "c", "b", "e", "a", "f"]


def test_change_is_notches_moved_since_the_last_report():
    assert change("green", "amber_red") == 2
    assert change("red", "amber_green") == -2
    assert change("green", None) is None


# Scores on arrays, and pages.

figures = st.one_of(
    st.none(),
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
    st.sampled_from([0.0, 50.0, 50.0 + 1e-12, 80.0, 100.0]),
)


@given(st.lists(st.tuples(figures, figures, figures, figures), max_size=30), st.booleans())
def test_gap_ratios_on_arrays_are_the_assessments_gap_ratios(rows, lower):
    direction = Direction.LOWER_IS_BETTER if lower else Direction.HIGHER_IS_BETTER
    columns = [
        np.array([np.nan if row[i] is None else row[i] for row in rows], dtype=float)
        for i in range(4)
    ]
    found = scores_or_none(gap_ratios(*columns, lower_is_better=lower))
    expected = [
        assess_against_trajectory(actual, at, baseline, target, direction, StatusBands()).gap_ratio
        for actual, at, baseline, target in rows
    ]
    assert found == expected  # exactly: the same arithmetic, element by element


def test_level_scores_turn_a_lower_is_better_level():
    values = np.array([3.0, np.nan])
    assert scores_or_none(level_scores(values, lower_is_better=True)) == [-3.0, None]
    assert scores_or_none(level_scores(values, lower_is_better=False)) == [3.0, None]


def test_a_table_is_paged_with_the_rows_of_each_page():
    first = page_of(120, None, 50)
    assert (first.number, first.pages, first.first, first.last) == (1, 3, 1, 50)
    assert (first.previous, first.next) == (None, 2)
    last = page_of(120, 3, 50)
    assert (last.first, last.last, last.start, last.stop) == (101, 120, 100, 120)
    assert (last.previous, last.next) == (2, None)


def test_a_page_past_the_last_is_the_last_and_before_the_first_the_first():
    assert page_of(120, 9, 50) == page_of(120, 3, 50)
    assert page_of(120, 0, 50) == page_of(120, -2, 50) == page_of(120, 1, 50)


def test_an_empty_table_has_one_empty_page():
    empty = page_of(0, 4, 50)
    assert (empty.number, empty.pages, empty.first, empty.last, empty.total) == (1, 1, 0, 0, 0)
    assert (empty.start, empty.stop) == (0, 0)


@given(st.integers(0, 500), st.integers(1, 60))
def test_the_pages_hold_every_row_once(total, per_page):
    first = page_of(total, 1, per_page)
    rows = [
        i
        for n in range(1, first.pages + 1)
        for i in range(page_of(total, n, per_page).start, page_of(total, n, per_page).stop)
    ]
    assert rows == list(range(total))


def test_rows_per_page_must_be_one_or_more():
    with pytest.raises(ValueError, match="1 or more"):
        page_of(10, 1, 0)
