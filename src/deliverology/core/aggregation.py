"""Measures of a metric for one local unit and period, and how they add up the hierarchy.

A rate of a group is the ratio of the sums of its parts, never the mean of their rates.
A missing measure is left out; it is never counted as zero.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
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
) -> None:
    """Raise MeasureError when the numbers cannot make a measure of this aggregation."""
    if aggregation in _RATIOS:
        _check_ratio(aggregation, numerator, denominator)
    elif aggregation is Aggregation.COUNT and value is not None and value < 0:
        raise MeasureError(f"a count cannot be negative (it is {value:g})")


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
    tree = hierarchy if hierarchy is not None else Hierarchy.of(parents)
    rolled: dict[K, Measure] = {}
    for local_unit in tree.bottom_up:
        effective = (_effective(child, reported, rolled) for child in tree.children[local_unit])
        rolled[local_unit] = combine(aggregation, effective, scale)
    return rolled


def reporting_difference(reported: Measure, rolled: Measure) -> float | None:
    """Reported minus rolled-up value; None when either is missing."""
    if reported.value is None or rolled.value is None:
        return None
    return reported.value - rolled.value


def _effective(
    local_unit: K, reported: Mapping[K, Measure], rolled: Mapping[K, Measure]
) -> Measure:
    own = reported.get(local_unit)
    if own is not None and not own.is_missing:
        return own
    return rolled.get(local_unit, MISSING)


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
