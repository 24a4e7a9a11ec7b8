from __future__ import annotations

from itertools import pairwise
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deliverology.core.periods import Period, PeriodKind
from deliverology.core.trajectories import (
    TrajectoryError,
    TrajectoryMethod,
    TrajectoryPoint,
    average_change,
    back_loaded_trajectory,
    benchmark_rate_trajectory,
    build_trajectory,
    compound_rate,
    dip_then_rise_trajectory,
    expected_value,
    front_loaded_trajectory,
    historical_rate_trajectory,
    linear_trajectory,
    s_curve_trajectory,
    shifted_trajectory,
    trajectory_periods,
)

AY = PeriodKind.ACADEMIC_YEAR


def ay(year: int) -> Period:
    return Period(AY, year)


def quarter(year: int, index: int) -> Period:
    return Period(PeriodKind.QUARTER, year, index)


def expected_values(points: list[TrajectoryPoint]) -> list[float]:
    return [point.expected for point in points]


def test_a_linear_trajectory_improves_by_the_same_amount_each_period() -> None:
    points = linear_trajectory(ay(2022), 60.0, ay(2026), 80.0)
    assert [p.period.label for p in points] == [
        "2022-23",
        "2023-24",
        "2024-25",
        "2025-26",
        "2026-27",
    ]
    assert expected_values(points) == pytest.approx([60, 65, 70, 75, 80])
    assert all(p.lower is None and p.upper is None for p in points)


def test_a_linear_trajectory_can_go_down_for_a_lower_is_better_metric() -> None:
    points = linear_trajectory(quarter(2024, 1), 12.0, quarter(2024, 4), 6.0)
    assert expected_values(points) == pytest.approx([12, 10, 8, 6])


def test_an_s_curve_starts_slowly_speeds_up_and_slows_down() -> None:
    points = s_curve_trajectory(ay(2020), 0.0, ay(2030), 100.0)
    steps = [b - a for a, b in pairwise(expected_values(points))]
    assert steps[0] < steps[4] and steps[-1] < steps[5]
    assert steps == pytest.approx(list(reversed(steps)))  # symmetric around a 0.5 midpoint
    assert expected_values(points)[5] == pytest.approx(50.0)


def test_a_late_midpoint_back_loads_the_s_curve() -> None:
    early = s_curve_trajectory(ay(2020), 0.0, ay(2030), 100.0, midpoint=0.3)
    late = s_curve_trajectory(ay(2020), 0.0, ay(2030), 100.0, midpoint=0.8)
    assert expected_values(late)[5] < 50 < expected_values(early)[5]


def test_a_very_steep_s_curve_is_a_step_without_overflowing() -> None:
    points = s_curve_trajectory(ay(2020), 0.0, ay(2024), 10.0, steepness=5000)
    assert expected_values(points) == pytest.approx([0, 0, 5, 10, 10])


def test_a_very_flat_s_curve_is_a_straight_line() -> None:
    points = s_curve_trajectory(ay(2020), 0.0, ay(2024), 10.0, steepness=1e-300)
    assert expected_values(points) == pytest.approx([0, 2.5, 5, 7.5, 10])


HISTORY = [(ay(2018), 50.0), (ay(2019), 52.0), (ay(2020), 53.0), (ay(2021), 55.0), (ay(2022), 58.0)]


@pytest.mark.parametrize(
    ("periods_back", "expected"),
    [(1, 3.0), (2, 2.5), (3, 2.0), (4, 2.0)],
)
def test_average_change_per_period(periods_back: int, expected: float) -> None:
    assert average_change(HISTORY, periods_back) == pytest.approx(expected)


def test_average_change_spreads_a_gap_in_the_history_over_the_missing_periods() -> None:
    assert average_change([(ay(2018), 50.0), (ay(2021), 56.0)], 1) == pytest.approx(2.0)


def test_average_change_reads_the_history_in_period_order() -> None:
    assert average_change(list(reversed(HISTORY)), 1) == pytest.approx(3.0)


