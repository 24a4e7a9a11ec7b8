from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deliverology.core.periods import Period, PeriodKind
from deliverology.core.status import (
    Direction,
    StatusAssessment,
    StatusBands,
    TrajectoryStatus,
    Trend,
    assess_against_trajectory,
    is_stale,
    trend,
)

HIGHER = Direction.HIGHER_IS_BETTER
LOWER = Direction.LOWER_IS_BETTER
ON = TrajectoryStatus.ON_OR_ABOVE
SLIGHTLY = TrajectoryStatus.SLIGHTLY_BELOW
BELOW = TrajectoryStatus.BELOW
WELL = TrajectoryStatus.WELL_BELOW
NO_DATA = TrajectoryStatus.NO_DATA
BANDS = StatusBands()

# Baseline 50, target 70; the trajectory expects 60 in this period, so 10 points of
# improvement so far: each point short of 60 is 10% of the improvement expected.
# For the lower-is-better mirror: baseline 30, target 10, trajectory expects 20 now.


@pytest.mark.parametrize(
    ("actual", "direction", "gap", "gap_ratio", "status"),
    [
        (65.0, HIGHER, 5.0, 0.5, ON),
        (60.0, HIGHER, 0.0, 0.0, ON),
        (59.5, HIGHER, -0.5, -0.05, SLIGHTLY),
        (59.0, HIGHER, -1.0, -0.10, BELOW),
        (58.0, HIGHER, -2.0, -0.20, BELOW),
        (57.6, HIGHER, -2.4, -0.24, BELOW),
        (57.5, HIGHER, -2.5, -0.25, WELL),
        (40.0, HIGHER, -20.0, -2.0, WELL),
        (15.0, LOWER, 5.0, 0.5, ON),
        (20.0, LOWER, 0.0, 0.0, ON),
        (20.5, LOWER, -0.5, -0.05, SLIGHTLY),
        (21.0, LOWER, -1.0, -0.10, BELOW),
        (22.4, LOWER, -2.4, -0.24, BELOW),
        (22.5, LOWER, -2.5, -0.25, WELL),
        (35.0, LOWER, -15.0, -1.5, WELL),
    ],
)
def test_every_status_band(
    actual: float, direction: Direction, gap: float, gap_ratio: float, status: TrajectoryStatus
) -> None:
    expected, baseline, target = (60.0, 50.0, 70.0) if direction is HIGHER else (20.0, 30.0, 10.0)
    result = assess_against_trajectory(actual, expected, baseline, target, direction, BANDS)
    assert (result.actual, result.expected, result.status) == (actual, expected, status)
    assert result.gap == pytest.approx(gap)
    assert result.gap_ratio == pytest.approx(gap_ratio)


@pytest.mark.parametrize(
    ("previous", "status"),
    [
        ((), BELOW),
        ((ON,), BELOW),
        ((SLIGHTLY,), BELOW),
        ((BELOW,), WELL),
        ((WELL,), WELL),
        ((BELOW, ON), BELOW),
        ((ON, BELOW, BELOW), WELL),
    ],
)
def test_consecutive_periods_below_trajectory_become_well_below(
    previous: tuple[TrajectoryStatus, ...], status: TrajectoryStatus
) -> None:
    result = assess_against_trajectory(58.0, 60.0, 50.0, 70.0, HIGHER, BANDS, previous)
    assert result.status is status


@pytest.mark.parametrize(
    ("consecutive", "previous", "status"),
    [
        (3, (BELOW,), BELOW),
        (3, (BELOW, BELOW), WELL),
        (1, (), WELL),
        (0, (BELOW, BELOW, BELOW), BELOW),
    ],
)
def test_the_consecutive_rule_follows_its_setting(
    consecutive: int, previous: tuple[TrajectoryStatus, ...], status: TrajectoryStatus
) -> None:
    bands = StatusBands(consecutive_below_for_well_below=consecutive)
    result = assess_against_trajectory(58.0, 60.0, 50.0, 70.0, HIGHER, bands, previous)
    assert result.status is status


def test_the_consecutive_rule_does_not_lift_a_slightly_below_period() -> None:
    result = assess_against_trajectory(59.5, 60.0, 50.0, 70.0, HIGHER, BANDS, (BELOW, BELOW))
    assert result.status is SLIGHTLY


def test_the_bands_are_configurable() -> None:
    bands = StatusBands(slightly_below=-0.05, below=-0.15)
    statuses = [
        assess_against_trajectory(actual, 60.0, 50.0, 70.0, HIGHER, bands).status
        for actual in (59.6, 59.0, 58.5)
    ]
    assert statuses == [SLIGHTLY, BELOW, WELL]


def test_at_the_baseline_the_gap_is_measured_against_the_whole_improvement() -> None:
    result = assess_against_trajectory(49.0, 50.0, 50.0, 70.0, HIGHER, BANDS)
    assert (result.gap, result.status) == (-1.0, SLIGHTLY)
    assert result.gap_ratio == pytest.approx(-0.05)


