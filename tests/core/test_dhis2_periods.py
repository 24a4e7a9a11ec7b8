"""DHIS2 period ids read as the project's periods, or refused saying what they are."""

from __future__ import annotations

import pytest

from deliverology.core.periods import (
    ACADEMIC_YEAR_START_MONTH,
    Period,
    PeriodError,
    PeriodKind,
    parse_dhis2_period,
)


@pytest.mark.parametrize(
    ("text", "kind", "year", "index"),
    [
        ("2024", PeriodKind.CALENDAR_YEAR, 2024, 0),
        ("202403", PeriodKind.MONTH, 2024, 3),
        ("202412", PeriodKind.MONTH, 2024, 12),
        ("2024Q1", PeriodKind.QUARTER, 2024, 1),
        ("2023Q4", PeriodKind.QUARTER, 2023, 4),
        (" 2024Q2 ", PeriodKind.QUARTER, 2024, 2),
    ],
)
def test_it_reads_dhis2_years_months_and_quarters(text, kind, year, index):
    assert parse_dhis2_period(text) == Period(kind, year, index)


def test_a_financial_year_from_the_academic_month_is_the_academic_year():
    assert ACADEMIC_YEAR_START_MONTH == 9
    period = parse_dhis2_period("2024Sep")
    assert period == Period(PeriodKind.ACADEMIC_YEAR, 2024)
    assert period.label == "2024-25"


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("20240315", "a day"),
        ("2024W10", "a week"),
        ("2015WedW5", "a week"),
        ("2015BiW1", "a two-week period"),
        ("202401B", "a two-month period"),
        ("2024S1", "a six-month period"),
        ("2024AprilS2", "a six-month period"),
        ("2024NovQ1", "a quarter of a financial year"),
    ],
)
def test_dhis2_periods_without_a_kind_here_are_refused_by_name(text, said):
    with pytest.raises(PeriodError, match=f"'{text}' is {said} in DHIS2"):
        parse_dhis2_period(text)


@pytest.mark.parametrize("text", ["2024April", "2024July", "2024Oct", "2024Nov"])
def test_financial_years_from_other_months_are_refused(text):
    with pytest.raises(PeriodError, match="financial year starting in"):
        parse_dhis2_period(text)


@pytest.mark.parametrize("text", ["", "2024-03", "Q1 2024", "24Q1", "2024q1", "January", "202400"])
def test_other_texts_are_not_dhis2_periods(text):
    with pytest.raises(PeriodError):
        parse_dhis2_period(text)


def test_a_thirteenth_month_is_refused_as_no_month():
    with pytest.raises(PeriodError, match="13 is no month"):
        parse_dhis2_period("202413")