def test_compound_rate_per_period() -> None:
    history = [(ay(2019), 100.0), (ay(2020), 110.0), (ay(2021), 121.0)]
    assert compound_rate(history, 2) == pytest.approx(0.10)


def test_a_historical_rate_trajectory_continues_the_recent_average_change() -> None:
    points = historical_rate_trajectory(HISTORY, ay(2022), 58.0, ay(2025), periods_back=3)
    assert expected_values(points) == pytest.approx([58, 60, 62, 64])


def test_a_compound_historical_trajectory_grows_by_the_same_rate() -> None:
    history = [(ay(2019), 100.0), (ay(2020), 110.0), (ay(2021), 121.0)]
    points = historical_rate_trajectory(history, ay(2021), 121.0, ay(2023), 2, compound=True)
    assert expected_values(points) == pytest.approx([121, 133.1, 146.41])


def test_a_historical_rate_ignores_figures_after_the_baseline() -> None:
    later = [*HISTORY, (ay(2023), 90.0)]
    points = historical_rate_trajectory(later, ay(2022), 58.0, ay(2023), periods_back=1)
    assert expected_values(points) == pytest.approx([58, 61])


@pytest.mark.parametrize(
    ("history", "periods_back", "compound", "message"),
    [
        (HISTORY[:2], 3, False, "looking back 3 periods needs 4 figures of history"),
        (HISTORY, 0, False, "the look-back must be at least one period"),
        ([(ay(2021), 0.0), (ay(2022), 5.0)], 1, True, "a compound rate needs positive values"),
        ([(ay(2022), 1.0), (ay(2022), 2.0)], 1, False, "two figures for 2022-23"),
        ([(ay(2021), 1.0), (Period(PeriodKind.CALENDAR_YEAR, 2022), 2.0)], 1, False, "2022,"),
        ([(ay(2021), float("nan")), (ay(2022), 2.0)], 1, False, "must be a number"),
    ],
)
def test_a_historical_rate_explains_unusable_history(
    history: list[tuple[Period, float]], periods_back: int, compound: bool, message: str
) -> None:
    with pytest.raises(TrajectoryError, match=message):
        historical_rate_trajectory(history, ay(2022), 58.0, ay(2025), periods_back, compound)


@pytest.mark.parametrize(
    ("baseline", "target", "message"),
    [
        (ay(2022), ay(2020), "the target period 2020-21 is before the baseline 2022-23"),
        (ay(2022), ay(2022), "the target period 2022-23 is the baseline period"),
        (ay(2022), quarter(2025, 1), "2022-23 is an academic year but the target 2025-Q1 is a"),
    ],
)
def test_a_trajectory_needs_a_target_after_the_baseline(
    baseline: Period, target: Period, message: str
) -> None:
    with pytest.raises(TrajectoryError, match=message):
        linear_trajectory(baseline, 50.0, target, 60.0)


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"steepness": 0}, "steepness must be above zero"),
        ({"midpoint": 1.5}, "midpoint must be between 0 and 1"),
        ({"steepness": float("inf")}, "the steepness must be a number"),
    ],
)
def test_an_s_curve_refuses_impossible_shapes(parameters: dict[str, float], message: str) -> None:
    with pytest.raises(TrajectoryError, match=message):
        s_curve_trajectory(ay(2020), 0.0, ay(2024), 10.0, **parameters)


def test_a_trajectory_refuses_a_baseline_that_is_not_a_number() -> None:
    with pytest.raises(TrajectoryError, match="the baseline value must be a number"):
        linear_trajectory(ay(2020), float("nan"), ay(2024), 10.0)


