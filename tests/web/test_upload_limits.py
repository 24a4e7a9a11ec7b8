"""Uploads that are too large, oddly named or nested, and what an import reports: a form error
people can read, never a server error; every problem counted; file rows and figures apart."""

from __future__ import annotations

import gzip
import io
import json

import pytest
from django.urls import reverse

from deliverology.cli import main
from deliverology.web.performance.imports import run_import, start_import
from deliverology.web.performance.models import ImportRun

MAPPING = {
    "layout": "long",
    "local_unit": ["school"],
    "period": "year",
    "metric_code": "reading",
    "numerator": "passed",
    "denominator": "tested",
}
WIDE = {
    "layout": "wide",
    "local_unit": ["school"],
    "period": "year",
    "wide_columns": [
        {"column": "passed", "metric": "reading", "role": "numerator"},
        {"column": "tested", "metric": "reading", "role": "denominator"},
        {"column": "late", "metric": "absence", "role": "numerator"},
        {"column": "tested", "metric": "absence", "role": "denominator"},
    ],
}
GOOD = "school,year,passed,tested,late\nS1,2025-26,50,100,7\nS2,2025-26,30,80,9\nS3,2025-26,1,2,0\n"


@pytest.fixture
def analyst(login, system, settings, tmp_path):
    settings.UPLOAD_DIR = tmp_path / "uploads"
    return login("analyst")


def post(client, content: bytes, name: str = "scores.csv", mapping: object = None):
    upload = io.BytesIO(content)
    upload.name = name
    written = mapping if isinstance(mapping, str) else json.dumps(mapping or MAPPING)
    return client.post(
        reverse("import_new"),
        {"kind": "observations", "file": upload, "mapping_json": written},
    )


def page_text(response) -> str:
    return response.content.decode().replace("&#x27;", "'").replace("&#39;", "'")


def test_it_refuses_a_file_over_the_size_limit_before_checking_it(analyst, settings):
    settings.DELIVEROLOGY_MAX_UPLOAD_MB = 0.01  # 10,000 bytes
    response = post(analyst, GOOD.encode() + b"S4,2025-26,1,2,0\n" * 1000)
    assert response.status_code == 400
    assert "files of at most 0.0 MB can be loaded" in page_text(response)
    assert not ImportRun.objects.exists()
    assert post(analyst, GOOD.encode()).status_code == 302  # a file within the limit is taken


def test_it_refuses_a_compressed_export_opening_beyond_ten_times_the_limit(analyst, settings):
    settings.DELIVEROLOGY_MAX_UPLOAD_MB = 0.01  # so a DHIS2 export may open to 100,000 bytes
    document = b'{"dataValues": [{"dataElement": "x", "value": "1"}' + b" " * 200_000 + b"]}"
    mapping = {
        "layout": "dhis2",
        "dhis2": {"data_elements": [{"data_element": "x", "metric": "reading", "role": "value"}]},
    }
    response = post(analyst, gzip.compress(document), "values.json.gz", mapping)
    assert response.status_code == 302
    run = ImportRun.objects.get()
    assert run.outcome == ImportRun.Outcome.REFUSED
    assert "the compressed file opens to more than 0.1 MB" in run.problems[0]


def test_a_300_character_file_name_is_a_form_error(analyst):
    response = post(analyst, GOOD.encode(), "s" * 296 + ".csv")
    assert response.status_code == 400
    assert "rename it to at most 200" in page_text(response)  # Django cuts it to 255 first
    assert not ImportRun.objects.exists()


def test_a_mapping_nested_200000_deep_is_a_form_error(analyst):
    deep = '{"layout": ' + "[" * 200_000 + "]" * 200_000 + "}"
    response = post(analyst, GOOD.encode(), mapping=deep)
    assert response.status_code == 400
    assert "nested too deeply to be a column mapping" in page_text(response)


