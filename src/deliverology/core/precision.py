"""The precision of published figures: which rates rounded counts allow, and whether a
published (rounded) value agrees with them.

Publishers round. A rate published as a whole number ("29") may come from counts that were
themselves rounded to the nearest 10 (90 out of 320), or from a figure first rounded to one
decimal and then again to none. A published value agrees with its counts when the interval
of rates the rounded counts allow, widened by the value's own rounding, holds it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Floating-point slack, so 28.15 written as "28.2" is not refused for a last binary digit.
_SLACK = 1e-9


@dataclass(frozen=True)
class Interval:
    """The closed interval [low, high]."""

    low: float
    high: float

    def __post_init__(self) -> None:
        if self.high < self.low:
            raise ValueError(f"an interval cannot end ({self.high}) before it starts ({self.low})")

    def __contains__(self, number: object) -> bool:
        if not isinstance(number, int | float):
            return False
        return self.low - _SLACK <= number <= self.high + _SLACK

    def widened(self, by: float) -> Interval:
        return Interval(self.low - by, self.high + by)


@dataclass(frozen=True)
class Precision:
    """How a file's figures were published.

    `value_decimals`: the decimals of a published value (None: as many as each cell shows).
    `counts_rounded_to`: counts rounded to the nearest multiple of this (1: exact counts).
    `first_rounded_to_decimals`: the value was rounded to this many decimals before it was
    rounded to `value_decimals` (rounded twice), or None.
    """

    value_decimals: int | None = None
    counts_rounded_to: float = 1
    first_rounded_to_decimals: int | None = None

    def __post_init__(self) -> None:
        if self.value_decimals is not None and self.value_decimals < 0:
            raise ValueError("value_decimals must be 0 or more")
        if not self.counts_rounded_to >= 1:
            raise ValueError("counts_rounded_to must be 1 (exact counts) or more")
        first = self.first_rounded_to_decimals
        if first is not None and (first < 0 or first <= (self.value_decimals or 0)):
            raise ValueError("first_rounded_to_decimals must be more decimals than value_decimals")


def rounding_half_width(decimals: int) -> float:
    """How far a value rounded to `decimals` may be from the figure it was rounded from."""
    return 0.5 * 10.0**-decimals


def count_interval(count: float, rounded_to: float) -> Interval:
    """The counts a count rounded to the nearest `rounded_to` may stand for (never below 0)."""
    if rounded_to <= 1:
        return Interval(count, count)
    half = rounded_to / 2
    return Interval(max(0.0, count - half), count + half)


def ratio_interval(
    numerator: float,
    denominator: float,
    *,
    scale: float,
    counts_rounded_to: float = 1,
    at_most_one: bool = True,
) -> Interval:
    """The ratios (times `scale`) that rounded counts allow.

    `at_most_one`: a rate, whose numerator cannot exceed its denominator, so the ratio is at
    most `scale`; a mean's ratio has no such bound.
    """
    tops = count_interval(numerator, counts_rounded_to)
    bottoms = count_interval(denominator, counts_rounded_to)
    if bottoms.high <= 0:
        raise ValueError("a ratio needs a denominator above 0")
    low = tops.low / bottoms.high * scale
    high = tops.high / bottoms.low * scale if bottoms.low > 0 else math.inf
    if at_most_one:
        low, high = min(low, scale), min(high, scale)
    return Interval(low, high)


def value_half_width(precision: Precision, decimals_shown: int | None) -> float:
    """How far a published value may be from the ratio it stands for, by its rounding."""
    decimals = precision.value_decimals if precision.value_decimals is not None else decimals_shown
    if decimals is None:
        return 0.0
    width = rounding_half_width(decimals)
    if precision.first_rounded_to_decimals is not None:
        width += rounding_half_width(precision.first_rounded_to_decimals)
    return width


def allowed_values(
    numerator: float,
    denominator: float,
    *,
    scale: float,
    precision: Precision,
    decimals_shown: int | None = None,
    at_most_one: bool = True,
) -> Interval:
    """The published values that agree with the counts at this precision: the ratios the
    counts allow, widened by the value's rounding. `decimals_shown` is how many decimals the
    published cell shows, used when the precision does not fix them."""
    ratios = ratio_interval(
        numerator,
        denominator,
        scale=scale,
        counts_rounded_to=precision.counts_rounded_to,
        at_most_one=at_most_one,
    )
    return ratios.widened(value_half_width(precision, decimals_shown))
