"""Turning one cell of a file into a number, a flag, a date or a period, or saying why not.

Each reader raises `CellError(message, expected)`; the caller adds the file, row and column.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import date, datetime, time
from decimal import Decimal

from deliverology.core.periods import (
    Period,
    PeriodError,
    PeriodKind,
    kind_noun,
    parse_period,
    period_containing,
)
from deliverology.engine.reading import Cell

SHOWN_CHARS = 40


class CellError(ValueError):
    def __init__(self, message: str, expected: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.expected = expected


def shown(cell: Cell) -> str:
    """A cell as quoted in a message, cut short when long."""
    text = cell_text(cell)
    return f"'{text}'" if len(text) <= SHOWN_CHARS else f"'{text[: SHOWN_CHARS - 3]}...'"


def cell_text(cell: Cell) -> str:
    """The cell as text, as a person would type it: 2005.0 read from a workbook is '2005'."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime) and cell.time() == time():
        return cell.date().isoformat()
    return str(cell).strip()


def is_blank(cell: Cell) -> bool:
    return cell_text(cell) == ""


# ------------------------------------------------------------------------------- numbers

_PLAIN_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")
_GROUPED_NUMBER = re.compile(r"^[-+]?\d{1,3}(,\d{3})+(\.\d+)?$")
_DECIMAL_COMMA = re.compile(r"^[-+]?\d+,\d+$")
NUMBER_EXPECTED = "a number like 1234 or 56.7"


def read_number(cell: Cell) -> float:
    """A finite number from a numeric cell or its text ("1,234" counts as 1234)."""
    if isinstance(cell, bool):
        raise CellError(f"{shown(cell)} is a yes/no value, not a number", NUMBER_EXPECTED)
    if isinstance(cell, int | float | Decimal):
        return _finite(float(cell), cell)
    if isinstance(cell, date | time):
        raise CellError(f"{shown(cell)} is a date or time, not a number", NUMBER_EXPECTED)
    text = cell_text(cell)
    if _PLAIN_NUMBER.match(text):
        return _finite(float(text), cell)
    if _GROUPED_NUMBER.match(text):
        return float(text.replace(",", ""))
    raise CellError(_not_a_number(text), NUMBER_EXPECTED)


def _finite(number: float, cell: Cell) -> float:
    if not math.isfinite(number):
        raise CellError(f"{shown(cell)} is not a finite number", NUMBER_EXPECTED)
    return number


def _not_a_number(text: str) -> str:
    quoted = shown(text)
    if text.startswith("#"):
        return f"{quoted} is a spreadsheet error, not a number"
    if _DECIMAL_COMMA.match(text):
        return f"{quoted} is not a number (a decimal comma?); write it with a point, like 12.5"
    if text.endswith("%"):
        return f"{quoted} is a percentage; write the number without the % sign"
    return f"{quoted} is not a number"


def decimals_written(cell: Cell) -> int | None:
    """How many decimals a typed number shows (for the rounding of a published value)."""
    if not isinstance(cell, str):
        return None
    text = cell_text(cell).replace(",", "")
    if "e" in text.lower():
        return None
    _, point, decimals = text.partition(".")
    return len(decimals) if point else 0


# --------------------------------------------------------------------------- yes / no

_TRUE = {"true", "t", "yes", "y", "1", "p", "provisional"}
_FALSE = {"false", "f", "no", "n", "0", "final", "", "r", "revised"}


def read_flag(cell: Cell) -> bool:
    if isinstance(cell, bool):
        return cell
    if isinstance(cell, int | float) and cell in (0, 1):
        return bool(cell)
    text = cell_text(cell).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError(f"{shown(cell)} is not a yes or no", "yes/no, true/false, 1/0 or blank")


# -------------------------------------------------------------------------------- dates

DATE_EXPECTED = "a date written year-month-day, like 2019-04-01"


def read_date(cell: Cell) -> date | None:
    """A date from a date cell or ISO text; None for a blank cell."""
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    text = cell_text(cell)
    if not text:
        return None
    try:
        return date.fromisoformat(text) if len(text) == 10 else _not_a_date(text)
    except ValueError:
        return _not_a_date(text)


def _not_a_date(text: str) -> date:
    raise CellError(f"{shown(text)} is not a date", DATE_EXPECTED)


# ------------------------------------------------------------------------------ periods

