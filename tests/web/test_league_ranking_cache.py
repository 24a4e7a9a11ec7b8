"""A league table's ranking is worked out once and kept until the data under it changes: a new or
changed figure, rolled-up figures made again, a target or trajectory, a sub-target's trajectory.
Each change is made the way the app makes it, on a real database, outside a test transaction
(a ranking is kept only outside a transaction), and the kept ranking is then the ranking worked
out afresh."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from deliverology.core.trajectories import TrajectoryMethod
from deliverology.demo.generator import generate_demo_system
from deliverology.web.assessments.league import ranked_units, worked_out_ranking
from deliverology.web.assessments.league_cache import RANKINGS, data_version
from deliverology.web.demo_system import install_demo_system
from deliverology.web.performance.actions import refresh_rollups
from deliverology.web.performance.models import LocalUnit, Metric, Observation, Subgroup
from deliverology.web.priorities.actions import set_trajectory
from deliverology.web.priorities.models import Target
from deliverology.web.subtargets.actions import rebuild_trajectories
from deliverology.web.subtargets.models import SubTarget

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def reading(transactional_db: None) -> Iterator[Metric]:
    RANKINGS.clear()
    system = generate_demo_system(schools=40, districts=4, regions=2)
    install_demo_system(system, password="demo-pass-1", say=lambda _: None)
    yield Metric.objects.get(code="grade3_reading")
    RANKINGS.clear()


def kept_is_fresh(
    metric: Metric, level: str, view: str
) -> list[tuple[str, int | None, float | None]]:
    """The kept ranking, checked against the one worked out now; as (code, place, score)."""
    kept = list(ranked_units(metric, level, view))
    assert kept == list(worked_out_ranking(metric, level, view))
    return [(r.code, r.place, r.score) for r in kept]


def test_a_kept_ranking_is_read_in_one_query_and_equals_the_worked_out_one(reading):
    first = kept_is_fresh(reading, "school", "progress")
    with CaptureQueriesContext(connection) as queries:
        again = list(ranked_units(reading, "school", "progress"))
    assert len(queries) == 1  # the data version
    assert [(r.code, r.place, r.score) for r in again] == first
    assert kept_is_fresh(reading, "school", "level") != first  # another view: its own ranking


def test_a_changed_figure_ranks_again(reading):
    before = kept_is_fresh(reading, "school", "level")
    last_code = before[-1][0] if before[-1][1] is not None else before[0][0]
    latest = (
        Observation.objects.filter(
            metric=reading, local_unit__code=last_code, subgroup__code=Subgroup.ALL
        )
        .exclude(value=None)
        .order_by("-period_start")
        .first()
    )
    assert latest is not None
    latest.value = 100.0
    latest.save()  # as an edit: its history row is the change
    after = kept_is_fresh(reading, "school", "level")
    assert after != before
    assert after[0][0] == latest.local_unit.code


def test_rolled_up_figures_made_again_rank_the_districts_again(reading):
    before = kept_is_fresh(reading, "district", "level")
    school = LocalUnit.objects.filter(type="school").order_by("code").first()
    assert school is not None
    # Changed with no history row: the rolled-up figures made again, as after every import, are
    # the change the districts' ranking is kept under.
    version = data_version()
    Observation.objects.filter(metric=reading, local_unit=school).update(numerator=0.0, value=0.0)
    assert data_version() == version
    refresh_rollups([reading])
    assert data_version() != version
    assert kept_is_fresh(reading, "district", "level") != before


def test_a_new_target_and_its_trajectory_rank_again(reading):
    before = kept_is_fresh(reading, "district", "progress")
    system_target = Target.objects.get(metric=reading, local_unit__parent__isnull=True)
    district = LocalUnit.objects.filter(type="district").order_by("name").first()
    own = Target.objects.create(
        metric=reading,
        local_unit=district,
        subgroup=Subgroup.objects.get(code=Subgroup.ALL),
        baseline_period=system_target.baseline_period,
        baseline_value=10.0,
        target_period=system_target.target_period,
        target_value=90.0,
        status="agreed",
    )
    version = data_version()
    set_trajectory(own, TrajectoryMethod.LINEAR, check_smart=False)
    assert data_version() != version
    after = kept_is_fresh(reading, "district", "progress")
    assert after != before
    set_trajectory(own, TrajectoryMethod.BACK_LOADED, check_smart=False)
    assert kept_is_fresh(reading, "district", "progress") != after


def test_a_sub_targets_trajectory_made_again_ranks_again(reading):
    sub_target = SubTarget.objects.filter(
        sub_target_set__status="agreed",
        sub_target_set__target__metric=reading,
        local_unit__type="district",
    ).first()
    assert sub_target is not None
    before = kept_is_fresh(reading, "district", "progress")
    # The new value alone leaves no history; the trajectory made again from it changes the data.
    SubTarget.objects.filter(pk=sub_target.pk).update(value=sub_target.baseline_value + 40.0)
    version = data_version()
    sub_target.refresh_from_db()
    rebuild_trajectories(sub_target.sub_target_set, [sub_target])
    assert data_version() != version
    assert kept_is_fresh(reading, "district", "progress") != before


def test_a_ranking_read_inside_a_transaction_is_not_kept(reading):
    with transaction.atomic():
        ranked_units(reading, "school", "level")
    assert RANKINGS.found == {}
    ranked_units(reading, "school", "level")
    assert len(RANKINGS.found) == 1
