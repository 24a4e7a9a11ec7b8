"""The compiled SQL kept in a folder: a later run that uses it gives exactly the figures of a run
that compiles with Ibis, without Ibis, and nothing kept is used for anything else."""

import random
from datetime import date, datetime

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from deliverology.core.aggregation import Aggregation
from deliverology.core.periods import PeriodKind
from deliverology.engine import compiled_sql
from deliverology.engine.metrics import (
    RecordMetric,
    compute_record_metric_tables,
    compute_record_metrics,
    store_record_metric_figures,
)

SCHOOLS = {"S1": "D1", "S2": "D1", "S3": "D2", "S4": "D2"}
LEVELS = {"school": "school", "district": "district", "region": "region"}


def make_records(count=2_000, seed=3, months=range(1, 13)):
    chance = random.Random(seed)
    schools = [chance.choice(sorted(SCHOOLS)) for _ in range(count)]
    return pa.table(
        {
            "school": schools,
            "district": [SCHOOLS[s] for s in schools],
            "region": ["R1"] * count,
            "day": [date(2024, chance.choice(months), chance.randint(1, 28)) for _ in schools],
            "sex": [chance.choice(["f", "m"]) for _ in schools],
            "fsm": [chance.choice(["yes", "no", None]) for _ in schools],
            "score": [float(chance.randint(0, 100)) for _ in schools],
            "sat": [chance.randint(0, 3) for _ in schools],
            "proficient": [chance.random() < 0.6 for _ in schools],
            "enrolled": [chance.random() < 0.9 for _ in schools],
        }
    )


RECORDS = make_records()


def metric(aggregation, kind=PeriodKind.QUARTER, **given):
    given.setdefault("levels", LEVELS)
    return RecordMetric("m", aggregation, "day", kind, **given)


DEFINITIONS = {
    "rate by subgroups, filtered": metric(
        Aggregation.RATE,
        numerator="proficient",
        subgroups=("sex", "fsm"),
        filters={"enrolled": (True,)},
    ),
    "rate over a denominator column": metric(
        Aggregation.RATE, numerator="proficient", denominator="sat", scale=1.0
    ),
    "mean by academic year": metric(
        Aggregation.MEAN, PeriodKind.ACADEMIC_YEAR, numerator="score", subgroups=("sex",)
    ),
    "sum by month": metric(Aggregation.SUM, PeriodKind.MONTH, numerator="score"),
    "count filtered on text": metric(
        Aggregation.COUNT, PeriodKind.CALENDAR_YEAR, filters={"sex": ("f",)}
    ),
    "one level": metric(Aggregation.RATE, numerator="proficient", levels={"school": "school"}),
}


def sorted_table(table):
    return table.sort_by([(c, "ascending") for c in table.column_names])


def figures(records, metrics, folder=None):
    return [
        sorted_table(t) for t in compute_record_metric_tables(records, metrics, sql_cache=folder)
    ]


def refuse_ibis(monkeypatch):
    """From now on compiling anything fails: what runs comes from the folder."""

    def refused(self):
        raise AssertionError("Ibis was asked to compile")

    monkeypatch.setattr("deliverology.engine.metrics._DuckDB._ibis", refused)


def kept(folder):
    return sorted(p.name for p in folder.glob("*.json"))


@pytest.mark.parametrize("name", DEFINITIONS)
def test_kept_sql_gives_exactly_the_compiled_figures(name, tmp_path, monkeypatch):
    path = tmp_path / "records.parquet"
    pq.write_table(RECORDS, path)
    definition = [DEFINITIONS[name]]
    compiled = figures(path, definition)
    assert figures(path, definition, tmp_path / "sql") == compiled  # compiled, then kept
    refuse_ibis(monkeypatch)
    assert figures(path, definition, tmp_path / "sql") == compiled


def test_several_metrics_in_one_pass_from_kept_sql(tmp_path, monkeypatch):
    mean = metric(
        Aggregation.MEAN, numerator="score", subgroups=("sex", "fsm"), filters={"enrolled": (True,)}
    )
    both = [DEFINITIONS["rate by subgroups, filtered"], mean]
    compiled = compute_record_metrics(RECORDS, both)
    compute_record_metrics(RECORDS, both, sql_cache=tmp_path)
    refuse_ibis(monkeypatch)
    assert compute_record_metrics(RECORDS, both, sql_cache=tmp_path) == compiled


@pytest.mark.parametrize(
    ("column", "values"),
    [
        ("day", [date(2024, m, 1) for m in range(1, 13)]),  # a monthly extract
        ("day", [datetime(2024, m, 3, 12) for m in range(1, 13)]),  # timestamps
        ("day", [f"2024-{m:02d}" for m in range(1, 13)]),  # texts
    ],
)
def test_every_kind_of_period_column_from_kept_sql(column, values, tmp_path, monkeypatch):
    chance = random.Random(5)
    table = RECORDS.set_column(
        RECORDS.schema.get_field_index(column),
        column,
        pa.array([chance.choice(values) for _ in range(len(RECORDS))]),
    )
    definition = [metric(Aggregation.RATE, PeriodKind.MONTH, numerator="proficient")]
    compiled = figures(table, definition)
    figures(table, definition, tmp_path)
    refuse_ibis(monkeypatch)
    assert figures(table, definition, tmp_path) == compiled


