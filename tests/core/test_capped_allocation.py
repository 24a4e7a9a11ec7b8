"""Sub-targets never leave the measure's range; what a capped unit cannot take, the others do."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deliverology.core.allocation import UnitBaseline, cap_and_share, uplifted
from deliverology.core.status import Direction

HIGHER = Direction.HIGHER_IS_BETTER
LOWER = Direction.LOWER_IS_BETTER


def implied(values: dict[str, float], units: list[UnitBaseline[str]]) -> float:
    total = sum(each.denominator for each in units)
    return sum(values[each.key] * each.denominator for each in units) / total


def test_it_holds_a_unit_at_100_and_shares_its_remainder_by_denominator() -> None:
    units = [UnitBaseline("A", 95.0, 100.0), UnitBaseline("B", 50.0, 300.0)]
    wanted = uplifted(units, 10.0, HIGHER)  # A would reach 105%
    capped = cap_and_share(units, wanted, HIGHER)
    assert capped.capped == ("A",)
    assert capped.sub_targets["A"] == 100.0
    # A's 5 points over 100 students are 500 points-students, shared over B's 300: +5/3.
    assert capped.sub_targets["B"] == pytest.approx(60.0 + 5 / 3)
    assert implied(dict(capped.sub_targets), units) == pytest.approx(implied(wanted, units))
    assert capped.feasible


def test_it_says_when_every_unit_is_held_and_the_target_cannot_be_reached() -> None:
    units = [UnitBaseline("A", 95.0, 100.0), UnitBaseline("B", 90.0, 100.0)]
    capped = cap_and_share(units, uplifted(units, 20.0, HIGHER), HIGHER)
    assert not capped.feasible
    assert set(capped.capped) == {"A", "B"}
    assert all(value == 100.0 for value in capped.sub_targets.values())


def test_a_lower_is_better_unit_is_held_at_zero() -> None:
    units = [UnitBaseline("A", 3.0, 100.0), UnitBaseline("B", 30.0, 100.0)]
    capped = cap_and_share(units, uplifted(units, 5.0, LOWER), LOWER)
    assert capped.sub_targets["A"] == 0.0
    assert capped.sub_targets["B"] == pytest.approx(23.0)


units_strategy = st.lists(
    st.tuples(st.floats(0, 100), st.floats(1, 10_000)), min_size=1, max_size=30
).map(lambda rows: [UnitBaseline(f"U{i}", b, d) for i, (b, d) in enumerate(rows)])


@given(units=units_strategy, uplift=st.floats(0, 100), lower=st.booleans())
def test_no_sub_target_leaves_the_range_and_the_system_still_reaches_what_was_asked(
    units: list[UnitBaseline[str]], uplift: float, lower: bool
) -> None:
    direction = LOWER if lower else HIGHER
    wanted = uplifted(units, uplift, direction)
    capped = cap_and_share(units, wanted, direction)
    assert all(0.0 <= value <= 100.0 for value in capped.sub_targets.values())
    asked = min(max(implied(wanted, units), 0.0), 100.0)
    # Feasible exactly when the range holds what was asked; then the system reaches it.
    if capped.feasible:
        assert implied(dict(capped.sub_targets), units) == pytest.approx(asked, abs=1e-6)
    else:
        best = 0.0 if lower else 100.0
        assert all(value == best for value in capped.sub_targets.values())
