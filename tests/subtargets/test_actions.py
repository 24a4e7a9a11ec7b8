"""Setting, negotiating and agreeing sub-targets on the small test system (tests/conftest.py).

The reading target of the state (ST) is 75% by 2026-27 from 51.9% in 2021-22. Its districts in
2021-22: D1 = S1 + S2 = 80 of 180 (44.4%), D2 = S3 = 120 of 200 (60%), D3 = S4 + S5 = 80 of 160
(50%): 280 of 540 in all.
"""

from __future__ import annotations

import pytest

from deliverology.core.allocation import AllocationMethod
from deliverology.web.priorities.models import Target
from deliverology.web.subtargets import actions
from deliverology.web.subtargets.actions import SubTargetError
from deliverology.web.subtargets.models import NegotiationStep, SubTarget, SubTargetPoint

DENOMINATORS = {"D1": 180, "D2": 200, "D3": 160}
NUMERATORS = {"D1": 80, "D2": 120, "D3": 80}


def reading_target(system) -> Target:
    return Target.objects.get(metric=system.metrics["reading"], local_unit=system.units["ST"])


def absence_target(system) -> Target:
    return Target.objects.get(metric=system.metrics["absence"], local_unit=system.units["ST"])


def by_code(sub_target_set) -> dict[str, SubTarget]:
    return {each.local_unit.code: each for each in sub_target_set.sub_targets.all()}


def uplifted(system, uplift=10.0, **extra):
    return actions.build_sub_targets(
        reading_target(system),
        level="district",
        method=AllocationMethod.UNIFORM_UPLIFT,
        by=system.people["analyst"],
        uplift=uplift,
        **extra,
    )


def test_the_levels_under_a_target_are_listed_nearest_first(system):
    assert actions.levels_under(reading_target(system)) == ["region", "district", "school"]


def test_uniform_uplift_gives_every_district_its_own_baseline_plus_the_uplift(system):
    sub_targets = by_code(uplifted(system))
    for code, each in sub_targets.items():
        baseline = 100 * NUMERATORS[code] / DENOMINATORS[code]
        assert each.baseline_value == pytest.approx(baseline)
        assert each.baseline_denominator == DENOMINATORS[code]
        assert each.value == pytest.approx(baseline + 10)
        assert each.status == SubTarget.Status.ALLOCATED


def test_the_check_weights_by_denominator_and_counts_the_shortfall_in_students(system):
    check = actions.check_of(uplifted(system))
    # At their sub-targets the districts would have 98 + 140 + 96 = 334 readers of 540;
    # 75% of 540 is 405, so 71 more students must read.
    assert check.implied_system_value == pytest.approx(100 * 334 / 540)
    assert check.is_short
    assert check.shortfall_people == 71
    mean = sum(100 * NUMERATORS[c] / DENOMINATORS[c] + 10 for c in DENOMINATORS) / 3
    assert check.implied_system_value != pytest.approx(mean)


def test_the_stretch_finds_the_uplift_that_meets_the_target_and_records_it(system):
    sub_target_set = uplifted(system)
    actions.stretch(sub_target_set, by=system.people["analyst"])
    sub_target_set.refresh_from_db()
    assert sub_target_set.parameters["uplift"] == pytest.approx(75 - 100 * 280 / 540, abs=1e-6)
    check = actions.check_of(sub_target_set)
    assert not check.is_short
    assert check.implied_system_value == pytest.approx(75, abs=1e-6)
    steps = NegotiationStep.objects.filter(note__startswith="stretched")
    assert steps.count() == 3


def test_gap_closing_stretches_the_share_of_each_gap(system):
    sub_target_set = actions.build_sub_targets(
        reading_target(system),
        level="district",
        method=AllocationMethod.GAP_CLOSING,
        by=None,
        benchmark=90.0,
        share=0.2,
    )
    assert actions.check_of(sub_target_set).is_short
    found = actions.stretch(sub_target_set, by=None)
    sub_target_set.refresh_from_db()
    # 75% of 540 = 405 readers; the gaps to 90% hold 82 + 60 + 64 = 206, of which 125 are needed.
    assert sub_target_set.parameters["share"] == pytest.approx(125 / 206, abs=1e-9)
    assert found.parameter == pytest.approx(125 / 206, abs=1e-9)


