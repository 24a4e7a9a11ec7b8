import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deliverology.engine.mapping import ColumnMapping, Layout, Role, WideColumn
from deliverology.engine.observations import ObservationRow, read_observations
from tests.engine.conftest import GOOD_ROWS, HEADER, MAPPING, METRICS, csv_text, only_problem, read


def with_changes(**changes):
    return ColumnMapping.from_dict({**MAPPING.to_dict(), **changes})


def test_a_good_file_gives_one_checked_row_per_figure(scores):
    result = read(scores())
    assert result.is_clean
    assert result.rows[0] == ObservationRow(2, "reading", "D1", "2023-24", "all", 50, 100, 50.0)
    assert result.rows[3] == ObservationRow(5, "enrolment", "D1", "2023-24", "all", None, None, 400)
    assert result.stats.observations == 4
    assert result.stats.file_rows == 4


@pytest.mark.parametrize(
    ("marker", "reason"),
    [
        ("c", "suppressed"),
        ("C", "suppressed"),
        ("[c]", "suppressed"),
        ("*", "suppressed"),
        ("<5", "suppressed"),
        ("~", "suppressed"),
        ("x", "not_collected"),
        ("..", "not_collected"),
        (":", "not_collected"),
        ("", "not_collected"),
        ("z", "not_applicable"),
        ("-", "not_applicable"),
    ],
)
def test_a_suppression_marker_makes_a_missing_figure_never_a_zero(scores, marker, reason):
    result = read(scores([("D3", "2023-24", "all", "reading", marker, "120", "")]))
    assert result.is_clean, result.problems
    (row,) = result.rows
    assert (row.numerator, row.denominator, row.value) == (None, None, None)
    assert row.missing_reason == reason
    assert result.stats.missing == {reason: 1}


def test_the_markers_can_be_changed(scores):
    mapping = with_changes(suppression_markers={"n/a": "not_applicable"})
    result = read(
        scores([("D3", "2023-24", "all", "reading", "N/A", "120", ""), GOOD_ROWS[0]]), mapping
    )
    assert result.rows[0].missing_reason == "not_applicable"
    blank = read(scores([("D3", "2023-24", "all", "reading", "", "120", "")]), mapping)
    assert only_problem(blank).message == "'' is not a number"


def test_a_missing_reason_column_marks_figures_missing(scores):
    rows = [("D1", "2023-24", "all", "reading", "", "", "", "Suppressed"), (*GOOD_ROWS[1], "")]
    path = scores(rows, header=(*HEADER, "why"))
    result = read(path, with_changes(missing_reason="why"))
    assert [row.missing_reason for row in result.rows] == ["suppressed", None]


def test_every_problem_is_found_not_just_the_first(scores):
    rows = [
        ("D9", "2023-24", "all", "reading", "1", "2", ""),
        ("D1", "12-Nov", "all", "reading", "1", "2", ""),
        ("D1", "2023-24", "all", "reading", "5", "2", ""),
        ("D1", "2023-24", "all", "enrolment", "", "", "lots"),
        ("D2", "2022-23", "boys", "reading", "1", "2", ""),
    ]
    result = read(scores(rows))
    assert [(p.line, p.column) for p in result.problems] == [
        (2, "district"),
        (3, "period"),
        (4, "numerator"),
        (5, "value"),
        (6, "subgroup"),
    ]
    assert result.stats.rows_with_problems == 5
    assert str(result.problems[1]) == (
        "scores.csv, row 3, column 'period': '12-Nov' looks like a date a spreadsheet made from "
        "'2011-12'; expected an academic year like 2011-12"
    )
    assert result.mangled_periods == [result.problems[1]]


def test_one_row_can_have_several_problems(scores):
    result = read(scores([("D9", "2023-25", "boys", "reading", "lots", "2", "")]))
    assert [p.column for p in result.problems] == ["district", "subgroup", "period", "numerator"]


def test_the_same_unknown_code_is_reported_once_with_the_rows_it_is_on(scores):
    rows = [("D9", f"20{y}-{y + 1}", "all", "reading", "1", "2", "") for y in range(10, 20)]
    problem = only_problem(read(scores(rows)))
    assert problem.line == 2
    assert problem.message == "unknown local unit 'D9' (also on rows 3, 4, 5, 6, 7 and 4 more)"


