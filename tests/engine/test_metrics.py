"""Record-level metrics on real DuckDB, checked against the same sums done by hand."""

import random
from collections import defaultdict
from datetime import date

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from deliverology.core.aggregation import Aggregation, Measure, combine, measure_value
from deliverology.core.periods import PeriodKind, period_containing
from deliverology.engine.metrics import (
    MetricRow,
    RecordMetric,
    RecordMetricError,
    compute_record_metric,
    compute_record_metric_tables,
    compute_record_metrics,
)

SCHOOL_DISTRICT = {"S1": "D1", "S2": "D1", "S3": "D2", "S4": "D2", "S5": "D2"}


def make_records(count=3_000, seed=7):
    chance = random.Random(seed)
    rows = []
    for student in range(count):
        school = chance.choice(sorted(SCHOOL_DISTRICT))
        rows.append(
            {
                "student": student,
                "school": school,
                "district": SCHOOL_DISTRICT[school],
                "day": date(2024, chance.randint(1, 12), chance.randint(1, 28)),
                "sex": chance.choice(["f", "m"]),
                "fsm": chance.choice(["yes", "no", None]),
                "score": float(chance.randint(0, 100)),
                "proficient": chance.random() < 0.6,
                "enrolled": chance.random() < 0.9,
            }
        )
    return rows


RECORDS = make_records()
TABLE = pa.Table.from_pylist(RECORDS)

PROFICIENCY = RecordMetric(
    code="proficiency",
    aggregation=Aggregation.RATE,
    period="day",
    period_kind=PeriodKind.QUARTER,
    levels={"school": "school", "district": "district"},
    numerator="proficient",
    subgroups=("sex", "fsm"),
    filters={"enrolled": (True,)},
)


@pytest.fixture(scope="module")
def proficiency():
    return compute_record_metric(TABLE, PROFICIENCY)


def by_hand(level, subgroup_column=None):
    sums = defaultdict(lambda: [0, 0])
    for record in RECORDS:
        if not record["enrolled"]:
            continue
        code = "all" if subgroup_column is None else record[subgroup_column]
        if code is None:
            continue
        quarter = period_containing(record["day"], PeriodKind.QUARTER).label
        key = (level, record[level], quarter, code)
        sums[key][0] += record["proficient"]
        sums[key][1] += 1
    return sums


def test_rates_are_the_ratio_of_the_record_sums_at_every_level(proficiency):
    expected = {}
    for level in ("school", "district"):
        for subgroup in (None, "sex", "fsm"):
            expected.update(by_hand(level, subgroup))
    got = {
        (r.level, r.local_unit_code, r.period, r.subgroup_code): [r.numerator, r.denominator]
        for r in proficiency
    }
    assert got == expected
    assert all(r.value == 100 * (r.numerator / r.denominator) for r in proficiency)
    assert all(r.records == r.denominator for r in proficiency)


def test_a_district_is_exactly_what_its_schools_add_up_to(proficiency):
    schools = [r for r in proficiency if r.level == "school" and r.subgroup_code == "all"]
    for district in ("D1", "D2"):
        for quarter in ("2024-Q1", "2024-Q4"):
            parts = [
                Measure(r.numerator, r.denominator, r.value)
                for r in schools
                if SCHOOL_DISTRICT[r.local_unit_code] == district and r.period == quarter
            ]
            (reported,) = [
                r
                for r in proficiency
                if (r.level, r.local_unit_code, r.period, r.subgroup_code)
                == ("district", district, quarter, "all")
            ]
            assert combine(Aggregation.RATE, parts).value == reported.value


def test_each_subgroup_column_is_a_breakdown_next_to_all(proficiency):
    codes = {r.subgroup_code for r in proficiency}
    assert codes == {"all", "f", "m", "yes", "no"}


