"""The range a measure can take: 0 to the scale for a rate, never below zero for a count or a sum.

A target, a sub-target or a trajectory outside that range promises what cannot happen (a
graduation rate of 100.6%), so every one of them is kept inside it, and a chart's axis stops at it.
A mean has no range of its own: it can be any number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from deliverology.core.aggregation import Aggregation


@dataclass(frozen=True)
class Bounds:
    """The lowest and highest value a measure can take; None: no bound on that side."""

    low: float | None = None
    high: float | None = None

    def clamp(self, value: float) -> float:
        """`value`, moved to the nearest bound when it lies outside."""
        if self.low is not None and value < self.low:
            return self.low
        if self.high is not None and value > self.high:
            return self.high
        return value

    def contains(self, value: float) -> bool:
        return math.isfinite(value) and self.clamp(value) == value

    def describe(self) -> str:
        """The range in words, for a message: 'between 0 and 100', 'at least 0'."""
        if self.low is not None and self.high is not None:
            return f"between {self.low:g} and {self.high:g}"
        if self.low is not None:
            return f"at least {self.low:g}"
        if self.high is not None:
            return f"at most {self.high:g}"
        return "any number"


def measure_bounds(aggregation: Aggregation | str, scale: float = 100.0) -> Bounds:
    """The range of a measure combined by `aggregation` (a rate runs from 0 to `scale`)."""
    match Aggregation(aggregation):
        case Aggregation.RATE:
            return Bounds(0.0, scale)
        case Aggregation.SUM | Aggregation.COUNT:
            return Bounds(0.0, None)
        case Aggregation.MEAN:
            return Bounds(None, None)
