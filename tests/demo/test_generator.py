"""The demo system is deterministic, well-formed and shaped like a real state's."""

from __future__ import annotations

from collections import defaultdict
from functools import cache

import pytest

from deliverology.demo.generator import DemoSystem, generate_demo_system


@cache
def full() -> DemoSystem:
    return generate_demo_system()


@cache
def small(seed: int = 7) -> DemoSystem:
    return generate_demo_system(seed=seed, schools=200, districts=20, regions=4)


def system_rates(system: DemoSystem, metric: str) -> dict[str, float]:
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for obs in system.observations:
        if obs.metric_code == metric and obs.subgroup_code == "all" and obs.numerator is not None:
            sums[obs.period][0] += obs.numerator
            sums[obs.period][1] += obs.denominator or 0
    return {period: 100 * n / d for period, (n, d) in sums.items()}


def test_the_same_seed_gives_the_same_system_and_another_seed_another():
    assert generate_demo_system(seed=7, schools=200, districts=20, regions=4) == small(7)
    assert small(8).observations != small(7).observations


def test_the_default_system_has_one_state_8_regions_200_districts_4000_schools():
    counts: dict[str, int] = defaultdict(int)
    for unit in full().local_units:
        counts[unit.type] += 1
    assert dict(counts) == {"state": 1, "region": 8, "district": 200, "school": 4000}


@pytest.mark.parametrize("system", [small(), full()], ids=["small", "full"])
def test_units_are_unique_and_listed_parents_first(system):
    seen: dict[str, str] = {}
    for unit in system.local_units:
        assert unit.code not in seen
        if unit.parent_code is not None:
            assert unit.parent_code in seen
            expected_parent = {"region": "state", "district": "region", "school": "district"}
            assert seen[unit.parent_code] == expected_parent[unit.type]
        seen[unit.code] = unit.type


def test_school_names_are_unique_within_a_district():
    names: dict[str | None, set[str]] = defaultdict(set)
    for unit in full().local_units:
        if unit.type == "school":
            assert unit.name not in names[unit.parent_code]
            names[unit.parent_code].add(unit.name)


def test_district_sizes_vary_like_a_real_state():
    sizes: dict[str | None, int] = defaultdict(int)
    for unit in full().local_units:
        if unit.type == "school":
            sizes[unit.parent_code] += 1
    assert max(sizes.values()) >= 100
    assert min(sizes.values()) <= 5


def test_figures_are_possible_and_missing_figures_carry_no_numbers():
    for obs in small().observations:
        if obs.missing_reason is None:
            assert obs.numerator is not None and obs.denominator is not None
            assert 0 <= obs.numerator <= obs.denominator
        else:
            assert obs.numerator is None and obs.denominator is None
            assert obs.missing_reason in ("suppressed", "not_collected")


def test_small_subgroups_are_suppressed_and_untested_years_not_collected():
    observations = full().observations
    assert any(o.missing_reason == "suppressed" for o in observations)
    reading_2019 = [
        o for o in observations if o.metric_code == "grade3_reading" and o.period == "2019-20"
    ]
    assert reading_2019 and all(o.missing_reason == "not_collected" for o in reading_2019)


def test_only_the_latest_graduation_figures_are_provisional():
    provisional = {(o.metric_code, o.period) for o in full().observations if o.provisional}
    assert provisional == {("graduation_4yr", "2025-26")}


@pytest.mark.parametrize(
    ("metric", "baseline"),
    [("grade3_reading", 50), ("graduation_4yr", 83), ("chronic_absence", 28), ("grade8_math", 34)],
)
def test_state_baselines_land_near_their_intended_values(metric, baseline):
    assert system_rates(full(), metric)["2022-23"] == pytest.approx(baseline, abs=3)


def test_absenteeism_is_the_lower_is_better_goal_and_barely_improves():
    metrics = {m.code: m for m in full().metrics}
    lower = [m.code for m in full().metrics if m.direction == "lower" and m.kind == "goal"]
    assert lower == ["chronic_absence"]
    rates = system_rates(full(), "chronic_absence")
    assert rates["2022-23"] - rates["2025-26"] < 3
    assert metrics["chronic_absence"].school_levels == ("elementary", "middle", "high")


def test_subgroup_denominators_never_exceed_the_whole_school():
    everyone = {
        (o.metric_code, o.local_unit_code, o.period): o.denominator
        for o in small().observations
        if o.subgroup_code == "all"
    }
    for obs in small().observations:
        if obs.subgroup_code != "all" and obs.denominator is not None:
            whole = everyone[(obs.metric_code, obs.local_unit_code, obs.period)]
            assert whole is not None and obs.denominator <= whole


def test_too_few_districts_for_the_regions_is_refused():
    with pytest.raises(ValueError, match="districts"):
        generate_demo_system(schools=10, districts=3, regions=4)
