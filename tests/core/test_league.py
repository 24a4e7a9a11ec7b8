"""League tables: places with ties, movement, and the priorities' order in a delivery report."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deliverology.core.league import (
    Entry,
    RatedPriority,
    change,
    movement,
    priority_order,
    rank,
)


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
