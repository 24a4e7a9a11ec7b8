from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from deliverology.core.allocation import (
    AllocationError,
    AllocationMethod,
    UnitBaseline,
    aggregation_check,
    floor_plus_uplift,
    floor_plus_uplift_array,
    gap_closing,
    gap_closing_array,
    implied_system_value_array,
    negotiated,
    stretch_to_meet,
    uniform_uplift,
    uniform_uplift_array,
)
from deliverology.core.status import Direction

HIGHER = Direction.HIGHER_IS_BETTER
LOWER = Direction.LOWER_IS_BETTER

# A small district (100 students at 50%) and a large one (900 students at 80%).
# The system today: (50 × 100 + 80 × 900) / 1,000 = 77%, not the mean of 65%.
DISTRICTS = [UnitBaseline("small", 50.0, 100.0), UnitBaseline("large", 80.0, 900.0)]
# The same districts for a lower-is-better metric: 100 minus each figure.
MIRRORED = [UnitBaseline("small", 50.0, 100.0), UnitBaseline("large", 20.0, 900.0)]


def test_uniform_uplift_adds_the_same_points_to_every_district() -> None:
    assert uniform_uplift(DISTRICTS, 5.0, HIGHER) == {"small": 55.0, "large": 85.0}
    assert uniform_uplift(MIRRORED, 5.0, LOWER) == {"small": 45.0, "large": 15.0}


def test_uniform_uplift_stays_within_the_range() -> None:
    assert uniform_uplift(DISTRICTS, 30.0, HIGHER) == {"small": 80.0, "large": 100.0}
    assert uniform_uplift(MIRRORED, 30.0, LOWER) == {"small": 20.0, "large": 0.0}


def test_gap_closing_gives_low_performers_larger_gains() -> None:
    # Half the gap to 90: small 50 + 0.5 × 40 = 70; large 80 + 0.5 × 10 = 85.
    assert gap_closing(DISTRICTS, 90.0, 0.5, HIGHER) == {"small": 70.0, "large": 85.0}
    assert gap_closing(MIRRORED, 10.0, 0.5, LOWER) == {"small": 30.0, "large": 15.0}


def test_a_district_past_the_benchmark_keeps_its_baseline() -> None:
    assert gap_closing(DISTRICTS, 60.0, 0.5, HIGHER) == {"small": 55.0, "large": 80.0}
    assert gap_closing(MIRRORED, 40.0, 0.5, LOWER) == {"small": 45.0, "large": 20.0}


def test_floor_plus_uplift_lifts_everyone_and_nobody_below_the_floor() -> None:
    # small: the better of 70 and 52; large: the better of 70 and 82.
    assert floor_plus_uplift(DISTRICTS, 70.0, 2.0, HIGHER) == {"small": 70.0, "large": 82.0}
    assert floor_plus_uplift(MIRRORED, 30.0, 2.0, LOWER) == {"small": 30.0, "large": 18.0}


def test_negotiated_targets_are_the_proposals() -> None:
    proposals = {"small": 58.0, "large": 81.0}
    assert negotiated(DISTRICTS, proposals, HIGHER) == proposals


def test_the_aggregation_check_weights_by_denominator_not_the_mean() -> None:
    # Targets 55 and 85: implied (55 × 100 + 85 × 900) / 1,000 = 82, while their mean is 70.
    # Against 83 it is a point short: 1% of 1,000 students = 10 students.
    check = aggregation_check({"small": 55.0, "large": 85.0}, DISTRICTS, 83.0, HIGHER)
    assert check.implied_system_value == pytest.approx(82.0)
    assert check.implied_system_value != pytest.approx((55.0 + 85.0) / 2)
    assert check.shortfall == pytest.approx(1.0)
    assert check.shortfall_people == 10
    assert check.is_short


def test_the_aggregation_check_mirrors_for_lower_is_better() -> None:
    check = aggregation_check({"small": 45.0, "large": 15.0}, MIRRORED, 17.0, LOWER)
    assert check.implied_system_value == pytest.approx(18.0)
    assert check.shortfall == pytest.approx(1.0)
    assert (check.shortfall_people, check.is_short) == (10, True)


def test_sub_targets_beyond_the_system_target_are_not_short() -> None:
    check = aggregation_check({"small": 55.0, "large": 85.0}, DISTRICTS, 80.0, HIGHER)
    assert (check.shortfall, check.shortfall_people, check.is_short) == (0.0, 0, False)


def test_the_aggregation_check_rounds_people_up() -> None:
    # 0.05 points short of 1,000 students is 0.5 of a student: one more student.
    check = aggregation_check({"small": 55.0, "large": 85.0}, DISTRICTS, 82.05, HIGHER)
    assert check.shortfall_people == 1


