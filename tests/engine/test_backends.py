"""Choosing where the engine computes: DuckDB by default, Spark only when asked."""

import sys

import pyarrow as pa
import pytest

from deliverology.core.aggregation import Aggregation
from deliverology.core.periods import PeriodKind
from deliverology.engine.backends import BackendError, connect
from deliverology.engine.metrics import RecordMetric, compute_record_metric

PUPILS = RecordMetric(
    "pupils",
    Aggregation.COUNT,
    period="year",
    period_kind=PeriodKind.CALENDAR_YEAR,
    levels={"school": "school"},
)
RECORDS = pa.table({"school": ["S1", "S1", "S2"], "year": [2024, 2024, 2024]})


def test_duckdb_is_the_default():
    assert connect().name == "duckdb"
    rows = compute_record_metric(RECORDS, PUPILS, backend="duckdb")
    assert [(r.local_unit_code, r.value) for r in rows] == [("S1", 2.0), ("S2", 1.0)]


def test_an_unknown_backend_is_named_with_the_known_ones():
    with pytest.raises(
        BackendError, match="unknown backend 'sqlite': use one of 'duckdb', 'spark'"
    ):
        compute_record_metric(RECORDS, PUPILS, backend="sqlite")


def test_spark_without_the_extra_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "pyspark", None)  # as if it were not installed
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)
    with pytest.raises(BackendError, match=r"pip install 'deliverology\[spark\]'"):
        compute_record_metric(RECORDS, PUPILS, backend="spark")
