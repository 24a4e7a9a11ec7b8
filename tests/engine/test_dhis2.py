"""DHIS2 data value sets, JSON and CSV, read through a dhis2 mapping into checked observations.

The files are written here as DHIS2 exports them: UIDs for data elements, org units and
combos, periods as DHIS2 period ids, values as text.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import random
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from deliverology.core.periods import parse_dhis2_period
from deliverology.engine.dhis2_export import CSV_COLUMNS, MAX_UNPACKED_BYTES
from deliverology.engine.mapping import ColumnMapping, MappingError
from deliverology.engine.observations import ObservationsRead, read_observations

from .conftest import METRICS, SUBGROUPS, UNITS

READING_PASSED = "fbfJHSPpUQD"
READING_SAT = "cYeuwXTCPkU"
ENROLLED = "Jtf34kNZhzP"
DAYS_ATTENDED = "hfdmMSPBgLG"
DAYS_POSSIBLE = "eY5ehpbEsB7"
TEACHERS = "x3Do5e7g4Qo"  # in the data set, not wanted here
DEFAULT = "HllvX50cXC0"
FREE_MEALS = "Prlt0C1RF0s"
OTHER_FUNDER = "bRowv6yZOF2"
ORG_UNITS = {"DiszpKrYNg8": "D1", "jNb63DIHuwU": "D2", "Vth0fbpFcsO": "D3"}
UID_OF = {code: uid for uid, code in ORG_UNITS.items()}

MAPPING_DATA: dict[str, Any] = {
    "layout": "dhis2",
    "dhis2": {
        "data_elements": [
            {"data_element": READING_PASSED, "metric": "reading", "role": "numerator"},
            {"data_element": READING_SAT, "metric": "reading", "role": "denominator"},
            {"data_element": ENROLLED, "metric": "enrolment", "role": "value"},
            {"data_element": DAYS_ATTENDED, "metric": "attendance", "role": "numerator"},
            {"data_element": DAYS_POSSIBLE, "metric": "attendance", "role": "denominator"},
        ],
        "org_units": ORG_UNITS,
        "category_option_combos": {DEFAULT: "all", FREE_MEALS: "fsm"},
        "ignored_data_elements": [TEACHERS],
    },
}
MAPPING = ColumnMapping.from_dict(MAPPING_DATA)
MEANING = {
    READING_PASSED: ("reading", "numerator"),
    READING_SAT: ("reading", "denominator"),
    ENROLLED: ("enrolment", "value"),
    DAYS_ATTENDED: ("attendance", "numerator"),
    DAYS_POSSIBLE: ("attendance", "denominator"),
}

# (data element, period, org unit, category option combo, value)
GOOD = (
    (READING_PASSED, "2023Sep", "DiszpKrYNg8", DEFAULT, "50"),
    (READING_SAT, "2023Sep", "DiszpKrYNg8", DEFAULT, "100"),
    (READING_PASSED, "2023Sep", "jNb63DIHuwU", DEFAULT, "30"),
    (READING_SAT, "2023Sep", "jNb63DIHuwU", DEFAULT, "60"),
    (READING_PASSED, "2023Sep", "DiszpKrYNg8", FREE_MEALS, "10"),
    (READING_SAT, "2023Sep", "DiszpKrYNg8", FREE_MEALS, "40"),
    (ENROLLED, "2023Sep", "DiszpKrYNg8", DEFAULT, "400"),
    (DAYS_ATTENDED, "2024Q1", "Vth0fbpFcsO", DEFAULT, "9120"),
    (DAYS_POSSIBLE, "2024Q1", "Vth0fbpFcsO", DEFAULT, "9600"),
    (TEACHERS, "2023Sep", "DiszpKrYNg8", DEFAULT, "12"),
)
Value = Sequence[Any]


def data_value(row: Value, **changes: Any) -> dict[str, Any]:
    element, period, org_unit, combo, value = row
    item = {
        "dataElement": element,
        "period": period,
        "orgUnit": org_unit,
        "categoryOptionCombo": combo,
        "attributeOptionCombo": DEFAULT,
        "value": value,
        "storedBy": "district.officer",
        "created": "2024-04-02T10:11:12.000+0000",
        "lastUpdated": "2024-04-02T10:11:12.000+0000",
        "followup": False,
    }
    item.update(changes)
    return item


def json_export(rows: Sequence[Value] = GOOD, **top: Any) -> str:
    document = {"dataSet": "pBOMPrpg1QX", "completeDate": "2024-04-30", **top}
    document["dataValues"] = [data_value(row) for row in rows]
    return json.dumps(document, indent=2)


def csv_export(rows: Sequence[Value] = GOOD, *, header: bool = True, deleted: bool = True) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    columns = CSV_COLUMNS if deleted else CSV_COLUMNS[:-1]
    if header:
        writer.writerow(columns)
    for element, period, org_unit, combo, value in rows:
        cells = [element, period, org_unit, combo, DEFAULT, value, "district.officer"]
        cells += ["2024-04-02T10:11:12.000+0000", "", "false"]
        writer.writerow(cells + (["false"] if deleted else []))
    return out.getvalue()


def expected_observations(rows: Sequence[Value] = GOOD) -> set[tuple[Any, ...]]:
    """The observations the good rows make, worked out from the rows and the mapping."""
    figures: dict[tuple[str, str, str, str], dict[str, float]] = {}
    subgroups = {DEFAULT: "all", FREE_MEALS: "fsm"}
    for element, period, org_unit, combo, value in rows:
        if element not in MEANING:
            continue
        metric, role = MEANING[element]
        label = parse_dhis2_period(period).label
        key = (metric, ORG_UNITS[org_unit], label, subgroups[combo])
        figures.setdefault(key, {})[role] = float(value)
    found = set()
    for key, parts in figures.items():
        if "value" in parts:
            found.add((*key, None, None, parts["value"]))
        else:
            rate = 100 * parts["numerator"] / parts["denominator"]
            found.add((*key, parts["numerator"], parts["denominator"], rate))
    return found


def observations(result: ObservationsRead) -> set[tuple[Any, ...]]:
    return {
        (r.metric_code, r.local_unit_code, r.period, r.subgroup_code)
        + (r.numerator, r.denominator, r.value)
        for r in result.rows
    }


def read(path: Path, mapping: ColumnMapping = MAPPING, *, checked: bool = True) -> ObservationsRead:
    if not checked:
        return read_observations(path, mapping)
    return read_observations(
        path, mapping, known_units=UNITS, known_metrics=METRICS, known_subgroups=SUBGROUPS
    )


def problems(result: ObservationsRead) -> list[str]:
    return [str(problem) for problem in result.problems]


def only_problem(result: ObservationsRead) -> str:
    found = problems(result)
    assert len(found) == 1, found
    assert result.rows == [] or not result.is_clean
    return found[0]


def mapping_with(**dhis2: Any) -> ColumnMapping:
    return ColumnMapping.from_dict({**MAPPING_DATA, "dhis2": {**MAPPING_DATA["dhis2"], **dhis2}})


Write = Callable[..., Path]


# ----------------------------------------------------------------------------- reading


def test_a_json_export_gives_paired_observations(write: Write):
    result = read(write("values.json", json_export()))
    assert problems(result) == []
    assert observations(result) == expected_observations()
    assert result.stats.format == "dhis2-json"
    assert result.stats.file_rows == len(GOOD)
    assert result.stats.rows_filtered_out == 1  # the ignored data element


@pytest.mark.parametrize("header", [True, False])
def test_a_csv_export_with_or_without_header_gives_the_same_observations(write: Write, header):
    json_result = read(write("values.json", json_export()))
    csv_result = read(write("values.csv", csv_export(header=header)))
    assert problems(csv_result) == []
    assert observations(csv_result) == observations(json_result) == expected_observations()
    assert csv_result.stats.format == "dhis2-csv"
    assert csv_result.stats.file_rows == json_result.stats.file_rows == len(GOOD)


def test_a_csv_export_from_an_older_dhis2_without_deleted_column_is_read(write: Write):
    result = read(write("values.csv", csv_export(deleted=False)))
    assert observations(result) == expected_observations()


def test_the_observation_names_the_first_row_of_its_pair(write: Write):
    result = read(write("values.csv", csv_export()))
    lines = {(r.metric_code, r.local_unit_code, r.subgroup_code): r.line for r in result.rows}
    assert lines[("reading", "D1", "all")] == 2  # the header is line 1
    assert lines[("attendance", "D3", "all")] == 9


@pytest.mark.parametrize("packing", ["zip", "gz"])
def test_compressed_exports_are_read_as_dhis2_writes_them(tmp_path: Path, packing):
    text = json_export().encode()
    path = tmp_path / f"values.json.{packing}"
    if packing == "zip":
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("dataValueSets.json", text)
    else:
        path.write_bytes(gzip.compress(text))
    assert observations(read(path)) == expected_observations()


def test_numerators_and_denominators_pair_in_any_order(write: Write):
    shuffled = list(GOOD)
    random.Random(7).shuffle(shuffled)
    result = read(write("values.json", json_export(shuffled)))
    assert observations(result) == expected_observations()


def test_the_default_combo_by_name_or_left_out_is_the_default_subgroup(write: Write):
    rows = [
        (READING_PASSED, "2023Sep", "DiszpKrYNg8", "default", "50"),
        (READING_SAT, "2023Sep", "DiszpKrYNg8", "", "100"),
    ]
    result = read(write("values.json", json_export(rows)))
    assert problems(result) == []
    assert observations(result) == {("reading", "D1", "2023-24", "all", 50.0, 100.0, 50.0)}


def test_org_units_and_combos_not_listed_are_codes_as_in_an_export_by_code(write: Write):
    rows = [
        ("READ_PASS", "2023Sep", "D2", "fsm", "6"),
        ("READ_SAT", "2023Sep", "D2", "fsm", "8"),
    ]
    mapping = ColumnMapping.from_dict(
        {
            "layout": "dhis2",
            "dhis2": {
                "data_elements": [
                    {"data_element": "READ_PASS", "metric": "reading", "role": "numerator"},
                    {"data_element": "READ_SAT", "metric": "reading", "role": "denominator"},
                ]
            },
        }
    )
    result = read(write("values.json", json_export(rows)), mapping)
    assert observations(result) == {("reading", "D2", "2023-24", "fsm", 6.0, 8.0, 75.0)}


def test_a_data_element_may_fix_its_own_subgroup(write: Write):
    mapping = mapping_with(
        data_elements=[
            *MAPPING_DATA["dhis2"]["data_elements"],
            {
                "data_element": "fsmPassed01",
                "metric": "reading",
                "role": "numerator",
                "subgroup": "fsm",
            },  # fmt: skip
            {
                "data_element": "fsmSat00001",
                "metric": "reading",
                "role": "denominator",
                "subgroup": "fsm",
            },  # fmt: skip
        ]
    )
    rows = [
        ("fsmPassed01", "2023Sep", "jNb63DIHuwU", DEFAULT, "3"),
        ("fsmSat00001", "2023Sep", "jNb63DIHuwU", DEFAULT, "12"),
    ]
    result = read(write("values.json", json_export(rows)), mapping)
    assert observations(result) == {("reading", "D2", "2023-24", "fsm", 3.0, 12.0, 25.0)}


def test_periods_and_org_units_may_be_given_once_for_the_whole_set(write: Write):
    document = {
        "dataSet": "pBOMPrpg1QX",
        "period": "2023Sep",
        "orgUnit": "DiszpKrYNg8",
        "dataValues": [
            {"dataElement": READING_PASSED, "categoryOptionCombo": DEFAULT, "value": "50"},
            {"dataElement": READING_SAT, "categoryOptionCombo": DEFAULT, "value": "100"},
        ],
    }
    result = read(write("values.json", json.dumps(document)))
    assert observations(result) == {("reading", "D1", "2023-24", "all", 50.0, 100.0, 50.0)}


def test_only_the_chosen_attribute_option_combos_are_read(write: Write):
    document = json.loads(json_export(GOOD[:2]))
    other = [
        dict(item, attributeOptionCombo=OTHER_FUNDER, value="1") for item in document["dataValues"]
    ]
    document["dataValues"] += other
    path = write("values.json", json.dumps(document))
    assert "repeats row 1" in " ".join(problems(read(path)))
    result = read(path, mapping_with(attribute_option_combos=[DEFAULT]))
    assert observations(result) == {("reading", "D1", "2023-24", "all", 50.0, 100.0, 50.0)}
    assert result.stats.rows_filtered_out == 2


def test_an_absent_numerator_can_be_read_as_the_zero_dhis2_left_out(write: Write):
    rows = [(READING_SAT, "2023Sep", "DiszpKrYNg8", DEFAULT, "100")]
    path = write("values.json", json_export(rows))
    refused = only_problem(read(path))
    assert "values.json, row 1, column 'dataElement'" in refused
    assert f"has no numerator in the file; expected a value of data element '{READING_PASSED}'" in (
        refused
    )
    assert "absent_numerator_is_zero" in refused
    result = read(path, mapping_with(absent_numerator_is_zero=True))
    assert observations(result) == {("reading", "D1", "2023-24", "all", 0.0, 100.0, 0.0)}


def test_a_suppression_marker_is_a_missing_figure_not_a_zero(write: Write):
    rows = [
        (READING_PASSED, "2023Sep", "DiszpKrYNg8", DEFAULT, "c"),
        (READING_SAT, "2023Sep", "DiszpKrYNg8", DEFAULT, "100"),
    ]
    result = read(write("values.json", json_export(rows)))
    assert [(r.numerator, r.denominator, r.missing_reason) for r in result.rows] == [
        (None, None, "suppressed")
    ]


def test_unchecked_reading_keeps_any_code(write: Write):
    result = read(write("values.json", json_export()), checked=False)
    assert problems(result) == []
    assert {r.local_unit_code for r in result.rows} == {"D1", "D2", "D3"}


# ----------------------------------------------------------------------------- problems


def one_changed(position: int, **changes: Any) -> str:
    document = json.loads(json_export())
    document["dataValues"][position].update(changes)
    return json.dumps(document)


@pytest.mark.parametrize(
    ("position", "changes", "column", "said", "expected"),
    [
        (0, {"orgUnit": "zzzzzzzzzzz"}, "orgUnit", "unknown local unit 'zzzzzzzzzzz'", "org_units"),
        (
            0,
            {"dataElement": "Ab1Cd2Ef3Gh"},
            "dataElement",
            "unknown data element 'Ab1Cd2Ef3Gh'",
            "data_elements",
        ),  # fmt: skip
        (
            0,
            {"categoryOptionCombo": "Sx1Kk5Yq9Ww"},
            "categoryOptionCombo",
            "unmapped category option combo 'Sx1Kk5Yq9Ww'",
            "category_option_combos",
        ),  # fmt: skip
        (0, {"period": "2023W40"}, "period", "'2023W40' is a week in DHIS2", "DHIS2 period id"),
        (0, {"period": "2023-24"}, "period", "'2023-24' is not a DHIS2 period id", "2024Sep"),
        (
            0,
            {"period": "2023"},
            "period",
            "'2023' is a calendar year, but reading is reported by academic year",
            "like 2024Sep",
        ),  # fmt: skip
        (0, {"value": "fifty"}, "value", "'fifty' is not a number", "a number"),
        (0, {"value": "150"}, "value", "numerator", "between 0 and the denominator"),
        (1, {"value": "0"}, "value", "denominator", "a denominator above 0"),
        (6, {"value": "-4"}, "value", "negative", "a count of 0 or more"),
        (0, {"deleted": True}, "deleted", "marked deleted", "include deleted"),
        (0, {"orgUnit": ""}, "orgUnit", "the org unit is blank", "local unit"),
    ],
)
def test_each_problem_names_the_file_row_and_field_and_what_was_expected(
    write: Write, position, changes, column, said, expected
):
    result = read(write("values.json", one_changed(position, **changes)))
    assert not result.is_clean
    found = problems(result)
    row = position + 1
    matching = [p for p in found if said in p]
    assert matching, found
    assert matching[0].startswith(f"values.json, row {row}, column '{column}': ")
    assert "; expected " in matching[0] and expected in matching[0].split("; expected ")[1]


def test_csv_problems_name_the_line_and_the_csv_column(write: Write):
    rows = list(GOOD)
    rows[2] = (READING_PASSED, "2023Sep", "nope0000000", DEFAULT, "30")
    result = read(write("values.csv", csv_export(rows)))
    assert problems(result)[0].startswith("values.csv, row 4, column 'orgunit': unknown local unit")


def test_a_value_given_twice_is_a_duplicate_key(write: Write):
    rows = [*GOOD[:2], (READING_PASSED, "2023Sep", "DiszpKrYNg8", DEFAULT, "51")]
    found = only_problem(read(write("values.json", json_export(rows))))
    assert found.startswith("values.json, row 3: this data value repeats row 1: both give the ")
    assert "numerator of reading for D1, 2023-24, subgroup all" in found


def test_two_combos_mapped_to_one_subgroup_are_a_duplicate_key(write: Write):
    rows = [*GOOD[:2], (READING_PASSED, "2023Sep", "DiszpKrYNg8", "default", "50")]
    assert "repeats row 1" in only_problem(read(write("values.json", json_export(rows))))


def test_a_numerator_without_its_denominator_is_refused(write: Write):
    rows = [GOOD[0]]
    found = only_problem(read(write("values.json", json_export(rows))))
    assert "the numerator of reading for D1, 2023-24, subgroup all has no denominator" in found
    assert READING_SAT in found


def test_a_metric_the_mapping_names_must_be_set_up(write: Write):
    mapping = mapping_with(
        data_elements=[{"data_element": ENROLLED, "metric": "pupils", "role": "value"}],
        ignored_data_elements=[],
    )
    rows = [GOOD[6]]
    found = only_problem(read(write("values.json", json_export(rows)), mapping))
    assert "metric 'pupils', which is not set up" in found


def test_a_rate_needs_both_its_data_elements_in_the_mapping(write: Write):
    mapping = mapping_with(
        data_elements=[{"data_element": READING_PASSED, "metric": "reading", "role": "numerator"}],
        ignored_data_elements=[READING_SAT, ENROLLED, DAYS_ATTENDED, DAYS_POSSIBLE, TEACHERS],
    )
    found = only_problem(read(write("values.json", json_export()), mapping))
    assert "metric 'reading' is a rate, so the mapping must give the data elements" in found


def test_one_unknown_org_unit_is_told_once_with_its_other_rows(write: Write):
    rows = [(e, p, "gone0000000", c, v) for e, p, _, c, v in GOOD[:4]]
    found = only_problem(read(write("values.json", json_export(rows))))
    assert "unknown local unit 'gone0000000' (also on rows 2, 3, 4)" in found


def test_mixed_period_kinds_for_one_metric_are_refused_without_metric_specs(write: Write):
    rows = [*GOOD[:2], (READING_PASSED, "2024", "jNb63DIHuwU", DEFAULT, "1"),
            (READING_SAT, "2024", "jNb63DIHuwU", DEFAULT, "2")]  # fmt: skip
    found = only_problem(read(write("values.json", json_export(rows)), checked=False))
    assert "'2024' is a calendar year, but row 1 gives an academic year ('2023Sep')" in found


def test_the_mappings_period_kind_checks_periods_when_metrics_are_not_known(write: Write):
    mapping = ColumnMapping.from_dict({**MAPPING_DATA, "period_kind": "quarter"})
    result = read(write("values.json", json_export()), mapping, checked=False)
    found = problems(result)
    assert found[0].startswith("values.json, row 1, column 'period': '2023Sep' is an academic year")
    assert "reported by quarter" in found[0]
    assert {r.metric_code for r in result.rows} == {"attendance"}


# ------------------------------------------------------------------------- hostile files


def deep_json() -> str:
    return '{"dataValues": ' + "[" * 100_000 + "]" * 100_000 + "}"


def two_file_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("a.json", json_export())
        archive.writestr("b.json", json_export())
    return out.getvalue()


HOSTILE: list[tuple[str, str, str | bytes, str]] = [
    ("truncated JSON", "values.json", json_export()[:300], "not complete JSON"),
    ("a JSON list", "values.json", json.dumps([data_value(GOOD[0])]), "the JSON is a list"),
    ("dataValues not a list", "values.json", '{"dataValues": {"a": 1}}', "is an object, not a"),
    ("no dataValues", "values.json", '{"dataSet": "x", "period": "2024"}', "has no 'dataValues'"),
    ("an analytics table", "values.json", '{"headers": [], "rows": []}', "analytics table"),
    ("no values", "values.json", '{"dataValues": []}', "'dataValues' is empty"),
    ("empty", "values.json", "", "the file is empty"),
    ("whitespace", "values.csv", "\n  \n", "the file is empty"),
    ("a number", "values.json", "42", "does not hold JSON"),
    ("XML", "values.xml", '<?xml version="1.0"?><dataValueSet/>', "XML"),
    ("a PDF", "values.json", b"%PDF-1.7\n\x00\x01", "binary data"),
    ("not UTF-8", "values.csv", b"dataelement,period,orgunit,value\nx,2024,\xff,1\n", "not UTF-8"),
    ("CSV named JSON", "values.json", csv_export(), "does not hold JSON"),
    ("deep nesting", "values.json", deep_json(), "nested too deeply"),
    ("zip of two", "values.zip", two_file_zip(), "holds 2 files"),
    ("broken gzip", "values.json.gz", gzip.compress(json_export().encode())[:60], "gzip"),
    ("CSV missing columns", "values.csv", "dataelement,period,comment\nx,2024,\n", "no column"),
    ("CSV header only", "values.csv", ",".join(CSV_COLUMNS) + "\n", "no data values"),
    ("CSV with semicolons", "values.csv", csv_export().replace(",", ";"), "semicolons"),
    ("CSV stray quote", "values.csv", csv_export() + 'a,"2024,b\n', "cannot be read as CSV"),
]


@pytest.mark.parametrize(("name", "content", "said"), [h[1:] for h in HOSTILE],
                         ids=[h[0] for h in HOSTILE])  # fmt: skip
def test_hostile_files_are_refused_with_a_clear_problem(write: Write, name, content, said):
    result = read(write(name, content))
    assert result.rows == []
    found = only_problem(result)
    assert found.startswith(f"{name}: ")
    assert said in found


VALUE_HOSTILE: list[tuple[str, dict[str, Any], str]] = [
    ("a huge number", {"value": "1e400"}, "is not a finite number"),
    ("a huge JSON number", {"value": 10**500}, "is not a finite number"),
    ("a JSON NaN", {"value": float("nan")}, "'NaN' is not a number"),
    ("a value object", {"value": {"n": 5}}, "the value is an object"),
    ("a yes/no value", {"value": True}, "yes/no value, not a number"),
    ("a numeric org unit", {"orgUnit": 1234}, "orgUnit is a number ('1234')"),
    ("a list period", {"period": ["2023Sep"]}, "period is a list"),
    ("a text deleted flag", {"deleted": "yes"}, "'deleted' is text ('yes')"),
    ("a huge cell", {"value": "9" * 50_000}, "is not a finite number"),
]


@pytest.mark.parametrize(("changes", "said"), [v[1:] for v in VALUE_HOSTILE],
                         ids=[v[0] for v in VALUE_HOSTILE])  # fmt: skip
def test_hostile_values_are_problems_on_their_row(write: Write, changes, said):
    document = json.loads(json_export())
    document["dataValues"][0].update(changes)
    text = json.dumps(document, allow_nan=True)
    result = read(write("values.json", text))
    assert not result.is_clean
    found = [p for p in problems(result) if said in p]
    assert found and found[0].startswith("values.json, row 1, "), problems(result)


def test_csv_rows_that_do_not_fit_are_problems_on_their_line(write: Write):
    text = csv_export() + f"{READING_PASSED},2023Sep,DiszpKrYNg8\n"
    found = only_problem(read(write("values.csv", text)))
    assert found.startswith(f"values.csv, row {len(GOOD) + 2}: the row has 3 cells")


def test_a_headerless_csv_row_too_short_for_a_value_is_refused(write: Write):
    text = f"{READING_PASSED},2023Sep,DiszpKrYNg8,{DEFAULT}\n"
    found = only_problem(read(write("values.csv", text)))
    assert "row 1: the row has 4 cells" in found


def test_a_bom_is_read_and_noted(write: Write):
    result = read(write("values.json", "\ufeff" + json_export()))
    assert observations(result) == expected_observations()
    assert "byte-order mark" in str(result.notes[0])


def test_a_compressed_file_may_not_open_beyond_the_limit():
    assert MAX_UNPACKED_BYTES >= 1 << 30  # big enough for a national export


# ------------------------------------------------------------------------------ mapping


def test_a_dhis2_mapping_survives_json_and_back():
    data = json.loads(json.dumps(MAPPING.to_dict()))
    assert ColumnMapping.from_dict(data) == MAPPING


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"dhis2": None}, "needs 'dhis2'"),
        ({"dhis2": {"org_units": {}}}, "needs 'data_elements'"),
        ({"dhis2": {"data_elements": [], "orgunits": {}}}, "unknown key orgunits"),
        ({"dhis2": {"data_elements": []}}, "say which metric each DHIS2 data element gives"),
        ({"dhis2": {"data_elements": [{"data_element": "a", "metric": "m"}]}}, "role"),
        (
            {"dhis2": {"data_elements": [{"data_element": "a", "metric": "m", "role": "top"}]}},
            "'top' is not a role",
        ),  # fmt: skip
        (
            {"dhis2": {**MAPPING_DATA["dhis2"], "ignored_data_elements": [READING_SAT]}},
            "both mapped and ignored",
        ),  # fmt: skip
        (
            {"dhis2": {**MAPPING_DATA["dhis2"], "absent_numerator_is_zero": "yes"}},
            "true or false",
        ),  # fmt: skip
        ({"local_unit": ["orgunit"]}, "takes no local_unit"),
        ({"period": "period"}, "takes no period"),
    ],
)
def test_a_wrong_dhis2_mapping_is_refused_clearly(change, said):
    with pytest.raises(MappingError, match=said):
        ColumnMapping.from_dict({**MAPPING_DATA, **change})


def test_a_long_mapping_cannot_carry_dhis2_maps():
    data = {"layout": "long", "local_unit": "d", "period": "p", "metric_code": "m", "value": "v"}
    with pytest.raises(MappingError, match="only for the dhis2 layout"):
        ColumnMapping.from_dict({**data, "dhis2": MAPPING_DATA["dhis2"]})


def test_the_mapping_shown_in_the_documentation_is_a_valid_mapping():
    page = (Path(__file__).resolve().parents[2] / "docs" / "dhis2.md").read_text(encoding="utf-8")
    block = page.split("```json\n", 1)[1].split("```", 1)[0]
    mapping = ColumnMapping.from_dict(json.loads(block))
    assert mapping.dhis2 is not None
    assert {each.metric for each in mapping.dhis2.data_elements} <= set(METRICS)
