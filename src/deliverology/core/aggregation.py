"""Measures of a metric for one local unit and period, and how they add up the hierarchy.

A rate of a group is the ratio of the sums of its parts, never the mean of their rates.
A missing measure is left out; it is never counted as zero. A rate or mean published without
its counts (a rate-only figure) has a value but cannot be weighed: roll-ups leave it out and
say so in their coverage.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Generic, TypeVar


class Aggregation(StrEnum):
    RATE = "rate"
    MEAN = "mean"
    SUM = "sum"
    COUNT = "count"


class MeasureError(ValueError):
    """Numbers that cannot make a measure (a zero denominator, a negative count...)."""


class RollUpError(ValueError):
    """Local units whose parents do not form a tree, so their figures cannot be rolled up."""


@dataclass(frozen=True)
class Measure:
    """One figure. For a rate, value = scale × numerator / denominator; for a mean,
    numerator is the sum of the values and denominator the number of things.
    Sums and counts use only `value`. A measure without a value is missing.
    """

    numerator: float | None = None
    denominator: float | None = None
    value: float | None = None
    provisional: bool = False

    @property
    def is_missing(self) -> bool:
        return self.value is None

    @property
    def has_counts(self) -> bool:
        """Whether a rate or mean can be weighed: both its numerator and denominator known."""
        return self.numerator is not None and self.denominator is not None


MISSING = Measure()

_RATIOS = (Aggregation.RATE, Aggregation.MEAN)
_NOUNS = {
    Aggregation.RATE: "a rate",
    Aggregation.MEAN: "a mean",
    Aggregation.SUM: "a sum",
    Aggregation.COUNT: "a count",
}


def measure_value(
    aggregation: Aggregation,
    numerator: float | None,
    denominator: float | None,
    scale: float = 100.0,
) -> float | None:
    """The value of a rate or mean; None when it cannot be known.

    Sums and counts carry their value directly, so they have none to compute here.
    A zero denominator gives None: an undefined rate is missing, not zero.
    """
    if aggregation not in _RATIOS or numerator is None or denominator is None:
        return None
    if denominator == 0:
        return None
    ratio = numerator / denominator
    return scale * ratio if aggregation is Aggregation.RATE else ratio


def check_measure(
    aggregation: Aggregation,
    numerator: float | None,
    denominator: float | None,
    value: float | None = None,
    scale: float = 100.0,
) -> None:
    """Raise MeasureError when the numbers cannot make a measure of this aggregation.

    A rate or mean may come as its value alone (published without its counts, or with them
    suppressed): a rate-only figure, checked as a possible value of its own.
    """
    if aggregation in _RATIOS and numerator is None and denominator is None and value is not None:
        _check_value_only(aggregation, value, scale)
    elif aggregation in _RATIOS:
        _check_ratio(aggregation, numerator, denominator)
    elif aggregation is Aggregation.COUNT and value is not None and value < 0:
        raise MeasureError(f"a count cannot be negative (it is {value:g})")


def _check_value_only(aggregation: Aggregation, value: float, scale: float) -> None:
    noun = _NOUNS[aggregation]
    if not math.isfinite(value):
        raise MeasureError(f"the value of {noun} must be a finite number")
    if aggregation is Aggregation.RATE and not 0 <= value <= scale:
        raise MeasureError(f"{noun} of {value:g} is outside 0 to {scale:g}")


def _check_ratio(
    aggregation: Aggregation, numerator: float | None, denominator: float | None
) -> None:
    noun = _NOUNS[aggregation]
    if numerator is None or denominator is None:
        raise MeasureError(f"{noun} needs both a numerator and a denominator")
    if not (math.isfinite(numerator) and math.isfinite(denominator)):
        raise MeasureError(f"the numerator and denominator of {noun} must be finite numbers")
    if denominator < 0:
        raise MeasureError(f"the denominator cannot be negative (it is {denominator:g})")
    if denominator == 0:
        raise MeasureError(f"the denominator is zero, so {noun} cannot be worked out")
    if aggregation is Aggregation.RATE and numerator < 0:
        raise MeasureError(f"the numerator cannot be negative (it is {numerator:g})")
    if aggregation is Aggregation.RATE and numerator > denominator:
        raise MeasureError(
            f"the numerator ({numerator:g}) is larger than the denominator ({denominator:g})"
        )


def combine(aggregation: Aggregation, measures: Iterable[Measure], scale: float = 100.0) -> Measure:
    """One measure for a group: the ratio of sums for rates and means, the total otherwise.

    Missing measures are skipped; the result is missing when all are, and provisional when
    any measure in it is.
    """
    present = [measure for measure in measures if not measure.is_missing]
    if not present:
        return MISSING
    provisional = any(measure.provisional for measure in present)
    if aggregation not in _RATIOS:
        total = math.fsum(measure.value for measure in present if measure.value is not None)
        return Measure(value=total, provisional=provisional)
    numerator, denominator = _sums(aggregation, present)
    value = measure_value(aggregation, numerator, denominator, scale)
    return Measure(numerator, denominator, value, provisional)


def _sums(aggregation: Aggregation, measures: list[Measure]) -> tuple[float, float]:
    numerators, denominators = [], []
    for measure in measures:
        if measure.numerator is None or measure.denominator is None:
            raise MeasureError(
                f"{_NOUNS[aggregation]} of {measure.value:g} has no numerator and denominator, "
                "so it cannot be added to others"
            )
        numerators.append(measure.numerator)
        denominators.append(measure.denominator)
    # fsum is exact, so the result does not depend on the order of the local units.
    return math.fsum(numerators), math.fsum(denominators)


K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Hierarchy(Generic[K]):
    """The units that have children, each after all of its children, worked out once for
    rolling up many periods and subgroups over the same tree."""

    children: Mapping[K, Sequence[K]]
    bottom_up: Sequence[K]

    @classmethod
    def of(cls, parents: Mapping[K, K | None]) -> Hierarchy[K]:
        children = _children_of(parents)
        order = [unit for unit in reversed(_top_down(parents, children)) if unit in children]
        return cls(children, order)


@dataclass(frozen=True)
class Coverage:
    """How much of a unit a roll-up covers: its expected children (those valid in the period,
    and any other that reported), how many of them are in the sums, how many were suppressed
    and how many reported a value without counts (so could not be weighed).

    `share` is the part of the children's last known size (each child's denominator, or its
    most recent earlier one when it has none now) that the sums cover; None when a child left
    out has never had a denominator, or when the metric has none (sums and counts).
    `ratio` is what is judged against the threshold: the share when known, else the smaller
    of the share of children in the sums and the ratio of each child's own roll-up in them.
    """

    expected: int = 0
    reporting: int = 0
    suppressed: int = 0
    uncounted: int = 0
    share: float | None = None
    ratio: float = 0.0

    @property
    def not_reported(self) -> int:
        """Expected children with no figure at all, for a reason other than suppression."""
        return self.expected - self.reporting - self.suppressed - self.uncounted

    def is_partial(self, threshold: float) -> bool:
        return self.ratio < threshold


@dataclass(frozen=True)
class RolledUp:
    """A unit's figure combined from its children, with what it covers."""

    measure: Measure
    coverage: Coverage
    covered_size: float | None = None
    expected_size: float | None = None


