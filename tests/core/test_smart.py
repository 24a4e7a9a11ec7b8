from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deliverology.core.aggregation import Aggregation
from deliverology.core.benchmarking import BenchmarkType
from deliverology.core.periods import Period, PeriodKind
from deliverology.core.smart import SmartError, SmartInputs, check_target, smart_check
from deliverology.core.status import Direction

HIGHER = Direction.HIGHER_IS_BETTER
LOWER = Direction.LOWER_IS_BETTER
HISTORICAL = BenchmarkType.HISTORICAL
INTERNAL = BenchmarkType.INTERNAL
EXTERNAL = BenchmarkType.EXTERNAL


def ay(year: int) -> Period:
    return Period(PeriodKind.ACADEMIC_YEAR, year)


# Graduation 72% -> 85% over six years: 13 / 6 = 2.1667 points a year.
GRADUATION = SmartInputs(
    baseline_period=ay(2024),
    baseline_value=72.0,
    target_period=ay(2030),
    target_value=85.0,
    direction=HIGHER,
    numerator_definition="students who graduate within four years",
    denominator_definition="students who started grade 9 four years earlier",
    data_source="the state student information system",
    frequency=PeriodKind.ACADEMIC_YEAR,
    aspiration="every student ready for life after school",
    benchmark_rates={HISTORICAL: 0.8, INTERNAL: 1.6, EXTERNAL: 1.2},
)


def test_a_well_formed_target_is_smart() -> None:
    check = smart_check(GRADUATION)
    assert check.is_smart
    assert check.required_per_period == pytest.approx(13 / 6)
    assert (check.best_benchmark, check.best_rate) == (INTERNAL, 1.6)
    assert check.ambition_ratio == pytest.approx(13 / 6 / 1.6)
    assert not check.is_unprecedented and not check.is_wrong_way
    assert check.attainable.reason == (
        "the target needs 2.17 per period; the best benchmark (internal) achieved 1.6"
    )
    assert check.time_bound.reason == (
        "the target is due in 2030-31, 6 periods after the baseline 2024-25"
    )
    assert check.measurable.reason == (
        "the data come from the state student information system, once an academic year"
    )


@pytest.mark.parametrize(
    ("threshold", "unprecedented"),
    [(1.5, False), (13 / 6 / 1.6, False), (1.3, True), (1.0, True)],
)
def test_ambition_beyond_the_threshold_times_the_best_benchmark_is_unprecedented(
    threshold: float, unprecedented: bool
) -> None:
    check = smart_check(GRADUATION, ambition_threshold=threshold)
    assert check.is_unprecedented is unprecedented
    assert check.attainable.passed is not unprecedented


def test_unprecedented_ambition_is_said_plainly() -> None:
    check = smart_check(replace(GRADUATION, benchmark_rates={HISTORICAL: 0.8}))
    assert check.is_unprecedented
    assert check.attainable.reason == (
        "unprecedented ambition: the target needs 2.17 per period, more than 1.5 times what "
        "the best benchmark (historical) achieved 0.8 did; acknowledge it explicitly"
    )


def test_a_benchmark_that_never_improved_makes_any_improvement_unprecedented() -> None:
    check = smart_check(replace(GRADUATION, benchmark_rates={HISTORICAL: -0.5}))
    assert check.is_unprecedented
    assert check.ambition_ratio is None


def test_without_a_benchmark_attainability_cannot_be_shown() -> None:
    check = smart_check(replace(GRADUATION, benchmark_rates={}))
    assert not check.attainable.passed
    assert check.attainable.reason.endswith("there is no benchmark rate to compare it with")
    assert not check.is_unprecedented


def test_a_falling_metric_is_judged_by_how_fast_it_falls() -> None:
    # Absence 12% -> 6% over three years: 2 points a year down; the best benchmark fell 1.5.
    absence = replace(
        GRADUATION,
        baseline_value=12.0,
        target_period=ay(2027),
        target_value=6.0,
        direction=LOWER,
        benchmark_rates={HISTORICAL: -0.5, INTERNAL: -1.5, EXTERNAL: 0.4},
    )
    check = smart_check(absence)
    assert check.required_per_period == pytest.approx(2.0)
    assert (check.best_benchmark, check.best_rate) == (INTERNAL, 1.5)
    assert check.is_smart
    assert smart_check(absence, ambition_threshold=1.2).is_unprecedented


@pytest.mark.parametrize(
    ("changes", "criterion", "reason"),
    [
        ({"numerator_definition": " "}, "specific", "the metric's numerator is not defined"),
        (
            {"numerator_definition": "", "denominator_definition": ""},
            "specific",
            "the metric's numerator and denominator is not defined",
        ),
        ({"data_source": ""}, "measurable", "no data source is set"),
        ({"frequency": None}, "measurable", "the data come from the state student"),
        ({"aspiration": ""}, "relevant", "the target is not linked to an aspiration"),
        ({"target_period": None}, "time_bound", "the target has no target period"),
        ({"target_period": None}, "attainable", "without a target period"),
        (
            {"target_value": 70.0},
            "attainable",
            "the target of 70 is below the baseline of 72 for a higher-is-better metric",
        ),
        (
            {"direction": LOWER},
            "attainable",
            "the target of 85 is above the baseline of 72 for a lower-is-better metric",
        ),
    ],
)
def test_each_criterion_says_why_it_fails(
    changes: dict[str, Any], criterion: str, reason: str
) -> None:
    check = smart_check(replace(GRADUATION, **changes))
    result = getattr(check, criterion)
    assert not result.passed
    assert result.reason.startswith(reason)
    assert not check.is_smart


def test_a_count_needs_no_denominator() -> None:
    count = replace(GRADUATION, aggregation=Aggregation.COUNT, denominator_definition="")
    check = smart_check(count)
    assert check.specific.passed
    assert check.specific.reason == "the metric defines what is counted"


