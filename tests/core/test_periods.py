from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deliverology.core.periods import (
    Period,
    PeriodError,
    PeriodKind,
    parse_period,
    period_containing,
    period_range,
)

AY = PeriodKind.ACADEMIC_YEAR
CY = PeriodKind.CALENDAR_YEAR
TERM = PeriodKind.TERM
QUARTER = PeriodKind.QUARTER
MONTH = PeriodKind.MONTH

INDEXES = {AY: (0, 0), CY: (0, 0), TERM: (1, 3), QUARTER: (1, 4), MONTH: (1, 12)}


@st.composite
def periods(draw: st.DrawFn, kind: PeriodKind | None = None) -> Period:
    chosen = kind or draw(st.sampled_from(PeriodKind))
    low, high = INDEXES[chosen]
    return Period(chosen, draw(st.integers(1900, 2200)), draw(st.integers(low, high)))


@pytest.mark.parametrize(
    ("period", "label", "start", "end"),
    [
        (Period(AY, 2024), "2024-25", date(2024, 9, 1), date(2025, 8, 31)),
        (Period(AY, 1999), "1999-00", date(1999, 9, 1), date(2000, 8, 31)),
        (Period(CY, 2024), "2024", date(2024, 1, 1), date(2024, 12, 31)),
        (Period(TERM, 2024, 1), "2024-25 T1", date(2024, 9, 1), date(2024, 12, 31)),
        (Period(TERM, 2024, 2), "2024-25 T2", date(2025, 1, 1), date(2025, 3, 31)),
        (Period(TERM, 2024, 3), "2024-25 T3", date(2025, 4, 1), date(2025, 8, 31)),
        (Period(QUARTER, 2024, 3), "2024-Q3", date(2024, 7, 1), date(2024, 9, 30)),
        (Period(QUARTER, 2024, 4), "2024-Q4", date(2024, 10, 1), date(2024, 12, 31)),
        (Period(MONTH, 2024, 2), "2024-02", date(2024, 2, 1), date(2024, 2, 29)),
        (Period(MONTH, 2023, 12), "2023-12", date(2023, 12, 1), date(2023, 12, 31)),
    ],
)
def test_a_period_has_a_canonical_label_and_inclusive_dates(
    period: Period, label: str, start: date, end: date
) -> None:
    assert (period.label, str(period), period.start, period.end) == (label, label, start, end)


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        ("2016-17", None, Period(AY, 2016)),
        ("2016/17", None, Period(AY, 2016)),
        ("2016-2017", None, Period(AY, 2016)),
        ("201617", None, Period(AY, 2016)),
        ("2016 - 17", None, Period(AY, 2016)),
        ("2016\u201317", None, Period(AY, 2016)),
        ("1999-00", None, Period(AY, 1999)),
        ("  2016-17\t", None, Period(AY, 2016)),
        ("2017", None, Period(CY, 2017)),
        ("2017", CY, Period(CY, 2017)),
        ("2017", AY, Period(AY, 2016)),
        ("Q3 2024", None, Period(QUARTER, 2024, 3)),
        ("2024 Q3", None, Period(QUARTER, 2024, 3)),
        ("2024-Q3", None, Period(QUARTER, 2024, 3)),
        ("2024q3", QUARTER, Period(QUARTER, 2024, 3)),
        ("2024-03", None, Period(MONTH, 2024, 3)),
        ("2024/03", None, Period(MONTH, 2024, 3)),
        ("2024-3", None, Period(MONTH, 2024, 3)),
        ("Mar 2024", None, Period(MONTH, 2024, 3)),
        ("March 2024", None, Period(MONTH, 2024, 3)),
        ("sept. 2024", MONTH, Period(MONTH, 2024, 9)),
        ("2024-25 T2", None, Period(TERM, 2024, 2)),
        ("T2 2024-25", None, Period(TERM, 2024, 2)),
        ("Term 3 2024/25", TERM, Period(TERM, 2024, 3)),
        ("2011-12", None, Period(AY, 2011)),
        ("2011-12", AY, Period(AY, 2011)),
        ("2011-12", MONTH, Period(MONTH, 2011, 12)),
    ],
)
def test_it_reads_canonical_and_common_forms(
    text: str, kind: PeriodKind | None, expected: Period
) -> None:
    assert parse_period(text, kind) == expected