@pytest.mark.parametrize(
    ("method", "parameters", "expected"),
    [
        ("linear", {}, [50, 55, 60]),
        (TrajectoryMethod.S_CURVE, {"steepness": 4.0}, [50, 55, 60]),
        (TrajectoryMethod.HISTORICAL_RATE, {"history": HISTORY, "periods_back": 1}, [50, 53, 56]),
    ],
)
def test_build_trajectory_dispatches_on_the_method(
    method: TrajectoryMethod, parameters: dict[str, Any], expected: list[float]
) -> None:
    points = build_trajectory(method, ay(2022), 50.0, ay(2024), 60.0, **parameters)
    assert expected_values(points) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("method", "parameters", "message"),
    [
        ("linear", {"steepness": 2.0}, "the linear method has no steepness"),
        ("s_curve", {"history": HISTORY}, r"has no history \(it takes midpoint, steepness\)"),
        ("historical_rate", {}, "needs the history of the metric"),
        ("guesswork", {}, "'guesswork' is not a trajectory method"),
    ],
)
def test_build_trajectory_explains_wrong_parameters(
    method: TrajectoryMethod, parameters: dict[str, Any], message: str
) -> None:
    with pytest.raises(TrajectoryError, match=message):
        build_trajectory(method, ay(2022), 50.0, ay(2024), 60.0, **parameters)


def test_expected_value_is_none_outside_the_trajectory() -> None:
    points = linear_trajectory(ay(2022), 60.0, ay(2024), 70.0)
    assert expected_value(points, ay(2023)) == pytest.approx(65.0)
    assert expected_value(points, ay(2021)) is None
    assert expected_value(points, ay(2025)) is None
    assert expected_value(points, Period(PeriodKind.CALENDAR_YEAR, 2023)) is None


def test_a_shifted_trajectory_moves_every_value_and_band() -> None:
    points = [TrajectoryPoint(ay(2022), 60.0, 58.0, 62.0), TrajectoryPoint(ay(2023), 65.0)]
    assert shifted_trajectory(points, -10.0) == [
        TrajectoryPoint(ay(2022), 50.0, 48.0, 52.0),
        TrajectoryPoint(ay(2023), 55.0),
    ]


values = st.floats(-1e6, 1e6, allow_nan=False)
lengths = st.integers(1, 40)
start_years = st.integers(1990, 2100)


@given(start_years, lengths, values, values)
def test_a_linear_trajectory_meets_baseline_and_target_and_moves_one_way(
    year: int, length: int, baseline: float, target: float
) -> None:
    points = linear_trajectory(ay(year), baseline, ay(year + length), target)
    _assert_meets_ends_and_is_monotone(points, baseline, target, length)


@given(start_years, lengths, values, values, st.floats(0.1, 50), st.floats(0, 1, allow_nan=False))
def test_an_s_curve_meets_baseline_and_target_and_moves_one_way(
    year: int, length: int, baseline: float, target: float, steepness: float, midpoint: float
) -> None:
    points = s_curve_trajectory(
        ay(year), baseline, ay(year + length), target, steepness=steepness, midpoint=midpoint
    )
    _assert_meets_ends_and_is_monotone(points, baseline, target, length)


def _assert_meets_ends_and_is_monotone(
    points: list[TrajectoryPoint], baseline: float, target: float, length: int
) -> None:
    assert len(points) == length + 1
    # Exactly, not approximately: at the baseline period the gap must be exactly zero.
    assert points[0].expected == baseline
    assert points[-1].expected == target
    slack = 1e-9 * max(abs(baseline), abs(target), 1.0)
    direction = 1 if target >= baseline else -1
    for earlier, later in pairwise(points):
        assert direction * (later.expected - earlier.expected) >= -slack
        assert min(baseline, target) - slack <= later.expected <= max(baseline, target) + slack


def test_a_back_loaded_trajectory_saves_most_of_the_improvement_for_the_end() -> None:
    # Shares of the improvement: (t/4)^2 = 0, 1/16, 4/16, 9/16, 1 of 16 points.
    points = back_loaded_trajectory(ay(2020), 60.0, ay(2024), 76.0)
    assert expected_values(points) == pytest.approx([60, 61, 64, 69, 76])


def test_a_front_loaded_trajectory_makes_most_of_the_improvement_early() -> None:
    # Shares: 1 - (1 - t/4)^2 = 0, 7/16, 12/16, 15/16, 1 of 16 points.
    points = front_loaded_trajectory(ay(2020), 60.0, ay(2024), 76.0)
    assert expected_values(points) == pytest.approx([60, 67, 72, 75, 76])