def test_a_mean_sum_and_count_from_the_same_records(tmp_path):
    path = tmp_path / "records.parquet"
    pq.write_table(TABLE, path)
    common = {
        "period": "day",
        "period_kind": PeriodKind.CALENDAR_YEAR,
        "levels": {"district": "district"},
    }
    mean = compute_record_metric(
        path, RecordMetric("score", Aggregation.MEAN, numerator="score", **common)
    )
    total = compute_record_metric(
        path, RecordMetric("points", Aggregation.SUM, numerator="score", **common)
    )
    count = compute_record_metric(path, RecordMetric("pupils", Aggregation.COUNT, **common))
    d1 = [r for r in RECORDS if r["district"] == "D1"]
    points = sum(r["score"] for r in d1)
    assert mean[0] == MetricRow(
        "score", "district", "D1", "2024", "all", points, len(d1), points / len(d1), len(d1)
    )
    assert (total[0].value, count[0].value) == (points, len(d1))


def test_a_where_function_can_say_what_a_column_name_cannot():
    metric = RecordMetric(
        "high_scores",
        Aggregation.RATE,
        period="day",
        period_kind=PeriodKind.ACADEMIC_YEAR,
        levels={"district": "district"},
        numerator=lambda t: t.score >= 80,
        where=lambda t: t.sex == "f",
    )
    rows = compute_record_metric(TABLE, metric)
    girls = [
        r
        for r in RECORDS
        if r["sex"] == "f" and r["district"] == "D1" and r["day"] >= date(2024, 9, 1)
    ]
    (row,) = [r for r in rows if (r.local_unit_code, r.period) == ("D1", "2024-25")]
    assert (row.numerator, row.denominator) == (sum(r["score"] >= 80 for r in girls), len(girls))


def test_text_and_integer_periods_are_read_as_the_metric_kind(tmp_path):
    path = tmp_path / "records.csv"
    path.write_text("school,year,passed\nS1,2024,1\nS1,2023-24,0\nS2,2025,1\n")
    metric = RecordMetric(
        "pass", Aggregation.RATE, "year", PeriodKind.ACADEMIC_YEAR, {"school": "school"}, "passed"
    )
    rows = compute_record_metric(path, metric)
    assert [(r.local_unit_code, r.period, r.numerator, r.denominator) for r in rows] == [
        ("S1", "2023-24", 1, 2),
        ("S2", "2024-25", 1, 1),
    ]


def test_records_without_a_local_unit_are_left_out():
    table = pa.table({"school": ["S1", None], "day": [date(2024, 1, 1)] * 2, "ok": [True, True]})
    metric = RecordMetric(
        "ok", Aggregation.RATE, "day", PeriodKind.MONTH, {"school": "school"}, "ok"
    )
    assert [r.records for r in compute_record_metric(table, metric)] == [1]


def test_a_period_column_that_is_not_periods_is_refused():
    table = pa.table({"school": ["S1"], "term": ["Autumn"], "ok": [True]})
    metric = RecordMetric(
        "ok", Aggregation.RATE, "term", PeriodKind.TERM, {"school": "school"}, "ok"
    )
    with pytest.raises(RecordMetricError, match="column 'term' has values that are not periods"):
        compute_record_metric(table, metric)


def test_missing_columns_are_named():
    metric = RecordMetric(
        "ok", Aggregation.RATE, "when", PeriodKind.MONTH, {"school": "campus"}, "ok"
    )
    with pytest.raises(RecordMetricError, match="needs column 'campus', 'when', which the records"):
        compute_record_metric(pa.table({"school": ["S1"], "ok": [True]}), metric)


def test_a_rate_needs_a_numerator():
    with pytest.raises(RecordMetricError, match="a rate needs a numerator"):
        RecordMetric("ok", Aggregation.RATE, "day", PeriodKind.MONTH, {"school": "school"})


def test_metrics_of_the_same_records_in_one_pass_match_each_on_its_own(proficiency):
    score = RecordMetric(
        "score",
        Aggregation.MEAN,
        period="day",
        period_kind=PeriodKind.QUARTER,
        levels=PROFICIENCY.levels,
        numerator="score",
        subgroups=PROFICIENCY.subgroups,
        filters=PROFICIENCY.filters,
    )
    together = compute_record_metrics(TABLE, [PROFICIENCY, score])
    assert together == [proficiency, compute_record_metric(TABLE, score)]


