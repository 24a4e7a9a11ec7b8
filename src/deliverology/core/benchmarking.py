"""Benchmarks: how fast the system, its local units and its peers have improved (docs/method.md).

Historical benchmarks compare the system with its own past, internal benchmarks compare local
units with each other, external ones compare the system with peers; equity benchmarks compare
subgroups and find where the gap to a target lies ("where is the gap?").

Every comparison is sign-aware: for a lower-is-better metric the best local unit has the lowest
value, and an improvement is a fall.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import accumulate
from typing import Generic, TypeVar

import numpy as np
import numpy.typing as npt

from deliverology.core.aggregation import Aggregation, check_measure
from deliverology.core.periods import Period
from deliverology.core.status import Direction
from deliverology.core.trajectories import History, TrajectoryError, average_change, compound_rate

K = TypeVar("K", bound=Hashable)

Floats = npt.NDArray[np.float64]
Number = TypeVar("Number", float, Floats)

# The quantiles of the values that make the top quartile and the top decile, higher is better.
TOP_QUARTILE = 0.75
TOP_DECILE = 0.90


class BenchmarkType(StrEnum):
    HISTORICAL = "historical"
    INTERNAL = "internal"
    EXTERNAL = "external"
    INTERNATIONAL = "international"


class BenchmarkError(ValueError):
    """Figures that cannot be compared: no local units, a missing reference subgroup..."""


@dataclass(frozen=True)
class Run:
    """A window of history and its average change per period (in the metric's own unit)."""

    first_period: Period
    last_period: Period
    change_per_period: float


@dataclass(frozen=True)
class ImprovementSummary:
    """The historical benchmark over the last `periods_back` periods (docs/method.md).

    `compound_rate` is None when the window holds a zero or negative figure.
    """

    periods_back: int
    direction: Direction
    average_change: float
    compound_rate: float | None
    best_run: Run


def best_run(history: History, periods_back: int, direction: Direction) -> Run:
    """The window of `periods_back` periods with the best average change per period.

    A window spans `periods_back + 1` figures in a row, as in `average_change`; of equally good
    windows the earliest wins.
    """
    average_change(history, periods_back)  # checks the history and that one window fits
    ordered = sorted(history, key=lambda item: item[0])
    runs = [
        Run(
            ordered[last - periods_back][0],
            ordered[last][0],
            average_change(ordered[: last + 1], periods_back),
        )
        for last in range(periods_back, len(ordered))
    ]
    return max(runs, key=lambda run: _better_by(run.change_per_period, direction))


def improvement_summary(history: History, k: int, direction: Direction) -> ImprovementSummary:
    """Average change, compound rate and best run over the last `k` periods of history."""
    change = average_change(history, k)
    try:
        rate: float | None = compound_rate(history, k)
    except TrajectoryError:
        rate = None  # the history is usable (average_change said so); only the rate is not
    return ImprovementSummary(k, direction, change, rate, best_run(history, k, direction))


@dataclass(frozen=True)
class Distribution(Generic[K]):
    """Where each local unit stands among the others on one metric and period.

    `percentiles` run from 0 (the worst local unit) to 100 (the best). `quartiles` are the
    first quartile, the median and the third quartile of the values. `top_quartile` and
    `top_decile` are the values a local unit must reach to be in them; the gaps are how far
    (in the metric's own unit) each local unit is from them, 0 when it is already there.
    """

    direction: Direction
    percentiles: Mapping[K, float]
    quartiles: tuple[float, float, float]
    top_quartile: float
    top_decile: float
    gap_to_top_quartile: Mapping[K, float]
    gap_to_top_decile: Mapping[K, float]


def distribution(values: Mapping[K, float], direction: Direction) -> Distribution[K]:
    """Percentile of each local unit, quartiles and the gaps to the top quartile and decile.

    The percentile of a local unit is the share of the other local units it does better than,
    counting each tie as half (so distinct values give Excel's PERCENTRANK.INC). Quartiles and
    thresholds interpolate between values like Excel's PERCENTILE.INC.
    """
    keys = list(values)
    array = _values_array(values, "a distribution")
    quartiles = np.quantile(array, [0.25, 0.5, 0.75])
    top_quartile = _top_threshold(array, TOP_QUARTILE, direction)
    top_decile = _top_threshold(array, TOP_DECILE, direction)
    return Distribution(
        direction=direction,
        percentiles=dict(zip(keys, _percentile_ranks(array, direction), strict=True)),
        quartiles=(float(quartiles[0]), float(quartiles[1]), float(quartiles[2])),
        top_quartile=top_quartile,
        top_decile=top_decile,
        gap_to_top_quartile=dict(zip(keys, _gaps_to(array, top_quartile, direction), strict=True)),
        gap_to_top_decile=dict(zip(keys, _gaps_to(array, top_decile, direction), strict=True)),
    )


@dataclass(frozen=True)
class Improver(Generic[K]):
    key: K
    start: float
    end: float
    improvement: float  # in the metric's own unit, positive when it got better


def fastest_improvers(
    start: Mapping[K, float],
    end: Mapping[K, float],
    direction: Direction,
    similar_within: float,
    reference: float | None = None,
    n: int = 10,
) -> list[Improver[K]]:
    """The `n` local units that improved most among those that started in a similar place.

    Similar means a starting value within ±`similar_within` of `reference` (by default the
    median starting value). Only local units that improved (in the metric's direction) are
    listed, so the list may be empty; local units without both figures are left out; of equal
    improvements the one listed first in `start` comes first.
    """
    if not similar_within >= 0:
        raise BenchmarkError(f"similar_within cannot be negative (it is {similar_within:g})")
    if n < 1:
        raise BenchmarkError(f"the number of improvers to list must be at least 1 (it is {n})")
    _values_array(start, "the starting values")
    centre = float(np.median(list(start.values()))) if reference is None else reference
    similar = [key for key in start if key in end and abs(start[key] - centre) <= similar_within]
    improvers = [
        Improver(key, start[key], end[key], _better_by(end[key] - start[key], direction))
        for key in similar
    ]
    improved = [improver for improver in improvers if improver.improvement > 0]
    return sorted(improved, key=lambda improver: -improver.improvement)[:n]


@dataclass(frozen=True)
class Comparator:
    """An external or international peer and its figures on the same metric."""

    label: str
    points: tuple[tuple[Period, float], ...]

    def __post_init__(self) -> None:
        if not self.label.strip():
            raise BenchmarkError("a comparator needs a label, such as the name of the peer")
        object.__setattr__(self, "points", tuple(self.points))


def comparator_rate(comparator: Comparator, k: int, compound: bool = False) -> float:
    """The comparator's change per period over its last `k` periods (or growth rate)."""
    try:
        if compound:
            return compound_rate(comparator.points, k)
        return average_change(comparator.points, k)
    except TrajectoryError as error:
        raise BenchmarkError(f"the comparator {comparator.label}: {error}") from None


@dataclass(frozen=True)
class SubgroupGap:
    """A subgroup's gap to the reference subgroup in each period (subgroup − reference).

    `change` is the last known gap minus the first known gap: the gap narrowed when its size
    went down. Both are None when fewer than two periods have a known gap.
    """

    subgroup: str
    gaps: tuple[tuple[Period, float | None], ...]
    first_period: Period | None
    last_period: Period | None
    change: float | None

    @property
    def is_narrowing(self) -> bool | None:
        known = [gap for _, gap in self.gaps if gap is not None]
        if len(known) < 2:
            return None
        return abs(known[-1]) < abs(known[0])


@dataclass(frozen=True)
class WidestGap:
    """The subgroup furthest behind the reference subgroup in the last period with any gap."""

    subgroup: str
    period: Period
    gap: float  # subgroup − reference, in the metric's own unit


def widest_gap(gaps: Mapping[str, SubgroupGap], direction: Direction) -> WidestGap | None:
    """Of the gaps `subgroup_gaps` gives, the group furthest behind in the latest period where
    any group has a gap; None when no group is behind then. Read from the same gaps a table
    shows, so that a sentence naming the group agrees with the table."""
    known = [(period, code, gap) for code, found in gaps.items() for period, gap in found.gaps]
    periods = [period for period, _, gap in known if gap is not None]
    if not periods:
        return None
    latest = max(periods)
    behind = [
        (_better_by(gap, direction), code, gap)
        for period, code, gap in known
        if period == latest and gap is not None and _better_by(gap, direction) < 0
    ]
    if not behind:
        return None
    _, code, gap = min(behind)
    return WidestGap(code, latest, gap)


def subgroup_gaps(
    values_by_subgroup: Mapping[str, Sequence[tuple[Period, float | None]]],
    reference: str = "all",
) -> dict[str, SubgroupGap]:
    """Each subgroup's gap to the reference subgroup, period by period, in the reference's periods.

    A gap is missing (None) when either figure is.
    """
    if reference not in values_by_subgroup:
        known = ", ".join(sorted(values_by_subgroup)) or "none"
        raise BenchmarkError(
            f"there are no figures for the reference subgroup '{reference}' (there are: {known})"
        )
    reference_values = dict(values_by_subgroup[reference])
    periods = sorted(reference_values)
    return {
        subgroup: _subgroup_gap(subgroup, dict(figures), reference_values, periods)
        for subgroup, figures in values_by_subgroup.items()
        if subgroup != reference
    }


@dataclass(frozen=True)
class LocalUnitRate(Generic[K]):
    """The counts behind one local unit's rate: `numerator` people of `denominator`."""

    key: K
    numerator: float
    denominator: float
    subgroup: str | None = None

    def __post_init__(self) -> None:
        try:
            check_measure(Aggregation.RATE, self.numerator, self.denominator)
        except ValueError as error:
            raise BenchmarkError(f"{self.key}: {error}") from None


@dataclass(frozen=True)
class GapLocation(Generic[K]):
    """Where the people needed to reach a target rate are ("where is the gap?").

    `people_needed` lists the local units from the most people needed to the fewest. For a
    higher-is-better rate they are the people who must join the numerator (students who must
    reach proficiency); for lower-is-better, the people who must leave it (absent pupils).
    """

    target_rate: float
    direction: Direction
    people_needed: Mapping[K, int]
    total: int
    by_subgroup: Mapping[str, int]


@dataclass(frozen=True)
class Concentration(Generic[K]):
    """How much of the gap a few local units account for.

    "1,240 more students need to reach proficiency, 40% of them in 12 districts" is
    total=1240, people=496, share=0.4 and 12 local units.
    """

    total: int
    people: int
    share: float
    local_units: tuple[K, ...]

    @property
    def count(self) -> int:
        return len(self.local_units)


def where_is_the_gap(
    local_units: Sequence[LocalUnitRate[K]],
    target_rate: float,
    direction: Direction,
    scale: float = 100.0,
) -> GapLocation[K]:
    """How many people each local unit needs to move to reach `target_rate`, and the total."""
    if not 0 <= target_rate <= scale:
        raise BenchmarkError(
            f"the target rate must be between 0 and {scale:g} (it is {target_rate:g})"
        )
    needed = {each.key: _people_needed(each, target_rate, direction, scale) for each in local_units}
    if len(needed) < len(local_units):
        raise BenchmarkError("each local unit can be listed only once")
    ordered = dict(sorted(needed.items(), key=lambda item: -item[1]))
    by_subgroup: dict[str, int] = {}
    for each in local_units:
        if each.subgroup is not None:
            by_subgroup[each.subgroup] = by_subgroup.get(each.subgroup, 0) + needed[each.key]
    return GapLocation(target_rate, direction, ordered, sum(ordered.values()), by_subgroup)


def where_is_the_gap_in_bulk(
    keys: Sequence[K],
    numerators: Sequence[float],
    denominators: Sequence[float],
    target_rate: float,
    direction: Direction,
    scale: float = 100.0,
    subgroups: Sequence[str] | None = None,
) -> GapLocation[K]:
    """`where_is_the_gap` for tens of thousands of local units at once, with the same result.

    The counts come as columns (`keys[i]` has `numerators[i]` of `denominators[i]`, in
    `subgroups[i]` when given) and are worked on as arrays rather than one object each.
    """
    if not 0 <= target_rate <= scale:
        raise BenchmarkError(
            f"the target rate must be between 0 and {scale:g} (it is {target_rate:g})"
        )
    numerator = np.asarray(numerators, dtype=np.float64)
    denominator = np.asarray(denominators, dtype=np.float64)
    if not len(keys) == len(numerator) == len(denominator):
        raise BenchmarkError("each local unit needs one numerator and one denominator")
    _check_rates(keys, numerator, denominator)
    if len(set(keys)) < len(keys):
        raise BenchmarkError("each local unit can be listed only once")
    needed = _better_by(target_rate * denominator / scale - numerator, direction)
    whole = np.maximum(0, np.ceil(needed - 1e-9 * np.maximum(1.0, np.abs(needed))))
    people: list[int] = whole.astype(np.int64).tolist()
    order: list[int] = np.argsort(-whole, kind="stable").tolist()
    ordered = {keys[i]: people[i] for i in order}
    by_subgroup: dict[str, int] = {}
    for subgroup, count in zip(subgroups or (), people, strict=False):
        by_subgroup[subgroup] = by_subgroup.get(subgroup, 0) + count
    return GapLocation(target_rate, direction, ordered, sum(ordered.values()), by_subgroup)


def _check_rates(keys: Sequence[K], numerator: Floats, denominator: Floats) -> None:
    good = (
        np.isfinite(numerator)
        & np.isfinite(denominator)
        & (denominator > 0)
        & (numerator >= 0)
        & (numerator <= denominator)
    )
    if not good.all():
        first = int(np.argmin(good))
        LocalUnitRate(keys[first], float(numerator[first]), float(denominator[first]))


def top_concentration(gap: GapLocation[K], top_n: int) -> Concentration[K]:
    """The share of the people needed that the `top_n` local units needing most account for."""
    if top_n < 0:
        raise BenchmarkError(f"the number of local units cannot be negative (it is {top_n})")
    top = list(gap.people_needed.items())[:top_n]
    people = sum(count for _, count in top)
    return Concentration(gap.total, people, _share(people, gap.total), tuple(key for key, _ in top))


def concentration_for_share(gap: GapLocation[K], share: float) -> Concentration[K]:
    """The fewest local units that together account for at least `share` (0 to 1) of the gap."""
    if not 0 <= share <= 1:
        raise BenchmarkError(f"the share must be between 0 and 1 (it is {share:g})")
    wanted = share * gap.total
    if wanted == 0:
        return top_concentration(gap, 0)
    running = accumulate(gap.people_needed.values())
    count = next(index for index, people in enumerate(running, 1) if people >= wanted)
    return top_concentration(gap, count)


def _values_array(values: Mapping[K, float], what: str) -> Floats:
    if not values:
        raise BenchmarkError(f"{what} needs at least one local unit's value")
    array = np.asarray(list(values.values()), dtype=np.float64)
    if not np.all(np.isfinite(array)):
        raise BenchmarkError(f"{what} has a value that is not a number")
    return array


def _percentile_ranks(array: Floats, direction: Direction) -> list[float]:
    better = array if direction == Direction.HIGHER_IS_BETTER else -array
    if len(better) == 1:
        return [100.0]
    ordered = np.sort(better)
    worse = np.searchsorted(ordered, better, side="left")
    ties = np.searchsorted(ordered, better, side="right") - worse - 1
    ranks = (worse + ties / 2) / (len(better) - 1) * 100
    return [float(rank) for rank in ranks]


def _top_threshold(array: Floats, quantile: float, direction: Direction) -> float:
    position = quantile if direction == Direction.HIGHER_IS_BETTER else 1 - quantile
    return float(np.quantile(array, position))


def _gaps_to(array: Floats, threshold: float, direction: Direction) -> list[float]:
    gaps = np.maximum(_better_by(threshold - array, direction), 0.0)
    return [float(gap) for gap in gaps]


def _subgroup_gap(
    subgroup: str,
    figures: Mapping[Period, float | None],
    reference_values: Mapping[Period, float | None],
    periods: Sequence[Period],
) -> SubgroupGap:
    gaps = tuple(
        (period, _difference(figures.get(period), reference_values[period])) for period in periods
    )
    known = [(period, gap) for period, gap in gaps if gap is not None]
    if len(known) < 2:
        return SubgroupGap(subgroup, gaps, None, None, None)
    (first_period, first_gap), (last_period, last_gap) = known[0], known[-1]
    return SubgroupGap(subgroup, gaps, first_period, last_period, last_gap - first_gap)


def _difference(value: float | None, reference: float | None) -> float | None:
    return None if value is None or reference is None else value - reference


def _people_needed(
    local_unit: LocalUnitRate[K], target_rate: float, direction: Direction, scale: float
) -> int:
    at_target = target_rate * local_unit.denominator / scale
    return max(0, whole_people(_better_by(at_target - local_unit.numerator, direction)))


def whole_people(count: float) -> int:
    """Round a number of people up, ignoring a floating-point crumb (85.00000000000001 is 85)."""
    return math.ceil(count - 1e-9 * max(1.0, abs(count)))


def _share(part: int, total: int) -> float:
    return part / total if total else 0.0


def _better_by(difference: Number, direction: Direction) -> Number:
    return -difference if direction == Direction.LOWER_IS_BETTER else difference
