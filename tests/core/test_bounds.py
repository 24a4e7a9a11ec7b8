"""Targets and trajectories stay inside the measure's range: 0 to 100 for a rate, ≥ 0 for counts."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deliverology.core.aggregation import Aggregation
from deliverology.core.bounds import Bounds, measure_bounds
from deliverology.core.periods import Period, PeriodKind
from deliverology.core.trajectories import (
    TrajectoryError,
    TrajectoryMethod,
    build_trajectory,
    linear_trajectory,
    shifted_trajectory,
)

RATE = measure_bounds(Aggregation.RATE, 100.0)


def ay(year: int) -> Period:
    return Period(PeriodKind.ACADEMIC_YEAR, year)


def test_it_gives_a_rate_the_range_0_to_its_scale_and_a_count_no_negatives() -> None:
    assert RATE == Bounds(0.0, 100.0)
    assert measure_bounds("rate", 1000.0) == Bounds(0.0, 1000.0)
    assert measure_bounds(Aggregation.COUNT) == Bounds(0.0, None)
    assert measure_bounds(Aggregation.SUM) == Bounds(0.0, None)
    assert measure_bounds(Aggregation.MEAN) == Bounds(None, None)


def test_it_stops_a_trajectory_moved_to_a_high_baseline_at_100() -> None:
    system = linear_trajectory(ay(2021), 52.0, ay(2026), 95.0)
    moved = shifted_trajectory(system, 8.0, RATE)
    assert [point.expected for point in moved][-1] == 100.0
    assert max(point.expected for point in moved) <= 100.0


def test_it_stops_a_historical_rate_trajectory_at_the_bound() -> None:
    history = [(ay(2018), 80.0), (ay(2019), 85.0), (ay(2020), 90.0), (ay(2021), 95.0)]
    points = build_trajectory(
        TrajectoryMethod.HISTORICAL_RATE,
        ay(2021),
        95.0,
        ay(2026),
        99.0,
        bounds=RATE,
        history=history,
        periods_back=3,
    )
    assert max(point.expected for point in points) == 100.0


def test_it_refuses_to_build_a_trajectory_to_a_target_outside_the_bounds() -> None:
    with pytest.raises(TrajectoryError, match="between 0 and 100"):
        build_trajectory(TrajectoryMethod.LINEAR, ay(2021), 90.0, ay(2026), 100.6, bounds=RATE)


@given(
    baseline=st.floats(0, 100),
    target=st.floats(0, 100),
    offset=st.floats(-100, 100),
)
def test_no_moved_trajectory_leaves_the_range_of_a_rate(
    baseline: float, target: float, offset: float
) -> None:
    moved = shifted_trajectory(
        linear_trajectory(ay(2021), baseline, ay(2026), target), offset, RATE
    )
    assert all(0.0 <= point.expected <= 100.0 for point in moved)
