"""The figures of one measure in one row: read, checked against the metric, or found missing.

A rate or mean needs its numerator and denominator; a count or sum its value. A suppression
marker in a needed cell makes the figure missing with the marker's reason, never zero. A rate or
mean may also come as its value alone, when the file has no counts for it or its counts are
blank or suppressed while the value is published (a rate-only figure).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from deliverology.core.aggregation import Aggregation, MeasureError, check_measure, measure_value
from deliverology.core.periods import PeriodKind
from deliverology.core.precision import Precision, ratio_interval, value_half_width
from deliverology.engine.cells import (
    CellError,
    cell_text,
    decimals_written,
    is_blank,
    missing_marker,
    read_number,
    shown,
)
from deliverology.engine.mapping import Role
from deliverology.engine.reading import Cell

RATIOS = (Aggregation.RATE, Aggregation.MEAN)


@dataclass(frozen=True)
class MetricSpec:
    """What the database knows about a metric: how it adds up, how often, and its scale."""

    code: str
    aggregation: Aggregation
    frequency: PeriodKind
    scale: float = 100.0


@dataclass(frozen=True)
class Figures:
    numerator: float | None
    denominator: float | None
    value: float | None
    missing_reason: str | None = None


@dataclass(frozen=True)
class FigureProblem:
    """What is wrong with the cell of `role`. `same_text` problems (a word where a number
    should be) are the same problem wherever the same text appears in that column."""

    role: Role
    message: str
    expected: str | None
    same_text: str | None = None


def read_figures(
    cells: Mapping[Role, Cell],
    spec: MetricSpec | None,
    markers: Mapping[str, str],
    reason: str | None = None,
    *,
    precision: Precision | None = None,
    value_scale: float | None = None,
) -> Figures | list[FigureProblem]:
    """The figures in `cells`, missing when a needed cell holds a marker (or the row gives a
    missing `reason`); the problems when they cannot be a measure of `spec`'s metric.

    Without a spec (the metric is not known) the figures are read but not checked as a rate.
    `markers` come from `cells.fold_markers`. A published value agrees with its counts at
    the file's `precision`; `value_scale` is the scale the file writes values on (1 for
    fractions), turned into the metric's.
    """
    if reason is None and spec is not None and _is_rate_only(spec, cells, markers):
        return _rate_only(spec, cells[Role.VALUE], value_scale)
    needed = _needed_roles(spec, cells)
    if reason is not None:
        return _said_missing(cells, needed, markers, reason)
    for role in needed:
        marked = missing_marker(cells[role], markers)
        if marked is not None:
            return Figures(None, None, None, marked)
    numbers = _numbers(cells, needed, markers, spec)
    if isinstance(numbers, list):
        return numbers
    if spec is None:
        return _unchecked(numbers)
    published = _Published.of(spec, cells.get(Role.VALUE), precision, value_scale)
    if Role.VALUE in numbers:
        numbers[Role.VALUE] *= published.factor
    if spec.aggregation in RATIOS:
        return _ratio(spec, numbers, published)
    return _total(spec, numbers)


def _is_rate_only(spec: MetricSpec, cells: Mapping[Role, Cell], markers: Mapping[str, str]) -> bool:
    """A published value with no counts beside it: none in the file, or blank or suppressed."""
    value = cells.get(Role.VALUE)
    if spec.aggregation not in RATIOS or value is None or is_blank(value):
        return False
    if missing_marker(value, markers) is not None:
        return False
    counts = [cells[role] for role in (Role.NUMERATOR, Role.DENOMINATOR) if role in cells]
    return all(is_blank(cell) or missing_marker(cell, markers) is not None for cell in counts)


def _rate_only(
    spec: MetricSpec, cell: Cell, value_scale: float | None = None
) -> Figures | list[FigureProblem]:
    factor = 1.0 if value_scale is None else spec.scale / value_scale
    try:
        value = read_number(cell) * factor
    except CellError as error:
        return [FigureProblem(Role.VALUE, error.message, error.expected, cell_text(cell))]
    try:
        check_measure(spec.aggregation, None, None, value, spec.scale)
    except MeasureError as error:
        return [FigureProblem(Role.VALUE, str(error), f"a rate between 0 and {spec.scale:g}")]
    return Figures(None, None, value)


@dataclass(frozen=True)
class _Published:
    """How a published value was written: the factor to the metric's scale and the rounding
    it may differ from its counts by."""

    factor: float
    precision: Precision
    decimals_shown: int | None

    @classmethod
    def of(
        cls,
        spec: MetricSpec,
        cell: Cell,
        precision: Precision | None,
        value_scale: float | None,
    ) -> _Published:
        factor = 1.0 if value_scale is None else spec.scale / value_scale
        return cls(factor, precision or Precision(), decimals_written(cell))

    @property
    def half_width(self) -> float:
        """The value's rounding, on the metric's scale."""
        return value_half_width(self.precision, self.decimals_shown) * self.factor


def _needed_roles(spec: MetricSpec | None, cells: Mapping[Role, Cell]) -> list[Role]:
    """The parts of the measure that must be there: a missing one makes the figure missing."""
    if spec is None:  # without a spec, whatever the row fills in is the figure
        return [role for role, cell in cells.items() if not is_blank(cell)] or list(cells)
    if spec.aggregation in RATIOS:
        return [Role.NUMERATOR, Role.DENOMINATOR]
    return [Role.VALUE]


def _said_missing(
    cells: Mapping[Role, Cell], needed: list[Role], markers: Mapping[str, str], reason: str
) -> Figures | list[FigureProblem]:
    given = [
        role
        for role in needed
        if not is_blank(cells[role]) and missing_marker(cells[role], markers) is None
    ]
    if not given:
        return Figures(None, None, None, reason)
    return [
        FigureProblem(
            given[0],
            f"the row says the figure is missing ({reason}) but gives {shown(cells[given[0]])}",
            "no figures on a row with a missing reason",
        )
    ]


def _numbers(
    cells: Mapping[Role, Cell],
    needed: list[Role],
    markers: Mapping[str, str],
    spec: MetricSpec | None,
) -> dict[Role, float] | list[FigureProblem]:
    numbers: dict[Role, float] = {}
    problems: list[FigureProblem] = []
    for role, cell in cells.items():
        optional = role not in needed
        if optional and (is_blank(cell) or missing_marker(cell, markers) is not None):
            continue
        if optional and role is not Role.VALUE and spec is not None:
            message = f"metric '{spec.code}' is a {spec.aggregation}, so it has no {role}"
            problems.append(FigureProblem(role, message, "its figure in the value column"))
            continue
        try:
            numbers[role] = read_number(cell)
        except CellError as error:
            problems.append(FigureProblem(role, error.message, error.expected, cell_text(cell)))
    return problems or numbers


def _unchecked(numbers: dict[Role, float]) -> Figures | list[FigureProblem]:
    denominator = numbers.get(Role.DENOMINATOR)
    if denominator is not None and denominator <= 0:
        word = "zero" if denominator == 0 else f"negative ({denominator:g})"
        return [
            FigureProblem(Role.DENOMINATOR, f"the denominator is {word}", "a denominator above 0")
        ]
    return Figures(numbers.get(Role.NUMERATOR), denominator, numbers.get(Role.VALUE))


def _ratio(
    spec: MetricSpec, numbers: dict[Role, float], published: _Published
) -> Figures | list[FigureProblem]:
    numerator, denominator = numbers[Role.NUMERATOR], numbers[Role.DENOMINATOR]
    try:
        check_measure(spec.aggregation, numerator, denominator)
    except MeasureError as error:
        return [_measure_problem(error, denominator)]
    computed = measure_value(spec.aggregation, numerator, denominator, spec.scale)
    value = numbers.get(Role.VALUE)
    if value is not None:
        problem = _value_problem(spec, value, (numerator, denominator), published)
        if problem is not None:
            return [problem]
    return Figures(numerator, denominator, computed)


def _measure_problem(error: MeasureError, denominator: float) -> FigureProblem:
    if denominator == 0:
        expected = "a denominator above 0 (mark the figure suppressed if there is none)"
        return FigureProblem(Role.DENOMINATOR, str(error), expected)
    if denominator < 0:
        return FigureProblem(Role.DENOMINATOR, str(error), "a denominator above 0")
    return FigureProblem(Role.NUMERATOR, str(error), "a numerator between 0 and the denominator")


def _value_problem(
    spec: MetricSpec, value: float, counts: tuple[float, float], published: _Published
) -> FigureProblem | None:
    """A published value must be a possible rate and agree with its numerator and
    denominator at the precision it was published at: the decimals it was written with (or
    the mapping's `precision`), and counts rounded as the mapping says."""
    if spec.aggregation is Aggregation.RATE and not 0 <= value <= spec.scale:
        return FigureProblem(
            Role.VALUE,
            f"a rate of {value:g} is outside 0 to {spec.scale:g}",
            f"a rate between 0 and {spec.scale:g}",
        )
    numerator, denominator = counts
    precision = published.precision
    allowed = ratio_interval(
        numerator,
        denominator,
        scale=spec.scale,
        counts_rounded_to=precision.counts_rounded_to,
        at_most_one=spec.aggregation is Aggregation.RATE,
    ).widened(published.half_width)
    if value in allowed or math.isclose(value, allowed.low, rel_tol=1e-9):
        return None
    computed = numerator / denominator * spec.scale
    unit = "%" if spec.scale == 100 else ""  # noqa: PLR2004  (a percentage)
    return FigureProblem(
        Role.VALUE,
        f"published {value:g}{unit} but its counts {numerator:g}/{denominator:g} give "
        f"{computed:.1f}{unit}; at {_precision_words(published)} that allows "
        f"{allowed.low:.1f}{unit} to {allowed.high:.1f}{unit}",
        "a value that agrees with its numerator and denominator (say the precision the file "
        "was published at in the mapping's 'precision')",
    )


def _precision_words(published: _Published) -> str:
    precision = published.precision
    decimals = (
        precision.value_decimals
        if precision.value_decimals is not None
        else published.decimals_shown
    )
    if decimals is None:
        words = "full precision"
    elif decimals == 0:
        words = "whole-number precision"
    else:
        words = f"{decimals}-decimal precision"
    if precision.first_rounded_to_decimals is not None:
        words += f" (rounded first to {precision.first_rounded_to_decimals} decimals)"
    if precision.counts_rounded_to > 1:
        return f"{words} with counts rounded to {precision.counts_rounded_to:g}"
    return f"{words} with exact counts"


def _total(spec: MetricSpec, numbers: dict[Role, float]) -> Figures | list[FigureProblem]:
    value = numbers[Role.VALUE]
    try:
        check_measure(spec.aggregation, None, None, value)
    except MeasureError as error:
        return [FigureProblem(Role.VALUE, str(error), "a count of 0 or more")]
    return Figures(None, None, value)