# Stretching for a system target of 83 (the hand calculations; lower-is-better mirrors at 17):
# - gap closing to 90: implied = 77 + p × (40 × 100 + 10 × 900) / 1,000 = 77 + 13p -> p = 6/13;
# - uniform uplift: 77 + u = 83 -> u = 6;
# - floor 70 plus uplift: small stays at 70 while 50 + u < 70, so (7,000 + (80 + u) × 900)
#   / 1,000 = 83 -> u = 40/9;
# - proposals 55 and 81 imply 78.4, so u = 4.6 more for every district.
STRETCHES = [
    (AllocationMethod.GAP_CLOSING, {"benchmark": 90.0}, 6 / 13),
    (AllocationMethod.UNIFORM_UPLIFT, {}, 6.0),
    (AllocationMethod.FLOOR_PLUS_UPLIFT, {"floor": 70.0}, 40 / 9),
    (AllocationMethod.NEGOTIATED, {"proposals": {"small": 55.0, "large": 81.0}}, 4.6),
]


@pytest.mark.parametrize(("method", "parameters", "expected"), STRETCHES)
def test_stretch_to_meet_finds_the_smallest_step_that_meets_the_system_target(
    method: AllocationMethod, parameters: dict[str, Any], expected: float
) -> None:
    stretch = stretch_to_meet(method, DISTRICTS, 83.0, HIGHER, **parameters)
    assert stretch.method is method
    assert stretch.parameter == pytest.approx(expected, rel=1e-9)
    assert stretch.check.implied_system_value >= 83.0
    assert not stretch.check.is_short
    checked = aggregation_check(stretch.sub_targets, DISTRICTS, 83.0, HIGHER)
    assert checked == stretch.check
    mean = sum(stretch.sub_targets.values()) / len(stretch.sub_targets)
    assert mean != pytest.approx(checked.implied_system_value)


def _mirror(parameters: dict[str, Any]) -> dict[str, Any]:
    mirrored: dict[str, Any] = {}
    for name, value in parameters.items():
        if name == "proposals":
            mirrored[name] = {key: 100 - proposal for key, proposal in value.items()}
        else:
            mirrored[name] = 100 - value
    return mirrored


@pytest.mark.parametrize(("method", "parameters", "expected"), STRETCHES)
def test_stretch_to_meet_mirrors_for_lower_is_better(
    method: AllocationMethod, parameters: dict[str, Any], expected: float
) -> None:
    stretch = stretch_to_meet(method, MIRRORED, 17.0, LOWER, **_mirror(parameters))
    assert stretch.parameter == pytest.approx(expected, rel=1e-9)
    assert stretch.check.implied_system_value <= 17.0
    higher = stretch_to_meet(method, DISTRICTS, 83.0, HIGHER, **parameters)
    for key, target in stretch.sub_targets.items():
        assert target == pytest.approx(100 - higher.sub_targets[key])


def test_sub_targets_that_already_meet_need_no_stretch() -> None:
    stretch = stretch_to_meet(AllocationMethod.GAP_CLOSING, DISTRICTS, 75.0, HIGHER, benchmark=90)
    assert stretch.parameter == 0.0
    assert stretch.sub_targets == {"small": 50.0, "large": 80.0}


@pytest.mark.parametrize(
    ("method", "target", "parameters", "message"),
    [
        (
            "gap_closing",
            90.0,
            {"benchmark": 85.0},
            "even closing the whole gap to the benchmark of 85, the sub-targets imply 85 for "
            "the system, short of its target of 90",
        ),
        ("uniform_uplift", 101.0, {}, "the system target must be between 0 and 100"),
        ("gap_closing", 83.0, {}, "the gap_closing method needs the benchmark"),
        ("floor_plus_uplift", 83.0, {}, "the floor_plus_uplift method needs the floor"),
        ("negotiated", 83.0, {}, "the negotiated method needs the proposals"),
        ("negotiated", 83.0, {"proposals": {"small": 60.0}}, "there is no proposal for large"),
        ("negotiated", 83.0, {"proposals": {"small": 60, "large": 101}}, "large: the proposal"),
        ("guessing", 83.0, {}, "'guessing' is not an allocation method"),
    ],
)
def test_stretch_to_meet_explains_why_it_cannot(
    method: AllocationMethod, target: float, parameters: dict[str, Any], message: str
) -> None:
    with pytest.raises(AllocationError, match=message):
        stretch_to_meet(method, DISTRICTS, target, HIGHER, **parameters)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: uniform_uplift(DISTRICTS, -1.0, HIGHER), "the uplift must be a number, 0 or more"),
        (lambda: gap_closing(DISTRICTS, 90.0, 1.5, HIGHER), "share of the gap .* between 0 and 1"),
        (lambda: gap_closing(DISTRICTS, 120.0, 0.5, HIGHER), "the benchmark must be between 0"),
        (lambda: floor_plus_uplift(DISTRICTS, -5.0, 1.0, HIGHER), "the floor must be between"),
        (lambda: uniform_uplift([], 1.0, HIGHER), "at least one local unit"),
        (lambda: uniform_uplift([*DISTRICTS, DISTRICTS[0]], 1.0, HIGHER), "only once"),
        (lambda: uniform_uplift([UnitBaseline("x", 120, 5)], 1.0, HIGHER), "x: the baseline 120"),
        (lambda: UnitBaseline("x", 50.0, 0.0), "x: the denominator must be a number above zero"),
        (lambda: UnitBaseline("x", float("nan"), 1.0), "x: the baseline must be a number"),
        (
            lambda: aggregation_check({"small": 1.0}, DISTRICTS, 80.0, HIGHER),
            "there is no sub-target for large",
        ),
        (
            lambda: aggregation_check({"small": 1, "large": 2, "x": 3}, DISTRICTS, 80, HIGHER),
            "a sub-target for local units not in the list: x",
        ),
    ],
)
def test_allocation_explains_impossible_inputs(call: Any, message: str) -> None:
    with pytest.raises(AllocationError, match=message):
        call()