def test_the_list_is_capped_with_a_count_of_the_rest(scores):
    rows = [("D1", "2023-24", "all", "reading", f"bad{n}", "2", "") for n in range(250)]
    result = read(scores(rows))
    assert len(result.problems) == 201
    assert result.stats.problem_count == 250
    assert str(result.problems[-1]) == (
        "scores.csv: 50 more problems are not listed (250 in all); "
        "fix the ones above and check the file again"
    )


def test_periods_may_be_written_in_several_ways_of_the_same_kind(scores):
    rows = [
        ("D1", "2023-24", "all", "reading", "1", "2", ""),
        ("D2", "2023/24", "all", "reading", "1", "2", ""),
        ("D3", "2024", "all", "reading", "1", "2", ""),
        ("ST", "2023-2024", "all", "reading", "1", "2", ""),
    ]
    result = read(scores(rows))
    assert result.is_clean
    assert {row.period for row in result.rows} == {"2023-24"}


def test_a_quarterly_metric_takes_quarters(scores):
    result = read(scores([("D1", "Q3 2024", "all", "attendance", "9", "10", "90")]))
    assert result.rows[0].period == "2024-Q3"


def test_the_mapping_period_kind_applies_when_metrics_are_not_known(scores):
    mapping = with_changes(period_kind="calendar_year")
    result = read(scores([("D1", "2024", "all", "reading", "1", "2", "")]), mapping, checked=False)
    assert result.rows[0].period == "2024"
    clash = read(scores([GOOD_ROWS[0]]), mapping)
    assert only_problem(clash).message == (
        "metric 'reading' is reported by academic year, but the mapping expects "
        "a calendar year in 'period'"
    )


def test_a_rate_needs_a_numerator_and_denominator_in_the_mapping(scores):
    mapping = with_changes(denominator=None)
    problem = only_problem(read(scores([GOOD_ROWS[0]]), mapping))
    assert (problem.line, problem.column) == (None, None)
    assert "metric 'reading' is a rate, so the mapping must give its numerator" in problem.message


def test_a_rate_mapped_to_its_value_alone_reads_rate_only_figures(scores):
    mapping = with_changes(numerator=None, denominator=None)
    result = read(scores([("D1", "2023-24", "all", "reading", "", "", "82.5")]), mapping)
    assert result.is_clean, result.problems
    assert result.rows[0] == ObservationRow(2, "reading", "D1", "2023-24", "all", None, None, 82.5)


@pytest.mark.parametrize(("numerator", "denominator"), [("c", "c"), ("", ""), ("c", "")])
def test_a_published_rate_whose_counts_are_suppressed_is_kept_without_them(
    scores, numerator, denominator
):
    row = ("D3", "2023-24", "all", "reading", numerator, denominator, "82")
    result = read(scores([row]))
    assert result.is_clean, result.problems
    (found,) = result.rows
    assert (found.numerator, found.denominator, found.value, found.missing_reason) == (
        None,
        None,
        82,
        None,
    )


def test_a_rate_only_figure_outside_the_scale_is_a_problem(scores):
    result = read(scores([("D3", "2023-24", "all", "reading", "c", "c", "182")]))
    assert only_problem(result).message == "a rate of 182 is outside 0 to 100"


def test_thousands_separators_are_read(scores):
    result = read(scores([("D1", "2023-24", "all", "enrolment", "", "", '"12,345"')]))
    assert result.rows[0].value == 12345


def test_a_published_rate_rounded_to_its_decimals_is_accepted(scores):
    result = read(scores([("D1", "2023-24", "all", "reading", "1", "3", "33.3")]))
    assert result.is_clean
    assert result.rows[0].value == pytest.approx(33.3333333)