@pytest.mark.parametrize("aggregation", list(Aggregation))
def test_the_arrow_tables_hold_the_same_figures_as_the_rows(aggregation):
    metric = RecordMetric(
        "m",
        aggregation,
        period="day",
        period_kind=PeriodKind.QUARTER,
        levels=PROFICIENCY.levels,
        numerator="score" if aggregation is not Aggregation.RATE else "proficient",
        subgroups=PROFICIENCY.subgroups,
    )
    (table,) = compute_record_metric_tables(TABLE, [metric])
    rows = compute_record_metric(TABLE, metric)
    as_rows = sorted(
        MetricRow("m", *(figure[name] for name in table.column_names))
        for figure in table.to_pylist()
    )
    assert table.num_rows == len(rows) > 20
    assert as_rows == rows


def test_metrics_that_keep_different_records_are_refused_together():
    everyone = RecordMetric(
        "everyone", Aggregation.RATE, "day", PeriodKind.QUARTER, PROFICIENCY.levels, "proficient"
    )
    with pytest.raises(RecordMetricError, match="keep different records or group them"):
        compute_record_metrics(TABLE, [PROFICIENCY, everyone])


def test_a_rate_over_a_denominator_column_is_missing_where_that_sums_to_zero():
    table = pa.table(
        {
            "school": ["S1", "S1", "S2", "S2", "S3"],
            "day": [date(2024, 1, 5)] * 5,
            "passed": [1, 0, 0, 0, None],
            "sat": [1, 1, 0, 0, None],
        }
    )
    metric = RecordMetric(
        "pass",
        Aggregation.RATE,
        "day",
        PeriodKind.MONTH,
        {"school": "school"},
        numerator="passed",
        denominator="sat",
    )
    rows = compute_record_metric(table, metric)
    got = {r.local_unit_code: (r.numerator, r.denominator, r.value, r.records) for r in rows}
    assert got == {
        "S1": (1.0, 2.0, measure_value(Aggregation.RATE, 1.0, 2.0), 2),
        "S2": (0.0, 0.0, None, 2),  # nobody sat: the rate is missing, not zero
        "S3": (0.0, 0.0, None, 1),  # no figures at all: counted as nothing, still missing
    }


@pytest.mark.parametrize("day_of_month", [1, 15])
def test_dates_one_a_month_give_what_the_same_times_give(day_of_month):
    """A monthly extract's dates are grouped as they are, timestamps by month: same figures."""
    chance = random.Random(11)
    days = [date(2024, month, day_of_month) for month in range(1, 13)]
    table = pa.table(
        {
            "school": [chance.choice(["S1", "S2", "S3"]) for _ in range(600)],
            "day": [chance.choice(days) for _ in range(600)],
            "ok": [chance.random() < 0.5 for _ in range(600)],
        }
    )
    as_times = table.set_column(1, "day", pc.cast(table["day"], pa.timestamp("s")))
    for kind in (PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.ACADEMIC_YEAR):
        metric = RecordMetric("ok", Aggregation.RATE, "day", kind, {"school": "school"}, "ok")
        from_dates = compute_record_metric(table, metric)
        assert from_dates == compute_record_metric(as_times, metric)
        assert sum(r.records for r in from_dates) == 600


def test_dates_several_a_month_are_grouped_by_month():
    table = pa.table(
        {
            "school": ["S1"] * 4,
            "day": [date(2024, 1, 2), date(2024, 1, 30), date(2024, 2, 1), date(2024, 2, 1)],
            "ok": [True, False, True, True],
        }
    )
    metric = RecordMetric(
        "ok", Aggregation.RATE, "day", PeriodKind.MONTH, {"school": "school"}, "ok"
    )
    rows = compute_record_metric(table, metric)
    assert [(r.period, r.numerator, r.denominator) for r in rows] == [
        ("2024-01", 1, 2),
        ("2024-02", 2, 2),
    ]


def test_a_record_without_a_date_is_refused_by_name():
    table = pa.table({"school": ["S1", "S1"], "day": [date(2024, 1, 1), None], "ok": [True, False]})
    metric = RecordMetric(
        "ok", Aggregation.RATE, "day", PeriodKind.MONTH, {"school": "school"}, "ok"
    )
    with pytest.raises(RecordMetricError, match="column 'day' has values that are not periods"):
        compute_record_metric(table, metric)
