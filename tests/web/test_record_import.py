"""Record-level imports in columns: many chunks under a tiny memory budget, changes sorted in
DuckDB, and PostgreSQL's keys checked as a set stay in place."""

from __future__ import annotations

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from django.db import connection

from deliverology.cli import main
from deliverology.web.performance import record_import
from deliverology.web.performance.actions import refresh_rollups_in_python
from deliverology.web.performance.models import ImportRun, Metric, Observation
from tests.web import test_import_cli as import_cli
from tests.web.test_columnar_rollups import assert_same
from tests.web.test_columnar_rollups import stored as rolled_up

state = import_cli.state
files = import_cli.files


def stored():
    return {
        (o.local_unit.code, o.period, o.subgroup.code): (o.numerator, o.denominator, o.value)
        for o in Observation.objects.select_related("local_unit", "subgroup")
    }


def load(data, definition):
    assert main(["import", "records", str(data), "--definition", str(definition)]) == 0
    return ImportRun.objects.latest("pk")


@pytest.fixture
def chunks_written(monkeypatch):
    counted = []
    rows = record_import._rows

    def counting(batch):
        counted.append(batch.num_rows)
        return rows(batch)

    monkeypatch.setattr(record_import, "_rows", counting)
    return counted


@pytest.mark.django_db(transaction=True)
def test_it_writes_the_same_figures_in_many_chunks_under_a_tiny_budget(
    state, files, settings, chunks_written
):
    data, definition = files
    load(data, definition)
    in_one_chunk = stored()
    assert len(chunks_written) == 1
    Observation.objects.all().delete()
    chunks_written.clear()
    settings.DELIVEROLOGY_IMPORT_MEMORY_MB = 0.01  # 5 figures a chunk
    run = load(data, definition)
    assert run.rows_new == len(in_one_chunk)
    assert len(chunks_written) == -(-len(in_one_chunk) // 5)
    assert stored() == in_one_chunk


@pytest.mark.django_db(transaction=True)
def test_it_updates_only_the_figures_a_corrected_file_changes_with_their_history(
    state, files, tmp_path
):
    data, definition = files
    load(data, definition)
    table = import_cli.records()
    corrected = table.set_column(
        table.schema.get_field_index("proficient"),
        "proficient",
        pc.if_else(pc.equal(table["school"], "S3"), True, table["proficient"]),
    )
    fixed = tmp_path / "corrected.parquet"
    pq.write_table(corrected, fixed)
    want = import_cli.expected(corrected)
    before = stored()
    run = load(fixed, definition)
    after = stored()
    differ = {key for key in after if after[key] != before[key]}
    assert differ, "the correction changes some figures"
    assert (run.rows_new, run.rows_changed) == (0, len(differ))
    assert run.rows_unchanged == len(want) - len(differ)
    for key, (numerator, denominator) in want.items():
        assert after[key][:2] == (numerator, denominator)
    revised = Observation.history.filter(history_type="~", history_change_reason=f"import {run.pk}")
    assert revised.count() == len(differ)


def foreign_keys():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid), convalidated FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
            [Observation._meta.db_table],
        )
        return cursor.fetchall()


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_the_keys_checked_as_a_set_are_there_again_and_valid(
    state, files, monkeypatch
):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's foreign keys are checked as a set; SQLite's as they are")
    monkeypatch.setattr(record_import, "SET_CHECK_FROM", 1)
    before = foreign_keys()
    data, definition = files
    run = load(data, definition)
    assert run.rows_new == len(stored()) > 0
    assert foreign_keys() == before
    assert len(before) == 4 and all(valid for *_, valid in before)


@pytest.mark.django_db(transaction=True)
def test_its_roll_ups_computed_in_columns_equal_the_python_rebuild(state, files, tmp_path):
    data, definition = files
    load(data, definition)
    metric = Metric.objects.get()
    in_columns = rolled_up(metric)
    assert in_columns, "the import rolls the schools up to their districts and the state"
    refresh_rollups_in_python([metric])
    in_python = rolled_up(metric)
    assert in_columns.keys() == in_python.keys()
    for key, row in in_python.items():
        assert_same(in_columns[key], row, key)
