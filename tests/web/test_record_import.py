"""Record-level imports in columns: many chunks under a tiny memory budget, changes sorted in
DuckDB, and PostgreSQL's keys checked as a set stay in place."""

from __future__ import annotations

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from django.db import IntegrityError, connection

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


def with_s3_all_proficient(table, path):
    """A correction: every record of school S3 proficient, written to `path`."""
    corrected = table.set_column(
        table.schema.get_field_index("proficient"),
        "proficient",
        pc.if_else(pc.equal(table["school"], "S3"), True, table["proficient"]),
    )
    pq.write_table(corrected, path)
    return corrected, path


def load(data, definition):
    assert main(["import", "records", str(data), "--definition", str(definition)]) == 0
    return ImportRun.objects.latest("pk")


@pytest.fixture
def chunks_written(monkeypatch):
    """The sizes of the chunks written, a list for each pass over the new figures (the
    figures, and on PostgreSQL their history rows)."""
    counted = []
    chunks = record_import._chunks

    def counting(reader):
        counted.append([])
        for batch in chunks(reader):
            counted[-1].append(batch.num_rows)
            yield batch

    monkeypatch.setattr(record_import, "_chunks", counting)
    return counted


@pytest.mark.django_db(transaction=True)
def test_it_writes_the_same_figures_in_many_chunks_under_a_tiny_budget(
    state, files, settings, chunks_written
):
    data, definition = files
    load(data, definition)
    in_one_chunk = stored()
    passes = 2 if connection.vendor == "postgresql" else 1
    assert [len(sizes) for sizes in chunks_written] == [1] * passes
    Observation.objects.all().delete()
    chunks_written.clear()
    settings.DELIVEROLOGY_IMPORT_MEMORY_MB = 0.01  # 5 figures a chunk
    run = load(data, definition)
    assert run.rows_new == len(in_one_chunk)
    assert [len(sizes) for sizes in chunks_written] == [-(-len(in_one_chunk) // 5)] * passes
    assert stored() == in_one_chunk


@pytest.mark.django_db(transaction=True)
def test_it_updates_only_the_figures_a_corrected_file_changes_with_their_history(
    state, files, tmp_path
):
    data, definition = files
    load(data, definition)
    table = import_cli.records()
    corrected, fixed = with_s3_all_proficient(table, tmp_path / "corrected.parquet")
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


def constraints_and_indexes(model):
    """Every constraint (with whether it is validated) and every index of a model's table."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = %s ORDER BY name",
                [model._meta.db_table],
            )
            return cursor.fetchall()
        cursor.execute(
            "SELECT conname, contype, pg_get_constraintdef(oid), convalidated FROM pg_constraint "
            "WHERE conrelid = %s::regclass ORDER BY conname",
            [model._meta.db_table],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s ORDER BY indexname",
            [model._meta.db_table],
        )
        return constraints, cursor.fetchall()


@pytest.fixture
def loaded_in_bulk(monkeypatch):
    """Every write of the import goes the bulk way, however small."""
    monkeypatch.setattr(record_import, "BULK_FROM", 0)
    monkeypatch.setattr(record_import, "KEYS_FROM_SHARE", 0.0)
    monkeypatch.setattr(record_import, "INDEXES_FROM_SHARE", 0.0)


TABLES = (Observation, Observation.history.model)


@pytest.mark.django_db(transaction=True)
def test_the_keys_and_indexes_of_a_bulk_load_are_there_again_and_valid(
    state, files, loaded_in_bulk
):
    before = [constraints_and_indexes(model) for model in TABLES]
    data, definition = files
    run = load(data, definition)
    assert run.rows_new == len(stored()) > 0
    assert Observation.history.filter(history_change_reason=f"import {run.pk}").count() > 0
    assert [constraints_and_indexes(model) for model in TABLES] == before
    if connection.vendor == "sqlite":
        indexes = [name for kind, name, sql in before[0] if kind == "index" and sql]
        assert len(indexes) == 5  # the unique key is the table's own, so it stays
        return
    (constraints, indexes), _ = before
    kinds = sorted(kind for _, kind, _, _ in constraints)
    assert kinds == ["f", "f", "f", "f", "p", "u"] and all(valid for *_, valid in constraints)
    assert len(indexes) == 7


@pytest.mark.django_db(transaction=True)
def test_a_bulk_load_that_breaks_a_unique_key_fails_and_leaves_everything_as_it_was(
    state, files, loaded_in_bulk, monkeypatch, tmp_path
):
    data, definition = files
    load(data, definition)
    before = stored(), [constraints_and_indexes(model) for model in TABLES]
    history = Observation.history.count()
    table = import_cli.records()
    corrected, fixed = with_s3_all_proficient(table, tmp_path / "corrected.parquet")
    # A fault of our own making: the held figures written again as new ones.
    monkeypatch.setattr(
        record_import, "_NEW", record_import._NEW.replace("= 'new'", "IN ('new', 'unchanged')")
    )
    broken = "one_observation_per_key|UNIQUE constraint failed: performance_observation"
    with pytest.raises(IntegrityError, match=broken):
        main(["import", "records", str(fixed), "--definition", str(definition)])
    assert (stored(), [constraints_and_indexes(model) for model in TABLES]) == before
    assert Observation.history.count() == history


@pytest.mark.django_db(transaction=True)
def test_its_roll_ups_computed_in_columns_equal_the_python_rebuild(state, files, tmp_path):
    data, definition = files
    load(data, definition)
    metric = Metric.objects.get()
    assert rolled_up(metric), "the import rolls the schools up to their districts and the state"
    assert_rolled_up_as_in_python(metric)
    # A corrected file of one month: its figures come from the import's own workspace, those
    # of the other months from the database.
    table = import_cli.records()
    first = pc.min(table["month"]).as_py()
    one_month = table.filter(pc.equal(table["month"], first))
    _, fixed = with_s3_all_proficient(one_month, tmp_path / "one-month.parquet")
    run = load(fixed, definition)
    assert run.rows_changed > 0 and run.rows_unchanged > 0
    assert Observation.objects.exclude(period=first.strftime("%Y-%m")).exists()
    assert_rolled_up_as_in_python(metric)


def assert_rolled_up_as_in_python(metric):
    in_columns = rolled_up(metric)
    refresh_rollups_in_python([metric])
    in_python = rolled_up(metric)
    assert in_columns.keys() == in_python.keys()
    for key, row in in_python.items():
        assert_same(in_columns[key], row, key)


@pytest.mark.django_db(transaction=True)
def test_each_new_figure_has_one_creation_history_row_equal_to_it(state, files, loaded_in_bulk):
    """On PostgreSQL the history rows go in their own COPY with ids kept for them: each is
    the figure as written, as the ORM would keep it, and the tables' ids carry on after."""
    data, definition = files
    run = load(data, definition)
    fields = [field.attname for field in Observation._meta.concrete_fields]
    figures = {row[0]: row for row in Observation.objects.values_list(*fields)}
    history = Observation.history.filter(history_change_reason=f"import {run.pk}")
    assert history.count() == len(figures) == run.rows_new > 0
    for row in history.values_list(*fields, "history_type", "history_user_id"):
        assert row[: len(fields)] == figures[row[0]]
        assert row[len(fields) :] == ("+", None)
    held = Observation.objects.order_by("pk").last()
    again = Observation.objects.create(
        metric=held.metric,
        local_unit=held.local_unit,
        subgroup=held.subgroup,
        period="2099-01",
        period_start=held.period_start,
        value=1.0,
    )
    assert again.pk > max(figures)
    latest = Observation.history.order_by("history_id").last()
    assert latest.id == again.pk and latest.history_id > max(h.history_id for h in history)