@dataclass(frozen=True)
class Gaps:
    """What is known in one period about the units that did not report a usable figure.

    `suppressed`: units whose own figure is suppressed. `closed`: units not valid in the
    period (expected of their parent only if they reported all the same). `last_size`: each
    unit's most recent earlier denominator (reported, or the expected size of its roll-up).
    """

    suppressed: Collection[Hashable] = frozenset()
    closed: Collection[Hashable] = frozenset()
    last_size: Mapping[Hashable, float] = field(default_factory=dict)


NO_GAPS = Gaps()


def roll_up(
    parents: Mapping[K, K | None],
    reported: Mapping[K, Measure],
    aggregation: Aggregation,
    scale: float = 100.0,
    *,
    hierarchy: Hierarchy[K] | None = None,
) -> dict[K, Measure]:
    """The measure of every local unit that has children, combined from its direct children.

    A child counts with its reported measure, or, when it reported none, its own rolled-up
    measure. So a district that reports its own figure is counted with that figure, while its
    rolled-up figure is still returned for comparison. `hierarchy`, when given, must be
    `Hierarchy.of(parents)`: it saves working the tree out again for every period.
    """
    rolled = roll_up_with_coverage(parents, reported, aggregation, scale, hierarchy=hierarchy)
    return {local_unit: each.measure for local_unit, each in rolled.items()}