def test_a_steeper_power_loads_the_curve_further() -> None:
    gentle = back_loaded_trajectory(ay(2020), 0.0, ay(2030), 100.0, power=1.5)
    steep = back_loaded_trajectory(ay(2020), 0.0, ay(2030), 100.0, power=3.0)
    assert expected_values(steep)[5] < expected_values(gentle)[5] < 50


def test_a_dip_then_rise_falls_back_first_then_rises_straight_to_the_target() -> None:
    # Down 4 points over 2 periods (60 -> 58 -> 56), then 56 -> 76 in 4 equal steps of 5.
    points = dip_then_rise_trajectory(ay(2020), 60.0, ay(2026), 76.0, dip_depth=4, dip_periods=2)
    assert expected_values(points) == pytest.approx([60, 58, 56, 61, 66, 71, 76])


def test_the_dip_of_a_falling_target_goes_up() -> None:
    points = dip_then_rise_trajectory(ay(2020), 20.0, ay(2023), 8.0, dip_depth=3, dip_periods=1)
    assert expected_values(points) == pytest.approx([20, 23, 15.5, 8])


@pytest.mark.parametrize(
    ("end", "target", "depth", "dip_periods", "message"),
    [
        (2024, 60.0, 2.0, 1, "needs a target different from the baseline"),
        (2024, 70.0, -2.0, 1, "the depth of the dip .* cannot be negative"),
        (2024, 70.0, 2.0, 4, "between 1 and 3 periods after the baseline"),
        (2024, 70.0, 2.0, 0, "between 1 and 3 periods after the baseline"),
        (2021, 70.0, 2.0, 1, "at least two periods after the baseline"),
    ],
)
def test_a_dip_then_rise_refuses_impossible_dips(
    end: int, target: float, depth: float, dip_periods: int, message: str
) -> None:
    with pytest.raises(TrajectoryError, match=message):
        dip_then_rise_trajectory(ay(2020), 60.0, ay(end), target, depth, dip_periods)


@pytest.mark.parametrize("build", [back_loaded_trajectory, front_loaded_trajectory])
def test_a_loaded_curve_refuses_a_power_that_is_not_above_zero(build: Any) -> None:
    with pytest.raises(TrajectoryError, match="the power of the curve must be above zero"):
        build(ay(2020), 0.0, ay(2024), 10.0, power=0.0)


@pytest.mark.parametrize(
    ("rate", "compound", "expected"),
    [
        (1.5, False, [60, 61.5, 63, 64.5]),
        (-2.0, False, [60, 58, 56, 54]),
        (0.1, True, [60, 66, 72.6, 79.86]),
    ],
)
def test_a_benchmark_rate_trajectory_continues_the_benchmark_from_the_baseline(
    rate: float, compound: bool, expected: list[float]
) -> None:
    points = benchmark_rate_trajectory(ay(2020), 60.0, ay(2023), rate, compound=compound)
    assert expected_values(points) == pytest.approx(expected)


def test_a_compound_benchmark_rate_cannot_fall_by_a_hundred_percent_or_more() -> None:
    with pytest.raises(TrajectoryError, match="a compound rate must be above -1"):
        benchmark_rate_trajectory(ay(2020), 60.0, ay(2023), -1.0, compound=True)


@pytest.mark.parametrize(
    ("method", "parameters", "expected"),
    [
        (TrajectoryMethod.BACK_LOADED, {}, [50, 52.5, 60]),
        (TrajectoryMethod.FRONT_LOADED, {"power": 1.0}, [50, 55, 60]),
        (TrajectoryMethod.DIP_THEN_RISE, {"dip_depth": 2, "dip_periods": 1}, [50, 48, 60]),
        (TrajectoryMethod.BENCHMARK_RATE, {"rate_per_period": 1.0}, [50, 51, 52]),
    ],
)
def test_build_trajectory_dispatches_on_the_new_shapes(
    method: TrajectoryMethod, parameters: dict[str, Any], expected: list[float]
) -> None:
    points = build_trajectory(method, ay(2022), 50.0, ay(2024), 60.0, **parameters)
    assert expected_values(points) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("method", "parameters", "message"),
    [
        (
            "dip_then_rise",
            {"dip_periods": 1},
            "the dip_then_rise method needs the depth of the dip",
        ),
        ("dip_then_rise", {"dip_depth": 1.0}, "needs the number of periods to the bottom"),
        ("benchmark_rate", {}, "the benchmark_rate method needs the benchmark's rate per period"),
        ("back_loaded", {"steepness": 1.0}, r"has no steepness \(it takes power\)"),
    ],
)
def test_build_trajectory_explains_what_the_new_shapes_need(
    method: TrajectoryMethod, parameters: dict[str, Any], message: str
) -> None:
    with pytest.raises(TrajectoryError, match=message):
        build_trajectory(method, ay(2022), 50.0, ay(2024), 60.0, **parameters)


