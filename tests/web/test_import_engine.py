"""Record-level imports computed where DELIVEROLOGY_ENGINE says: Spark gives the same figures."""

from __future__ import annotations

import gc
import os
import sys

import pytest

from deliverology.cli import main
from deliverology.web.performance.models import ImportRun, Observation
from tests.web import test_import_cli as import_cli

state = import_cli.state
files = import_cli.files


def stored():
    return {
        (o.local_unit.code, o.period, o.subgroup.code): (o.numerator, o.denominator, o.value)
        for o in Observation.objects.select_related("local_unit", "subgroup")
    }


@pytest.mark.django_db(transaction=True)
def test_spark_without_the_extra_is_refused_with_how_to_install_it(
    state, files, settings, monkeypatch, capsys
):
    settings.DELIVEROLOGY_ENGINE = "spark"
    monkeypatch.setitem(sys.modules, "pyspark", None)  # as if it were not installed
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)
    data, definition = files
    assert main(["import", "records", str(data), "--definition", str(definition)]) == 1
    output = import_cli.printed(capsys)
    assert "pip install 'deliverology[spark]'" in output
    assert "Nothing was saved" in output
    assert not Observation.objects.exists()
    assert ImportRun.objects.get().outcome == ImportRun.Outcome.REFUSED


@pytest.fixture
def spark_session():
    pyspark_sql = pytest.importorskip("pyspark.sql", reason="the spark extra is not installed")
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    session = (
        pyspark_sql.SparkSession.builder.master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
    gc.collect()  # while this test's warning filters apply


@pytest.mark.spark
@pytest.mark.filterwarnings("ignore:unclosed <socket.socket:ResourceWarning")
@pytest.mark.django_db(transaction=True)
def test_an_import_on_spark_stores_what_duckdb_stores(state, files, settings, spark_session):
    data, definition = files
    command = ["import", "records", str(data), "--definition", str(definition)]
    assert main(command) == 0
    on_duckdb = stored()
    Observation.objects.all().delete()
    settings.DELIVEROLOGY_ENGINE = "spark"
    assert main(command) == 0  # the active session is used
    assert stored() == on_duckdb
    assert len(on_duckdb) == len(import_cli.expected(import_cli.records()))