def test_value_maps_turn_labels_into_codes(scores):
    mapping = with_changes(
        value_maps={"subgroup": {"Eligible for FSM": "fsm"}, "metric": {"Reading": "reading"}}
    )
    result = read(scores([("D1", "2023-24", "Eligible for FSM", "Reading", "1", "2", "")]), mapping)
    assert (result.rows[0].subgroup_code, result.rows[0].metric_code) == ("fsm", "reading")


def test_filters_keep_only_the_rows_asked_for(scores):
    rows = [(*GOOD_ROWS[0], "ALL"), (*GOOD_ROWS[1], "Female")]
    mapping = with_changes(filters={"gender": ["ALL"]})
    result = read(scores(rows, header=(*HEADER, "gender")), mapping)
    assert [row.line for row in result.rows] == [2]
    assert result.stats.rows_filtered_out == 1


def test_placeholder_rows_are_noted_and_kept_out(scores):
    rows = [GOOD_ROWS[0], ("D2", "2024-25", "all", "reading", "0", "75", "")]
    mapping = with_changes(placeholder_rule={"outcome_columns": ["numerator"]})
    result = read(scores(rows), mapping)
    assert result.is_clean
    assert [row.line for row in result.rows] == [2]
    assert [str(note) for note in result.placeholders] == [
        "scores.csv, row 3: numerator is 0 while denominator is 75 (period 2024-25): "
        "a placeholder for figures not measured yet, kept out"
    ]


def test_a_provisional_flag_is_read(scores):
    rows = [(*GOOD_ROWS[0], "P"), (*GOOD_ROWS[1], "")]
    result = read(scores(rows, header=(*HEADER, "status")), with_changes(provisional="status"))
    assert [row.provisional for row in result.rows] == [True, False]


def test_a_fixed_metric_code_reads_a_file_of_one_metric(scores):
    mapping = ColumnMapping(
        Layout.LONG, ("district",), "period", metric_code="enrolment", value="pupils"
    )
    path = scores(
        [("D1", "2023-24", '"1,200"'), ("D2", "2023-24", "c")], ("district", "period", "pupils")
    )
    result = read(path, mapping)
    assert [(r.metric_code, r.value, r.missing_reason) for r in result.rows] == [
        ("enrolment", 1200, None),
        ("enrolment", None, "suppressed"),
    ]


WIDE = ColumnMapping(
    layout=Layout.WIDE,
    local_unit=("school", "district"),
    total_local_unit="ST",
    period="year",
    wide_columns=(
        WideColumn("read_all", "reading", Role.NUMERATOR, "all"),
        WideColumn("pupils_all", "reading", Role.DENOMINATOR, "all"),
        WideColumn("read_fsm", "reading", Role.NUMERATOR, "fsm"),
        WideColumn("pupils_fsm", "reading", Role.DENOMINATOR, "fsm"),
        WideColumn("pupils_all", "enrolment", Role.VALUE, "all"),
    ),
)
WIDE_HEADER = ("school", "district", "year", "read_all", "pupils_all", "read_fsm", "pupils_fsm")


def test_a_wide_file_gives_several_figures_per_row(scores):
    path = scores(
        [
            ("ALL", "D1", "2023-24", "60", "100", "5", "20"),
            ("", "", "2023-24", "90", "150", "c", "30"),
        ],
        WIDE_HEADER,
    )
    result = read(path, WIDE)
    assert result.is_clean, result.problems
    got = [
        (r.line, r.local_unit_code, r.metric_code, r.subgroup_code, r.value, r.missing_reason)
        for r in result.rows
    ]
    assert got == [
        (2, "D1", "reading", "all", 60.0, None),
        (2, "D1", "reading", "fsm", 25.0, None),
        (2, "D1", "enrolment", "all", 100, None),
        (3, "ST", "reading", "all", 60.0, None),
        (3, "ST", "reading", "fsm", None, "suppressed"),
        (3, "ST", "enrolment", "all", 150, None),
    ]


def test_a_repeated_wide_row_is_one_problem_naming_both_rows(scores):
    row = ("", "D1", "2023-24", "60", "100", "5", "20")
    problem = only_problem(read(scores([row, row], WIDE_HEADER), WIDE))
    assert (problem.line, problem.message) == (
        3,
        "this row repeats row 2: both give reading for D1, 2023-24, subgroup all",
    )