def test_no_problem_shows_where_the_server_keeps_uploads(analyst, settings):
    response = post(analyst, b"PAR1 not really a parquet file PAR1", "scores.parquet")
    assert response.status_code == 302
    run = ImportRun.objects.get()
    assert run.outcome == ImportRun.Outcome.REFUSED
    assert run.problems
    folder = str(settings.UPLOAD_DIR)
    assert not [p for p in [*run.problems, *run.notes] if folder in p or "uploads/" in p]


def unknown_schools(count: int) -> str:
    rows = "".join(f"X{number},2025-26,1,2,0\n" for number in range(count))
    return "school,year,passed,tested,late\n" + rows


def test_every_problem_is_counted_and_the_first_200_are_kept(analyst, tmp_path):
    path = tmp_path / "scores.csv"
    path.write_text(unknown_schools(1_450))
    run = start_import(ImportRun.Kind.OBSERVATIONS, path, mapping=_mapping(MAPPING))
    run = run_import(run, commit=False)
    assert run.outcome == ImportRun.Outcome.REFUSED
    assert run.problem_count == 1_450
    assert len(run.problems) == 200
    page = analyst.get(reverse("import_detail", args=[run.pk]))
    assert "1,450 problems; the first 200 are shown, and 1,250 more are not." in page_text(page)


def test_the_report_counts_file_rows_and_figures_apart(analyst, tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text(GOOD)
    run = start_import(ImportRun.Kind.OBSERVATIONS, path, mapping=_mapping(WIDE))
    run = run_import(run, commit=False)
    assert run.outcome == ImportRun.Outcome.PREVIEWED, run.problems
    assert (run.rows_read, run.figures_read, run.rows_new) == (3, 6, 6)
    page = page_text(analyst.get(reverse("import_detail", args=[run.pk])))
    assert "<dt>Rows read</dt><dd>3</dd>" in page
    assert "<dt>Figures</dt><dd>6</dd>" in page


def _mapping(data):
    from deliverology.engine.mapping import ColumnMapping

    return ColumnMapping.from_dict(data)


def printed(capsys) -> str:
    output = capsys.readouterr()
    return " ".join((output.out + output.err).split())


@pytest.mark.django_db(transaction=True)
def test_the_command_line_refuses_a_file_over_the_limit(system, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("DELIVEROLOGY_MAX_UPLOAD_MB", "0.001")
    from django.conf import settings

    monkeypatch.setattr(settings, "DELIVEROLOGY_MAX_UPLOAD_MB", 0.001)
    path = tmp_path / "scores.csv"
    path.write_text(unknown_schools(100))
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps(MAPPING))
    assert main(["import", "observations", str(path), "--mapping", str(mapping)]) == 1
    assert "files of at most 0.0 MB can be loaded" in printed(capsys)
    assert not ImportRun.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_command_line_refuses_a_deeply_nested_mapping(system, tmp_path, capsys):
    path = tmp_path / "scores.csv"
    path.write_text(GOOD)
    mapping = tmp_path / "mapping.json"
    mapping.write_text('{"layout": ' + "[" * 200_000 + "]" * 200_000 + "}")
    assert main(["import", "observations", str(path), "--mapping", str(mapping)]) == 1
    assert "nested too deeply" in printed(capsys)


@pytest.mark.django_db(transaction=True)
def test_the_list_of_imports_gives_one_line_each(system, tmp_path, capsys):
    path = tmp_path / "scores.csv"
    path.write_text(unknown_schools(300))
    for _ in range(2):
        run = start_import(ImportRun.Kind.OBSERVATIONS, path, mapping=_mapping(MAPPING))
        run_import(run, commit=False)
    capsys.readouterr()
    assert main(["imports"]) == 0
    output = capsys.readouterr()
    lines = (output.out + output.err).strip().splitlines()
    assert len(lines) == 2
    assert all("300 rows read, 0 figures" in line and "300 problems" in line for line in lines)