def roll_up_with_coverage(
    parents: Mapping[K, K | None],
    reported: Mapping[K, Measure],
    aggregation: Aggregation,
    scale: float = 100.0,
    *,
    hierarchy: Hierarchy[K] | None = None,
    gaps: Gaps = NO_GAPS,
) -> dict[K, RolledUp]:
    """Like `roll_up`, each figure with its coverage (see `Coverage` and `Gaps`).

    A child reported without counts (a rate-only figure) is weighed by its own roll-up when it
    has one, and otherwise left out and counted as reported without counts.
    """
    tree = hierarchy if hierarchy is not None else Hierarchy.of(parents)
    rolled: dict[K, RolledUp] = {}
    for local_unit in tree.bottom_up:
        rolled[local_unit] = _roll_up_one(
            tree.children[local_unit], reported, rolled, aggregation, scale, gaps
        )
    return rolled


def _roll_up_one(
    children: Sequence[K],
    reported: Mapping[K, Measure],
    rolled: Mapping[K, RolledUp],
    aggregation: Aggregation,
    scale: float,
    gaps: Gaps,
) -> RolledUp:
    """One unit from its direct children: the sums, and how much of the children they cover.
    Written as one loop over plain numbers: it runs for every unit of every period."""
    needs_counts = aggregation in _RATIOS
    parts: list[Measure] = []
    expected = reporting = suppressed = uncounted = 0
    covered_size, expected_size, sized = 0.0, 0.0, True
    child_ratio = 1.0
    for child in children:
        own = reported.get(child)
        if own is not None and own.value is not None:
            size = own.denominator
            if size is not None and own.numerator is not None or not needs_counts:
                expected += 1
                reporting += 1
                parts.append(own)
                if size is None:
                    sized = False
                elif sized:
                    covered_size += size
                    expected_size += size
                continue
            has_own = True
        else:
            has_own = False
        below = rolled.get(child)
        has_below = below is not None and below.measure.value is not None
        if not (has_own or has_below) and child in gaps.closed:
            continue
        expected += 1
        if has_below and below is not None:
            reporting += 1
            parts.append(below.measure)
            child_ratio = min(child_ratio, below.coverage.ratio)
            covered, size = below.covered_size, below.expected_size
        else:
            if has_own:
                uncounted += 1
            elif child in gaps.suppressed:
                suppressed += 1
            size = gaps.last_size.get(child)
            if size is None and below is not None:
                size = below.expected_size
            covered = 0.0
        if covered is None or size is None:
            sized = False
        elif sized:
            covered_size += covered
            expected_size += size
    share = covered_size / expected_size if needs_counts and sized and expected_size else None
    by_children = reporting / expected if expected else 0.0
    ratio = share if share is not None else min(by_children, child_ratio)
    coverage = Coverage(expected, reporting, suppressed, uncounted, share, ratio)
    measure = combine(aggregation, parts, scale)
    if not sized:
        return RolledUp(measure, coverage)
    return RolledUp(measure, coverage, covered_size, expected_size)


def reporting_difference(reported: Measure, rolled: Measure) -> float | None:
    """Reported minus rolled-up value; None when either is missing."""
    if reported.value is None or rolled.value is None:
        return None
    return reported.value - rolled.value


def _children_of(parents: Mapping[K, K | None]) -> dict[K, list[K]]:
    children: dict[K, list[K]] = {}
    for local_unit, parent in parents.items():
        if parent is not None:
            children.setdefault(parent, []).append(local_unit)
    return children


def _top_down(parents: Mapping[K, K | None], children: Mapping[K, list[K]]) -> list[K]:
    """Every local unit, each after its parent (breadth first from the roots)."""
    every = set(parents) | set(children)
    queue = deque(local_unit for local_unit in every if parents.get(local_unit) is None)
    order: list[K] = []
    while queue:
        local_unit = queue.popleft()
        order.append(local_unit)
        queue.extend(children.get(local_unit, ()))
    if len(order) < len(every):
        unreached = next(iter(every.difference(order)))
        raise RollUpError(_cycle_message(parents, unreached))
    return order


def _cycle_message(parents: Mapping[K, K | None], start: K) -> str:
    """Name the cycle above a unit that no root reaches (so its ancestors never end)."""
    path: list[K] = []
    seen: set[K] = set()
    local_unit: K | None = start
    while local_unit is not None and local_unit not in seen:
        path.append(local_unit)
        seen.add(local_unit)
        local_unit = parents.get(local_unit)
    cycle = path[path.index(local_unit) :] + [local_unit] if local_unit is not None else path
    shown = " → ".join(str(each) for each in cycle)
    return f"the local units' parents form a cycle ({shown}): no unit can be its own ancestor"