def test_an_unknown_metric_in_a_wide_mapping_is_reported_once(scores):
    mapping = ColumnMapping(
        Layout.WIDE, ("district",), "year", wide_columns=(WideColumn("n", "writing", Role.VALUE),)
    )
    result = read(
        scores([("D1", "2024", "3"), ("D2", "2024", "4")], ("district", "year", "n")), mapping
    )
    assert [str(p) for p in result.problems] == [
        "scores.csv, column 'n': unknown metric 'writing'; "
        "expected the code of a metric already set up"
    ]


def test_two_breakdowns_on_one_row_are_a_problem(scores):
    mapping = with_changes(subgroup=["gender", "fsm"], value_maps={"fsm": {"Eligible": "fsm"}})
    path = scores(
        [("D1", "2023-24", "Female", "Eligible", "reading", "1", "2", "")],
        ("district", "period", "gender", "fsm", "metric", "numerator", "denominator", "value"),
    )
    problem = only_problem(read(path, mapping))
    assert problem.message == "the row breaks down by gender ('Female') and fsm ('fsm') at once"


def test_nothing_is_checked_against_the_database_when_nothing_is_known(scores):
    result = read(scores([("D9", "2023-24", "boys", "writing", "1", "2", "")]), checked=False)
    assert result.is_clean
    assert result.rows[-1].value is None  # the engine does not know the scale


def test_a_workbook_with_typed_cells_reads_like_a_csv(xlsx):
    path = xlsx(
        [
            list(HEADER),
            ["D1", 2024, "all", "reading", 50, 100, None],
            ["D2", "2023-24", "all", "enrolment", None, None, 400.0],
        ]
    )
    result = read(path)
    assert result.is_clean, result.problems
    assert [(r.period, r.value) for r in result.rows] == [("2023-24", 50.0), ("2023-24", 400)]


def test_a_parquet_file_reads_like_a_csv(parquet):
    path = parquet(
        {
            "district": ["D1"],
            "period": ["2023-24"],
            "subgroup": ["all"],
            "metric": ["reading"],
            "numerator": [3],
            "denominator": [4],
            "value": [None],
        }
    )
    assert read(path).rows[0].value == 75.0


def test_a_bad_file_comes_back_as_problems_not_an_exception(write):
    result = read(write("scores.csv", b""))
    assert [str(p) for p in result.problems] == [
        "scores.csv: the file is empty; expected a header row and at least one row of data"
    ]
    assert result.rows == []


def test_notes_say_how_the_file_was_read(write):
    result = read(write("scores.csv", csv_text(GOOD_ROWS, sep=";"), "cp1252"))
    assert [str(note) for note in result.notes] == [
        "scores.csv: the columns are separated by semicolons"
    ]


def test_the_upload_name_is_shown_instead_of_the_stored_name(write):
    path = write("f81d4fae.csv", csv_text([("D9", "2023-24", "all", "reading", "1", "2", "")]))
    result = read_observations(path, MAPPING, known_units={"D1"}, file_name="scores.csv")
    assert str(result.problems[0]).startswith("scores.csv, row 2, column 'district'")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    content=st.one_of(
        st.binary(max_size=400),
        st.text(max_size=400).map(str.encode),
        st.lists(
            st.lists(
                st.sampled_from(["D1", "2023-24", "c", "1", "", '"', "x,y", "\n", "-3", "ALL"]),
                max_size=8,
            ),
            max_size=6,
        ).map(lambda rows: ("\n".join([",".join(HEADER), *(",".join(r) for r in rows)])).encode()),
    ),
    suffix=st.sampled_from([".csv", ".xlsx", ".parquet", ".tsv"]),
)
def test_no_file_makes_the_reader_crash(content, suffix):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"scores{suffix}"
        path.write_bytes(content)
        result = read_observations(path, MAPPING, known_units={"D1"}, known_metrics=METRICS)
        assert result.rows or result.problems or result.placeholders or not content.strip()
        for problem in result.problems:
            assert str(problem).startswith(f"scores{suffix}")