def test_trajectory_periods_run_from_baseline_to_target() -> None:
    assert trajectory_periods(quarter(2024, 3), quarter(2025, 1)) == [
        quarter(2024, 3),
        quarter(2024, 4),
        quarter(2025, 1),
    ]
    with pytest.raises(TrajectoryError, match="before the baseline"):
        trajectory_periods(ay(2024), ay(2023))


powers = st.floats(0.2, 8)


@given(start_years, lengths, values, values, powers)
def test_a_back_loaded_trajectory_meets_baseline_and_target_and_moves_one_way(
    year: int, length: int, baseline: float, target: float, power: float
) -> None:
    points = back_loaded_trajectory(ay(year), baseline, ay(year + length), target, power)
    _assert_meets_ends_and_is_monotone(points, baseline, target, length)


@given(start_years, lengths, values, values, powers)
def test_a_front_loaded_trajectory_meets_baseline_and_target_and_moves_one_way(
    year: int, length: int, baseline: float, target: float, power: float
) -> None:
    points = front_loaded_trajectory(ay(year), baseline, ay(year + length), target, power)
    _assert_meets_ends_and_is_monotone(points, baseline, target, length)


@given(
    start_years,
    st.integers(2, 40),
    values,
    values,
    st.floats(0, 1e3, allow_nan=False),
    st.data(),
)
def test_a_dip_then_rise_meets_baseline_and_target_and_dips_by_the_depth(
    year: int, length: int, baseline: float, target: float, depth: float, data: st.DataObject
) -> None:
    if baseline == target:
        target = baseline + 1.0
    dip_periods = data.draw(st.integers(1, length - 1))
    points = dip_then_rise_trajectory(
        ay(year), baseline, ay(year + length), target, depth, dip_periods
    )
    assert len(points) == length + 1
    assert points[0].expected == baseline
    assert points[-1].expected == target
    towards = 1 if target > baseline else -1
    bottom = points[dip_periods].expected
    assert bottom == pytest.approx(baseline - towards * depth)
    worst = min(towards * point.expected for point in points)
    assert worst == pytest.approx(towards * bottom)


@given(start_years, lengths, values, values, st.sampled_from(["back", "front", "dip"]))
def test_mirroring_a_rising_shape_mirrors_the_trajectory(
    year: int, length: int, baseline: float, rise: float, shape: str
) -> None:
    # A lower-is-better target that falls as far as a higher-is-better one rises.
    length = max(length, 2)
    rise = abs(rise) + 1.0
    up = _shape(shape, ay(year), baseline, ay(year + length), baseline + rise)
    down = _shape(shape, ay(year), baseline, ay(year + length), baseline - rise)
    scale = max(abs(baseline), rise, 1.0)
    for rising, falling in zip(up, down, strict=True):
        mirrored = 2 * baseline - rising.expected
        assert falling.expected == pytest.approx(mirrored, abs=1e-9 * scale)


def _shape(
    shape: str, baseline_period: Period, baseline: float, target_period: Period, target: float
) -> list[TrajectoryPoint]:
    if shape == "back":
        return back_loaded_trajectory(baseline_period, baseline, target_period, target)
    if shape == "front":
        return front_loaded_trajectory(baseline_period, baseline, target_period, target)
    return dip_then_rise_trajectory(baseline_period, baseline, target_period, target, 2.0, 1)