def test_a_lower_is_better_target_is_met_by_going_down(system):
    sub_target_set = actions.build_sub_targets(
        absence_target(system),
        level="district",
        method=AllocationMethod.FLOOR_PLUS_UPLIFT,
        by=None,
        floor=40.0,
        uplift=5.0,
    )
    for code, each in by_code(sub_target_set).items():
        baseline = 100 - 100 * NUMERATORS[code] / DENOMINATORS[code]
        assert each.value == pytest.approx(min(baseline - 5, 40.0))
    actions.stretch(sub_target_set, by=None)
    check = actions.check_of(sub_target_set)
    assert not check.is_short and check.implied_system_value <= 25 + 1e-9


def test_every_sub_target_has_its_own_trajectory_from_baseline_to_sub_target(system):
    sub_target_set = uplifted(system)
    for each in sub_target_set.sub_targets.all():
        points = list(each.points.all())
        assert [p.period for p in points] == [
            "2021-22",
            "2022-23",
            "2023-24",
            "2024-25",
            "2025-26",
            "2026-27",
        ]
        assert points[0].expected == pytest.approx(each.baseline_value)
        assert points[-1].expected == pytest.approx(each.value)
    assert SubTargetPoint.objects.count() == 3 * 6


def test_the_negotiation_is_recorded_with_who_and_when(system):
    district, analyst = system.people["district"], system.people["analyst"]
    sub_target_set = actions.build_sub_targets(
        reading_target(system), level="district", method=AllocationMethod.NEGOTIATED, by=analyst
    )
    d1 = by_code(sub_target_set)["D1"]
    assert d1.status == SubTarget.Status.AWAITING_PROPOSAL
    actions.propose(d1, 60.0, by=district, note="two new reading coaches")
    actions.adjust(d1, 65.0, by=analyst, note="the top quartile reached 65")
    d1.refresh_from_db()
    assert (d1.proposed_value, d1.adjusted_value, d1.value) == (60.0, 65.0, 65.0)
    steps = list(d1.steps.values_list("kind", "value", "by__username", "note"))
    assert steps == [
        ("proposed", 60.0, "district", "two new reading coaches"),
        ("adjusted", 65.0, "analyst", "the top quartile reached 65"),
    ]
    assert d1.steps.first().at is not None
    assert d1.history.count() == 3  # created, proposed, adjusted
    assert d1.points.last().expected == pytest.approx(65.0)


def test_agreement_waits_for_every_proposal_and_for_the_check(system):
    analyst = system.people["analyst"]
    sub_target_set = actions.build_sub_targets(
        reading_target(system), level="district", method=AllocationMethod.NEGOTIATED, by=analyst
    )
    sub_targets = by_code(sub_target_set)
    actions.propose(sub_targets["D1"], 60.0, by=system.people["district"])
    with pytest.raises(SubTargetError, match="2 local units have no proposal yet"):
        actions.agree(sub_target_set, by=analyst)
    for code in ("D2", "D3"):
        actions.adjust(sub_targets[code], 70.0, by=analyst)
    with pytest.raises(SubTargetError, match="short of the system target of 75 by"):
        actions.agree(sub_target_set, by=analyst)
    actions.stretch(sub_target_set, by=analyst)
    actions.agree(sub_target_set, by=analyst)
    sub_target_set.refresh_from_db()
    assert sub_target_set.is_agreed and sub_target_set.agreed_by == analyst
    assert all(each.agreed_value == each.value for each in sub_target_set.sub_targets.all())
    with pytest.raises(SubTargetError, match="agreed"):
        actions.propose(sub_targets["D1"], 90.0, by=system.people["district"])
    with pytest.raises(SubTargetError, match="agreed"):
        uplifted(system)


def test_a_stretch_after_negotiation_keeps_every_negotiated_figure_and_adds_to_it(system):
    sub_target_set = uplifted(system)
    d2 = by_code(sub_target_set)["D2"]
    actions.adjust(d2, 90.0, by=None)
    before = {code: each.value for code, each in by_code(sub_target_set).items()}
    found = actions.stretch(sub_target_set, by=None)
    assert found.method is AllocationMethod.NEGOTIATED
    after = {code: each.value for code, each in by_code(sub_target_set).items()}
    for code in before:
        assert after[code] == pytest.approx(min(100.0, before[code] + found.parameter))
    assert not actions.check_of(sub_target_set).is_short