@pytest.mark.parametrize(("actual", "status"), [(50.0, ON), (51.0, ON), (49.9, WELL)])
def test_a_flat_target_has_no_gap_ratio(actual: float, status: TrajectoryStatus) -> None:
    result = assess_against_trajectory(actual, 50.0, 50.0, 50.0, HIGHER, BANDS)
    assert (result.gap_ratio, result.status) == (None, status)


def test_a_rounding_error_is_not_a_gap() -> None:
    # A system trajectory shifted to a local unit's baseline: 0.1 + 0.2 != 0.3 in floating point.
    result = assess_against_trajectory(0.3, 0.1 + 0.2, 0.1 + 0.2, 10.0, HIGHER, BANDS)
    assert (result.gap, result.gap_ratio, result.status) == (0.0, 0.0, ON)


@pytest.mark.parametrize(
    ("actual", "expected", "baseline"),
    [(None, 60.0, 50.0), (58.0, None, 50.0), (None, None, None)],
)
def test_missing_figures_give_no_data(
    actual: float | None, expected: float | None, baseline: float | None
) -> None:
    result = assess_against_trajectory(actual, expected, baseline, 70.0, HIGHER, BANDS, (BELOW,))
    assert result == StatusAssessment(actual, expected, None, None, NO_DATA)


@pytest.mark.parametrize(
    ("slightly_below", "below", "consecutive"),
    [(-0.3, -0.2, 2), (0.1, -0.2, 2), (-0.1, -0.2, -1)],
)
def test_status_bands_refuse_bands_out_of_order(
    slightly_below: float, below: float, consecutive: int
) -> None:
    with pytest.raises(ValueError, match="below"):
        StatusBands(slightly_below, below, consecutive)


finite = st.floats(-1e6, 1e6, allow_nan=False)


@given(finite, finite, finite, finite, st.lists(st.sampled_from(list(TrajectoryStatus))))
def test_lower_is_better_mirrors_higher_is_better(
    actual: float,
    expected: float,
    baseline: float,
    target: float,
    previous: list[TrajectoryStatus],
) -> None:
    higher = assess_against_trajectory(actual, expected, baseline, target, HIGHER, BANDS, previous)
    lower = assess_against_trajectory(
        -actual, -expected, -baseline, -target, LOWER, BANDS, previous
    )
    assert (lower.gap, lower.gap_ratio, lower.status) == (
        higher.gap,
        higher.gap_ratio,
        higher.status,
    )


@given(finite, finite, finite, finite)
def test_a_better_figure_never_gets_a_worse_status(
    actual: float, expected: float, baseline: float, target: float
) -> None:
    order = [WELL, BELOW, SLIGHTLY, ON]
    worse = assess_against_trajectory(actual, expected, baseline, target, HIGHER, BANDS)
    better = assess_against_trajectory(actual + 1, expected, baseline, target, HIGHER, BANDS)
    assert order.index(better.status) >= order.index(worse.status)


@pytest.mark.parametrize(
    ("values", "direction", "result"),
    [
        ([50.0, 52.0], HIGHER, Trend.IMPROVING),
        ([50.0, 48.0], HIGHER, Trend.WORSENING),
        ([50.0, 48.0], LOWER, Trend.IMPROVING),
        ([50.0, 52.0], LOWER, Trend.WORSENING),
        ([50.0, 50.05], HIGHER, Trend.FLAT),
        ([50.0, 49.95], LOWER, Trend.FLAT),
        ([40.0, 50.0, None, 52.0, None], HIGHER, Trend.IMPROVING),
        ([60.0, None, 55.0], HIGHER, Trend.WORSENING),
        ([None, 50.0, None], HIGHER, Trend.UNKNOWN),
        ([], HIGHER, Trend.UNKNOWN),
    ],
)
def test_trend_compares_the_last_two_figures(
    values: list[float | None], direction: Direction, result: Trend
) -> None:
    assert trend(values, direction, flat_tolerance=0.1) is result


@pytest.mark.parametrize(
    ("latest", "today", "lag_days", "stale"),
    [
        # The 2024-25 figure is due 120 days after 2024-25 ends on 31 August 2025.
        (Period(PeriodKind.ACADEMIC_YEAR, 2023), date(2025, 12, 29), 120, False),
        (Period(PeriodKind.ACADEMIC_YEAR, 2023), date(2025, 12, 30), 120, True),
        (Period(PeriodKind.ACADEMIC_YEAR, 2024), date(2025, 12, 30), 120, False),
        # The March figure is due 45 days after the end of March.
        (Period(PeriodKind.MONTH, 2025, 2), date(2025, 5, 15), 45, False),
        (Period(PeriodKind.MONTH, 2025, 2), date(2025, 5, 16), 45, True),
        (Period(PeriodKind.QUARTER, 2024, 4), date(2025, 3, 31), 0, False),
        (Period(PeriodKind.QUARTER, 2024, 4), date(2025, 4, 1), 0, True),
    ],
)
def test_figures_are_stale_when_the_next_one_is_overdue(
    latest: Period, today: date, lag_days: int, stale: bool
) -> None:
    assert is_stale(latest, today, lag_days) is stale
