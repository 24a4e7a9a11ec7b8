"""The real England data set (Level 3 by 19, Open Government Licence v3.0), loaded through the
import: a national target shared out among every local authority, by every method, whose
sub-targets reproduce the national figure through the aggregation check."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from deliverology.core.allocation import AllocationMethod
from deliverology.core.trajectories import TrajectoryMethod
from deliverology.engine.england import (
    ENGLAND,
)
from deliverology.web.performance.models import LocalUnit, Observation, Subgroup
from deliverology.web.priorities.actions import set_trajectory
from deliverology.web.priorities.models import Target
from deliverology.web.subtargets import actions

# The Isles of Scilly are in England's row but not in the local-authority rows (SOURCE.md):
# in the 2022 cohort, 14 young people, 9 of them with Level 3 by 19.
SCILLY_2022 = (9, 14)
BASELINE, TARGET_PERIOD = "2021-22", "2026-27"


@pytest.fixture
def england(england_figures):
    national = Observation.objects.get(
        metric__code="l3_by19", local_unit__code=ENGLAND, subgroup__code="all", period=BASELINE
    )
    target = Target.objects.create(
        metric=national.metric,
        local_unit=national.local_unit,
        subgroup=national.subgroup,
        baseline_period=BASELINE,
        baseline_value=national.value,
        target_period=TARGET_PERIOD,
        target_value=round(national.value + 4, 1),
        status="agreed",
    )
    set_trajectory(target, TrajectoryMethod.S_CURVE)
    return target, national


@pytest.mark.parametrize("method", list(AllocationMethod))
def test_every_local_authority_gets_a_sub_target_and_together_they_meet_the_national_one(
    england, method
):
    target, national = england
    parameters = {
        AllocationMethod.UNIFORM_UPLIFT: {"uplift": 1.0},
        AllocationMethod.GAP_CLOSING: {"benchmark": 75.0, "share": 0.1},
        AllocationMethod.FLOOR_PLUS_UPLIFT: {"floor": 55.0, "uplift": 1.0},
        AllocationMethod.NEGOTIATED: {},
    }[method]
    sub_target_set = actions.build_sub_targets(
        target, level="local_authority", method=method, by=None, **parameters
    )
    sub_targets = list(sub_target_set.sub_targets.select_related("local_unit"))

    # Every local authority open in 2021-22: 154 in the hierarchy, less the three merged away
    # before it (Bournemouth, Poole, Northamptonshire) and the Dorset that opened after it.
    open_then = LocalUnit.objects.filter(type="local_authority").exclude(
        code__in=["E06000028", "E06000029", "E10000021", "E06000059"]
    )
    assert {each.local_unit.code for each in sub_targets} == set(
        open_then.values_list("code", flat=True)
    )
    assert len(sub_targets) == 150

    # Their baselines reproduce the national figure: the ratio of sums, less the Isles of Scilly.
    numerator = sum(each.baseline_numerator for each in sub_targets)
    denominator = sum(each.baseline_denominator for each in sub_targets)
    assert (numerator, denominator) == (
        national.numerator - SCILLY_2022[0],
        national.denominator - SCILLY_2022[1],
    )

    first = actions.check_of(sub_target_set, sub_targets)
    assert first.is_short
    assert first.shortfall_people > 0
    actions.stretch(sub_target_set, by=None)
    check = actions.check_of(sub_target_set)
    assert not check.is_short
    assert check.implied_system_value >= target.target_value
    assert check.implied_system_value == pytest.approx(target.target_value, abs=1e-6)
    stretched = list(sub_target_set.sub_targets.all())
    weighted = sum(each.value * each.baseline_denominator for each in stretched) / denominator
    assert weighted == pytest.approx(check.implied_system_value, abs=1e-9)
    actions.agree(sub_target_set, by=None)
    # Each local authority's own trajectory ends at its sub-target.
    for each in stretched[:10]:
        points = list(each.points.all())
        assert points[0].period == BASELINE and points[-1].period == TARGET_PERIOD
        assert points[-1].expected == pytest.approx(each.value)


def test_female_and_male_sub_targets_reproduce_the_national_figure(england, client):
    target, national = england
    female, male = Subgroup.objects.get(code="female"), Subgroup.objects.get(code="male")
    sub_target_set = actions.build_sub_targets(
        target,
        subgroups=[female, male],
        method=AllocationMethod.GAP_CLOSING,
        by=None,
        benchmark=80.0,
        share=0.1,
    )
    sub_targets = list(sub_target_set.sub_targets.select_related("local_unit", "subgroup"))
    assert {(each.local_unit.code, each.subgroup.code) for each in sub_targets} == {
        (ENGLAND, "female"),
        (ENGLAND, "male"),
    }
    # Female and male together are everyone: their figures add up to England's exactly.
    assert sum(each.baseline_numerator for each in sub_targets) == national.numerator
    assert sum(each.baseline_denominator for each in sub_targets) == national.denominator
    actions.stretch(sub_target_set, by=None)
    check = actions.check_of(sub_target_set)
    assert not check.is_short
    assert check.implied_system_value == pytest.approx(target.target_value, abs=1e-6)

    client.force_login(User.objects.create_superuser("du", password="du-password-1"))
    page = client.get(f"/targets/{target.pk}/sub-targets/").content.decode()
    assert 'id="subgroup-female"' in page and 'id="subgroup-male"' in page
    assert "The sub-targets add up to the system target" in page
