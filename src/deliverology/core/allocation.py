"""Sub-targets for local units and the check that they add up (docs/method.md).

A rate of the system is the ratio of its sums, so the value a set of sub-targets implies for the
system weights each local unit by its denominator: Σ target × denominator / Σ denominator, never
the mean of the sub-targets.

Every method is sign-aware: for a lower-is-better metric an uplift is a reduction, a floor is
the highest value allowed, and a better benchmark is a lower one. Sub-targets stay within the
metric's range, 0 to `scale` (100 for a percentage).

The `*_array` functions do the same work on numpy arrays, one element per local unit.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

import numpy as np
import numpy.typing as npt

from deliverology.core.benchmarking import whole_people
from deliverology.core.status import Direction

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")

Floats = npt.NDArray[np.float64]

# A shortfall this small (as a share of the scale) is floating-point noise, not a real gap.
_NOISE = 1e-9
# Stretching stops when the parameter is known to within this share of its largest value.
_PRECISION = 1e-12


class AllocationMethod(StrEnum):
    UNIFORM_UPLIFT = "uniform_uplift"
    GAP_CLOSING = "gap_closing"
    FLOOR_PLUS_UPLIFT = "floor_plus_uplift"
    NEGOTIATED = "negotiated"


class AllocationError(ValueError):
    """Sub-targets that cannot be set or cannot meet the system target."""


@dataclass(frozen=True)
class UnitBaseline(Generic[K]):
    """A local unit's baseline value and the denominator that weighs it in the system's rate."""

    key: K
    baseline: float
    denominator: float

    def __post_init__(self) -> None:
        if not math.isfinite(self.baseline):
            raise AllocationError(f"{self.key}: the baseline must be a number ({self.baseline})")
        if not (math.isfinite(self.denominator) and self.denominator > 0):
            raise AllocationError(
                f"{self.key}: the denominator must be a number above zero "
                f"(it is {self.denominator:g})"
            )


@dataclass(frozen=True)
class AggregationCheck:
    """What a set of sub-targets implies for the system, and how far short of its target.

    `shortfall` is in the metric's own unit and 0 when the target is met;
    `shortfall_people` is the same shortfall in people (of the denominators), rounded up.
    """

    system_target: float
    implied_system_value: float
    shortfall: float
    shortfall_people: int
    is_short: bool


@dataclass(frozen=True)
class Stretch(Generic[K]):
    """Sub-targets stretched just enough to meet the system target.

    `parameter` is the share p of each gap closed (gap closing) or the uplift in the metric's
    own unit (uniform uplift, floor plus uplift, and the uplift added to every negotiated
    proposal).
    """

    method: AllocationMethod
    parameter: float
    sub_targets: Mapping[K, float]
    check: AggregationCheck


def uniform_uplift(
    units: Sequence[UnitBaseline[K]], uplift: float, direction: Direction, scale: float = 100.0
) -> dict[K, float]:
    """Every local unit improves by the same `uplift`, in the metric's own unit."""
    keys, baselines, _ = _arrays(units, scale)
    return _by_key(keys, uniform_uplift_array(baselines, uplift, direction, scale))


def gap_closing(
    units: Sequence[UnitBaseline[K]],
    benchmark: float,
    share: float,
    direction: Direction,
    scale: float = 100.0,
) -> dict[K, float]:
    """Every local unit closes `share` (0 to 1) of its gap to `benchmark`.

    target = baseline + share × (benchmark − baseline); a local unit already at or past the
    benchmark keeps its baseline.
    """
    keys, baselines, _ = _arrays(units, scale)
    return _by_key(keys, gap_closing_array(baselines, benchmark, share, direction, scale))


def floor_plus_uplift(
    units: Sequence[UnitBaseline[K]],
    floor: float,
    uplift: float,
    direction: Direction,
    scale: float = 100.0,
) -> dict[K, float]:
    """No local unit worse than `floor`, and every local unit improves by at least `uplift`.

    target = the better of `floor` and baseline + uplift, so no local unit overtakes another.
    """
    keys, baselines, _ = _arrays(units, scale)
    return _by_key(keys, floor_plus_uplift_array(baselines, floor, uplift, direction, scale))


