"""Once sub-targets are agreed, the priority pages measure each local unit against its own
sub-target and trajectory, not against the system trajectory moved to its baseline."""

from __future__ import annotations

import pytest

from deliverology.core.allocation import AllocationMethod
from deliverology.web.performance.models import LocalUnit, Metric, Subgroup
from deliverology.web.priorities.models import Target
from deliverology.web.priorities.progress import TrajectorySource
from deliverology.web.subtargets import actions
from deliverology.web.subtargets.plans import agreed_sub_targets


def district_sub_targets(system, *, agree):
    target = Target.objects.get(metric=system.metrics["reading"], local_unit=system.units["ST"])
    sub_target_set = actions.build_sub_targets(
        target,
        level="district",
        method=AllocationMethod.UNIFORM_UPLIFT,
        by=system.people["analyst"],
        uplift=30.0,
    )
    if agree:
        actions.agree(sub_target_set, by=system.people["analyst"])
    return {each.local_unit.code: each for each in sub_target_set.sub_targets.all()}


def plans(system):
    return agreed_sub_targets(
        [Metric.objects.get(code="reading")],
        list(LocalUnit.objects.filter(type="district")),
        list(Subgroup.objects.all()),
    )


def test_only_agreed_sub_targets_become_plans(system):
    district_sub_targets(system, agree=False)
    assert plans(system) == {}


def test_an_agreed_sub_target_is_the_plan_of_its_unit(system):
    sub_targets = district_sub_targets(system, agree=True)
    found = plans(system)
    d2 = found[(system.metrics["reading"].pk, system.units["D2"].pk, system.subgroups["all"].pk)]
    assert d2.source == TrajectorySource.SUB_TARGET
    assert d2.baseline_value == pytest.approx(60.0)
    assert d2.target_value == pytest.approx(sub_targets["D2"].value)
    assert d2.points[0].expected == pytest.approx(60.0)
    assert d2.points[-1].expected == pytest.approx(sub_targets["D2"].value)
    assert len(found) == 3


def test_the_district_page_says_it_is_measured_against_its_sub_target(login, system):
    client = login("analyst")
    before = client.get("/priorities/reading/units/D2/").content.decode()
    assert "moved to start from its own baseline" in before
    district_sub_targets(system, agree=True)
    after = client.get("/priorities/reading/units/D2/").content.decode()
    assert "agreed sub-target" in after
    assert "moved to start from its own baseline" not in after
