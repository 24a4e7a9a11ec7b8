"""A corpus of small files in the forms real publishers use (tests/engine/real_files/), each
loading through its mapping alone: the same mappings docs/loading-data.md shows."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from deliverology.core.aggregation import Aggregation
from deliverology.core.periods import PeriodKind
from deliverology.engine.mapping import ColumnMapping
from deliverology.engine.observations import MetricSpec, ObservationsRead, read_observations

FILES = Path(__file__).parent / "real_files"
UNITS = {"D1", "D2", "D3", "0101-E", "0101-M", "0102-E"}
SUBGROUPS = {"all", "fsm"}
METRICS = {
    code: MetricSpec(code, Aggregation.RATE, PeriodKind.ACADEMIC_YEAR, 100.0)
    for code in ("graduation", "reading")
}


def load(name: str) -> ObservationsRead:
    mapping = ColumnMapping.from_dict(json.loads((FILES / f"{name}.json").read_text()))
    return read_observations(
        FILES / f"{name}.csv",
        mapping,
        known_units=UNITS,
        known_metrics=METRICS,
        known_subgroups=SUBGROUPS,
    )


def file_rows(name: str) -> list[dict[str, str]]:
    with (FILES / f"{name}.csv").open(newline="") as stream:
        return list(csv.DictReader(stream))


def clean(name: str) -> ObservationsRead:
    result = load(name)
    assert result.is_clean, [str(problem) for problem in result.problems]
    return result


def test_it_derives_a_denominator_from_the_cohort_less_transfers_out():
    result = clean("cohort_minus_transfers")
    for row, given in zip(result.rows, file_rows("cohort_minus_transfers"), strict=True):
        assert row.denominator == int(given["Cohort"]) - int(given["Transferred Out"])
        assert row.numerator == int(given["Graduates"])
        assert row.value == pytest.approx(100 * row.numerator / row.denominator)


def test_it_reads_rates_given_as_fractions_on_the_metrics_scale():
    result = clean("fraction_rates")
    given = file_rows("fraction_rates")
    assert [row.value for row in result.rows] == pytest.approx(
        [100 * int(each["grads"]) / int(each["cohort"]) for each in given]
    )
    assert all(float(each["grad_rate"]) < 1 for each in given)


def test_it_builds_the_local_unit_code_from_a_number_and_a_type():
    result = clean("number_and_type_codes")
    expected = [
        f"{each['School Number']}-{each['School Type']}"
        for each in file_rows("number_and_type_codes")
    ]
    assert [row.local_unit_code for row in result.rows] == expected


def test_it_reads_two_digit_academic_years():
    result = clean("two_digit_years")
    given = [each["Yr"] for each in file_rows("two_digit_years")]
    assert [row.period for row in result.rows] == [f"20{text}" for text in given]


def test_it_drops_a_total_row_a_footnote_and_a_trailer_row():
    result = clean("trailer_rows")
    assert [row.local_unit_code for row in result.rows] == ["D1", "D2"]
    assert result.stats.rows_filtered_out == 2


def test_it_accepts_whole_number_percentages_of_counts_rounded_to_ten():
    result = clean("rounded_counts")
    assert len(result.rows) == len(file_rows("rounded_counts"))


def test_the_same_rounded_file_is_refused_when_the_precision_is_not_said():
    mapping = json.loads((FILES / "rounded_counts.json").read_text())
    del mapping["precision"]
    result = read_observations(
        FILES / "rounded_counts.csv",
        ColumnMapping.from_dict(mapping),
        known_units=UNITS,
        known_metrics=METRICS,
    )
    assert "published 29% but its counts 90/320 give 28.1%" in str(result.problems[0])


def test_it_reads_suppressed_cells_as_missing_figures_never_zeros_above_a_key_to_the_marks():
    result = clean("suppressed_cells")
    assert [row.missing_reason for row in result.rows] == [
        None,
        "suppressed",
        "suppressed",
        "suppressed",
        "not_collected",
    ]
    assert all(row.numerator is None for row in result.rows[1:])
    assert [row.subgroup_code for row in result.rows[:2]] == ["all", "fsm"]