def test_an_empty_placeholder_rule_looks_at_the_numerator_and_denominator(scores):
    rows = [("D2", "2024-25", "all", "reading", "0", "75", "")]
    result = read(scores(rows), with_changes(placeholder_rule={}))
    assert (result.rows, len(result.placeholders)) == ([], 1)


def test_a_figure_outside_its_local_units_validity_dates_is_a_problem_naming_them(scores):
    from datetime import date

    rows = [
        ("D1", "2023-24", "all", "reading", "50", "100", ""),
        ("D2", "2023-24", "all", "reading", "30", "60", ""),
        ("D3", "2017-18", "all", "reading", "30", "60", ""),
        ("D3", "2018-19", "all", "reading", "30", "60", ""),  # in part: 2019-04-01 on
    ]
    result = read_observations(
        scores(rows),
        MAPPING,
        known_units={"D1", "D2", "D3"},
        known_metrics=METRICS,
        known_subgroups={"all"},
        unit_validity={
            "D1": (None, date(2019, 3, 31)),  # merged away
            "D3": (date(2019, 4, 1), None),  # created from D1
        },
    )
    assert [str(p) for p in result.problems] == [
        "scores.csv, row 2, column 'district': the figure is for 2023-24 (2023-09-01 to "
        "2024-08-31), but local unit 'D1' is valid only to 2019-03-31; expected figures only "
        "for periods in which the local unit existed (its valid-from and valid-to dates in the "
        "hierarchy); for other periods, the unit that existed then",
        "scores.csv, row 4, column 'district': the figure is for 2017-18 (2017-09-01 to "
        "2018-08-31), but local unit 'D3' is valid only from 2019-04-01; expected figures only "
        "for periods in which the local unit existed (its valid-from and valid-to dates in the "
        "hierarchy); for other periods, the unit that existed then",
    ]
    assert [row.local_unit_code for row in result.rows] == ["D2", "D3"]


def test_a_derived_column_names_the_column_whose_cell_is_not_a_number(scores):
    header = ("district", "period", "subgroup", "metric", "numerator", "cohort", "moved")
    rows = [
        ("D1", "2023-24", "all", "reading", "50", "110", "10"),
        ("D2", "2023-24", "all", "reading", "30", "70", "ten"),
        ("D3", "2023-24", "all", "reading", "30", "c", "5"),
    ]
    mapping = with_changes(
        denominator="pupils",
        value=None,
        derived_columns=[{"name": "pupils", "add": ["cohort"], "subtract": ["moved"]}],
    )
    result = read(scores(rows, header=header), mapping)
    problem = only_problem(result)
    assert (problem.line, problem.column) == (3, "moved")
    assert problem.message == "'ten' is not a number (needed for 'pupils')"
    assert [(row.denominator, row.missing_reason) for row in result.rows] == [
        (100, None),
        (None, "suppressed"),
    ]


def test_a_rounded_value_out_of_step_with_its_counts_names_the_precision(scores):
    rows = [("D1", "2023-24", "all", "reading", "90", "320", "31")]
    mapping = with_changes(precision={"value_decimals": 0, "counts_rounded_to": 10})
    problem = only_problem(read(scores(rows), mapping))
    assert problem.message == (
        "published 31% but its counts 90/320 give 28.1%; at whole-number precision with counts "
        "rounded to 10 that allows 25.7% to 30.7%"
    )


def test_a_fraction_is_checked_at_the_decimals_it_shows_on_its_own_scale(scores):
    rows = [
        ("D1", "2023-24", "all", "reading", "1", "3", "0.33"),
        ("D2", "2023-24", "all", "reading", "1", "3", "0.35"),
    ]
    result = read(scores(rows), with_changes(value_scale=1))
    assert result.rows[0].value == pytest.approx(100 / 3)
    assert only_problem(result).line == 3


def test_footer_rows_are_left_out_before_the_rows_are_shaped(scores, write):
    text = csv_text(GOOD_ROWS[:2]) + "Source: the state\nPublished 2024\n"
    result = read(write("footed.csv", text), with_changes(footer_rows=2))
    assert result.is_clean, result.problems
    assert len(result.rows) == 2
