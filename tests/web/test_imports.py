"""Loading files into the database: validated first, all or nothing, idempotent, with history.

The real England attainment-at-19 file (Open Government Licence v3.0) is loaded through its saved
mapping, and the database's own roll-ups must then reproduce the published national and regional
figures.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import socket
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from deliverology.engine.england import (
    DASHBOARD_CSV,
    ENGLAND,
    HIERARCHY_CSV,
    LAST_MEASURED_COHORT,
    METRICS,
    REGIONS,
    SUBGROUPS,
    england_mapping,
)
from deliverology.engine.mapping import ColumnMapping
from deliverology.web.performance.imports import (
    close_interrupted_imports,
    run_import,
    start_import,
    this_runner,
)
from deliverology.web.performance.models import (
    ImportRun,
    LocalUnit,
    Metric,
    Observation,
    Rollup,
    SavedMapping,
    Subgroup,
)

SOUTH_WEST = "E12000009"
# The Isles of Scilly are in the South West's and England's rows but not in the local-authority
# rows (SOURCE.md): cohort -> (cohort size, Level 2, Level 3).
SCILLY = {2005: (23, 20, 15), 2011: (23, 22, 17), 2019: (22, 19, 15), 2022: (14, 12, 9)}


def academic_year(cohort: int) -> str:
    return f"{cohort - 1}-{str(cohort)[2:]}"


@pytest.fixture
def england_setup(db):
    for code, name in METRICS.items():
        Metric.objects.create(
            code=code, name=name, aggregation="rate", frequency="academic_year", scale=100
        )
    for code, name in SUBGROUPS.items():
        Subgroup.objects.get_or_create(code=code, defaults={"name": name})
    run = load(ImportRun.Kind.HIERARCHY, HIERARCHY_CSV)
    assert run.outcome == ImportRun.Outcome.COMMITTED, run.problems


def load(kind, path, *, mapping=None, commit=True):
    run = start_import(kind, Path(path), mapping=mapping)
    return run_import(run, commit=commit, say=lambda message: None)


def load_england(path=DASHBOARD_CSV, commit=True):
    return load(ImportRun.Kind.OBSERVATIONS, path, mapping=england_mapping(), commit=commit)


def figure(model, metric, unit, cohort, subgroup="all"):
    return model.objects.get(
        metric__code=metric,
        local_unit__code=unit,
        subgroup__code=subgroup,
        period=academic_year(cohort),
    )


def database_state():
    """Everything an import may touch, to show a refused or failed one touched nothing."""
    return (
        sorted(Observation.objects.values_list("pk", "numerator", "denominator", "value")),
        Observation.history.count(),
        sorted(Rollup.objects.values_list("metric_id", "local_unit_id", "period", "numerator")),
        sorted(LocalUnit.objects.values_list("code", "parent_id", "name", "path")),
    )


def edited_copy(tmp_path, edit):
    """A copy of the England file with `edit(row)` applied to each row (a dict)."""
    with DASHBOARD_CSV.open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.DictReader(stream))
    fields = list(rows[0])
    for row in rows:
        edit(row)
    path = tmp_path / "edited.csv"
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return path


def is_la_row(row, code, cohort):
    return (
        row["la_code_9"] == code
        and row["cohort_19_in"] == str(cohort)
        and row["gender"] == row["fsm"] == row["sen"] == "ALL"
    )


def test_the_hierarchy_loads_with_its_merges(england_setup):
    england = LocalUnit.objects.get(code=ENGLAND)
    assert england.parent is None
    assert set(england.children.values_list("code", flat=True)) == set(REGIONS)
    assert LocalUnit.objects.filter(type="region").count() == 9
    # Bournemouth and Poole stopped in 2019 when BCP began: both are kept with their dates
    ended = LocalUnit.objects.exclude(valid_to=None)
    assert ended.count() >= 3
    assert all(u.parent.code in REGIONS for u in ended)


def test_england_reproduces_its_published_rates_from_the_regions(england_setup):
    run = load_england()
    assert run.outcome == ImportRun.Outcome.COMMITTED, run.problems
    assert run.rows_new == Observation.objects.count() > 20_000
    for cohort in range(2005, LAST_MEASURED_COHORT + 1):
        for metric in METRICS:
            published = figure(Observation, metric, ENGLAND, cohort)
            from_regions = figure(Rollup, metric, ENGLAND, cohort)
            assert from_regions.numerator == published.numerator
            assert from_regions.denominator == published.denominator
            assert from_regions.value == pytest.approx(published.value, abs=1e-9)


def test_the_south_west_misses_exactly_the_isles_of_scilly(england_setup):
    load_england()
    for cohort, (size, level2, level3) in SCILLY.items():
        for metric, count in (("l2_by19", level2), ("l3_by19", level3)):
            published = figure(Observation, metric, SOUTH_WEST, cohort)
            from_authorities = figure(Rollup, metric, SOUTH_WEST, cohort)
            assert published.denominator - from_authorities.denominator == size
            assert published.numerator - from_authorities.numerator == count


def test_future_cohorts_filled_with_zeros_are_reported_and_kept_out(england_setup):
    run = load_england()
    assert run.rows_set_aside > 0
    assert run.notes
    future = [academic_year(c) for c in (2023, 2024, 2025)]
    assert not Observation.objects.filter(period__in=future).exists()
    assert Observation.objects.filter(period=academic_year(2022)).exists()


def test_subgroups_are_loaded_as_their_own_figures(england_setup):
    load_england()
    fsm = figure(Observation, "l2_by19", ENGLAND, 2022, "fsm")
    everyone = figure(Observation, "l2_by19", ENGLAND, 2022)
    assert fsm.denominator < everyone.denominator
    assert fsm.value < everyone.value


def test_loading_the_same_file_twice_changes_nothing_the_second_time(england_setup):
    load_england()
    before = database_state()
    again = load_england()
    assert again.outcome == ImportRun.Outcome.COMMITTED
    assert (again.rows_new, again.rows_changed) == (0, 0)
    assert again.rows_unchanged == Observation.objects.count()
    assert database_state() == before


def test_a_preview_says_what_would_change_and_saves_nothing(england_setup):
    before = database_state()
    run = load_england(commit=False)
    assert run.outcome == ImportRun.Outcome.PREVIEWED
    assert run.rows_new > 20_000 and run.rows_changed == 0
    assert database_state() == before


def test_a_refused_file_names_row_and_column_and_changes_nothing(england_setup, tmp_path):
    load_england()
    before = database_state()

    def break_two_rows(row):
        if is_la_row(row, "E06000001", 2010):  # Hartlepool
            row["l2_by19"] = str(int(row["number_in_ss_cohort"]) + 5)
        if is_la_row(row, "E06000002", 2011):  # Middlesbrough
            row["l3_by19"] = "lots"

    run = load_england(edited_copy(tmp_path, break_two_rows))
    assert run.outcome == ImportRun.Outcome.REFUSED
    assert run.problem_count >= 2
    text = "\n".join(run.problems)
    assert "edited.csv" in text
    assert "l2_by19" in text and "l3_by19" in text
    assert "row" in text.lower()
    assert database_state() == before


def test_a_revised_figure_is_kept_with_what_it_was_before(england_setup, tmp_path):
    first = load_england()
    hartlepool = figure(Observation, "l2_by19", "E06000001", 2015)
    old = hartlepool.numerator
    north_east_before = figure(Rollup, "l2_by19", "E12000001", 2015).numerator
    stocktake = timezone.now()
    Observation.history.filter(id=hartlepool.pk).update(history_date=stocktake - timedelta(days=30))

    def revise(row):
        if is_la_row(row, "E06000001", 2015):
            row["l2_by19"] = str(int(row["l2_by19"]) - 3)
            row["l2_by19_rate"] = str(100 * int(row["l2_by19"]) / int(row["number_in_ss_cohort"]))

    run = load_england(edited_copy(tmp_path, revise))
    assert run.outcome == ImportRun.Outcome.COMMITTED, run.problems
    assert (run.rows_new, run.rows_changed) == (0, 1)
    hartlepool.refresh_from_db()
    assert hartlepool.numerator == old - 3
    assert hartlepool.import_run == run
    # what the figure was when the last stocktake was held
    then = Observation.history.as_of(stocktake - timedelta(days=1)).get(pk=hartlepool.pk)
    assert then.numerator == old
    assert then.import_run_id == first.pk
    # and the roll-ups follow the revision
    assert figure(Rollup, "l2_by19", "E12000001", 2015).numerator == north_east_before - 3
    assert Observation.history.filter(id=hartlepool.pk).count() == 2


def test_an_unknown_local_unit_is_refused_before_anything_is_written(england_setup, tmp_path):
    before = database_state()

    def rename(row):
        if is_la_row(row, "E06000001", 2010):
            row["la_code_9"] = "E06999999"

    run = load_england(edited_copy(tmp_path, rename))
    assert run.outcome == ImportRun.Outcome.REFUSED
    assert any("E06999999" in problem for problem in run.problems)
    assert database_state() == before


def test_a_file_changed_after_upload_is_not_loaded(england_setup, tmp_path):
    copy = tmp_path / "copy.csv"
    shutil.copy(DASHBOARD_CSV, copy)
    run = start_import(ImportRun.Kind.OBSERVATIONS, copy, mapping=england_mapping())
    with copy.open("a", encoding="utf-8") as stream:
        stream.write("\n")
    run = run_import(run, commit=True, say=lambda message: None)
    assert run.outcome == ImportRun.Outcome.FAILED
    assert not Observation.objects.exists()


# -- the web: upload, preview, load --------------------------------------------------------


@pytest.fixture
def england_mapping_saved(england_setup):
    return SavedMapping.objects.create(
        name="DfE attainment at 19", kind="observations", mapping=england_mapping().to_dict()
    )


def upload(client, path, **fields):
    with path.open("rb") as stream:
        upload = io.BytesIO(stream.read())
    upload.name = path.name
    return client.post(reverse("import_new"), {"file": upload, **fields})


def test_a_delivery_unit_uploads_previews_and_loads_a_file(
    login, england_mapping_saved, settings, tmp_path
):
    settings.UPLOAD_DIR = tmp_path
    client = login("analyst")
    response = upload(
        client, DASHBOARD_CSV, kind="observations", saved_mapping=england_mapping_saved.pk
    )
    assert response.status_code == 302
    run = ImportRun.objects.get(file_name=DASHBOARD_CSV.name)
    assert run.outcome == ImportRun.Outcome.PREVIEWED
    assert run.created_by.username == "analyst"
    assert not Observation.objects.filter(import_run=run).exists()
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert f"{run.rows_new}" in page.content.decode()
    assert "Load these figures" in page.content.decode()

    loaded = client.post(reverse("import_commit", args=[run.pk]))
    assert loaded.status_code == 302
    run.refresh_from_db()
    assert run.outcome == ImportRun.Outcome.COMMITTED
    assert Observation.objects.filter(import_run=run).count() == run.rows_new
    listing = client.get(reverse("imports")).content.decode()
    assert DASHBOARD_CSV.name in listing


def test_an_uploaded_file_with_problems_lists_them_and_saves_nothing(
    login, england_mapping_saved, settings, tmp_path
):
    settings.UPLOAD_DIR = tmp_path / "uploads"
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\xef\xbb\xbfcohort_19_in,region\n2010,North East\n")
    client = login("analyst")
    before = database_state()
    response = upload(client, bad, kind="observations", saved_mapping=england_mapping_saved.pk)
    run = ImportRun.objects.get(file_name="bad.csv")
    assert run.outcome == ImportRun.Outcome.REFUSED
    page = client.get(response["Location"]).content.decode()
    assert "nothing was saved" in page
    assert run.problems[0] in page.replace("&#39;", "'").replace("&#x27;", "'")
    assert database_state() == before
    # a refused import cannot be loaded
    assert client.post(reverse("import_commit", args=[run.pk])).status_code == 404


def test_observations_need_a_mapping(login, england_setup, settings, tmp_path):
    settings.UPLOAD_DIR = tmp_path
    response = upload(login("analyst"), DASHBOARD_CSV, kind="observations")
    assert response.status_code == 400
    assert "Choose a saved mapping or write one out." in response.content.decode()
    assert not ImportRun.objects.filter(file_name=DASHBOARD_CSV.name).exists()


@pytest.mark.parametrize("person", ["leader", "owner", "district", "viewer"])
def test_only_the_delivery_unit_loads_files(login, person, england_setup, settings, tmp_path):
    settings.UPLOAD_DIR = tmp_path
    client = login(person)
    assert client.get(reverse("imports")).status_code == 403
    assert client.get(reverse("import_new")).status_code == 403
    response = upload(client, HIERARCHY_CSV, kind="hierarchy")
    assert response.status_code == 403
    assert not ImportRun.objects.filter(file_name=HIERARCHY_CSV.name, created_by__isnull=False)


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    response = client.get(reverse("imports"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_a_written_out_mapping_can_be_saved_and_chosen_next_time(
    login, england_setup, settings, tmp_path
):
    settings.UPLOAD_DIR = tmp_path
    client = login("analyst")
    written = json.dumps(england_mapping().to_dict())
    upload(client, DASHBOARD_CSV, kind="observations", mapping_json=written, save_as="DfE L2/L3")
    saved = SavedMapping.objects.get(name="DfE L2/L3")
    assert ImportRun.objects.get(file_name=DASHBOARD_CSV.name).mapping_name == "DfE L2/L3"
    assert ColumnMapping.from_dict(saved.mapping) == england_mapping()
    again = upload(
        client, DASHBOARD_CSV, kind="observations", mapping_json=written, save_as="DfE L2/L3"
    )
    assert "exists already" in again.content.decode()


def test_a_saved_mapping_that_cannot_read_a_file_is_refused_where_it_is_written(db):
    mapping = SavedMapping(name="broken", kind="observations", mapping={"layout": "sideways"})
    with pytest.raises(ValidationError) as refused:
        mapping.full_clean()
    assert "mapping" in refused.value.message_dict
    definition = SavedMapping(name="records", kind="records", mapping={"metric": "x"})
    with pytest.raises(ValidationError):
        definition.full_clean()


def test_a_provisional_figure_replaced_by_the_final_one_keeps_both(system, tmp_path):
    mapping = ColumnMapping.from_dict(
        {
            "layout": "long",
            "local_unit": ["school"],
            "period": "year",
            "metric_code": "reading",
            "numerator": "readers",
            "denominator": "pupils",
            "provisional": "provisional",
        }
    )
    provisional = tmp_path / "provisional.csv"
    provisional.write_text("school,year,readers,pupils,provisional\nS1,2025-26,70,100,yes\n")
    final = tmp_path / "final.csv"
    final.write_text("school,year,readers,pupils,provisional\nS1,2025-26,72,101,no\n")
    first = load(ImportRun.Kind.OBSERVATIONS, provisional, mapping=mapping)
    assert first.outcome == ImportRun.Outcome.COMMITTED, first.problems
    second = load(ImportRun.Kind.OBSERVATIONS, final, mapping=mapping)
    assert (second.rows_new, second.rows_changed) == (0, 1), second.problems
    figure = Observation.objects.get(local_unit__code="S1", period="2025-26", subgroup__code="all")
    assert (figure.numerator, figure.denominator, figure.provisional) == (72, 101, False)
    versions = Observation.history.filter(id=figure.pk).order_by("history_date")
    assert [(v.numerator, v.provisional, v.import_run_id) for v in versions] == [
        (70, True, first.pk),
        (72, False, second.pk),
    ]


# -- imports whose process has gone ----------------------------------------------------------


def running_import(tmp_path, runner, heartbeat):
    path = tmp_path / "figures.csv"
    path.write_text("x\n", encoding="utf-8")
    run = start_import(ImportRun.Kind.OBSERVATIONS, path, mapping=england_mapping())
    ImportRun.objects.filter(pk=run.pk).update(
        outcome=ImportRun.Outcome.RUNNING, runner=runner, heartbeat_at=heartbeat
    )
    return run


def a_finished_process_id():
    finished = subprocess.Popen([sys.executable, "-c", "pass"])  # noqa: S603
    finished.wait()
    return finished.pid


@pytest.mark.parametrize(
    ("who", "silent_for", "interrupted"),
    [
        ("this process", timedelta(minutes=1), False),  # working: left alone
        ("a process that has ended", timedelta(minutes=1), True),
        ("another machine", timedelta(hours=1), False),  # cannot be looked up: trusted a while
        ("another machine", timedelta(hours=7), True),  # silent past the limit
        ("this process", timedelta(hours=7), True),  # alive but silent past the limit
    ],
)
def test_an_import_whose_process_has_gone_is_shown_interrupted(
    db, tmp_path, settings, who, silent_for, interrupted
):
    settings.DELIVEROLOGY_IMPORT_SILENT_HOURS = 6
    runner = {
        "this process": this_runner(),
        "a process that has ended": f"{socket.gethostname()}:{a_finished_process_id()}",
        "another machine": "worker-7.example.org:4242",
    }[who]
    run = running_import(tmp_path, runner, timezone.now() - silent_for)
    assert close_interrupted_imports() == int(interrupted)
    run.refresh_from_db()
    if interrupted:
        assert run.outcome == ImportRun.Outcome.INTERRUPTED
        assert run.finished_at is not None
        assert "Nothing was saved" in run.problems[0]
    else:
        assert run.outcome == ImportRun.Outcome.RUNNING


def test_the_imports_pages_show_an_interrupted_import_as_such(login, db, tmp_path):
    gone = f"{socket.gethostname()}:{a_finished_process_id()}"
    run = running_import(tmp_path, gone, timezone.now())
    client = login("analyst")
    detail = client.get(reverse("import_detail", args=[run.pk])).content.decode()
    assert "Interrupted: nothing saved" in detail
    assert 'http-equiv="refresh"' not in detail  # it no longer waits for news
    assert "Interrupted: nothing saved" in client.get(reverse("imports")).content.decode()


def test_an_import_that_runs_says_where_and_keeps_its_heartbeat(england_setup):
    run = start_import(ImportRun.Kind.OBSERVATIONS, DASHBOARD_CSV, mapping=england_mapping())
    before = timezone.now()
    run = run_import(run, commit=False, say=lambda message: None)
    assert run.runner == this_runner()
    assert run.heartbeat_at >= before


def test_a_figure_for_an_authority_after_it_merged_away_is_refused(england_setup, tmp_path):
    def move_bcp_to_bournemouth(row):
        if row["la_code_9"] == "E06000058":  # Bournemouth, Christchurch and Poole, from 2019
            row["la_code_9"] = "E06000028"  # Bournemouth, merged away on 2019-03-31

    run = load_england(edited_copy(tmp_path, move_bcp_to_bournemouth))
    assert run.outcome == ImportRun.Outcome.REFUSED
    assert "but local unit 'E06000028' is valid only to 2019-03-31" in run.problems[0]


def test_the_hierarchy_preview_names_types_the_configuration_does_not_label(db):
    run = load(ImportRun.Kind.HIERARCHY, HIERARCHY_CSV, commit=False)
    assert run.outcome == ImportRun.Outcome.PREVIEWED
    assert any("give the type 'local_authority', which is not one of" in n for n in run.notes)
    assert not any("'region'" in note for note in run.notes)


def test_new_units_are_written_a_level_at_a_time_with_the_paths_a_save_gives(
    england_setup, tmp_path, monkeypatch
):
    # Children listed before their parents, three new levels, and a new school under an
    # existing authority that moves to a new region in the same file; two units a statement.
    monkeypatch.setattr("deliverology.web.performance.hierarchy_import._UNITS_A_STATEMENT", 2)
    moved = LocalUnit.objects.filter(type="local_authority", valid_to=None).earliest("code")
    rows = [
        "code,name,type,parent_code,valid_from,valid_to",
        "S3,School 3,school,D2,,",
        "S1,School 1,school,D1,,",
        "S2,School 2,school,D1,,",
        "D1,District 1,district,R1,,",
        "D2,District 2,district,R1,,",
        "R1,New region,region,E92000001,,",
        f"S4,School 4,school,{moved.code},,",
        f'{moved.code},"{moved.name}",local_authority,R1,,',
    ]
    path = tmp_path / "units.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")

    run = load(ImportRun.Kind.HIERARCHY, path)

    assert run.outcome == ImportRun.Outcome.COMMITTED, run.problems
    assert (run.rows_new, run.rows_changed) == (7, 1)
    units = {u.code: u for u in LocalUnit.objects.select_related("parent")}
    assert units["S3"].parent.code == "D2" and units["D1"].parent.code == "R1"
    assert units["S4"].path == f"/E92000001/R1/{moved.code}/S4/"
    assert units["S1"].path == "/E92000001/R1/D1/S1/" and units["S1"].depth == 3
    for unit in units.values():
        assert unit.path == unit.expected_path(), unit.code
        assert unit.depth == unit.path.count("/") - 2, unit.code