def negotiated(
    units: Sequence[UnitBaseline[K]],
    proposals: Mapping[K, float],
    direction: Direction,
    scale: float = 100.0,
) -> dict[K, float]:
    """The targets the local units proposed, checked to cover every local unit and the range.

    `direction` is unused: a proposal is taken as it stands. It is accepted so that every
    method is called alike.
    """
    keys, _, _ = _arrays(units, scale)
    return _by_key(keys, _proposals_array(keys, proposals, scale))


def uniform_uplift_array(
    baselines: Floats, uplift: float, direction: Direction, scale: float = 100.0
) -> Floats:
    _check_uplift(uplift)
    return _clipped(baselines + _sign(direction) * uplift, scale)


def gap_closing_array(
    baselines: Floats,
    benchmark: float | Floats,
    share: float,
    direction: Direction,
    scale: float = 100.0,
) -> Floats:
    """`benchmark` is one value for every local unit, or an array with one per local unit."""
    _check_in_range("benchmark", benchmark, scale)
    if not 0 <= share <= 1:
        raise AllocationError(f"the share of the gap to close must be between 0 and 1 ({share:g})")
    sign = _sign(direction)
    gaps = np.maximum(sign * (benchmark - baselines), 0.0)
    return _clipped(baselines + sign * share * gaps, scale)


def floor_plus_uplift_array(
    baselines: Floats, floor: float, uplift: float, direction: Direction, scale: float = 100.0
) -> Floats:
    _check_in_range("floor", floor, scale)
    uplifted = uniform_uplift_array(baselines, uplift, direction, scale)
    if direction == Direction.LOWER_IS_BETTER:
        return np.minimum(uplifted, floor)
    return np.maximum(uplifted, floor)


@dataclass(frozen=True)
class Capped(Generic[K]):
    """Sub-targets held inside the measure's range, with what the held ones could not take shared
    among the others.

    `capped` are the local units held at the bound (100% for a higher-is-better rate, 0 for a
    lower-is-better one). `feasible` is False when every unit is held and some of the
    improvement asked for is left over: the system target then cannot be reached this way.
    """

    sub_targets: Mapping[K, float]
    capped: tuple[K, ...]
    feasible: bool


def uplifted(
    units: Sequence[UnitBaseline[K]],
    uplift: float,
    direction: Direction,
    floor: float | None = None,
) -> dict[K, float]:
    """Baseline plus `uplift` (and no worse than `floor`), before any bound: may leave the range."""
    _check_uplift(uplift)
    raw = {each.key: each.baseline + _sign(direction) * uplift for each in units}
    if floor is None:
        return raw
    better = min if direction == Direction.LOWER_IS_BETTER else max
    return {key: better(value, floor) for key, value in raw.items()}


def cap_and_share(
    units: Sequence[UnitBaseline[K]],
    wanted: Mapping[K, float],
    direction: Direction,
    scale: float = 100.0,
) -> Capped[K]:
    """Hold each sub-target at the bound it would pass, and share what it could not take among
    the others, weighted by their denominators as the system's rate weighs them: the system's
    implied value stays that of `wanted` whenever the others can take it. A unit that receives
    a share and so reaches the bound is held too, until nothing is left over or all are held."""
    keys, _, denominators = _arrays(units, scale)
    _check_covers(keys, wanted, "sub-target")
    values = np.fromiter((wanted[key] for key in keys), np.float64, len(keys))
    bound = 0.0 if direction == Direction.LOWER_IS_BETTER else scale
    sign = _sign(direction)
    held = np.zeros(len(keys), dtype=bool)
    while True:
        past = sign * (values - bound) > _NOISE * scale
        if not past.any():
            break
        left_over = float(np.dot(np.where(past, values - bound, 0.0), denominators))
        values = np.where(past, bound, values)
        held |= past
        free = ~held
        if not free.any():
            return Capped(_by_key(keys, _clipped(values, scale)), _held(keys, held), False)
        values = values + np.where(free, left_over / float(np.sum(denominators[free])), 0.0)
    values = _clipped(values, scale)
    at_bound = held | (np.abs(values - bound) <= _NOISE * scale)
    return Capped(_by_key(keys, values), _held(keys, at_bound & held), True)


def _held(keys: list[K], mask: npt.NDArray[np.bool_]) -> tuple[K, ...]:
    return tuple(key for key, is_held in zip(keys, mask.tolist(), strict=True) if is_held)