@pytest.mark.parametrize(
    ("text", "kind", "message"),
    [
        ("2024-26", None, "'2024-26' is not a period: an academic year is written like 2024-25"),
        ("2016-18", None, "an academic year is written like 2016-17"),
        ("2016-2018", AY, "an academic year is written like 2016-17"),
        ("201618", None, "an academic year is written like 2016-17"),
        ("2024-25 T2", AY, "'2024-25 T2' is a term, not an academic year"),
        ("2024-Q3", MONTH, "is a quarter, not a month (write it like 2024-03)"),
        ("2017", TERM, "is a calendar year, not a term"),
        ("2024-25", CY, "is an academic year, not a calendar year"),
        ("2024-13", MONTH, "a month is written like 2024-03"),
        ("2024-00", MONTH, "a month is written like 2024-03"),
        ("Q5 2024", None, "a quarter is written like 2024-Q3"),
        ("2024-25 T4", None, "a term is written like 2024-25 T2"),
        ("12-Nov", None, "it looks like a date a spreadsheet made from '2011-12'"),
        ("12-Nov", AY, "it looks like a date a spreadsheet made from '2011-12'"),
        ("Dec-11", None, "it looks like a date a spreadsheet made from '2011-12'"),
        ("2011-12-01 00:00:00", None, "a spreadsheet made from '2011-12'"),
        ("Octember 2024", None, "a period is written like 2024-25, 2024, 2024-25 T2"),
        ("", None, "'' is not a period"),
        ("0999", None, "'0999' is not a period"),
        ("next year", None, "is not a period"),
    ],
)
def test_it_explains_what_is_not_a_period(text: str, kind: PeriodKind | None, message: str) -> None:
    with pytest.raises(PeriodError) as raised:
        parse_period(text, kind)
    assert message in str(raised.value)


@pytest.mark.parametrize(
    ("kind", "year", "index"),
    [(AY, 2024, 1), (TERM, 2024, 0), (TERM, 2024, 4), (QUARTER, 2024, 5), (MONTH, 2024, 13)],
)
def test_a_period_refuses_an_index_its_kind_does_not_have(
    kind: PeriodKind, year: int, index: int
) -> None:
    with pytest.raises(PeriodError, match="not a valid index"):
        Period(kind, year, index)


def test_a_period_refuses_an_unknown_kind() -> None:
    with pytest.raises(PeriodError, match="'fortnight' is not a kind of period"):
        Period("fortnight", 2024)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("earlier", "later"),
    [
        (Period(AY, 2023), Period(AY, 2024)),
        (Period(MONTH, 2024, 12), Period(MONTH, 2025, 1)),
        (Period(TERM, 2024, 3), Period(TERM, 2025, 1)),
        (Period(MONTH, 2024, 9), Period(AY, 2024)),  # same start, earlier end
        (Period(CY, 2024), Period(AY, 2024)),
        (Period(QUARTER, 2024, 1), Period(CY, 2024)),
    ],
)
def test_periods_are_ordered_by_start_then_end(earlier: Period, later: Period) -> None:
    assert earlier < later
    assert later > earlier
    assert earlier <= later
    assert not later <= earlier
    assert sorted([later, earlier]) == [earlier, later]


@given(st.data())
def test_periods_of_one_kind_are_ordered_by_start_then_end(data: st.DataObject) -> None:
    """The quick comparison of two periods of the same kind keeps the calendar order."""
    kind = data.draw(st.sampled_from(PeriodKind))
    first, second = data.draw(periods(kind)), data.draw(periods(kind))
    by_dates = (first.start, first.end) < (second.start, second.end)
    assert (first < second) == by_dates


