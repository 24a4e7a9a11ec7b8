import json

import pytest

from deliverology.core.periods import PeriodKind
from deliverology.engine.mapping import (
    DEFAULT_SUPPRESSION_MARKERS,
    ColumnMapping,
    Layout,
    MappingError,
    PlaceholderRule,
    Role,
    WideColumn,
)
from tests.engine.conftest import MAPPING

WIDE = ColumnMapping(
    layout=Layout.WIDE,
    local_unit=("la_code", "region"),
    total_local_unit="E92000001",
    period="year",
    period_kind=PeriodKind.ACADEMIC_YEAR,
    subgroup=("gender",),
    wide_columns=(
        WideColumn("passed", "pass_rate", Role.NUMERATOR),
        WideColumn("pupils", "pass_rate", Role.DENOMINATOR),
        WideColumn("pupils", "pupils", Role.VALUE),
    ),
    value_maps={"gender": {"Female": "female"}},
    placeholder_rule=PlaceholderRule(("passed",), "pupils"),
    filters={"phase": ("secondary",)},
    suppression_markers={"c": "suppressed", "": "not_collected"},
    sheet="Data",
)


@pytest.mark.parametrize("mapping", [MAPPING, WIDE], ids=["long", "wide"])
def test_a_mapping_survives_a_round_trip_through_json(mapping):
    data = json.loads(json.dumps(mapping.to_dict()))
    assert ColumnMapping.from_dict(data) == mapping


def test_the_defaults_are_written_out_so_a_saved_mapping_does_not_drift():
    data = MAPPING.to_dict()
    assert data["suppression_markers"] == dict(DEFAULT_SUPPRESSION_MARKERS)
    assert data["default_subgroup"] == "all"
    assert data["layout"] == "long"


def test_a_single_local_unit_column_may_be_written_as_text():
    mapping = ColumnMapping.from_dict(
        {
            "layout": "long",
            "local_unit": "school",
            "period": "year",
            "metric_code": "m",
            "value": "v",
        }
    )
    assert mapping.local_unit == ("school",)


def test_the_default_markers_cover_the_usual_symbols_and_never_mean_zero():
    assert set(DEFAULT_SUPPRESSION_MARKERS) == {"c", "x", "z", "*", "..", ":", "<5", "~", "-", ""}
    assert set(DEFAULT_SUPPRESSION_MARKERS.values()) == {
        "suppressed",
        "not_applicable",
        "not_collected",
    }


BASE = {"layout": "long", "local_unit": ["d"], "period": "p", "metric_code": "m", "value": "v"}


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"colour": "red"}, "unknown key colour"),
        ({"layout": "diagonal"}, "'diagonal' is not a layout: use one of long, wide"),
        ({"period_kind": "fortnight"}, "'fortnight' is not a period_kind"),
        ({"metric": "metric"}, "not both"),
        ({"metric_code": None}, "either a metric column"),
        ({"value": None}, "which column gives the value"),
        ({"local_unit": []}, "which column (or columns) give the local unit"),
        ({"local_unit": [3]}, "'local_unit' must be text, not int"),
        ({"period": ""}, "the period column must be a column name"),
        ({"suppression_markers": {"c": "secret"}}, "'secret', which is not a reason"),
        ({"suppression_markers": ["c"]}, "must be an object"),
        ({"filters": {"gender": "ALL"}}, "'filters['gender']' must be a list"),
        ({"wide_columns": [{"column": "a", "metric": "m", "role": "value"}]}, "only for the wide"),
        ({"placeholder_rule": {"zeros": ["a"]}}, "placeholder_rule has outcome_columns"),
    ],
)
def test_a_broken_mapping_says_what_is_wrong(change, fragment):
    with pytest.raises(MappingError, match=None) as raised:
        ColumnMapping.from_dict({**BASE, **change})
    assert fragment in str(raised.value)


def test_a_mapping_must_be_an_object_with_its_required_keys():
    with pytest.raises(MappingError, match="must be a JSON object"):
        ColumnMapping.from_dict(["layout"])  # type: ignore[arg-type]
    with pytest.raises(MappingError, match="needs 'period'"):
        ColumnMapping.from_dict({"layout": "long", "local_unit": "d"})


