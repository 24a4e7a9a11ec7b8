"""The same metric definitions on DuckDB and on Spark give the same figures, on the same records.

Counts, numerators and denominators must be identical; rates and means may differ only in the
last bits (Spark adds up floats in another order), so to 1e-12. Skip with `-m "not spark"`.
"""

import gc
import math
import os
import random
from datetime import date

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from deliverology.core.aggregation import Aggregation
from deliverology.core.periods import PeriodKind
from deliverology.engine.backends import spark_connection
from deliverology.engine.metrics import RecordMetric, compute_record_metric

pytest.importorskip("pyspark", reason="the spark extra is not installed")
pytestmark = [
    pytest.mark.spark,
    # pyspark's collect() leaves its local socket to the garbage collector:
    pytest.mark.filterwarnings("ignore:unclosed <socket.socket:ResourceWarning"),
]

TOLERANCE = 1e-12
REGIONS = ("north", "south", "east")
SEXES = ("f", "m")
FSM = ("yes", "no", None)
ACADEMIC_YEARS = {2022: "2022-23", 2023: "2023-24"}


def make_records(count=4_000, seed=11):
    """Pupils × assessments in 40 schools, 8 districts, 3 regions; some values missing."""
    chance = random.Random(seed)
    rows = []
    for pupil in range(count):
        school = chance.randrange(40)
        district = school % 8
        day = date(chance.choice((2022, 2023, 2024)), chance.randint(1, 12), chance.randint(1, 28))
        start = day.year if day.month >= 9 else day.year - 1
        rows.append(
            {
                "pupil": pupil,
                "school": None if chance.random() < 0.01 else f"S{school:02}",
                "district": f"D{district}",
                "region": REGIONS[district % 3],
                "day": day,
                "academic_year": ACADEMIC_YEARS.get(start, "2024-25"),
                "sex": chance.choice(SEXES),
                "fsm": chance.choice(FSM),
                "score": None if chance.random() < 0.05 else chance.uniform(0, 100) / 3,
                "proficient": chance.random() < 0.6,
                "enrolled": chance.random() < 0.9,
                "sessions": chance.randint(0, 190),
                "possible": 190,
            }
        )
    return pa.Table.from_pylist(rows)


RECORDS = make_records()
LEVELS = {"school": "school", "district": "district", "region": "region"}
METRICS = [
    RecordMetric(
        "proficiency",
        Aggregation.RATE,
        period="day",
        period_kind=PeriodKind.MONTH,
        levels=LEVELS,
        numerator="proficient",
        subgroups=("sex", "fsm"),
        filters={"enrolled": (True,)},
    ),
    RecordMetric(
        "attendance",
        Aggregation.RATE,
        period="academic_year",
        period_kind=PeriodKind.ACADEMIC_YEAR,
        levels=LEVELS,
        numerator="sessions",
        denominator="possible",
        subgroups=("fsm",),
        where=lambda t: t.region != "east",
    ),
    RecordMetric(
        "score",
        Aggregation.MEAN,
        period="academic_year",
        period_kind=PeriodKind.ACADEMIC_YEAR,
        levels=LEVELS,
        numerator="score",
        subgroups=("sex",),
    ),
    RecordMetric(
        "points",
        Aggregation.SUM,
        period="day",
        period_kind=PeriodKind.ACADEMIC_YEAR,
        levels={"district": "district"},
        numerator="score",
        subgroups=("fsm",),
    ),
    RecordMetric(
        "pupils",
        Aggregation.COUNT,
        period="day",
        period_kind=PeriodKind.MONTH,
        levels={"region": "region"},
        subgroups=("sex",),
        filters={"fsm": ("yes",)},
    ),
    RecordMetric(
        "high_scorers",
        Aggregation.COUNT,
        period="day",
        period_kind=PeriodKind.QUARTER,
        levels={"district": "district"},
        numerator=lambda t: t.score >= 25,
    ),
]


@pytest.fixture(scope="module")
def spark():
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("deliverology-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield spark_connection(session)
    session.stop()
    gc.collect()  # while this module's warning filters apply


def key(row):
    return (row.metric_code, row.level, row.local_unit_code, row.period, row.subgroup_code)


def assert_same_figures(duckdb_rows, spark_rows):
    assert len(duckdb_rows) == len(spark_rows) > 0
    for ours, theirs in zip(duckdb_rows, spark_rows, strict=True):
        assert (key(ours), ours.records) == (key(theirs), theirs.records)
        for name in ("numerator", "denominator", "value"):
            a, b = getattr(ours, name), getattr(theirs, name)
            assert (a is None) == (b is None), (name, ours, theirs)
            if a is not None:
                assert math.isclose(a, b, rel_tol=TOLERANCE, abs_tol=TOLERANCE), (ours, theirs)


@pytest.mark.parametrize("metric", METRICS, ids=[m.code for m in METRICS])
def test_duckdb_and_spark_give_the_same_figures(metric, spark):
    duckdb_rows = compute_record_metric(RECORDS, metric)
    spark_rows = compute_record_metric(RECORDS, metric, connection=spark)
    assert_same_figures(duckdb_rows, spark_rows)


def test_counts_are_identical_not_just_close(spark):
    pupils = next(m for m in METRICS if m.code == "pupils")
    assert compute_record_metric(RECORDS, pupils) == compute_record_metric(
        RECORDS, pupils, connection=spark
    )


def test_the_same_parquet_file_gives_the_same_figures(tmp_path, spark):
    path = tmp_path / "records.parquet"
    pq.write_table(RECORDS, path)
    proficiency = METRICS[0]
    assert_same_figures(
        compute_record_metric(path, proficiency),
        compute_record_metric(path, proficiency, connection=spark),
    )


def test_a_monthly_extract_gives_the_same_figures(spark):
    """Dates one a month are grouped as they are, not month by month: on both engines."""
    first_of_month = pc.floor_temporal(RECORDS["day"], unit="month")
    monthly = RECORDS.set_column(RECORDS.schema.get_field_index("day"), "day", first_of_month)
    proficiency = METRICS[0]
    assert_same_figures(
        compute_record_metric(monthly, proficiency),
        compute_record_metric(monthly, proficiency, connection=spark),
    )