@pytest.mark.parametrize(
    ("period", "steps", "expected"),
    [
        (Period(AY, 2024), 1, Period(AY, 2025)),
        (Period(AY, 2024), -3, Period(AY, 2021)),
        (Period(TERM, 2024, 3), 1, Period(TERM, 2025, 1)),
        (Period(TERM, 2024, 1), -1, Period(TERM, 2023, 3)),
        (Period(QUARTER, 2024, 4), 2, Period(QUARTER, 2025, 2)),
        (Period(MONTH, 2024, 1), -1, Period(MONTH, 2023, 12)),
        (Period(MONTH, 2024, 1), 25, Period(MONTH, 2026, 2)),
        (Period(CY, 2024), 0, Period(CY, 2024)),
    ],
)
def test_adding_steps_moves_by_periods_of_the_same_kind(
    period: Period, steps: int, expected: Period
) -> None:
    assert period + steps == expected
    assert steps + period == expected
    assert expected - steps == period
    assert expected - period == steps


def test_subtracting_periods_of_different_kinds_is_an_error() -> None:
    with pytest.raises(PeriodError, match="2024-25 is an academic year but 2024 is a calendar"):
        Period(AY, 2024) - Period(CY, 2024)


def test_period_range_includes_both_ends() -> None:
    labels = [p.label for p in period_range(Period(QUARTER, 2023, 3), Period(QUARTER, 2024, 2))]
    assert labels == ["2023-Q3", "2023-Q4", "2024-Q1", "2024-Q2"]
    assert period_range(Period(AY, 2020), Period(AY, 2020)) == [Period(AY, 2020)]


@pytest.mark.parametrize(
    ("first", "last", "message"),
    [
        (Period(AY, 2024), Period(AY, 2022), "ends (2022-23) before it starts (2024-25)"),
        (Period(AY, 2024), Period(CY, 2025), "different kinds"),
    ],
)
def test_period_range_refuses_backwards_or_mixed_ends(
    first: Period, last: Period, message: str
) -> None:
    with pytest.raises(PeriodError, match=message.replace("(", r"\(").replace(")", r"\)")):
        period_range(first, last)


@pytest.mark.parametrize(
    ("day", "kind", "expected"),
    [
        (date(2025, 8, 31), AY, Period(AY, 2024)),
        (date(2025, 9, 1), AY, Period(AY, 2025)),
        (date(2025, 2, 3), TERM, Period(TERM, 2024, 2)),
        (date(2024, 12, 31), TERM, Period(TERM, 2024, 1)),
        (date(2025, 4, 1), TERM, Period(TERM, 2024, 3)),
        (date(2025, 6, 30), QUARTER, Period(QUARTER, 2025, 2)),
        (date(2025, 6, 30), MONTH, Period(MONTH, 2025, 6)),
        (date(2025, 6, 30), CY, Period(CY, 2025)),
    ],
)
def test_period_containing_a_day(day: date, kind: PeriodKind, expected: Period) -> None:
    assert period_containing(day, kind) == expected


@given(periods())
def test_reading_a_label_gives_the_period_back(period: Period) -> None:
    assert parse_period(period.label, period.kind) == period


@given(periods(), st.integers(-500, 500))
def test_stepping_forward_then_counting_back_gives_the_steps(period: Period, steps: int) -> None:
    assert (period + steps) - period == steps
    assert (period + steps) - steps == period


@given(periods())
def test_consecutive_periods_tile_the_calendar(period: Period) -> None:
    following = period + 1
    assert period.start <= period.end
    assert (following.start - period.end).days == 1
    assert period < following


@given(periods(), st.dates(date(1900, 1, 1), date(2200, 12, 31)))
def test_the_period_containing_a_day_starts_on_or_before_it(period: Period, day: date) -> None:
    found = period_containing(day, period.kind)
    assert found.start <= day <= found.end


@pytest.mark.parametrize(
    ("text", "label"), [("13-14", "2013-14"), ("13/14", "2013-14"), ("99-00", "1999-00")]
)
def test_it_reads_an_academic_year_written_with_two_digit_years(text: str, label: str) -> None:
    assert parse_period(text).label == label
    assert parse_period(text, PeriodKind.ACADEMIC_YEAR).label == label


def test_two_digit_years_that_do_not_follow_are_not_an_academic_year() -> None:
    with pytest.raises(PeriodError):
        parse_period("13-15")