def test_kept_sql_holds_no_file_and_no_value_of_the_data(tmp_path, monkeypatch):
    """SQL kept from one file serves another of the same columns, with other months."""
    first, other = tmp_path / "first.parquet", tmp_path / "other.parquet"
    pq.write_table(make_records(seed=1, months=range(1, 7)), first)
    pq.write_table(make_records(seed=2, months=range(5, 13)), other)
    definition = [DEFINITIONS["mean by academic year"]]
    figures(first, definition, tmp_path / "sql")
    compiled = figures(other, definition)
    refuse_ibis(monkeypatch)
    assert figures(other, definition, tmp_path / "sql") == compiled


def test_a_csv_file_from_kept_sql(tmp_path, monkeypatch):
    path = tmp_path / "records.csv"
    pacsv.write_csv(RECORDS, path)
    definition = [DEFINITIONS["rate by subgroups, filtered"]]
    compiled = figures(path, definition)
    figures(path, definition, tmp_path / "sql")
    refuse_ibis(monkeypatch)
    assert figures(path, definition, tmp_path / "sql") == compiled


def test_stored_figures_from_kept_sql(tmp_path, monkeypatch):
    definition = DEFINITIONS["rate by subgroups, filtered"]
    (compiled,) = figures(RECORDS, [definition])
    for _ in range(2):
        con = duckdb.connect()
        store_record_metric_figures(RECORDS, definition, con, "found", sql_cache=tmp_path)
        assert sorted_table(con.sql("SELECT * FROM found").to_arrow_table()) == compiled
        refuse_ibis(monkeypatch)


@pytest.mark.parametrize(
    "changed",
    [
        {"numerator": "enrolled"},
        {"filters": {"enrolled": (False,)}},
        {"filters": {"enrolled": (1,)}},
        {"subgroups": ("fsm",)},
        {"levels": {"district": "district", "school": "school"}},
        {"scale": 1.0},
        {"aggregation": Aggregation.MEAN},
        {"default_subgroup": "everyone"},
    ],
)
def test_a_changed_definition_never_uses_what_was_kept(changed, tmp_path):
    given = {
        "numerator": "proficient",
        "subgroups": ("sex", "fsm"),
        "filters": {"enrolled": (True,)},
        "levels": {"school": "school", "district": "district"},
    }
    aggregation = given.pop("aggregation", Aggregation.RATE)
    first = metric(aggregation, **given)
    figures(RECORDS, [first], tmp_path)
    before = set(kept(tmp_path))
    aggregation = changed.get("aggregation", aggregation)
    other = metric(
        aggregation, **{**given, **{k: v for k, v in changed.items() if k != "aggregation"}}
    )
    assert figures(RECORDS, [other], tmp_path) == figures(RECORDS, [other])
    # Every statement compiled again and kept beside the first ones: none was used.
    assert len(set(kept(tmp_path)) - before) == len(before)


def test_another_library_version_never_uses_what_was_kept(tmp_path, monkeypatch):
    definition = [DEFINITIONS["sum by month"]]
    figures(RECORDS, definition, tmp_path)
    before = set(kept(tmp_path))
    statements = len(before)
    for library in ("ibis-framework", "sqlglot", "duckdb"):
        monkeypatch.setattr(
            compiled_sql,
            "_version",
            lambda name, changed=library: "0.0" if name == changed else compiled_sql.version(name),
        )
        found = figures(RECORDS, definition, tmp_path)
        assert found == figures(RECORDS, definition)
        added = set(kept(tmp_path)) - before
        assert len(added) == statements, f"a new {library} compiles its own statements"
        before |= added


def test_other_column_types_never_use_what_was_kept(tmp_path):
    definition = [metric(Aggregation.SUM, numerator="sat")]
    figures(RECORDS, definition, tmp_path)
    before = set(kept(tmp_path))
    as_doubles = RECORDS.set_column(
        RECORDS.schema.get_field_index("sat"), "sat", RECORDS["sat"].cast(pa.float64())
    )
    assert figures(as_doubles, definition, tmp_path) == figures(as_doubles, definition)
    assert len(kept(tmp_path)) == 2 * len(before)


def test_a_metric_with_python_functions_keeps_nothing(tmp_path):
    where = metric(Aggregation.RATE, numerator="proficient", where=lambda t: t.sex == "f")
    computed = metric(Aggregation.RATE, numerator=lambda t: t.score >= 50)
    for each in (where, computed):
        figures(RECORDS, [each], tmp_path)
    assert kept(tmp_path) == []


def test_a_damaged_statement_is_compiled_again(tmp_path):
    definition = [DEFINITIONS["sum by month"]]
    compiled = figures(RECORDS, definition, tmp_path)
    for path in tmp_path.glob("*.json"):
        path.write_text("{not json", encoding="utf-8")
    assert figures(RECORDS, definition, tmp_path) == compiled
