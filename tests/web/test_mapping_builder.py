"""Building a column mapping on the upload page by picking the file's columns."""

from __future__ import annotations

import io
import json
import re

from django.urls import reverse

from deliverology.web.performance.models import ImportRun, Observation, SavedMapping

FILE = "District Code,Year,Tested,Met,Rate\nD1,24-25,200,120,0.6\nD2,24-25,100,45,0.45\n"


def upload(client, text=FILE, name="state-results.csv"):
    stream = io.BytesIO(text.encode())
    stream.name = name
    return client.post(reverse("mapping_builder"), {"step": "upload", "file": stream})


def token_of(response) -> str:
    return re.search(r'name="token" value="([^"]+)"', response.content.decode())[1]


def test_it_shows_the_files_columns_in_select_lists(login, system, settings, tmp_path):
    settings.UPLOAD_DIR = tmp_path
    response = upload(login("analyst"))
    page = response.content.decode()
    assert response.status_code == 200
    assert '<option value="District Code">District Code</option>' in page
    assert "<td>24-25</td>" in page


def test_picked_columns_make_a_mapping_that_is_shown_saved_and_checks_the_file(
    login, system, settings, tmp_path
):
    settings.UPLOAD_DIR = tmp_path
    client = login("analyst")
    token = token_of(upload(client))
    picks = {
        "step": "pick",
        "token": token,
        "local_unit": "District Code",
        "period": "Year",
        "metric_code": "reading",
        "numerator": "Met",
        "denominator": "Tested",
        "value": "Rate",
        "value_scale": "1",
    }
    page = client.post(reverse("mapping_builder"), picks).content.decode()
    shown = re.search(r"<textarea[^>]*>(.*?)</textarea>", page, re.DOTALL)[1]
    mapping = json.loads(shown.replace("&quot;", '"'))
    assert mapping == {
        "layout": "long",
        "local_unit": "District Code",
        "period": "Year",
        "metric_code": "reading",
        "numerator": "Met",
        "denominator": "Tested",
        "value": "Rate",
        "value_scale": 1,
    }
    check = {"step": "check", "token": token, "mapping_json": json.dumps(mapping)}
    response = client.post(reverse("mapping_builder"), {**check, "save_as": "state results"})
    run = ImportRun.objects.get(file_name="state-results.csv")
    assert response.status_code == 302
    assert run.outcome == ImportRun.Outcome.PREVIEWED, run.problems
    assert (run.rows_new, run.mapping_name) == (2, "state results")
    assert SavedMapping.objects.get(name="state results").mapping["value_scale"] == 1
    assert not Observation.objects.filter(import_run=run).exists()


def test_a_mapping_the_picks_cannot_make_is_refused_naming_what_is_missing(
    login, system, settings, tmp_path
):
    settings.UPLOAD_DIR = tmp_path
    client = login("analyst")
    picks = {"step": "pick", "token": token_of(upload(client)), "local_unit": "District Code"}
    picks |= {"period": "Year", "numerator": "Met", "denominator": "Tested"}
    page = client.post(reverse("mapping_builder"), picks).content.decode()
    assert "a long file needs either a metric column" in page
    assert "<textarea" not in page


def test_a_token_is_never_a_path(login, system, settings, tmp_path):
    settings.UPLOAD_DIR = tmp_path / "uploads"
    (tmp_path / "secret.csv").write_text(FILE)
    client = login("analyst")
    check = {"step": "check", "token": "../secret.csv", "mapping_json": "{}"}
    response = client.post(reverse("mapping_builder"), check)
    assert response.status_code == 302
    assert not ImportRun.objects.exists()


def test_only_the_delivery_unit_builds_mappings(login, system):
    assert login("leader").get(reverse("mapping_builder")).status_code == 403


def test_a_source_line_at_the_end_is_found_and_left_out_by_the_mapping(
    login, system, settings, tmp_path
):
    settings.UPLOAD_DIR = tmp_path
    response = upload(login("analyst"), FILE + "Source: the state\n")
    page = response.content.decode()
    assert "The last 1 row(s) of the file do not fit its header" in page
    assert 'name="footer_rows" value="1"' in page