def implied_system_value_array(targets: Floats, denominators: Floats) -> float:
    """Σ target × denominator / Σ denominator: the system's rate if every target is met."""
    return float(np.dot(targets, denominators) / np.sum(denominators))


def aggregation_check(
    sub_targets: Mapping[K, float],
    units: Sequence[UnitBaseline[K]],
    system_target: float,
    direction: Direction,
    scale: float = 100.0,
) -> AggregationCheck:
    """Whether the sub-targets add up to the system target, weighted by the denominators."""
    keys, _, denominators = _arrays(units, scale)
    _check_covers(keys, sub_targets, "sub-target")
    targets = np.fromiter((sub_targets[key] for key in keys), np.float64, len(keys))
    if not np.all(np.isfinite(targets)):
        raise AllocationError("every sub-target must be a number")
    return _check(targets, denominators, system_target, direction, scale)


def stretch_to_meet(
    method: AllocationMethod,
    units: Sequence[UnitBaseline[K]],
    system_target: float,
    direction: Direction,
    *,
    scale: float = 100.0,
    benchmark: float | None = None,
    floor: float | None = None,
    proposals: Mapping[K, float] | None = None,
) -> Stretch[K]:
    """The least ambitious sub-targets of the method that still meet the system target.

    Gap closing finds the smallest share p of each gap to `benchmark`; uniform uplift and
    floor plus uplift (with its `floor`) the smallest uplift; negotiated targets the smallest
    uplift added to every one of the `proposals`. Found by halving the interval to within a
    billionth of the scale; AllocationError when even the largest step falls short.
    """
    method = _method(method)
    keys, baselines, denominators = _arrays(units, scale)
    _check_in_range("system target", system_target, scale)
    allocate, largest, describe = _stretchable(
        method, keys, baselines, direction, scale, benchmark, floor, proposals
    )

    def meets(parameter: float) -> bool:
        # Strictly, not within noise, so that the stretched sub-targets truly add up.
        implied = implied_system_value_array(allocate(parameter), denominators)
        return _sign(direction) * (implied - system_target) >= 0

    if _check(allocate(largest), denominators, system_target, direction, scale).is_short:
        implied = implied_system_value_array(allocate(largest), denominators)
        raise AllocationError(
            f"even {describe(largest)} the sub-targets imply {implied:.4g} for the system, "
            f"short of its target of {system_target:g}"
        )
    parameter = 0.0 if meets(0.0) else _smallest_meeting(meets, largest)
    targets = allocate(parameter)
    check = _check(targets, denominators, system_target, direction, scale)
    return Stretch(method, parameter, _by_key(keys, targets), check)


def _stretchable(
    method: AllocationMethod,
    keys: list[K],
    baselines: Floats,
    direction: Direction,
    scale: float,
    benchmark: float | None,
    floor: float | None,
    proposals: Mapping[K, float] | None,
) -> tuple[Callable[[float], Floats], float, Callable[[float], str]]:
    """How to allocate for a value of the parameter, its largest value, and how to say it."""
    match method:
        case AllocationMethod.GAP_CLOSING:
            bench = _needed("benchmark", benchmark, method)
            return (
                lambda p: gap_closing_array(baselines, bench, p, direction, scale),
                1.0,
                lambda _: f"closing the whole gap to the benchmark of {bench:g},",
            )
        case AllocationMethod.UNIFORM_UPLIFT:
            return (
                lambda uplift: uniform_uplift_array(baselines, uplift, direction, scale),
                scale,
                lambda uplift: f"with an uplift of {uplift:g}",
            )
        case AllocationMethod.FLOOR_PLUS_UPLIFT:
            lowest = _needed("floor", floor, method)
            return (
                lambda u: floor_plus_uplift_array(baselines, lowest, u, direction, scale),
                scale,
                lambda uplift: f"with a floor of {lowest:g} and an uplift of {uplift:g}",
            )
        case AllocationMethod.NEGOTIATED:
            proposed = _proposals_array(keys, _needed("proposals", proposals, method), scale)
            return (
                lambda uplift: uniform_uplift_array(proposed, uplift, direction, scale),
                scale,
                lambda uplift: f"adding {uplift:g} to every proposal",
            )