WIDE_BASE = {"layout": "wide", "local_unit": "d", "period": "p"}


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({}, "needs 'wide_columns'"),
        (
            {"value": "v", "wide_columns": [{"column": "a", "metric": "m", "role": "value"}]},
            "not value",
        ),
        (
            {"wide_columns": [{"column": "a", "metric": "m", "role": "total"}]},
            "'total' is not a role",
        ),
        ({"wide_columns": [{"column": "a", "metric": "m"}]}, "found column, metric"),
        (
            {
                "wide_columns": [
                    {"column": "a", "metric": "m", "role": "value"},
                    {"column": "b", "metric": "m", "role": "value"},
                ]
            },
            "columns 'a' and 'b' both give the value of 'm'",
        ),
        (
            {
                "subgroup": ["sex"],
                "wide_columns": [{"column": "a", "metric": "m", "role": "value", "subgroup": "f"}],
            },
            "names its own subgroup",
        ),
    ],
)
def test_a_broken_wide_mapping_says_what_is_wrong(change, fragment):
    with pytest.raises(MappingError) as raised:
        ColumnMapping.from_dict({**WIDE_BASE, **change})
    assert fragment in str(raised.value)


def test_mapping_errors_are_value_errors_so_forms_can_show_them():
    assert issubclass(MappingError, ValueError)


def test_it_lists_every_column_it_reads_and_why():
    used = WIDE.columns_used()
    assert used["la_code"] == "the local unit"
    assert used["pupils"] == "the denominator of pass_rate"
    assert used["phase"] == "a filter"


RESHAPING = {
    "derived_columns": [
        {"name": "pupils", "add": ["cohort"], "subtract": ["transfers"], "multiply_by": 1},
        {"name": "school", "join": ["number", "type"], "separator": "-"},
    ],
    "drop_rows": [
        {"column": "district", "starts_with": ["Source"]},
        {"column": "period", "is_blank": True},
        {"column": "type", "equals": ["Charter"]},
    ],
    "footer_rows": 2,
    "value_scale": 1,
    "precision": {"value_decimals": 0, "counts_rounded_to": 10},
}


def test_a_mapping_that_reshapes_a_file_survives_a_round_trip_through_json():
    mapping = ColumnMapping.from_dict({**MAPPING.to_dict(), **RESHAPING})
    data = json.loads(json.dumps(mapping.to_dict()))
    assert ColumnMapping.from_dict(data) == mapping
    assert data["drop_rows"] == RESHAPING["drop_rows"]


def test_a_derived_column_reads_from_the_files_own_columns():
    mapping = ColumnMapping.from_dict(
        {
            **MAPPING.to_dict(),
            "denominator": "pupils",
            **{"derived_columns": RESHAPING["derived_columns"]},
        }
    )
    used = mapping.file_columns_used()
    assert "pupils" not in used
    assert used["cohort"] == "derived column 'pupils' (the denominator)"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"derived_columns": [{"name": "x", "add": ["a"], "join": ["b"]}]}, "not both"),
        ({"derived_columns": [{"name": "x", "add": ["x"]}]}, "cannot be made from itself"),
        ({"derived_columns": [{"name": "x", "plus": ["a"]}]}, "found name, plus"),
        (
            {"derived_columns": [{"name": "x", "add": ["a"]}, {"name": "y", "add": ["x"]}]},
            "made from another derived column",
        ),
        ({"derived_columns": [{"name": "x", "add": ["a"], "multiply_by": "2"}]}, "multiply_by"),
        ({"drop_rows": [{"column": "a", "equals": ["b"], "is_blank": True}]}, "one of equals"),
        ({"drop_rows": [{"column": "a", "is_blank": "yes"}]}, "'is_blank' of column 'a'"),
        ({"footer_rows": -1}, "'footer_rows' must be a whole number"),
        ({"value_scale": 0}, "'value_scale' must be a number above 0"),
        ({"precision": {"decimals": 0}}, "unknown key decimals in 'precision'"),
        ({"precision": {"counts_rounded_to": 2.5}}, "'counts_rounded_to' must be a whole"),
        ({"precision": {"value_decimals": 1.5}}, "'value_decimals' must be a whole"),
    ],
)
def test_a_reshaping_that_cannot_work_is_refused_naming_its_key(changes, message):
    with pytest.raises(MappingError, match=message):
        ColumnMapping.from_dict({**MAPPING.to_dict(), **changes})
