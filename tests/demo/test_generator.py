"""The demo system is deterministic, well formed and shaped like a real state's."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable

import pytest

from deliverology.core.periods import parse_period
from deliverology.core.status import (
    Direction,
    StatusBands,
    TrajectoryStatus,
    assess_against_trajectory,
)
from deliverology.core.trajectories import TrajectoryMethod, build_trajectory, expected_value
from deliverology.demo.generator import PLANS, DemoObservation, DemoSystem, generate_demo_system

ASSESSED = ("grade3_reading", "grade8_math", "testing_exemptions")
LATEST = "2025-26"


@pytest.fixture(scope="module")
def state() -> DemoSystem:
    return generate_demo_system()


@pytest.fixture(scope="module")
def small() -> DemoSystem:
    return generate_demo_system(seed=7, schools=200, districts=20, regions=4)


def rates(
    observations: Iterable[DemoObservation],
    metric: str,
    subgroup: str = "all",
    group_of: dict[str, str] | None = None,
) -> dict[tuple[str, str], float]:
    """Rates in % per (group, period), summing numerators and denominators as the app does.

    The group is the school's district when `group_of` is given, else the whole state ("").
    """
    sums: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for obs in observations:
        if (
            obs.metric_code == metric
            and obs.subgroup_code == subgroup
            and obs.numerator is not None
        ):
            group = group_of[obs.local_unit_code] if group_of else ""
            sums[(group, obs.period)][0] += obs.numerator
            sums[(group, obs.period)][1] += obs.denominator or 0
    return {key: 100 * numerator / denominator for key, (numerator, denominator) in sums.items()}


def state_rate(system: DemoSystem, metric: str, period: str, subgroup: str = "all") -> float:
    return rates(system.observations, metric, subgroup)[("", period)]


def district_of(system: DemoSystem) -> dict[str, str]:
    return {u.code: u.parent_code or "" for u in system.local_units if u.type == "school"}


def status(
    system: DemoSystem, priority_code: str, baseline: float, actual: float, offset: float
) -> TrajectoryStatus:
    """The status in the latest period against the priority's trajectory moved by `offset`."""
    priority = next(p for p in system.priorities if p.code == priority_code)
    metric = next(m for m in system.metrics if m.code == priority.goal_metric_code)
    points = build_trajectory(
        TrajectoryMethod(priority.trajectory_method),
        parse_period(priority.baseline_period),
        baseline - offset,
        parse_period(priority.target_period),
        priority.target_value,
    )
    expected = expected_value(points, parse_period(LATEST))
    assert expected is not None
    return assess_against_trajectory(
        actual,
        expected + offset,
        baseline,
        priority.target_value + offset,
        Direction(metric.direction),
        StatusBands(),
    ).status


def test_the_same_seed_gives_the_same_system(small):
    assert generate_demo_system(seed=7, schools=200, districts=20, regions=4) == small


def test_another_seed_gives_other_numbers(small):
    other = generate_demo_system(seed=8, schools=200, districts=20, regions=4)
    assert [o.numerator for o in other.observations] != [o.numerator for o in small.observations]


def test_the_default_system_has_one_state_8_regions_200_districts_and_4000_schools(state):
    assert Counter(u.type for u in state.local_units) == {
        "state": 1,
        "region": 8,
        "district": 200,
        "school": 4000,
    }
    levels = Counter(u.school_level for u in state.local_units if u.type == "school")
    assert levels == {"elementary": 2600, "middle": 800, "high": 600}


@pytest.mark.parametrize(
    ("schools", "districts", "regions"), [(200, 20, 4), (20, 1, 1), (13, 4, 4)]
)
def test_a_smaller_system_has_the_sizes_asked_for(schools, districts, regions):
    system = generate_demo_system(schools=schools, districts=districts, regions=regions)
    counts = Counter(u.type for u in system.local_units)
    assert counts == {"state": 1, "region": regions, "district": districts, "school": schools}


