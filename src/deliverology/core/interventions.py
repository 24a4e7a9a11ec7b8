"""Method B: a bottom-up trajectory stacked from interventions (docs/method.md).

    expected(t) = counterfactual(t) + Σ effect_i × reach_i(t) × ramp_i(t − start_i − lag_i)

An intervention's `effect` is what it adds to the metric once it reaches everyone and has taken
full effect, in the metric's own unit, positive when it makes the metric better. So for a
lower-is-better metric an effect of 2 lowers the metric by 2.

Overlap. ADDITIVE adds the effects up. MULTIPLICATIVE treats each intervention as closing a
share of the room left, s_i = its effect / room, where the room is the distance from the
counterfactual to the best the metric can be: the top of its range (`scale`, 100 for a
percentage) for higher-is-better, 0 for lower-is-better. Together they close
1 − Π(1 − s_i) of the room, so two interventions reaching the same people are not counted
twice. Either way the result stays within the metric's range, 0 to `scale`.

The baseline is already measured, so effects show from the period after it at the earliest.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from itertools import pairwise
from typing import NoReturn

import numpy as np
import numpy.typing as npt

from deliverology.core.periods import Period, kind_noun
from deliverology.core.status import Direction
from deliverology.core.trajectories import TrajectoryPoint, trajectory_periods

Floats = npt.NDArray[np.float64]

# How sharply a logistic ramp speeds up, as in the S-curve trajectory.
LOGISTIC_STEEPNESS = 6.0
# A shortfall this small (as a share of the scale, or of 100) is floating-point noise.
_NOISE = 1e-9


class RampShape(StrEnum):
    STEP = "step"
    LINEAR = "linear"
    LOGISTIC = "logistic"


class OverlapMethod(StrEnum):
    ADDITIVE = "additive"
    MULTIPLICATIVE = "multiplicative"


class InterventionError(ValueError):
    """An intervention, or a set of them, that cannot be stacked into a trajectory."""


@dataclass(frozen=True)
class Rollout:
    """Reach that grows in equal steps from `start` to `final_share` in `full_reach`.

    In `start` the reach is already one step; before it, none; after `full_reach`, the final
    share.
    """

    start: Period
    full_reach: Period
    final_share: float = 1.0


ReachSchedule = Sequence[tuple[Period, float]]


@dataclass(frozen=True)
class Intervention:
    """One intervention of the reform strategy and what it is expected to do to the metric.

    `reach` is a `Rollout`, or a schedule of (period, share) pairs: each share holds from its
    period until the next one, and the reach is 0 before the first. Effects appear
    `lag_periods` after the first period with reach, then ramp up to full over `ramp_periods`
    (a step ramp takes full effect at once).
    """

    key: str
    effect: float
    effect_low: float
    effect_high: float
    reach: Rollout | ReachSchedule
    lag_periods: int = 0
    ramp: RampShape = RampShape.STEP
    ramp_periods: int = 1

    def __post_init__(self) -> None:
        if not self.key.strip():
            raise InterventionError("an intervention needs a key that names it")
        if not isinstance(self.reach, Rollout):
            object.__setattr__(self, "reach", tuple(sorted(self.reach, key=lambda pair: pair[0])))
        try:
            object.__setattr__(self, "ramp", RampShape(self.ramp))
        except ValueError:
            self._refuse(f"'{self.ramp}' is not a ramp shape ({', '.join(RampShape)})")
        self._check_effects()
        self._check_reach()
        self._check_timing()

    @property
    def first_period(self) -> Period:
        """The first period the intervention reaches anyone (or is scheduled to)."""
        if isinstance(self.reach, Rollout):
            return self.reach.start
        return self.reach[0][0]

    @property
    def effects_appear(self) -> Period:
        """The first period its effect can show, after the lag."""
        return self.first_period + self.lag_periods

    def reach_in(self, period: Period) -> float:
        """The share of the population reached in `period`, from 0 to 1."""
        if isinstance(self.reach, Rollout):
            return _rollout_reach(self.reach, period)
        shares = [share for start, share in self.reach if start <= period]
        return shares[-1] if shares else 0.0

    def ramp_in(self, period: Period) -> float:
        """The share of the full effect reached in `period`, from 0 to 1."""
        elapsed = period - self.effects_appear
        if elapsed < 0:
            return 0.0
        progress = min(1.0, (elapsed + 1) / self.ramp_periods)
        match self.ramp:
            case RampShape.STEP:
                return 1.0
            case RampShape.LINEAR:
                return progress
            case RampShape.LOGISTIC:
                return _logistic_ramp(progress)

    def _check_effects(self) -> None:
        effects = (self.effect_low, self.effect, self.effect_high)
        if not all(math.isfinite(effect) for effect in effects):
            self._refuse("its effects must be numbers")
        if not self.effect_low <= self.effect <= self.effect_high:
            low, central, high = (f"{effect:g}" for effect in effects)
            self._refuse(
                f"its effects must go low ≤ central ≤ high, but they are {low}, {central} "
                f"and {high}"
            )

    def _check_reach(self) -> None:
        if isinstance(self.reach, Rollout):
            self._check_rollout(self.reach)
            return
        if not self.reach:
            self._refuse("its reach schedule is empty")
        for (period, _), (later, _) in pairwise(self.reach):
            if later.kind != period.kind:
                self._refuse(f"its reach schedule mixes {period} and {later}")
            if later == period:
                self._refuse(f"its reach schedule has two shares for {period}")
        for period, share in self.reach:
            self._check_share(share, f"the reach in {period}")

    def _check_rollout(self, rollout: Rollout) -> None:
        if rollout.start.kind != rollout.full_reach.kind:
            self._refuse(
                f"its rollout starts in {rollout.start}, {kind_noun(rollout.start.kind)}, but "
                f"reaches full in {rollout.full_reach}, {kind_noun(rollout.full_reach.kind)}"
            )
        if rollout.full_reach < rollout.start:
            self._refuse(
                f"its rollout reaches full in {rollout.full_reach}, before it starts in "
                f"{rollout.start}"
            )
        self._check_share(rollout.final_share, "the final reach of its rollout")

    def _check_share(self, share: float, what: str) -> None:
        if not 0 <= share <= 1:
            self._refuse(f"{what} is {share:g}; a reach is a share of the population, from 0 to 1")

    def _check_timing(self) -> None:
        if self.lag_periods < 0:
            self._refuse(f"its lag cannot be negative (it is {self.lag_periods} periods)")
        if self.ramp_periods < 1:
            self._refuse(f"its ramp must last at least one period (it is {self.ramp_periods})")
        if self.ramp is RampShape.STEP and self.ramp_periods != 1:
            self._refuse(
                f"a step ramp takes full effect at once, so it lasts one period, not "
                f"{self.ramp_periods}; use a linear or logistic ramp"
            )

    def _refuse(self, problem: str) -> NoReturn:
        raise InterventionError(f"the intervention '{self.key}': {problem}")


@dataclass(frozen=True)
class BottomUp:
    """A bottom-up trajectory and what it is made of, period by period.

    `contributions` are in the metric's own unit (negative for a lower-is-better metric), so
    the counterfactual plus every contribution is the expected value. With multiplicative
    overlap or at the edge of the range, the combined effect is shared out among the
    interventions in proportion to what each would add on its own.
    """

    points: tuple[TrajectoryPoint, ...]
    counterfactual: tuple[float, ...]
    contributions: Mapping[str, tuple[float, ...]]
    interventions: tuple[Intervention, ...]
    direction: Direction
    overlap: OverlapMethod
    scale: float | None


@dataclass(frozen=True)
class Shortfall:
    """How far the bottom-up trajectory ends short of the target, and what would close it.

    `extra_effect_at_full_reach` is the effect (in the metric's own unit, positive = better)
    of further interventions that reach everyone at full effect by the target period.
    `reach_needed` is, for each intervention, the reach by the target period that would close
    the gap on its own; None when even everyone would not be enough. Both are None and empty
    when the target is met or cannot be reached within the metric's range.
    """

    target_period: Period
    expected: float
    target_value: float
    shortfall: float
    extra_effect_at_full_reach: float | None
    reach_needed: Mapping[str, float | None]
    statement: str

    @property
    def is_short(self) -> bool:
        return self.shortfall > 0


def check_interventions(interventions: Sequence[Intervention], target_period: Period) -> None:
    """Raise InterventionError when the interventions cannot be stacked up to `target_period`."""
    seen: set[str] = set()
    for intervention in interventions:
        if intervention.key in seen:
            raise InterventionError(f"two interventions are called '{intervention.key}'")
        seen.add(intervention.key)
        _check_against_target(intervention, target_period)


def bottom_up_trajectory(
    baseline_period: Period,
    baseline_value: float,
    target_period: Period,
    counterfactual_trend_per_period: float,
    interventions: Sequence[Intervention],
    direction: Direction,
    overlap: OverlapMethod = OverlapMethod.ADDITIVE,
    scale: float | None = 100.0,
) -> BottomUp:
    """The counterfactual plus the interventions' effects, from baseline to target period.

    The counterfactual continues `counterfactual_trend_per_period` (in the metric's own unit,
    0 for flat) from the baseline. `scale` is the top of the metric's range; None for a metric
    with no top, such as a count (multiplicative overlap then needs a lower-is-better metric).
    """
    periods = trajectory_periods(baseline_period, target_period)
    check_interventions(interventions, target_period)
    overlap = _overlap(overlap)
    _check_values(baseline_value, counterfactual_trend_per_period, scale)
    _check_room(overlap, direction, scale)
    steps = np.arange(len(periods), dtype=np.float64)
    counterfactual = _clipped(baseline_value + counterfactual_trend_per_period * steps, scale)
    factors = _factors(interventions, periods)
    effects = np.array([[each.effect for each in interventions]], dtype=np.float64)
    own, total = _better_points(effects, factors, counterfactual, direction, overlap, scale)
    sign = _sign(direction)
    expected = counterfactual + sign * total[0]
    return BottomUp(
        points=tuple(TrajectoryPoint(p, float(v)) for p, v in zip(periods, expected, strict=True)),
        counterfactual=tuple(float(value) for value in counterfactual),
        contributions=_contributions(interventions, own[0], total[0], sign),
        interventions=tuple(interventions),
        direction=direction,
        overlap=overlap,
        scale=scale,
    )


def uncertainty_band(
    bottom_up: BottomUp,
    *,
    seed: int,
    draws: int = 1000,
    quantiles: tuple[float, float] = (0.1, 0.9),
) -> list[TrajectoryPoint]:
    """The bottom-up trajectory with a band from drawing each intervention's effect.

    Each draw takes every effect from a triangular distribution (low, central, high); the band
    is the given quantiles of the draws in each period, widened where needed so that it always
    contains the central trajectory. The same seed gives the same band.
    """
    low_quantile, high_quantile = quantiles
    if draws < 1:
        raise InterventionError(f"the band needs at least one draw (it has {draws})")
    if not 0 <= low_quantile <= high_quantile <= 1:
        raise InterventionError(
            f"the band's quantiles must satisfy 0 ≤ low ≤ high ≤ 1 (they are {quantiles})"
        )
    expected = _drawn_trajectories(bottom_up, np.random.default_rng(seed), draws)
    lower, upper = np.quantile(expected, [low_quantile, high_quantile], axis=0)
    return [
        replace(
            point, lower=min(float(low), point.expected), upper=max(float(high), point.expected)
        )
        for point, low, high in zip(bottom_up.points, lower, upper, strict=True)
    ]


def shortfall_at_target(
    bottom_up: BottomUp, target_value: float, direction: Direction
) -> Shortfall:
    """How far the bottom-up trajectory ends short of `target_value`, and what would close it."""
    if direction != bottom_up.direction:
        raise InterventionError(
            f"the bottom-up trajectory was built for a {bottom_up.direction}-is-better metric, "
            f"not a {direction}-is-better one"
        )
    end = bottom_up.points[-1]
    sign = _sign(direction)
    shortfall = max(0.0, sign * (target_value - end.expected))
    if shortfall <= _NOISE * (bottom_up.scale or 100.0):
        statement = (
            f"the bottom-up estimate reaches {end.expected:.4g} by {end.period}, meeting the "
            f"target of {target_value:g}"
        )
        return Shortfall(end.period, end.expected, target_value, 0.0, None, {}, statement)
    return _closing(bottom_up, target_value, shortfall)


def _closing(bottom_up: BottomUp, target_value: float, shortfall: float) -> Shortfall:
    end = bottom_up.points[-1]
    counterfactual = bottom_up.counterfactual[-1]
    room = float(_room_up(np.array([counterfactual]), bottom_up.direction, bottom_up.scale)[0])
    achieved = _sign(bottom_up.direction) * (end.expected - counterfactual)
    short = (
        f"the bottom-up estimate reaches {end.expected:.4g} by {end.period}, {shortfall:.3g} "
        f"short of the target of {target_value:g}"
    )
    if achieved + shortfall > room * (1 + _NOISE):
        statement = f"{short}; the target is outside the metric's range, so nothing can close it"
        return Shortfall(end.period, end.expected, target_value, shortfall, None, {}, statement)
    extra = _extra_effect(bottom_up.overlap, shortfall, achieved, room)
    reach = {
        each.key: _reach_needed(bottom_up, each, shortfall, achieved, room)
        for each in bottom_up.interventions
    }
    statement = f"{short}. {_what_would_close(end.period, extra, reach, bottom_up)}"
    return Shortfall(end.period, end.expected, target_value, shortfall, extra, reach, statement)


def _what_would_close(
    period: Period, extra: float, reach: Mapping[str, float | None], bottom_up: BottomUp
) -> str:
    options = [f"interventions worth another {extra:.3g} at full reach by {period}"]
    for each in bottom_up.interventions:
        needed = reach[each.key]
        if needed is not None:
            options.append(
                f"raising the reach of '{each.key}' from {each.reach_in(period):.0%} to "
                f"{needed:.0%} by {period}"
            )
    return "It would take " + ", or ".join(options)


def _extra_effect(overlap: OverlapMethod, shortfall: float, achieved: float, room: float) -> float:
    if overlap is OverlapMethod.ADDITIVE:
        return shortfall
    # A new s closes `shortfall` of what the others leave: (room − achieved) × s = shortfall.
    return shortfall * room / (room - achieved)


def _reach_needed(
    bottom_up: BottomUp,
    intervention: Intervention,
    shortfall: float,
    achieved: float,
    room: float,
) -> float | None:
    """The reach by the target period that would close the gap with this intervention alone."""
    period = bottom_up.points[-1].period
    per_reach = intervention.effect * intervention.ramp_in(period)
    if per_reach <= 0:
        return None
    now = intervention.reach_in(period)
    if bottom_up.overlap is OverlapMethod.ADDITIVE:
        needed = now + shortfall / per_reach
    else:
        others = [each for each in bottom_up.interventions if each is not intervention]
        rest = math.prod(1 - min(1.0, _own(each, period) / room) for each in others)
        if rest <= 0:
            return None
        share = 1 - (room - achieved - shortfall) / (room * rest)
        needed = share * room / per_reach
    return needed if needed <= 1 + _NOISE else None


def _own(intervention: Intervention, period: Period) -> float:
    return intervention.effect * intervention.reach_in(period) * intervention.ramp_in(period)


def _drawn_trajectories(bottom_up: BottomUp, rng: np.random.Generator, draws: int) -> Floats:
    """The expected values of `draws` trajectories, one row per draw."""
    interventions = bottom_up.interventions
    periods = [point.period for point in bottom_up.points]
    low, central, high = (
        np.array([getattr(each, name) for each in interventions], dtype=np.float64)
        for name in ("effect_low", "effect", "effect_high")
    )
    effects = _triangular(rng.random((draws, len(interventions))), low, central, high)
    counterfactual = np.array(bottom_up.counterfactual, dtype=np.float64)
    factors = _factors(interventions, periods)
    _, total = _better_points(
        effects, factors, counterfactual, bottom_up.direction, bottom_up.overlap, bottom_up.scale
    )
    return counterfactual + _sign(bottom_up.direction) * total


def _triangular(uniform: Floats, low: Floats, mode: Floats, high: Floats) -> Floats:
    """Triangular draws by the inverse of the distribution function; low == high gives low."""
    width = high - low
    split = np.divide(mode - low, width, out=np.ones_like(width), where=width > 0)
    left = low + np.sqrt(uniform * width * (mode - low))
    right = high - np.sqrt((1 - uniform) * width * (high - mode))
    return np.where(uniform < split, left, right)


def _factors(interventions: Sequence[Intervention], periods: Sequence[Period]) -> Floats:
    """reach × ramp for each intervention (rows) in each period (columns); 0 at the baseline."""
    factors = np.array(
        [
            [each.reach_in(period) * each.ramp_in(period) for period in periods]
            for each in interventions
        ],
        dtype=np.float64,
    ).reshape(len(interventions), len(periods))
    factors[:, 0] = 0.0
    return factors


def _better_points(
    effects: Floats,
    factors: Floats,
    counterfactual: Floats,
    direction: Direction,
    overlap: OverlapMethod,
    scale: float | None,
) -> tuple[Floats, Floats]:
    """What each intervention adds on its own (draw × intervention × period), and the total
    (draw × period) after overlap and the range, both in points of improvement."""
    own = effects[:, :, np.newaxis] * factors[np.newaxis, :, :]
    room_up = _room_up(counterfactual, direction, scale)
    if overlap is OverlapMethod.ADDITIVE:
        combined = own.sum(axis=1)
    else:
        # With almost no room left (a subnormal gap) a share overflows to infinity; the result
        # is clipped to the room below, so the overflow is harmless.
        with np.errstate(over="ignore"):
            ratios = np.divide(own, room_up, out=np.zeros_like(own), where=room_up > 0)
            shares = np.minimum(ratios, 1)
            combined = (1 - np.prod(1 - shares, axis=1)) * np.where(room_up > 0, room_up, 0.0)
    room_down = _room_up(counterfactual, _opposite(direction), scale)
    return own, np.clip(combined, -room_down, room_up)


def _contributions(
    interventions: Sequence[Intervention], own: Floats, total: Floats, sign: float
) -> dict[str, tuple[float, ...]]:
    summed = own.sum(axis=0)
    # x / x is exactly 1, so unclipped additive contributions are each intervention's own.
    ratio = np.divide(total, summed, out=np.zeros_like(total), where=summed != 0)
    return {
        each.key: tuple(float(value) for value in sign * own[row] * ratio)
        for row, each in enumerate(interventions)
    }


def _room_up(counterfactual: Floats, direction: Direction, scale: float | None) -> Floats:
    """How far the metric can still improve from the counterfactual before its range ends."""
    if direction == Direction.LOWER_IS_BETTER:
        return counterfactual
    top = math.inf if scale is None else scale
    return top - counterfactual


def _overlap(overlap: OverlapMethod | str) -> OverlapMethod:
    try:
        return OverlapMethod(overlap)
    except ValueError:
        known = ", ".join(OverlapMethod)
        raise InterventionError(f"'{overlap}' is not a way to overlap ({known})") from None


def _check_values(baseline_value: float, trend: float, scale: float | None) -> None:
    if not (math.isfinite(baseline_value) and math.isfinite(trend)):
        raise InterventionError("the baseline value and the counterfactual trend must be numbers")
    if scale is not None and not (math.isfinite(scale) and scale > 0):
        raise InterventionError(f"the scale must be a number above zero (it is {scale:g})")
    top = math.inf if scale is None else scale
    if not 0 <= baseline_value <= top:
        raise InterventionError(
            f"the baseline value {baseline_value:g} is outside the metric's range (0 to {top:g})"
        )


def _check_room(overlap: OverlapMethod, direction: Direction, scale: float | None) -> None:
    if (
        overlap is OverlapMethod.MULTIPLICATIVE
        and scale is None
        and direction != Direction.LOWER_IS_BETTER
    ):
        raise InterventionError(
            "multiplicative overlap shares out the room left to the top of the metric's range, "
            "so a higher-is-better metric needs a scale"
        )


def _check_against_target(intervention: Intervention, target_period: Period) -> None:
    first = intervention.first_period
    if first.kind != target_period.kind:
        raise InterventionError(
            f"the intervention '{intervention.key}' is scheduled in {first}, "
            f"{kind_noun(first.kind)}, but the target period {target_period} is "
            f"{kind_noun(target_period.kind)}"
        )
    if intervention.effects_appear > target_period:
        raise InterventionError(
            f"the intervention '{intervention.key}' would show its first effect in "
            f"{intervention.effects_appear}, after the target period {target_period} (it "
            f"starts in {first} with a lag of {intervention.lag_periods} periods)"
        )


def _rollout_reach(rollout: Rollout, period: Period) -> float:
    done = period - rollout.start + 1
    if done <= 0:
        return 0.0
    steps = rollout.full_reach - rollout.start + 1
    return rollout.final_share if done >= steps else rollout.final_share * done / steps


def _logistic_ramp(progress: float) -> float:
    """A logistic curve rescaled to run from 0 (before the ramp) to exactly 1 at its end."""
    if progress >= 1:
        return 1.0
    half = LOGISTIC_STEEPNESS / 2
    start, end = _logistic(-half), _logistic(half)
    return (_logistic(LOGISTIC_STEEPNESS * (progress - 0.5)) - start) / (end - start)


def _logistic(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def _clipped(values: Floats, scale: float | None) -> Floats:
    return np.clip(values, 0.0, math.inf if scale is None else scale)


def _opposite(direction: Direction) -> Direction:
    if direction == Direction.LOWER_IS_BETTER:
        return Direction.HIGHER_IS_BETTER
    return Direction.LOWER_IS_BETTER


def _sign(direction: Direction) -> float:
    return -1.0 if direction == Direction.LOWER_IS_BETTER else 1.0