def _smallest_meeting(meets: Callable[[float], bool], largest: float) -> float:
    """The smallest parameter that meets, by halving the interval from 0 to `largest`.

    If only noise stops `largest` from meeting strictly (every target at the top of the range),
    `largest` is the answer.
    """
    low, high = 0.0, largest
    while high - low > _PRECISION * largest:
        middle = (low + high) / 2
        if meets(middle):
            high = middle
        else:
            low = middle
    return high


def _check(
    targets: Floats,
    denominators: Floats,
    system_target: float,
    direction: Direction,
    scale: float,
) -> AggregationCheck:
    implied = implied_system_value_array(targets, denominators)
    shortfall = max(0.0, _sign(direction) * (system_target - implied))
    if shortfall <= _NOISE * scale:
        shortfall = 0.0
    people = whole_people(shortfall / scale * float(np.sum(denominators)))
    return AggregationCheck(system_target, implied, shortfall, people, shortfall > 0)


def _arrays(units: Sequence[UnitBaseline[K]], scale: float) -> tuple[list[K], Floats, Floats]:
    if not units:
        raise AllocationError("sub-targets need at least one local unit")
    if not (math.isfinite(scale) and scale > 0):
        raise AllocationError(f"the scale must be a number above zero (it is {scale:g})")
    keys = [each.key for each in units]
    if len(set(keys)) < len(keys):
        raise AllocationError("each local unit can be listed only once")
    baselines = np.fromiter((each.baseline for each in units), np.float64, len(units))
    denominators = np.fromiter((each.denominator for each in units), np.float64, len(units))
    outside = (baselines < 0) | (baselines > scale)
    if np.any(outside):
        first = int(np.argmax(outside))
        raise AllocationError(
            f"{keys[first]}: the baseline {baselines[first]:g} is outside 0 to {scale:g}"
        )
    return keys, baselines, denominators


def _proposals_array(keys: list[K], proposals: Mapping[K, float], scale: float) -> Floats:
    _check_covers(keys, proposals, "proposal")
    proposed = np.fromiter((proposals[key] for key in keys), np.float64, len(keys))
    outside = ~((proposed >= 0) & (proposed <= scale))
    if np.any(outside):
        first = int(np.argmax(outside))
        raise AllocationError(
            f"{keys[first]}: the proposal {proposed[first]:g} is outside 0 to {scale:g}"
        )
    return proposed


def _check_covers(keys: list[K], given: Mapping[K, float], noun: str) -> None:
    missing = [key for key in keys if key not in given]
    if missing:
        shown = ", ".join(str(key) for key in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        raise AllocationError(f"there is no {noun} for {shown}{more}")
    unknown = set(given).difference(keys)
    if unknown:
        shown = ", ".join(sorted(str(key) for key in unknown)[:5])
        raise AllocationError(f"there is a {noun} for local units not in the list: {shown}")


def _check_uplift(uplift: float) -> None:
    if not (math.isfinite(uplift) and uplift >= 0):
        raise AllocationError(
            f"the uplift must be a number, 0 or more (it is {uplift:g}); for a lower-is-better "
            "metric it is the reduction, still given as a positive number"
        )


def _check_in_range(name: str, value: float | Floats, scale: float) -> None:
    values = np.asarray(value, dtype=np.float64)
    if not np.all((values >= 0) & (values <= scale)):
        shown = f"{value:g}" if isinstance(value, int | float) else "not, for some local units"
        raise AllocationError(f"the {name} must be between 0 and {scale:g} (it is {shown})")


def _needed(name: str, value: T | None, method: AllocationMethod) -> T:
    if value is None:
        raise AllocationError(f"the {method} method needs the {name}")
    return value


def _method(method: AllocationMethod | str) -> AllocationMethod:
    try:
        return AllocationMethod(method)
    except ValueError:
        known = ", ".join(AllocationMethod)
        raise AllocationError(f"'{method}' is not an allocation method ({known})") from None


def _clipped(targets: Floats, scale: float) -> Floats:
    return np.clip(targets, 0.0, scale)


def _by_key(keys: list[K], targets: Floats) -> dict[K, float]:
    return dict(zip(keys, targets.tolist(), strict=True))


def _sign(direction: Direction) -> float:
    return -1.0 if direction == Direction.LOWER_IS_BETTER else 1.0