def test_a_target_that_asks_for_decline_is_flagged() -> None:
    check = smart_check(replace(GRADUATION, target_value=70.0))
    assert check.is_wrong_way
    assert check.required_per_period == pytest.approx(-2 / 6)
    assert not check.is_unprecedented


@pytest.mark.parametrize(
    ("target_period", "message"),
    [
        (ay(2023), "the target period 2023-24 must come after the baseline period 2024-25"),
        (ay(2024), "the target period 2024-25 must come after the baseline period 2024-25"),
        (Period(PeriodKind.CALENDAR_YEAR, 2030), "2030 is a calendar year"),
    ],
)
def test_a_target_due_before_its_baseline_is_an_error(target_period: Period, message: str) -> None:
    with pytest.raises(SmartError, match=message):
        smart_check(replace(GRADUATION, target_period=target_period))
    with pytest.raises(SmartError, match=message):
        check_target(ay(2024), 72.0, target_period, 85.0, HIGHER)


@pytest.mark.parametrize(
    ("baseline", "target", "direction", "message"),
    [
        (72.0, 70.0, HIGHER, "70 is below the baseline of 72 for a higher-is-better metric"),
        (12.0, 13.0, LOWER, "13 is above the baseline of 12 for a lower-is-better metric"),
    ],
)
def test_check_target_refuses_a_target_going_the_wrong_way(
    baseline: float, target: float, direction: Direction, message: str
) -> None:
    with pytest.raises(SmartError, match=message):
        check_target(ay(2024), baseline, ay(2030), target, direction)


@pytest.mark.parametrize(("baseline", "target"), [(72.0, 85.0), (72.0, 72.0)])
def test_check_target_accepts_improving_or_holding_targets(baseline: float, target: float) -> None:
    check_target(ay(2024), baseline, ay(2030), target, HIGHER)
    check_target(ay(2024), 100 - baseline, ay(2030), 100 - target, LOWER)


def test_smart_check_refuses_a_threshold_that_is_not_above_zero() -> None:
    with pytest.raises(SmartError, match="the ambition threshold must be above zero"):
        smart_check(GRADUATION, ambition_threshold=0)


# Whole numbers, so that mirroring (100 - value) is exact and no case sits on a rounding edge.
@given(
    st.integers(0, 100),
    st.integers(0, 100),
    st.integers(1, 10),
    st.dictionaries(st.sampled_from(list(BenchmarkType)), st.integers(-5, 5), max_size=4),
    st.sampled_from([1.0, 1.5, 2.0]),
)
def test_mirroring_a_target_mirrors_its_check(
    baseline: int,
    target: int,
    years: int,
    benchmarks: dict[BenchmarkType, int],
    threshold: float,
) -> None:
    up = replace(
        GRADUATION,
        baseline_value=baseline,
        target_value=target,
        target_period=ay(2024 + years),
        benchmark_rates=benchmarks,
    )
    down = replace(
        up,
        baseline_value=100 - baseline,
        target_value=100 - target,
        direction=LOWER,
        benchmark_rates={kind: -rate for kind, rate in benchmarks.items()},
    )
    higher, lower = smart_check(up, threshold), smart_check(down, threshold)
    assert lower.required_per_period == pytest.approx(higher.required_per_period, abs=1e-9)
    assert lower.best_rate == higher.best_rate
    assert lower.attainable == higher.attainable or "get worse" in higher.attainable.reason
    assert lower.attainable.passed == higher.attainable.passed
    assert lower.is_unprecedented == higher.is_unprecedented
    assert lower.is_wrong_way == higher.is_wrong_way


def test_it_flags_a_target_the_business_as_usual_trend_already_beats() -> None:
    inputs = SmartInputs(
        baseline_period=Period(PeriodKind.ACADEMIC_YEAR, 2024),
        baseline_value=60.0,
        target_period=Period(PeriodKind.ACADEMIC_YEAR, 2027),
        target_value=63.0,
        direction=Direction.HIGHER_IS_BETTER,
        trend_per_period=1.5,  # 60 + 3 × 1.5 = 64.5 by 2027-28, past the target of 63
    )
    check = smart_check(inputs)
    assert check.is_not_ambitious
    assert check.business_as_usual == pytest.approx(64.5)
    assert not check.attainable.passed
    assert "64.5" in check.attainable.reason and "63" in check.attainable.reason
    assert not smart_check(replace(inputs, trend_per_period=0.5)).is_not_ambitious


def test_it_flags_a_lower_is_better_target_the_trend_already_beats() -> None:
    inputs = SmartInputs(
        baseline_period=Period(PeriodKind.ACADEMIC_YEAR, 2024),
        baseline_value=30.0,
        target_period=Period(PeriodKind.ACADEMIC_YEAR, 2026),
        target_value=28.0,
        direction=Direction.LOWER_IS_BETTER,
        trend_per_period=-2.0,
    )
    assert smart_check(inputs).is_not_ambitious


def test_it_refuses_a_target_outside_the_measures_bounds() -> None:
    from deliverology.core.bounds import Bounds

    baseline, target = (
        Period(PeriodKind.ACADEMIC_YEAR, 2024),
        Period(PeriodKind.ACADEMIC_YEAR, 2026),
    )
    inputs = SmartInputs(baseline, 95.0, target, 100.6, Direction.HIGHER_IS_BETTER)
    with pytest.raises(SmartError, match="between 0 and 100"):
        smart_check(replace(inputs, bounds=Bounds(0.0, 100.0)))
    with pytest.raises(SmartError, match="between 0 and 100"):
        check_target(baseline, 95.0, target, 100.6, Direction.HIGHER_IS_BETTER, Bounds(0.0, 100.0))
