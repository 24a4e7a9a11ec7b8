"""Numbers as people read them: thousands separators, the measure's unit, money with its symbol.

One set of formatters for pages, charts and exports, so that a chart's label carries the same
decimals as the figure in the page's header (one decimal unless told otherwise).
"""

from __future__ import annotations

import math

EMPTY = "–"
DECIMALS = 1


def number(value: float | None, digits: int = DECIMALS, empty: str = EMPTY) -> str:
    """1234.56 → '1,234.6'; None or not a number → `empty`."""
    if value is None or not math.isfinite(value):
        return empty
    return f"{value:,.{digits}f}"


def signed(value: float | None, digits: int = DECIMALS, empty: str = EMPTY) -> str:
    """A change, always with its sign: '+1.5', '−0.3'."""
    if value is None or not math.isfinite(value):
        return empty
    return f"{value:+,.{digits}f}"


def measure(
    value: float | None, measure_unit: str, digits: int = DECIMALS, empty: str = EMPTY
) -> str:
    """A figure with its unit: '52.4%' for a rate in per cent, '1,204.0 students' otherwise."""
    if value is None or not math.isfinite(value):
        return empty
    if measure_unit == "%":
        return f"{number(value, digits)}%"
    return f"{number(value, digits)} {measure_unit}".rstrip()


def money(value: float | None, pattern: str, empty: str = EMPTY) -> str:
    """A cost in whole units, written by the configured `pattern`: '${amount}' → '$9,500,000'."""
    if value is None or not math.isfinite(value):
        return empty
    amount = pattern.replace("{amount}", f"{abs(value):,.0f}")
    return f"-{amount}" if value < 0 else amount
