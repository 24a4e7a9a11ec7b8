"""Comparing actual figures with the trajectory (docs/method.md), trends and stale data.

The status is evidence for the judgement made in routines; it never sets a rating by itself.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from deliverology.core.periods import Period


class Direction(StrEnum):
    HIGHER_IS_BETTER = "higher"
    LOWER_IS_BETTER = "lower"


class TrajectoryStatus(StrEnum):
    ON_OR_ABOVE = "on_or_above"
    SLIGHTLY_BELOW = "slightly_below"
    BELOW = "below"
    WELL_BELOW = "well_below"
    NO_DATA = "no_data"


class Trend(StrEnum):
    IMPROVING = "improving"
    WORSENING = "worsening"
    FLAT = "flat"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class StatusBands:
    """Where each status starts, as a share of the improvement expected so far.

    A gap ratio of -0.10 means 10% short of the improvement the trajectory expected by now.
    `consecutive_below_for_well_below` periods in a row at `below` or worse make the latest
    one `well_below`; 0 turns that rule off.
    """

    slightly_below: float = -0.10
    below: float = -0.25
    consecutive_below_for_well_below: int = 2

    def __post_init__(self) -> None:
        if not self.below <= self.slightly_below <= 0:
            raise ValueError(
                f"the bands must satisfy below <= slightly_below <= 0, but below is "
                f"{self.below:g} and slightly_below is {self.slightly_below:g}"
            )
        if self.consecutive_below_for_well_below < 0:
            raise ValueError(
                "consecutive_below_for_well_below cannot be negative "
                f"(it is {self.consecutive_below_for_well_below})"
            )


@dataclass(frozen=True)
class StatusAssessment:
    actual: float | None
    expected: float | None
    gap: float | None
    gap_ratio: float | None
    status: TrajectoryStatus


def assess_against_trajectory(
    actual: float | None,
    expected: float | None,
    baseline: float | None,
    target: float | None,
    direction: Direction,
    bands: StatusBands,
    previous: Sequence[TrajectoryStatus] = (),
) -> StatusAssessment:
    """The gap to the trajectory and the status it gives.

    `gap` is positive when the actual figure is better than expected. `gap_ratio` is the gap as
    a share of the improvement expected so far (or, at the baseline, of the whole improvement
    to the target). `previous` are the statuses of the preceding periods, most recent last.
    """
    if actual is None or expected is None:
        return StatusAssessment(actual, expected, None, None, TrajectoryStatus.NO_DATA)
    gap = _gap(actual, expected, direction)
    ratio = _gap_ratio(gap, expected, baseline, target)
    status = _status(gap, ratio, bands, previous)
    return StatusAssessment(actual, expected, gap, ratio, status)


def trend(values: Sequence[float | None], direction: Direction, flat_tolerance: float) -> Trend:
    """Improving, worsening or flat, from the last two figures that are not missing.

    Changes no larger than `flat_tolerance` (in the metric's own unit) count as flat.
    """
    present = [value for value in values if value is not None]
    if len(present) < 2:
        return Trend.UNKNOWN
    change = _better_by(present[-1] - present[-2], direction)
    if abs(change) <= flat_tolerance:
        return Trend.FLAT
    return Trend.IMPROVING if change > 0 else Trend.WORSENING


def is_stale(latest: Period, today: date, lag_days: int) -> bool:
    """Whether the next figure is overdue: the period after `latest` ended over `lag_days` ago."""
    return (today - (latest + 1).end).days > lag_days


def _better_by(difference: float, direction: Direction) -> float:
    return -difference if direction == Direction.LOWER_IS_BETTER else difference


def _gap(actual: float, expected: float, direction: Direction) -> float:
    # Figures rebuilt through arithmetic (a trajectory shifted to a local unit's baseline)
    # can differ from the trajectory by a rounding error; that is no gap at all.
    if _same(actual, expected):
        return 0.0
    return _better_by(actual - expected, direction)


def _gap_ratio(
    gap: float, expected: float, baseline: float | None, target: float | None
) -> float | None:
    if baseline is None:
        return None
    for reference in (expected, target):
        if reference is not None and not _same(reference, baseline):
            return gap / abs(reference - baseline)
    return None


def _status(
    gap: float, ratio: float | None, bands: StatusBands, previous: Sequence[TrajectoryStatus]
) -> TrajectoryStatus:
    if gap >= 0:
        return TrajectoryStatus.ON_OR_ABOVE
    if ratio is None or ratio <= bands.below:
        return TrajectoryStatus.WELL_BELOW
    if ratio > bands.slightly_below:
        return TrajectoryStatus.SLIGHTLY_BELOW
    if _below_for_long(previous, bands.consecutive_below_for_well_below):
        return TrajectoryStatus.WELL_BELOW
    return TrajectoryStatus.BELOW


def _below_for_long(previous: Sequence[TrajectoryStatus], periods: int) -> bool:
    """Whether this `below` period completes a run of `periods` at `below` or worse."""
    if periods == 0:
        return False
    needed = periods - 1
    recent = previous[max(len(previous) - needed, 0) :]
    worse = (TrajectoryStatus.BELOW, TrajectoryStatus.WELL_BELOW)
    return len(recent) == needed and all(status in worse for status in recent)


def _same(first: float, second: float) -> bool:
    return math.isclose(first, second, rel_tol=1e-9, abs_tol=1e-12)
