"""DHIS2 exports loaded into the database through the same import as any other file: from the
command line and from the browser, checked first, all or nothing, the same figures from JSON
and from CSV."""

from __future__ import annotations

import io
import json

import pytest
from django.urls import reverse

from deliverology.cli import main
from deliverology.web.performance.models import ImportRun, LocalUnit, Metric, Observation, Subgroup

from ..engine.test_dhis2 import (
    DEFAULT,
    FREE_MEALS,
    GOOD,
    MAPPING_DATA,
    ORG_UNITS,
    csv_export,
    expected_observations,
    json_export,
)


def printed(capsys):
    output = capsys.readouterr()
    return " ".join((output.out + output.err).split())


@pytest.fixture
def state(db):
    """The metrics, local units and subgroups the DHIS2 mapping of the engine tests feeds."""
    Metric.objects.create(code="reading", name="Reading", aggregation="rate", scale=100)
    Metric.objects.create(code="enrolment", name="Enrolment", aggregation="count", scale=1)
    Metric.objects.create(
        code="attendance", name="Attendance", aggregation="rate", frequency="quarter", scale=100
    )
    Subgroup.objects.create(code="all", name="All pupils")
    Subgroup.objects.create(code="fsm", name="Free school meals")
    root = LocalUnit.objects.create(code="ST", name="State", type="state")
    for code in ORG_UNITS.values():
        LocalUnit.objects.create(code=code, name=code, type="district", parent=root)


@pytest.fixture
def mapping_file(tmp_path):
    path = tmp_path / "dhis2-mapping.json"
    path.write_text(json.dumps(MAPPING_DATA), encoding="utf-8")
    return path


def stored():
    return {
        (o.metric.code, o.local_unit.code, o.period, o.subgroup.code)
        + (o.numerator, o.denominator, o.value)
        for o in Observation.objects.select_related("metric", "local_unit", "subgroup")
    }


@pytest.mark.django_db(transaction=True)
def test_a_dhis2_export_loads_from_the_command_line(state, mapping_file, tmp_path, capsys):
    export = tmp_path / "dataValueSets.json"
    export.write_text(json_export(), encoding="utf-8")
    assert main(["import", "observations", str(export), "--mapping", str(mapping_file)]) == 0
    want = expected_observations()
    assert stored() == want
    run = ImportRun.objects.get()
    assert run.outcome == ImportRun.Outcome.COMMITTED
    assert run.mapping["layout"] == "dhis2"
    assert run.rows_new == len(want)
    assert f"{len(want)} new" in printed(capsys)

    # the same figures exported as CSV change nothing
    again = tmp_path / "dataValueSets.csv"
    again.write_text(csv_export(), encoding="utf-8")
    assert main(["import", "observations", str(again), "--mapping", str(mapping_file)]) == 0
    second = ImportRun.objects.latest("pk")
    assert (second.rows_new, second.rows_changed, second.rows_unchanged) == (0, 0, len(want))
    assert stored() == want


@pytest.mark.django_db(transaction=True)
def test_a_dhis2_export_with_a_problem_saves_nothing(state, mapping_file, tmp_path, capsys):
    rows = [*GOOD[:4], (GOOD[0][0], "2023Sep", "unknownOrg1", FREE_MEALS, "3")]
    export = tmp_path / "dataValueSets.json"
    export.write_text(json_export(rows), encoding="utf-8")
    assert main(["import", "observations", str(export), "--mapping", str(mapping_file)]) == 1
    output = printed(capsys)
    assert "dataValueSets.json, row 5, column 'orgUnit': unknown local unit 'unknownOrg1'" in output
    assert "Nothing was saved" in output
    assert not Observation.objects.exists()
    assert ImportRun.objects.get().outcome == ImportRun.Outcome.REFUSED


def test_the_delivery_unit_uploads_a_dhis2_export_previews_and_loads_it(
    login, system, settings, tmp_path
):
    settings.UPLOAD_DIR = tmp_path
    mapping = {
        "layout": "dhis2",
        "dhis2": {
            "data_elements": MAPPING_DATA["dhis2"]["data_elements"][:2],
            "org_units": ORG_UNITS,
            "category_option_combos": {DEFAULT: "all", FREE_MEALS: "low_income"},
            "ignored_data_elements": [e for e, *_ in GOOD[6:]],
        },
    }
    upload = io.BytesIO(json_export(rows=GOOD).replace("2023Sep", "2025Sep").encode())
    upload.name = "dataValueSets.json"
    client = login("analyst")
    response = client.post(
        reverse("import_new"),
        {"file": upload, "kind": "observations", "mapping_json": json.dumps(mapping)},
    )
    assert response.status_code == 302
    run = ImportRun.objects.get(file_name="dataValueSets.json")
    assert run.outcome == ImportRun.Outcome.PREVIEWED, run.problems
    assert run.rows_new == 3
    assert not Observation.objects.filter(import_run=run).exists()
    assert client.post(reverse("import_commit", args=[run.pk])).status_code == 302
    loaded = Observation.objects.filter(import_run=run, period="2025-26")
    assert {(o.local_unit.code, o.subgroup.code, o.value) for o in loaded} == {
        ("D1", "all", 50.0),
        ("D2", "all", 50.0),
        ("D1", "low_income", 25.0),
    }


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (json_export()[:200].encode(), "not complete JSON"),
        (b'{"headers": [], "rows": [["a", 1]]}', "analytics table"),
        (b"\x00\x01\x02PK", "binary data"),
    ],
)
def test_a_broken_dhis2_upload_is_refused_on_its_page_and_saves_nothing(
    login, system, settings, tmp_path, content, said
):
    settings.UPLOAD_DIR = tmp_path
    before = Observation.objects.count()
    upload = io.BytesIO(content)
    upload.name = "dataValueSets.json"
    client = login("analyst")
    response = client.post(
        reverse("import_new"),
        {"file": upload, "kind": "observations", "mapping_json": json.dumps(MAPPING_DATA)},
    )
    assert response.status_code == 302
    run = ImportRun.objects.get(file_name="dataValueSets.json")
    assert run.outcome == ImportRun.Outcome.REFUSED
    assert said in run.problems[0]
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert said in page.content.decode()
    assert Observation.objects.count() == before


def test_a_dhis2_mapping_without_data_elements_is_refused_where_it_is_written(
    login, system, settings, tmp_path
):
    settings.UPLOAD_DIR = tmp_path
    upload = io.BytesIO(json_export().encode())
    upload.name = "dataValueSets.json"
    client = login("analyst")
    response = client.post(
        reverse("import_new"),
        {
            "file": upload,
            "kind": "observations",
            "mapping_json": '{"layout": "dhis2", "dhis2": {}}',
        },
    )
    assert response.status_code == 400
    page = response.content.decode().replace("&#39;", "'").replace("&#x27;", "'")
    assert "'dhis2' needs 'data_elements'" in page
    assert not ImportRun.objects.exists()