@pytest.mark.parametrize("system", ["state", "small"])
def test_codes_are_unique_and_every_unit_comes_after_its_parent_of_the_level_above(system, request):
    above = {"region": "state", "district": "region", "school": "district"}
    seen: dict[str, str] = {}
    for unit in request.getfixturevalue(system).local_units:
        assert unit.code not in seen
        if unit.type == "state":
            assert unit.parent_code is None
        else:
            assert unit.parent_code is not None
            assert seen[unit.parent_code] == above[unit.type]
        assert (unit.school_level is not None) == (unit.type == "school")
        seen[unit.code] = unit.type


def test_school_names_are_unique_within_a_district(state):
    names = [(u.parent_code, u.name) for u in state.local_units if u.type == "school"]
    assert len(set(names)) == len(names)


def test_districts_range_from_big_cities_to_small_rural_ones(state):
    sizes = Counter(u.parent_code for u in state.local_units if u.type == "school")
    assert sum(size >= 100 for size in sizes.values()) >= 2
    assert sum(3 <= size <= 10 for size in sizes.values()) >= 50


def test_only_schools_report_figures(state):
    schools = {u.code for u in state.local_units if u.type == "school"}
    assert {o.local_unit_code for o in state.observations} == schools


def test_every_district_reports_every_goal_metric(state):
    districts = {u.code for u in state.local_units if u.type == "district"}
    group_of = district_of(state)
    for priority in state.priorities:
        figures = rates(state.observations, priority.goal_metric_code, group_of=group_of)
        assert {district for district, period in figures if period == "2022-23"} == districts


def test_no_count_is_negative_or_above_its_denominator(state):
    for obs in state.observations:
        if obs.missing_reason is None:
            assert obs.numerator is not None and obs.denominator is not None
            assert 0 <= obs.numerator <= obs.denominator


def test_small_cells_are_suppressed_with_no_numbers(state):
    suppressed = [o for o in state.observations if o.missing_reason == "suppressed"]
    assert suppressed
    assert all(o.numerator is None and o.denominator is None for o in suppressed)
    reported = [o.denominator for o in state.observations if o.denominator is not None]
    assert min(reported) >= 10


def test_subgroups_never_outnumber_all_students(state):
    everyone = {
        (o.metric_code, o.local_unit_code, o.period): o.denominator
        for o in state.observations
        if o.subgroup_code == "all"
    }
    for obs in state.observations:
        if obs.subgroup_code != "all" and obs.denominator is not None:
            whole = everyone[(obs.metric_code, obs.local_unit_code, obs.period)]
            assert whole is not None and obs.denominator <= whole


def test_assessments_were_not_collected_in_2019_20_and_everything_else_was(state):
    first_year = [o for o in state.observations if o.period == "2019-20"]
    for obs in first_year:
        if obs.metric_code in ASSESSED:
            assert obs.missing_reason == "not_collected"
            assert obs.numerator is None and obs.denominator is None
        else:
            assert obs.missing_reason != "not_collected"
    assert {o.metric_code for o in first_year} == {m.code for m in state.metrics}


def test_only_the_latest_graduation_figures_are_provisional(state):
    provisional = {(o.metric_code, o.period) for o in state.observations if o.provisional}
    assert provisional == {("graduation_4yr", LATEST)}


@pytest.mark.parametrize(
    ("metric", "baseline"),
    [
        ("grade3_reading", 52),
        ("graduation_4yr", 84),
        ("chronic_absenteeism", 27),
        ("grade8_math", 35),
    ],
)
def test_state_baselines_land_near_their_intended_values(state, metric, baseline):
    assert state_rate(state, metric, "2022-23") == pytest.approx(baseline, abs=3)


@pytest.mark.parametrize("plan", PLANS, ids=lambda plan: plan.metric.code)
def test_every_metric_follows_its_intended_statewide_path(state, plan):
    for period, intended in zip(state.periods, plan.path, strict=True):
        if intended is not None:
            assert state_rate(state, plan.metric.code, period) == pytest.approx(intended, abs=0.5)


