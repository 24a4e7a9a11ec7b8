"""Trajectories: the expected path of a metric from its baseline to its target (docs/method.md).

Every trajectory has one point per period from the baseline period to the target period, both
included. Shaped trajectories (method C: linear, S-curve, back-loaded, front-loaded, dip then
rise) start exactly at the baseline and end exactly at the target; historical-rate and
benchmark-rate trajectories (method A) continue a rate and end where that leads.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from itertools import pairwise
from typing import Any

from deliverology.core.bounds import Bounds
from deliverology.core.periods import Period, kind_noun, period_range


class TrajectoryMethod(StrEnum):
    LINEAR = "linear"
    S_CURVE = "s_curve"
    HISTORICAL_RATE = "historical_rate"
    BACK_LOADED = "back_loaded"
    FRONT_LOADED = "front_loaded"
    DIP_THEN_RISE = "dip_then_rise"
    BENCHMARK_RATE = "benchmark_rate"


class TrajectoryError(ValueError):
    """A trajectory that cannot be built from the given baseline, target or history."""


@dataclass(frozen=True)
class TrajectoryPoint:
    period: Period
    expected: float
    lower: float | None = None
    upper: float | None = None


History = Sequence[tuple[Period, float]]


def linear_trajectory(
    baseline_period: Period,
    baseline_value: float,
    target_period: Period,
    target_value: float,
) -> list[TrajectoryPoint]:
    """The same improvement in every period."""
    periods = _periods_between(baseline_period, target_period)
    _check_finite(baseline_value=baseline_value, target_value=target_value)
    steps = len(periods) - 1
    fractions = [step / steps for step in range(steps + 1)]
    return _points(periods, baseline_value, target_value, fractions)


def s_curve_trajectory(
    baseline_period: Period,
    baseline_value: float,
    target_period: Period,
    target_value: float,
    steepness: float = 6.0,
    midpoint: float = 0.5,
) -> list[TrajectoryPoint]:
    """Slow, then fast, then slow: a logistic curve rescaled to meet baseline and target exactly.

    `midpoint` is where the improvement is fastest, as a share of the time from baseline to
    target; `steepness` is how sharply it speeds up there.
    """
    periods = _periods_between(baseline_period, target_period)
    _check_finite(baseline_value=baseline_value, target_value=target_value)
    _check_s_curve(steepness, midpoint)
    steps = len(periods) - 1
    curve = [_logistic(steepness * (step / steps - midpoint)) for step in range(steps + 1)]
    span = curve[-1] - curve[0]
    if span == 0:
        # So flat a curve that floating point cannot tell it from a straight line.
        return linear_trajectory(baseline_period, baseline_value, target_period, target_value)
    fractions = [(value - curve[0]) / span for value in curve]
    return _points(periods, baseline_value, target_value, fractions)


def historical_rate_trajectory(
    history: History,
    baseline_period: Period,
    baseline_value: float,
    target_period: Period,
    periods_back: int = 3,
    compound: bool = False,
) -> list[TrajectoryPoint]:
    """Continue the average change per period of the last `periods_back` periods of history.

    With `compound`, continue the average growth rate instead. Only history up to the baseline
    period counts: a trajectory is what could be expected when the baseline was set.
    """
    periods = _periods_between(baseline_period, target_period)
    _check_finite(baseline_value=baseline_value)
    known = _history_up_to(history, baseline_period)
    if compound:
        growth = compound_rate(known, periods_back)
        values = [baseline_value * (1 + growth) ** step for step in range(len(periods))]
    else:
        change = average_change(known, periods_back)
        values = [baseline_value + change * step for step in range(len(periods))]
    return [TrajectoryPoint(period, value) for period, value in zip(periods, values, strict=True)]


def back_loaded_trajectory(
    baseline_period: Period,
    baseline_value: float,
    target_period: Period,
    target_value: float,
    power: float = 2.0,
) -> list[TrajectoryPoint]:
    """A "hockey stick": little improvement at first, most of it near the target period.

    The share of the improvement made by a point in time x (0 to 1) is x ** power.
    """
    periods = _periods_between(baseline_period, target_period)
    _check_finite(baseline_value=baseline_value, target_value=target_value)
    _check_power(power)
    steps = len(periods) - 1
    fractions = [(step / steps) ** power for step in range(steps + 1)]
    return _points(periods, baseline_value, target_value, fractions)


def front_loaded_trajectory(
    baseline_period: Period,
    baseline_value: float,
    target_period: Period,
    target_value: float,
    power: float = 2.0,
) -> list[TrajectoryPoint]:
    """Diminishing returns: most of the improvement early, less and less towards the target.

    The share of the improvement made by a point in time x (0 to 1) is 1 - (1 - x) ** power.
    """
    periods = _periods_between(baseline_period, target_period)
    _check_finite(baseline_value=baseline_value, target_value=target_value)
    _check_power(power)
    steps = len(periods) - 1
    fractions = [1 - (1 - step / steps) ** power for step in range(steps + 1)]
    return _points(periods, baseline_value, target_value, fractions)


def dip_then_rise_trajectory(
    baseline_period: Period,
    baseline_value: float,
    target_period: Period,
    target_value: float,
    dip_depth: float,
    dip_periods: int,
) -> list[TrajectoryPoint]:
    """An implementation dip: worse by `dip_depth` after `dip_periods`, then a straight rise.

    "Worse" is away from the target, so the dip goes down when the target is above the baseline
    and up when it is below. The bottom of the dip comes `dip_periods` after the baseline.
    """
    periods = _periods_between(baseline_period, target_period)
    _check_finite(baseline_value=baseline_value, target_value=target_value, dip_depth=dip_depth)
    steps = len(periods) - 1
    _check_dip(baseline_value, target_value, dip_depth, dip_periods, steps)
    towards_target = 1.0 if target_value > baseline_value else -1.0
    bottom = baseline_value - towards_target * dip_depth
    falling = [_between(baseline_value, bottom, step / dip_periods) for step in range(dip_periods)]
    rise_steps = steps - dip_periods
    rising = [_between(bottom, target_value, step / rise_steps) for step in range(rise_steps + 1)]
    return [
        TrajectoryPoint(period, value)
        for period, value in zip(periods, [*falling, *rising], strict=True)
    ]


def benchmark_rate_trajectory(
    baseline_period: Period,
    baseline_value: float,
    target_period: Period,
    rate_per_period: float,
    compound: bool = False,
) -> list[TrajectoryPoint]:
    """Method A: improve at a benchmark's rate, from the baseline to wherever that leads.

    `rate_per_period` is a change in the metric's own unit per period (linear), or with
    `compound` a growth rate per period (0.05 for 5%). Record which benchmark it came from.
    """
    periods = _periods_between(baseline_period, target_period)
    _check_finite(baseline_value=baseline_value, rate_per_period=rate_per_period)
    if compound and rate_per_period <= -1:
        raise TrajectoryError(
            f"a compound rate must be above -1 (-100%), or the metric would vanish "
            f"(it is {rate_per_period:g})"
        )
    if compound:
        values = [baseline_value * (1 + rate_per_period) ** step for step in range(len(periods))]
    else:
        values = [baseline_value + rate_per_period * step for step in range(len(periods))]
    return [TrajectoryPoint(period, value) for period, value in zip(periods, values, strict=True)]


def average_change(history: History, periods_back: int) -> float:
    """The change per period over the last `periods_back` periods of history."""
    (first_period, first_value), (last_period, last_value) = _look_back(history, periods_back)
    return (last_value - first_value) / (last_period - first_period)


def compound_rate(history: History, periods_back: int) -> float:
    """The growth rate per period (0.05 for 5%) over the last `periods_back` periods of history."""
    (first_period, first_value), (last_period, last_value) = _look_back(history, periods_back)
    if first_value <= 0 or last_value <= 0:
        raise TrajectoryError(
            f"a compound rate needs positive values, but the history has {first_value:g} in "
            f"{first_period} and {last_value:g} in {last_period}"
        )
    return float((last_value / first_value) ** (1 / (last_period - first_period)) - 1)


_BUILDERS: dict[TrajectoryMethod, tuple[Callable[..., list[TrajectoryPoint]], frozenset[str]]] = {
    TrajectoryMethod.LINEAR: (linear_trajectory, frozenset()),
    TrajectoryMethod.S_CURVE: (s_curve_trajectory, frozenset({"steepness", "midpoint"})),
    TrajectoryMethod.HISTORICAL_RATE: (
        historical_rate_trajectory,
        frozenset({"history", "periods_back", "compound"}),
    ),
    TrajectoryMethod.BACK_LOADED: (back_loaded_trajectory, frozenset({"power"})),
    TrajectoryMethod.FRONT_LOADED: (front_loaded_trajectory, frozenset({"power"})),
    TrajectoryMethod.DIP_THEN_RISE: (
        dip_then_rise_trajectory,
        frozenset({"dip_depth", "dip_periods"}),
    ),
    TrajectoryMethod.BENCHMARK_RATE: (
        benchmark_rate_trajectory,
        frozenset({"rate_per_period", "compound"}),
    ),
}
# What each method cannot do without, in the words of its error message.
_REQUIRED: dict[TrajectoryMethod, dict[str, str]] = {
    TrajectoryMethod.HISTORICAL_RATE: {"history": "the history of the metric"},
    TrajectoryMethod.DIP_THEN_RISE: {
        "dip_depth": "the depth of the dip",
        "dip_periods": "the number of periods to the bottom of the dip",
    },
    TrajectoryMethod.BENCHMARK_RATE: {"rate_per_period": "the benchmark's rate per period"},
}
# These continue a rate from the baseline and end where it leads, not at the target.
_RATE_METHODS = frozenset({TrajectoryMethod.HISTORICAL_RATE, TrajectoryMethod.BENCHMARK_RATE})


def build_trajectory(
    method: TrajectoryMethod,
    baseline_period: Period,
    baseline_value: float,
    target_period: Period,
    target_value: float,
    bounds: Bounds | None = None,
    **parameters: Any,
) -> list[TrajectoryPoint]:
    """Build a trajectory by the named method; rate methods ignore `target_value`.

    With `bounds` (the measure's range), a trajectory that a rate would carry past them stops at
    them, and a target outside them is refused.
    """
    if bounds is not None and not bounds.contains(target_value):
        raise TrajectoryError(f"the target must be {bounds.describe()} (it is {target_value:g})")
    return clamped_trajectory(
        _built(method, baseline_period, baseline_value, target_period, target_value, **parameters),
        bounds or Bounds(),
    )


def _built(
    method: TrajectoryMethod,
    baseline_period: Period,
    baseline_value: float,
    target_period: Period,
    target_value: float,
    **parameters: Any,
) -> list[TrajectoryPoint]:
    method = _method(method)
    build, accepted = _BUILDERS[method]
    unknown = sorted(set(parameters) - accepted)
    if unknown:
        takes = ", ".join(sorted(accepted)) or "no parameters"
        raise TrajectoryError(f"the {method} method has no {', '.join(unknown)} (it takes {takes})")
    for name, description in _REQUIRED.get(method, {}).items():
        if name not in parameters:
            raise TrajectoryError(f"the {method} method needs {description}")
    if method in _RATE_METHODS:
        return build(
            baseline_period=baseline_period,
            baseline_value=baseline_value,
            target_period=target_period,
            **parameters,
        )
    return build(baseline_period, baseline_value, target_period, target_value, **parameters)


def expected_value(points: Sequence[TrajectoryPoint], period: Period) -> float | None:
    """The trajectory's value for the period; None outside the trajectory."""
    for point in points:
        if point.period == period:
            return point.expected
    return None


def shifted_trajectory(
    points: Sequence[TrajectoryPoint], offset: float, bounds: Bounds | None = None
) -> list[TrajectoryPoint]:
    """The same trajectory moved up (or down) by `offset`, bands included, kept in `bounds`."""
    return clamped_trajectory(
        [
            replace(
                point,
                expected=point.expected + offset,
                lower=None if point.lower is None else point.lower + offset,
                upper=None if point.upper is None else point.upper + offset,
            )
            for point in points
        ],
        bounds or Bounds(),
    )


def clamped_trajectory(points: Sequence[TrajectoryPoint], bounds: Bounds) -> list[TrajectoryPoint]:
    """Every value of the trajectory, bands included, moved inside the measure's `bounds`."""
    return [
        replace(
            point,
            expected=bounds.clamp(point.expected),
            lower=None if point.lower is None else bounds.clamp(point.lower),
            upper=None if point.upper is None else bounds.clamp(point.upper),
        )
        for point in points
    ]


def trajectory_periods(baseline_period: Period, target_period: Period) -> list[Period]:
    """Every period of a trajectory, from the baseline to the target period, both included."""
    return _periods_between(baseline_period, target_period)


def _method(method: TrajectoryMethod | str) -> TrajectoryMethod:
    try:
        return TrajectoryMethod(method)
    except ValueError:
        known = ", ".join(TrajectoryMethod)
        raise TrajectoryError(f"'{method}' is not a trajectory method ({known})") from None


def _periods_between(baseline_period: Period, target_period: Period) -> list[Period]:
    if baseline_period.kind != target_period.kind:
        raise TrajectoryError(
            f"the baseline {baseline_period} is {kind_noun(baseline_period.kind)} but the target "
            f"{target_period} is {kind_noun(target_period.kind)}"
        )
    if target_period < baseline_period:
        raise TrajectoryError(
            f"the target period {target_period} is before the baseline {baseline_period}"
        )
    if target_period == baseline_period:
        raise TrajectoryError(
            f"the target period {target_period} is the baseline period; it must come after it"
        )
    return period_range(baseline_period, target_period)


def _points(
    periods: Sequence[Period], start: float, end: float, fractions: Sequence[float]
) -> list[TrajectoryPoint]:
    return [
        TrajectoryPoint(period, _between(start, end, fraction))
        for period, fraction in zip(periods, fractions, strict=True)
    ]


def _between(start: float, end: float, fraction: float) -> float:
    # start + fraction * (end - start) can miss `end` by a rounding error at fraction 1.
    return end if fraction == 1 else start + fraction * (end - start)


def _logistic(x: float) -> float:
    # Written two ways so that exp never overflows, however steep the curve.
    if x >= 0:
        return 1 / (1 + math.exp(-x))
    exp_x = math.exp(x)
    return exp_x / (1 + exp_x)


def _check_s_curve(steepness: float, midpoint: float) -> None:
    _check_finite(steepness=steepness, midpoint=midpoint)
    if steepness <= 0:
        raise TrajectoryError(f"the S-curve steepness must be above zero (it is {steepness:g})")
    if not 0 <= midpoint <= 1:
        raise TrajectoryError(f"the S-curve midpoint must be between 0 and 1 (it is {midpoint:g})")


def _check_power(power: float) -> None:
    _check_finite(power=power)
    if power <= 0:
        raise TrajectoryError(f"the power of the curve must be above zero (it is {power:g})")


def _check_dip(
    baseline_value: float, target_value: float, dip_depth: float, dip_periods: int, steps: int
) -> None:
    if target_value == baseline_value:
        raise TrajectoryError(
            "a dip then rise needs a target different from the baseline, to know which way is a dip"
        )
    if dip_depth < 0:
        raise TrajectoryError(
            f"the depth of the dip is how far it falls back, so it cannot be negative "
            f"(it is {dip_depth:g})"
        )
    if steps < 2:
        raise TrajectoryError(
            "a dip then rise needs at least two periods after the baseline: one to dip, one to rise"
        )
    if not 1 <= dip_periods < steps:
        raise TrajectoryError(
            f"the bottom of the dip must come between 1 and {steps - 1} periods after the "
            f"baseline, to leave time to rise to the target (it is {dip_periods})"
        )


def _check_finite(**values: float) -> None:
    for name, value in values.items():
        if not math.isfinite(value):
            raise TrajectoryError(f"the {name.replace('_', ' ')} must be a number (it is {value})")


def _look_back(
    history: History, periods_back: int
) -> tuple[tuple[Period, float], tuple[Period, float]]:
    """The first and last figures of the look-back window, in period order."""
    if periods_back < 1:
        raise TrajectoryError(f"the look-back must be at least one period (it is {periods_back})")
    ordered = sorted(history, key=lambda item: item[0])
    _check_history(ordered)
    if len(ordered) < periods_back + 1:
        raise TrajectoryError(
            f"looking back {periods_back} periods needs {periods_back + 1} figures of history; "
            f"there are {len(ordered)}"
        )
    return ordered[-periods_back - 1], ordered[-1]


def _history_up_to(history: History, baseline_period: Period) -> History:
    for period, _ in history:
        if period.kind != baseline_period.kind:
            raise TrajectoryError(
                f"the history has {period}, {kind_noun(period.kind)}, but the baseline "
                f"{baseline_period} is {kind_noun(baseline_period.kind)}"
            )
    return [(period, value) for period, value in history if period <= baseline_period]


def _check_history(ordered: History) -> None:
    for (earlier, _), (later, _) in pairwise(ordered):
        if later.kind != earlier.kind:
            raise TrajectoryError(f"the history mixes {earlier} and {later}")
        if later == earlier:
            raise TrajectoryError(f"the history has two figures for {later}")
    for period, value in ordered:
        _check_finite(**{f"history figure for {period}": value})