@pytest.mark.parametrize(
    ("value", "message"), [(101.0, "between 0 and 100"), (float("nan"), "between 0 and 100")]
)
def test_a_sub_target_outside_the_range_is_refused_and_nothing_changes(system, value, message):
    d1 = by_code(uplifted(system))["D1"]
    with pytest.raises(SubTargetError, match=message):
        actions.adjust(d1, value, by=None)
    d1.refresh_from_db()
    assert d1.status == SubTarget.Status.ALLOCATED
    assert d1.steps.count() == 1


def test_bad_choices_are_explained(system):
    target = reading_target(system)
    with pytest.raises(SubTargetError, match="no local units of type “county”"):
        actions.build_sub_targets(
            target, level="county", method="uniform_uplift", by=None, uplift=1
        )
    with pytest.raises(SubTargetError, match="needs the benchmark"):
        actions.build_sub_targets(target, level="district", method="gap_closing", by=None, share=1)
    with pytest.raises(SubTargetError, match="between 0 and 1"):
        actions.build_sub_targets(
            target, level="district", method="gap_closing", by=None, benchmark=90, share=2
        )
    assert not SubTarget.objects.exists()


def test_a_unit_with_no_baseline_figure_is_named(system):
    target = reading_target(system)
    target.baseline_period = "2019-20"
    target.save()
    with pytest.raises(SubTargetError, match="No figure .* 2019-20 for District D1, District D2"):
        actions.build_sub_targets(target, level="district", method="negotiated", by=None)


def test_sub_targets_are_for_rates(system):
    from deliverology.web.performance.models import Metric

    count = Metric.objects.create(code="visits", name="School visits", aggregation="count")
    target = Target.objects.create(
        metric=count,
        local_unit=system.units["ST"],
        subgroup=system.subgroups["all"],
        baseline_period="2021-22",
        baseline_value=10,
        target_period="2026-27",
        target_value=20,
    )
    with pytest.raises(SubTargetError, match="School visits is not a rate"):
        actions.build_sub_targets(target, level="district", method="negotiated", by=None)


def test_subgroup_sub_targets_need_two_subgroups_other_than_the_targets_own(system):
    target = reading_target(system)
    everyone, low_income = system.subgroups["all"], system.subgroups["low_income"]
    for chosen in ([low_income], [everyone, low_income]):
        with pytest.raises(SubTargetError, match="at least two subgroups"):
            actions.build_sub_targets(target, subgroups=chosen, method="negotiated", by=None)


def test_a_subgroup_with_no_baseline_figure_is_named(system):
    from deliverology.web.performance.models import Subgroup

    others = Subgroup.objects.create(code="not_low_income", name="Not low income")
    with pytest.raises(SubTargetError, match="for Testland, Not low income: every"):
        actions.build_sub_targets(
            reading_target(system),
            subgroups=[system.subgroups["low_income"], others],
            method="negotiated",
            by=None,
        )


def test_a_new_system_trajectory_version_reshapes_every_sub_trajectory(system):
    from deliverology.core.trajectories import TrajectoryMethod
    from deliverology.web.priorities.actions import set_trajectory

    sub_target_set = uplifted(system)
    target = reading_target(system)
    assert not actions.needs_reshaping(sub_target_set)
    curve = set_trajectory(target, TrajectoryMethod.S_CURVE)
    sub_target_set.refresh_from_db()
    assert actions.needs_reshaping(sub_target_set)

    actions.adjust(by_code(sub_target_set)["D1"], 60.0, by=None)  # any change reshapes them all
    sub_target_set.refresh_from_db()
    assert not actions.needs_reshaping(sub_target_set)
    assert sub_target_set.trajectory_version == curve.version
    system_points = [p.expected for p in curve.points.all()]
    share = (system_points[2] - system_points[0]) / (system_points[-1] - system_points[0])
    d2 = by_code(sub_target_set)["D2"]
    assert d2.points.all()[2].expected == pytest.approx(60 + share * 10)