def test_chronic_absenteeism_is_the_only_goal_where_lower_is_better(state):
    goals = {p.goal_metric_code for p in state.priorities}
    lower = [m.code for m in state.metrics if m.code in goals and m.direction == "lower"]
    assert lower == ["chronic_absenteeism"]


def test_priorities_watch_metrics_that_exist_with_fitting_kinds(state):
    kinds = {m.code: m.kind for m in state.metrics}
    assert [p.baseline_period for p in state.priorities] == ["2022-23"] * 4
    for priority in state.priorities:
        assert kinds[priority.goal_metric_code] == "goal"
        watched = Counter(kinds[code] for code in priority.progress_metric_codes)
        assert 1 <= watched["progress"] <= 2
        assert set(watched) <= {"progress", "perverse"}
    assert "perverse" in kinds.values()


@pytest.mark.parametrize(
    ("priority", "expected"),
    [
        ("early-literacy", {TrajectoryStatus.SLIGHTLY_BELOW}),
        ("graduation", {TrajectoryStatus.ON_OR_ABOVE}),
        ("attendance", {TrajectoryStatus.WELL_BELOW}),
        ("middle-math", {TrajectoryStatus.ON_OR_ABOVE, TrajectoryStatus.SLIGHTLY_BELOW}),
    ],
)
def test_the_state_stands_against_each_trajectory_as_the_story_needs(state, priority, expected):
    metric = next(p.goal_metric_code for p in state.priorities if p.code == priority)
    baseline = state_rate(state, metric, "2022-23")
    actual = state_rate(state, metric, LATEST)
    assert status(state, priority, baseline, actual, offset=0.0) in expected


@pytest.mark.parametrize("priority", ["early-literacy", "graduation", "attendance", "middle-math"])
def test_under_every_priority_some_districts_are_on_track_and_some_far_off(state, priority):
    metric = next(p.goal_metric_code for p in state.priorities if p.code == priority)
    system_baseline = state_rate(state, metric, "2022-23")
    figures = rates(state.observations, metric, group_of=district_of(state))
    statuses = Counter(
        status(
            state,
            priority,
            figures[(district, "2022-23")],
            figures[(district, LATEST)],
            offset=figures[(district, "2022-23")] - system_baseline,
        )
        for district, period in figures
        if period == LATEST
    )
    assert statuses[TrajectoryStatus.ON_OR_ABOVE] >= 10
    assert statuses[TrajectoryStatus.WELL_BELOW] >= 10


def test_the_pandemic_sets_figures_back_in_2020_21(state):
    assert state_rate(state, "graduation_4yr", "2020-21") < state_rate(
        state, "graduation_4yr", "2019-20"
    )
    absence = [state_rate(state, "chronic_absenteeism", period) for period in state.periods]
    assert absence[1] > absence[0] + 5
    assert max(absence) > absence[-1] > absence[0]  # recovering, but slowly


def test_subgroup_gaps_look_like_a_real_state(state):
    reading = state_rate(state, "grade3_reading", "2022-23")
    assert 12 <= reading - state_rate(state, "grade3_reading", "2022-23", "low_income") <= 18
    disabilities = state_rate(state, "grade3_reading", "2022-23", "students_with_disabilities")
    assert reading - disabilities >= 20
    absence = state_rate(state, "chronic_absenteeism", "2022-23")
    assert state_rate(state, "chronic_absenteeism", "2022-23", "low_income") > absence + 4


def test_the_default_system_stays_within_its_observation_budget(state):
    assert 250_000 <= len(state.observations) <= 350_000


def test_too_few_districts_for_the_regions_is_refused():
    with pytest.raises(ValueError, match="districts"):
        generate_demo_system(schools=10, districts=3, regions=4)