def test_the_array_variants_take_one_benchmark_per_district() -> None:
    baselines = np.array([50.0, 80.0, 95.0])
    benchmarks = np.array([70.0, 90.0, 90.0])
    assert gap_closing_array(baselines, benchmarks, 0.5, HIGHER).tolist() == [60, 85, 95]
    assert uniform_uplift_array(baselines, 10.0, HIGHER).tolist() == [60, 90, 100]
    assert floor_plus_uplift_array(baselines, 75.0, 1.0, HIGHER).tolist() == [75, 81, 96]
    assert implied_system_value_array(baselines, np.array([1.0, 1.0, 2.0])) == pytest.approx(80)


def test_ten_thousand_districts_are_allocated_at_once() -> None:
    rng = np.random.default_rng(4)
    districts = [
        UnitBaseline(index, float(base), float(den))
        for index, (base, den) in enumerate(
            zip(rng.uniform(20, 95, 10_000), rng.integers(10, 2_000, 10_000), strict=True)
        )
    ]
    stretch = stretch_to_meet(AllocationMethod.GAP_CLOSING, districts, 80.0, HIGHER, benchmark=95)
    assert len(stretch.sub_targets) == 10_000
    assert not stretch.check.is_short
    assert stretch.check.implied_system_value == pytest.approx(80.0, abs=1e-6)


baselines = st.floats(0, 100, allow_nan=False)
denominators = st.floats(1, 1e4, allow_nan=False)
districts_strategy = st.lists(st.tuples(baselines, denominators), min_size=1, max_size=25)


@given(
    districts_strategy,
    st.floats(0, 100, allow_nan=False),
    st.sampled_from(list(AllocationMethod)),
    st.floats(0, 100, allow_nan=False),
    st.sampled_from([HIGHER, LOWER]),
)
def test_stretched_sub_targets_add_up_to_at_least_the_system_target(
    figures: list[tuple[float, float]],
    system_target: float,
    method: AllocationMethod,
    level: float,
    direction: Direction,
) -> None:
    districts = [UnitBaseline(f"D{i}", base, den) for i, (base, den) in enumerate(figures)]
    choices: dict[AllocationMethod, dict[str, Any]] = {
        AllocationMethod.GAP_CLOSING: {"benchmark": level},
        AllocationMethod.UNIFORM_UPLIFT: {},
        AllocationMethod.FLOOR_PLUS_UPLIFT: {"floor": level},
        AllocationMethod.NEGOTIATED: {"proposals": {each.key: level for each in districts}},
    }
    parameters = choices[method]
    try:
        stretch = stretch_to_meet(method, districts, system_target, direction, **parameters)
    except AllocationError:
        # Only gap closing can run out: even closing every gap falls short.
        assert method is AllocationMethod.GAP_CLOSING
        whole = gap_closing(districts, level, 1.0, direction)
        assert aggregation_check(whole, districts, system_target, direction).is_short
        return
    sign = 1 if direction is HIGHER else -1
    check = aggregation_check(stretch.sub_targets, districts, system_target, direction)
    assert not check.is_short
    # met, to within the floating-point noise the check itself allows (1e-9 of the scale, 100):
    # 1.9000000000000004 meets a lower-is-better 1.9
    assert sign * (check.implied_system_value - system_target) >= -1e-9 * 100
    assert all(0 <= target <= 100 for target in stretch.sub_targets.values())
    weighted = sum(stretch.sub_targets[each.key] * each.denominator for each in districts)
    total = sum(each.denominator for each in districts)
    assert check.implied_system_value == pytest.approx(weighted / total)


@given(districts_strategy, st.floats(0, 30, allow_nan=False), st.floats(0, 1))
def test_mirroring_the_districts_mirrors_every_method(
    figures: list[tuple[float, float]], uplift: float, share: float
) -> None:
    up = [UnitBaseline(f"D{i}", base, den) for i, (base, den) in enumerate(figures)]
    down = [UnitBaseline(each.key, 100 - each.baseline, each.denominator) for each in up]
    pairs = [
        (uniform_uplift(up, uplift, HIGHER), uniform_uplift(down, uplift, LOWER)),
        (gap_closing(up, 85.0, share, HIGHER), gap_closing(down, 15.0, share, LOWER)),
        (floor_plus_uplift(up, 60, uplift, HIGHER), floor_plus_uplift(down, 40, uplift, LOWER)),
    ]
    for higher, lower in pairs:
        for key, target in higher.items():
            assert lower[key] == pytest.approx(100 - target, abs=1e-9)