_EXAMPLES = {
    PeriodKind.ACADEMIC_YEAR: Period(PeriodKind.ACADEMIC_YEAR, 2024),
    PeriodKind.CALENDAR_YEAR: Period(PeriodKind.CALENDAR_YEAR, 2024),
    PeriodKind.TERM: Period(PeriodKind.TERM, 2024, 2),
    PeriodKind.QUARTER: Period(PeriodKind.QUARTER, 2024, 3),
    PeriodKind.MONTH: Period(PeriodKind.MONTH, 2024, 3),
}
_DAY_MONTH = re.compile(r"^(?P<day>\d{1,2})[-/ ](?P<name>[a-z]{3,9})$", re.IGNORECASE)
_MONTH_YEAR = re.compile(r"^(?P<name>[a-z]{3,9})[-/ ](?P<year>\d{2})$", re.IGNORECASE)
_ISO_DATE = re.compile(r"^(?P<year>\d{4})-(?P<month>\d{2})-\d{2}(?:[ T].*)?$")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


class MangledPeriod(CellError):
    """A period a spreadsheet turned into a date. `origin` is what it probably was."""

    def __init__(self, message: str, expected: str, origin: str) -> None:
        super().__init__(message, expected)
        self.origin = origin


def expected_period(kind: PeriodKind | None, example: str | None = None) -> str:
    if kind is None:
        return "a period like 2024-25, 2024, 2024-Q3 or 2024-03, stored as text"
    return f"{kind_noun(kind)} like {example or _EXAMPLES[kind].label}"


def read_period(cell: Cell, kind: PeriodKind | None) -> Period:
    """The period in a cell, of `kind` when given; a bare year with an academic-year kind is
    the academic year ending in it ("2017" → 2016-17)."""
    if isinstance(cell, date | time):
        return _date_cell_period(cell, kind)
    text = cell_text(cell)
    if not text:
        raise CellError("the period is blank", expected_period(kind))
    origin = spreadsheet_origin(text)
    try:
        return parse_period(text, kind)
    except PeriodError:
        if origin is not None:
            raise _mangled(text, origin, kind) from None
        raise CellError(_not_a_period(text, kind), expected_period(kind)) from None


def _date_cell_period(cell: date | time, kind: PeriodKind | None) -> Period:
    if isinstance(cell, date) and kind is PeriodKind.MONTH and cell.day == 1:
        return period_containing(cell, kind)
    if not isinstance(cell, date):
        raise CellError(f"{shown(cell)} is a time of day, not a period", expected_period(kind))
    origin = f"{cell.year}-{cell.month:02d}"
    raise _mangled(cell_text(cell), origin, kind)


def _mangled(text: str, origin: str, kind: PeriodKind | None) -> MangledPeriod:
    example = None
    try:
        example = parse_period(origin, kind).label
    except PeriodError:
        pass
    return MangledPeriod(
        f"'{text}' looks like a date a spreadsheet made from '{origin}'",
        expected_period(kind, example),
        origin,
    )


def _not_a_period(text: str, kind: PeriodKind | None) -> str:
    if kind is not None:
        try:
            found = parse_period(text)
        except PeriodError:
            pass
        else:
            return f"{shown(text)} is {kind_noun(found.kind)}, not {kind_noun(kind)}"
        return f"{shown(text)} is not {kind_noun(kind)}"
    return f"{shown(text)} is not a period"


def spreadsheet_origin(text: str) -> str | None:
    """The text a spreadsheet probably turned into this date: '12-Nov' was '2011-12'."""
    if match := _DAY_MONTH.match(text):
        month = _month_number(match["name"])
        return None if month is None else f"20{month:02d}-{int(match['day']):02d}"
    if match := _MONTH_YEAR.match(text):
        month = _month_number(match["name"])
        return None if month is None else f"20{match['year']}-{month:02d}"
    if match := _ISO_DATE.match(text):
        return f"{match['year']}-{match['month']}"
    return None


def _month_number(name: str) -> int | None:
    short = name[:3].lower()
    return _MONTHS.index(short) + 1 if short in _MONTHS else None


# ------------------------------------------------------------------------------ markers

MISSING_REASONS = ("suppressed", "not_applicable", "not_collected", "not_yet_available")


def fold_markers(markers: Mapping[str, str]) -> dict[str, str]:
    """The markers keyed as `missing_marker` looks them up (whatever their case)."""
    return {marker.strip().lower(): reason for marker, reason in markers.items()}


def missing_marker(cell: Cell, folded: Mapping[str, str]) -> str | None:
    """The missing reason a cell's marker stands for ("c" → suppressed), or None.

    `folded` comes from `fold_markers`. Markers match whatever their case, and also in square
    brackets ("[c]") as the Government Statistical Service now writes them.
    """
    if cell is not None and not isinstance(cell, str):
        return None
    text = cell_text(cell).lower()
    if text.startswith("[") and text.endswith("]") and len(text) > 2:
        text = text[1:-1].strip()
    return folded.get(text)
