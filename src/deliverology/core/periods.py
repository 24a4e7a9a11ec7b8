"""Reporting periods: academic and calendar years, terms, quarters and months.

A period is identified by its kind, the first calendar year it touches and its position in that
year. Periods of one kind can be stepped through (`p + 1`) and counted (`q - p`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache, total_ordering
from typing import overload


class PeriodKind(StrEnum):
    ACADEMIC_YEAR = "academic_year"
    CALENDAR_YEAR = "calendar_year"
    TERM = "term"
    QUARTER = "quarter"
    MONTH = "month"


class PeriodError(ValueError):
    """A text that is not a period, or periods that cannot be combined."""


ACADEMIC_YEAR_START_MONTH = 9
# Terms start in September, January and April: months after the academic year starts.
TERM_START_OFFSETS = (0, 4, 7)
MIN_YEAR = 1000
MAX_YEAR = 9998
# Academic years written with two-digit years ("13-14"): 00-69 are 2000-2069, 70-99 1970-1999.
TWO_DIGIT_YEAR_PIVOT = 70

_PER_YEAR = {
    PeriodKind.ACADEMIC_YEAR: 1,
    PeriodKind.CALENDAR_YEAR: 1,
    PeriodKind.TERM: len(TERM_START_OFFSETS),
    PeriodKind.QUARTER: 4,
    PeriodKind.MONTH: 12,
}

_NOUNS = {
    PeriodKind.ACADEMIC_YEAR: "an academic year",
    PeriodKind.CALENDAR_YEAR: "a calendar year",
    PeriodKind.TERM: "a term",
    PeriodKind.QUARTER: "a quarter",
    PeriodKind.MONTH: "a month",
}

_EXAMPLES = {
    PeriodKind.ACADEMIC_YEAR: "2024-25",
    PeriodKind.CALENDAR_YEAR: "2024",
    PeriodKind.TERM: "2024-25 T2",
    PeriodKind.QUARTER: "2024-Q3",
    PeriodKind.MONTH: "2024-03",
}


@total_ordering
@dataclass(frozen=True)
class Period:
    """One reporting period. `year` is the first calendar year it touches.

    `index` is the term (1-3), quarter (1-4) or month (1-12); 0 for years.
    """

    kind: PeriodKind
    year: int
    index: int = 0

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "kind", PeriodKind(self.kind))
        except ValueError:
            raise PeriodError(f"'{self.kind}' is not a kind of period") from None
        if not MIN_YEAR <= self.year <= MAX_YEAR:
            raise PeriodError(f"the year {self.year} is outside {MIN_YEAR}-{MAX_YEAR}")
        per_year = _PER_YEAR[self.kind]
        allowed = range(1, per_year + 1) if per_year > 1 else range(0, 1)
        if self.index not in allowed:
            raise PeriodError(f"{self.index} is not a valid index for {_NOUNS[self.kind]}")

    @property
    def label(self) -> str:
        match self.kind:
            case PeriodKind.ACADEMIC_YEAR:
                return _academic_label(self.year)
            case PeriodKind.CALENDAR_YEAR:
                return str(self.year)
            case PeriodKind.TERM:
                return f"{_academic_label(self.year)} T{self.index}"
            case PeriodKind.QUARTER:
                return f"{self.year}-Q{self.index}"
            case PeriodKind.MONTH:
                return f"{self.year}-{self.index:02d}"

    @property
    def start(self) -> date:
        first_month, _ = _months(self)
        return _first_day(self.year, first_month)

    @property
    def end(self) -> date:
        """The last day of the period (inclusive)."""
        first_month, length = _months(self)
        return _first_day(self.year, first_month + length) - timedelta(days=1)

    def __str__(self) -> str:
        return self.label

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Period):
            return NotImplemented
        if self.kind is other.kind:  # the same kind: in calendar order by year, then index
            return (self.year, self.index) < (other.year, other.index)
        return (self.start, self.end, self.kind) < (other.start, other.end, other.kind)

    def __add__(self, steps: int) -> Period:
        if not isinstance(steps, int) or isinstance(steps, bool):
            return NotImplemented
        return _from_ordinal(self.kind, _ordinal(self) + steps)

    def __radd__(self, steps: int) -> Period:
        return self.__add__(steps)

    @overload
    def __sub__(self, other: int) -> Period: ...

    @overload
    def __sub__(self, other: Period) -> int: ...

    def __sub__(self, other: int | Period) -> Period | int:
        if isinstance(other, Period):
            _check_same_kind(self, other)
            return _ordinal(self) - _ordinal(other)
        if not isinstance(other, int) or isinstance(other, bool):
            return NotImplemented
        return self + (-other)


def kind_noun(kind: PeriodKind) -> str:
    """The kind in a sentence of an error message: "an academic year"."""
    return _NOUNS[PeriodKind(kind)]


def period_range(first: Period, last: Period) -> list[Period]:
    """Every period from `first` to `last`, both included."""
    _check_same_kind(first, last)
    if last < first:
        raise PeriodError(f"the period range ends ({last}) before it starts ({first})")
    return [first + step for step in range(last - first + 1)]


def period_containing(day: date, kind: PeriodKind) -> Period:
    """The period of the given kind that includes `day`."""
    match kind:
        case PeriodKind.CALENDAR_YEAR:
            return Period(kind, day.year)
        case PeriodKind.QUARTER:
            return Period(kind, day.year, (day.month - 1) // 3 + 1)
        case PeriodKind.MONTH:
            return Period(kind, day.year, day.month)
    academic_year = day.year if day.month >= ACADEMIC_YEAR_START_MONTH else day.year - 1
    if kind == PeriodKind.ACADEMIC_YEAR:
        return Period(kind, academic_year)
    terms = [Period(kind, academic_year, index) for index in range(1, _PER_YEAR[kind] + 1)]
    return [term for term in terms if term.start <= day][-1]


@lru_cache(maxsize=8192)  # pages read the same few labels thousands of times; Period is frozen
def parse_period(text: str, kind: PeriodKind | None = None) -> Period:
    """Read a period written in a canonical or common form.

    Academic years: "2016-17", "2016/17", "2016-2017", "201617", and with two-digit years
    "16-17" or "16/17" (see TWO_DIGIT_YEAR_PIVOT). Calendar years: "2017".
    Terms: "2024-25 T2", "T2 2024-25". Quarters: "2024-Q3", "Q3 2024", "2024 Q3".
    Months: "2024-03", "2024/03", "Mar 2024", "March 2024".

    A bare year is a calendar year, except when `kind` is an academic year: then "2017" is the
    academic year that ends in 2017 (2016-17), as annual statistics are often labelled.
    Without `kind`, "2011-12" is the academic year, not December 2011.
    """
    cleaned = " ".join(text.split())
    readings = _readings(cleaned)
    if kind is None:
        if readings:
            return readings[0]
        raise PeriodError(f"'{cleaned}' is not a period: {_problem(cleaned, kind)}")
    return _reading_as(PeriodKind(kind), cleaned, readings)


def _reading_as(kind: PeriodKind, text: str, readings: list[Period]) -> Period:
    for reading in readings:
        if reading.kind == kind:
            return reading
    for reading in readings:
        if reading.kind == PeriodKind.CALENDAR_YEAR and kind == PeriodKind.ACADEMIC_YEAR:
            return Period(kind, reading.year - 1)
    if readings:
        found = readings[0].kind
        raise PeriodError(
            f"'{text}' is {_NOUNS[found]}, not {_NOUNS[kind]} (write it like {_EXAMPLES[kind]})"
        )
    raise PeriodError(f"'{text}' is not a period: {_problem(text, kind)}")


def _readings(text: str) -> list[Period]:
    readings = []
    for pattern, read in _READERS:
        match = pattern.match(text)
        if match is None:
            continue
        try:
            reading = read(match)
        except PeriodError:
            continue
        if reading is not None:
            readings.append(reading)
    return readings


def _problem(text: str, kind: PeriodKind | None) -> str:
    origin = _spreadsheet_origin(text)
    if origin is not None:
        return f"it looks like a date a spreadsheet made from '{origin}'; store the column as text"
    pair = _YEAR_PAIR_ONLY.match(text)
    if pair is not None and kind in (None, PeriodKind.ACADEMIC_YEAR, PeriodKind.TERM):
        first = int(pair["first"])
        return f"{_NOUNS[PeriodKind.ACADEMIC_YEAR]} is written like {_academic_label(first)}"
    kind = kind or _likely_kind(text)
    if kind is not None:
        return f"{_NOUNS[kind]} is written like {_EXAMPLES[kind]}"
    examples = [_EXAMPLES[each] for each in PeriodKind]
    return f"a period is written like {', '.join(examples[:-1])} or {examples[-1]}"


def _likely_kind(text: str) -> PeriodKind | None:
    if _TERM_MARK.search(text):
        return PeriodKind.TERM
    if _QUARTER_MARK.search(text):
        return PeriodKind.QUARTER
    return None


def _spreadsheet_origin(text: str) -> str | None:
    """The text a spreadsheet probably turned into this date ("12-Nov" from "2011-12")."""
    if match := _DAY_MONTH.match(text):
        month = _month_number(match["name"])
        day = int(match["day"])
        return None if month is None else f"20{month:02d}-{day:02d}"
    if match := _MONTH_YEAR.match(text):
        month = _month_number(match["name"])
        return None if month is None else f"20{match['year']}-{month:02d}"
    if match := _ISO_DATE.match(text):
        return f"{match['year']}-{match['month']}"
    return None


def _read_academic_year(match: re.Match[str]) -> Period | None:
    first = _academic_first_year(match)
    return None if first is None else Period(PeriodKind.ACADEMIC_YEAR, first)


def _read_term(match: re.Match[str]) -> Period | None:
    first = _academic_first_year(match)
    return None if first is None else Period(PeriodKind.TERM, first, int(match["term"]))


def _read_short_academic_year(match: re.Match[str]) -> Period | None:
    """ "13-14": the academic year 2013-14, if the second year follows the first."""
    first, second = int(match["first"]), int(match["second"])
    if second != (first + 1) % 100:
        return None
    century = 2000 if first < TWO_DIGIT_YEAR_PIVOT else 1900
    return Period(PeriodKind.ACADEMIC_YEAR, century + first)


def _read_calendar_year(match: re.Match[str]) -> Period:
    return Period(PeriodKind.CALENDAR_YEAR, int(match["year"]))


def _read_quarter(match: re.Match[str]) -> Period:
    return Period(PeriodKind.QUARTER, int(match["year"]), int(match["number"]))


def _read_month(match: re.Match[str]) -> Period:
    return Period(PeriodKind.MONTH, int(match["year"]), int(match["number"]))


def _read_named_month(match: re.Match[str]) -> Period | None:
    month = _month_number(match["name"])
    return None if month is None else Period(PeriodKind.MONTH, int(match["year"]), month)


def _academic_first_year(match: re.Match[str]) -> int | None:
    """The first year of an academic year, if its second year follows the first."""
    first = int(match["first"])
    second = match["second"] or match["joined"]
    following = first + 1 if len(second) == 4 else (first + 1) % 100
    return first if int(second) == following else None


_MONTH_NAMES = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip


def _month_number(name: str) -> int | None:
    """1-12 for an English month name or an abbreviation of at least three letters."""
    name = name.lower()
    for number, full_name in enumerate(_MONTH_NAMES, start=1):
        if len(name) >= 3 and full_name.startswith(name):
            return number
    return None


_YEAR_PAIR = r"(?P<first>\d{4})(?:\s*[-/–]\s*(?P<second>\d{4}|\d{2})|(?P<joined>\d{2}))"
_TERM = r"T(?:erm)?\s*(?P<term>[1-3])"
_TERM_MARK = re.compile(r"(?:^|[^a-z])T(?:erm)? ?\d", re.IGNORECASE)
_QUARTER_MARK = re.compile(r"(?:^|[^a-z])Q ?\d", re.IGNORECASE)
_YEAR_PAIR_ONLY = re.compile(rf"^{_YEAR_PAIR}$")
_DAY_MONTH = re.compile(r"^(?P<day>\d{1,2})[-/ ](?P<name>[a-z]{3,9})$", re.IGNORECASE)
_MONTH_YEAR = re.compile(r"^(?P<name>[a-z]{3,9})[-/ ](?P<year>\d{2})$", re.IGNORECASE)
_ISO_DATE = re.compile(r"^(?P<year>\d{4})-(?P<month>\d{2})-\d{2}(?:[ T].*)?$")

_READERS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], Period | None]], ...] = (
    (_YEAR_PAIR_ONLY, _read_academic_year),
    (re.compile(r"^(?P<first>\d{2}) ?[-/–] ?(?P<second>\d{2})$"), _read_short_academic_year),
    (re.compile(rf"^{_YEAR_PAIR} ?[-,]? ?{_TERM}$", re.IGNORECASE), _read_term),
    (re.compile(rf"^{_TERM} ?[-,]? ?{_YEAR_PAIR}$", re.IGNORECASE), _read_term),
    (re.compile(r"^(?P<year>\d{4})$"), _read_calendar_year),
    (re.compile(r"^Q(?P<number>[1-4]) ?[-/]? ?(?P<year>\d{4})$", re.IGNORECASE), _read_quarter),
    (re.compile(r"^(?P<year>\d{4}) ?[-/]? ?Q(?P<number>[1-4])$", re.IGNORECASE), _read_quarter),
    (re.compile(r"^(?P<year>\d{4}) ?[-/] ?(?P<number>\d{1,2})$"), _read_month),
    (
        re.compile(r"^(?P<name>[a-z]{3,9})\.? ?[-/]? ?(?P<year>\d{4})$", re.IGNORECASE),
        _read_named_month,
    ),
    (
        re.compile(r"^(?P<year>\d{4}) ?[-/]? ?(?P<name>[a-z]{3,9})\.?$", re.IGNORECASE),
        _read_named_month,
    ),
)


def _academic_label(year: int) -> str:
    return f"{year}-{(year + 1) % 100:02d}"


def _first_day(year: int, month: int) -> date:
    """The first day of `month` counted from January of `year` (13 is next January)."""
    extra_years, month_index = divmod(month - 1, 12)
    return date(year + extra_years, month_index + 1, 1)


def _months(period: Period) -> tuple[int, int]:
    """The first month (counted from January of `period.year`) and the number of months."""
    match period.kind:
        case PeriodKind.ACADEMIC_YEAR:
            return ACADEMIC_YEAR_START_MONTH, 12
        case PeriodKind.CALENDAR_YEAR:
            return 1, 12
        case PeriodKind.TERM:
            offsets = (*TERM_START_OFFSETS, 12)
            first, following = offsets[period.index - 1], offsets[period.index]
            return ACADEMIC_YEAR_START_MONTH + first, following - first
        case PeriodKind.QUARTER:
            return 3 * period.index - 2, 3
        case PeriodKind.MONTH:
            return period.index, 1


def _ordinal(period: Period) -> int:
    per_year = _PER_YEAR[period.kind]
    return period.year * per_year + (period.index - 1 if per_year > 1 else 0)


def _from_ordinal(kind: PeriodKind, ordinal: int) -> Period:
    per_year = _PER_YEAR[kind]
    year, index = divmod(ordinal, per_year)
    return Period(kind, year, index + 1 if per_year > 1 else 0)


def _check_same_kind(first: Period, second: Period) -> None:
    if first.kind is not second.kind:
        raise PeriodError(
            f"{first} is {_NOUNS[first.kind]} but {second} is {_NOUNS[second.kind]}: "
            "periods of different kinds cannot be compared step by step"
        )


# ------------------------------------------------------------------------- DHIS2 period ids

# Financial years DHIS2 names by their first month ("2024April" runs April 2024 to March 2025).
DHIS2_FINANCIAL_YEARS = {"April": 4, "July": 7, "Sep": 9, "Oct": 10, "Nov": 11}
DHIS2_EXAMPLES = (
    "2024 (a year), 202403 (a month), 2024Q1 (a quarter) or 2024Sep (a year from September)"
)

_DHIS2_WITHOUT_KIND = (
    (re.compile(r"^\d{8}$"), "a day"),
    (re.compile(r"^\d{4}(?:Wed|Thu|Sat|Sun)?W\d{1,2}$"), "a week"),
    (re.compile(r"^\d{4}BiW\d{1,2}$"), "a two-week period"),
    (re.compile(r"^\d{6}B$"), "a two-month period"),
    (re.compile(r"^\d{4}(?:April|Nov)?S[12]$"), "a six-month period"),
    (re.compile(r"^\d{4}NovQ[1-4]$"), "a quarter of a financial year"),
)
_DHIS2_YEAR = re.compile(r"^(?P<year>\d{4})$")
_DHIS2_MONTH = re.compile(r"^(?P<year>\d{4})(?P<number>\d{2})$")
_DHIS2_QUARTER = re.compile(r"^(?P<year>\d{4})Q(?P<number>[1-4])$")
_DHIS2_FINANCIAL = re.compile(rf"^(?P<year>\d{{4}})(?P<name>{'|'.join(DHIS2_FINANCIAL_YEARS)})$")


def parse_dhis2_period(text: str) -> Period:
    """The period a DHIS2 period id stands for: "2024" a calendar year, "202403" a month,
    "2024Q1" a quarter, and a financial year that starts in the academic year's month
    ("2024Sep") the academic year 2024-25.

    DHIS2 periods with no kind here (days, weeks, two- and six-month periods, financial years
    starting in another month) raise PeriodError saying what they are.
    """
    cleaned = text.strip()
    if match := _DHIS2_YEAR.match(cleaned):
        return _read_calendar_year(match)
    if match := _DHIS2_QUARTER.match(cleaned):
        return _read_quarter(match)
    if match := _DHIS2_MONTH.match(cleaned):
        if not 1 <= int(match["number"]) <= 12:
            raise PeriodError(f"'{cleaned}' would be a month, but {match['number']} is no month")
        return _read_month(match)
    if match := _DHIS2_FINANCIAL.match(cleaned):
        return _dhis2_financial_year(cleaned, int(match["year"]), match["name"])
    for pattern, noun in _DHIS2_WITHOUT_KIND:
        if pattern.match(cleaned):
            raise PeriodError(
                f"'{cleaned}' is {noun} in DHIS2, and Deliverology has no periods of that kind"
            )
    raise PeriodError(f"'{cleaned}' is not a DHIS2 period id")


def _dhis2_financial_year(text: str, year: int, name: str) -> Period:
    month = DHIS2_FINANCIAL_YEARS[name]
    if month == ACADEMIC_YEAR_START_MONTH:
        return Period(PeriodKind.ACADEMIC_YEAR, year)
    first = _MONTH_NAMES[month - 1].capitalize()
    raise PeriodError(
        f"'{text}' is a DHIS2 financial year starting in {first}, and Deliverology's years "
        f"start in January or, for academic years, in "
        f"{_MONTH_NAMES[ACADEMIC_YEAR_START_MONTH - 1].capitalize()}"
    )
