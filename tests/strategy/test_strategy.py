"""Interventions, the three ways to a trajectory, the SMART check and locking, through the
real database and the test client."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from deliverology.configuration import load_method_config
from deliverology.core.trajectories import TrajectoryMethod
from deliverology.web.performance.models import Metric
from deliverology.web.priorities.actions import (
    LockedError,
    lock_target,
    revise_target,
    set_trajectory,
)
from deliverology.web.priorities.models import Priority, Target, Trajectory
from deliverology.web.priorities.proposals import (
    ProposalError,
    approve,
    propose_revision,
    propose_trajectory,
)
from deliverology.web.strategy.course import Choices, course_for
from deliverology.web.strategy.forms import PriorityInterventionForm
from deliverology.web.strategy.models import Intervention
from tests.conftest import System


@pytest.fixture
def graduation(system: System) -> Target:
    """Graduation 72% in 2024-25 to 85% by 2030-31, six years, with three interventions."""
    metric = Metric.objects.create(code="graduation", name="Graduation rate")
    priority = Priority.objects.create(
        aspiration=system.priorities["reading"].aspiration,
        code="graduation",
        title="Graduation",
        goal_metric=metric,
    )
    target = Target.objects.create(
        metric=metric,
        local_unit=system.units["ST"],
        subgroup=system.subgroups["all"],
        baseline_period="2024-25",
        baseline_value=72.0,
        target_period="2030-31",
        target_value=85.0,
    )
    common = {"priority": priority, "effect_low": 0.0, "effect_high": 8.0}
    Intervention.objects.create(
        title="Tutoring", effect=4.0, rollout_start="2025-26", rollout_full="2025-26", **common
    )
    Intervention.objects.create(
        title="Mentors",
        effect=3.0,
        reach_share=0.5,
        rollout_start="2026-27",
        rollout_full="2026-27",
        lag_periods=1,
        **common,
    )
    Intervention.objects.create(
        title="Early warning",
        effect=5.0,
        rollout_start="2025-26",
        rollout_full="2028-29",
        **common,
    )
    return target


def _course(target: Target, **choices: object) -> object:
    config = load_method_config()
    interventions = list(Intervention.objects.filter(priority__goal_metric=target.metric))
    return course_for(
        target,
        interventions,
        [],
        {},
        Choices(**choices),
        config.strategy,
        3,  # type: ignore[arg-type]
    )


def test_the_worked_example_adds_up_by_hand(graduation: Target) -> None:
    from deliverology.core.interventions import OverlapMethod

    course = _course(graduation, overlap=OverlapMethod.ADDITIVE)
    by_period = {p.period.label: p.expected for p in course.bottom_up.points}  # type: ignore[attr-defined]
    # No history: a flat counterfactual at 72.
    assert by_period["2024-25"] == pytest.approx(72.0)
    # Tutoring 4 x 100%; early warning 5 x 1/4 reached; mentors not yet (lag of one year).
    assert by_period["2025-26"] == pytest.approx(72 + 4 + 5 * 0.25)
    # Mentors 3 x 50% from 2027-28, early warning at 3/4.
    assert by_period["2027-28"] == pytest.approx(72 + 4 + 1.5 + 5 * 0.75)
    assert by_period["2030-31"] == pytest.approx(82.5)
    shortfall = course.shortfall  # type: ignore[attr-defined]
    assert shortfall.shortfall == pytest.approx(2.5)
    assert shortfall.extra_effect_at_full_reach == pytest.approx(2.5)


def test_the_band_has_the_configured_draws_and_contains_the_estimate(graduation: Target) -> None:
    course = _course(graduation)
    assert course.draws >= 1000  # type: ignore[attr-defined]
    for point in course.band:  # type: ignore[attr-defined]
        assert point.lower <= point.expected <= point.upper
    again = _course(graduation)
    assert [p.lower for p in again.band] == [p.lower for p in course.band]  # type: ignore[attr-defined]


def test_multiplicative_overlap_adds_less_than_the_sum(graduation: Target) -> None:
    from deliverology.core.interventions import OverlapMethod

    additive = _course(graduation, overlap=OverlapMethod.ADDITIVE)
    overlapped = _course(graduation, overlap=OverlapMethod.MULTIPLICATIVE)
    end = lambda c: c.bottom_up.points[-1].expected  # noqa: E731
    assert 72 < end(overlapped) < end(additive)


def test_a_lower_is_better_metric_goes_down_with_its_interventions(system: System) -> None:
    target = Target.objects.get(metric=system.metrics["absence"], local_unit=system.units["ST"])
    Intervention.objects.create(
        priority=system.priorities["absence"],
        title="Attendance officers",
        effect=2.0,
        effect_low=1.0,
        effect_high=3.0,
        rollout_start="2022-23",
        rollout_full="2022-23",
    )
    course = _course(target)
    end = course.bottom_up.points[-1].expected  # type: ignore[attr-defined]
    trend_end = course.bottom_up.counterfactual[-1]  # type: ignore[attr-defined]
    assert end < trend_end


@pytest.mark.parametrize(
    ("direction", "baseline", "target"), [("higher", 72.0, 60.0), ("lower", 30.0, 40.0)]
)
def test_a_target_that_asks_for_worse_is_refused(
    system: System, direction: str, baseline: float, target: float
) -> None:
    metric = Metric.objects.create(code=f"m_{direction}", name="M", direction=direction)
    bad = Target(
        metric=metric,
        local_unit=system.units["ST"],
        subgroup=system.subgroups["all"],
        baseline_period="2024-25",
        baseline_value=baseline,
        target_period="2027-28",
        target_value=target,
    )
    with pytest.raises(ValidationError) as error:
        bad.full_clean()
    assert "target_value" in error.value.message_dict


def test_a_target_due_before_its_baseline_is_refused(system: System) -> None:
    bad = Target(
        metric=system.metrics["reading"],
        local_unit=system.units["R1"],
        subgroup=system.subgroups["all"],
        baseline_period="2024-25",
        baseline_value=50,
        target_period="2022-23",
        target_value=60,
    )
    with pytest.raises(ValidationError) as error:
        bad.full_clean()
    assert "target_period" in error.value.message_dict


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"reach_share": "-0.2"}, "reach_share"), ({"lag_periods": "9"}, "lag_periods")],
)
def test_impossible_interventions_get_a_clear_error_and_nothing_is_saved(
    graduation: Target, changes: dict[str, str], field: str
) -> None:
    priority = Priority.objects.get(code="graduation")
    data = {
        "title": "Summer school",
        "impact": "high",
        "difficulty": "low",
        "effect_low": "1",
        "effect": "2",
        "effect_high": "3",
        "reach_share": "1",
        "rollout_start": "2025-26",
        "rollout_full": "2026-27",
        "lag_periods": "0",
        "ramp": "step",
        "ramp_periods": "1",
        "status": "proposed",
        **changes,
    }
    form = PriorityInterventionForm(data, instance=Intervention(priority=priority))
    assert not form.is_valid()
    assert field in form.errors
    assert not Intervention.objects.filter(title="Summer school").exists()


def test_the_smart_check_is_stored_and_flags_unprecedented_ambition(system: System) -> None:
    target = Target.objects.get(metric=system.metrics["reading"], local_unit=system.units["ST"])
    target.target_value = 99.0
    target.save()
    set_trajectory(target, TrajectoryMethod.LINEAR)
    target.refresh_from_db()
    check = target.smart_check
    assert check["criteria"]["time_bound"]["passed"]
    assert check["best_benchmark"] in ("historical", "internal")
    assert check["is_unprecedented"]
    assert "unprecedented" in check["criteria"]["attainable"]["reason"]


# Locking


@pytest.fixture
def locked(system: System) -> Target:
    target = Target.objects.get(metric=system.metrics["reading"], local_unit=system.units["ST"])
    return lock_target(target, by=system.people["analyst"])


def test_a_locked_trajectory_changes_only_by_an_approved_proposal(
    locked: Target, system: System
) -> None:
    analyst, leader = system.people["analyst"], system.people["leader"]
    before = locked.trajectories.count()
    with pytest.raises(LockedError):
        set_trajectory(locked, TrajectoryMethod.S_CURVE, by=analyst)
    with pytest.raises(LockedError):
        set_trajectory(locked, TrajectoryMethod.S_CURVE, by=analyst, reason="new data")
    with pytest.raises(ProposalError):
        propose_trajectory(locked, TrajectoryMethod.S_CURVE, by=analyst, reason=" ")
    proposal = propose_trajectory(locked, TrajectoryMethod.S_CURVE, by=analyst, reason="new data")
    with pytest.raises(LockedError):  # proposed, not yet approved
        set_trajectory(locked, TrajectoryMethod.S_CURVE, by=analyst, proposal=proposal)
    with pytest.raises(ProposalError):
        approve(proposal, by=analyst)
    with pytest.raises(ProposalError):
        approve(proposal, by=system.people["viewer"])  # type: ignore[arg-type]
    assert locked.trajectories.count() == before
    new = approve(proposal, by=leader)  # type: ignore[arg-type]
    assert (new.version, new.reason, new.approved_by) == (before + 1, "new data", leader)
    assert (new.created_by, new.method) == (analyst, "s_curve")
    assert locked.trajectories.count() == before + 1


def test_re_baselining_a_locked_target_is_recorded_never_silent(
    locked: Target, system: System
) -> None:
    analyst, leader = system.people["analyst"], system.people["leader"]
    with pytest.raises(LockedError):
        revise_target(locked, by=analyst, baseline_value=50.0)
    locked.refresh_from_db()
    old_baseline = locked.baseline_value
    proposal = propose_revision(locked, by=analyst, reason="data revised", baseline_value=50.0)  # type: ignore[arg-type]
    locked.refresh_from_db()
    assert locked.baseline_value == old_baseline
    trajectory = approve(proposal, by=leader)  # type: ignore[arg-type]
    locked.refresh_from_db()
    assert locked.baseline_value == 50.0
    assert trajectory.points.order_by("period_start").first().expected == 50.0  # type: ignore[union-attr]
    latest, previous = locked.history.order_by("-history_date")[:2]
    assert (latest.history_change_reason, latest.approved_by) == ("data revised", leader)
    assert latest.history_user == analyst
    assert previous.baseline_value == old_baseline
    assert Trajectory.objects.filter(target=locked).count() == 2


def test_the_admin_cannot_edit_a_locked_target(locked: Target, client: object) -> None:
    from django.contrib.auth.models import User

    client.force_login(User.objects.get(username="analyst"))  # type: ignore[attr-defined]
    url = reverse("admin:priorities_target_change", args=[locked.pk])
    response = client.get(url)  # type: ignore[attr-defined]
    assert response.status_code == 200
    assert 'name="target_value"' not in response.content.decode()
    response = client.post(url, {"target_value": "1", "status": "draft"})  # type: ignore[attr-defined]
    locked.refresh_from_db()
    assert (locked.target_value, locked.status) == (75.0, Target.Status.LOCKED)


def test_dependencies_cannot_go_round_in_a_circle(graduation: Target) -> None:
    tutoring = Intervention.objects.get(title="Tutoring")
    mentors = Intervention.objects.get(title="Mentors")
    mentors.dependencies.add(tutoring)
    data = {
        field: getattr(tutoring, field)
        for field in PriorityInterventionForm.Meta.fields
        if field not in ("reach_units", "dependencies", "owner", "cost")
    }
    form = PriorityInterventionForm({**data, "dependencies": [mentors.pk]}, instance=tutoring)
    assert not form.is_valid()
    assert "dependencies" in form.errors
    assert not tutoring.dependencies.exists()


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ({"ambition_threshold": 0}, "strategy.ambition_threshold"),
        ({"band_draws": 0}, "strategy.band_draws"),
        ({"band_low_quantile": 0.9, "band_high_quantile": 0.1}, "strategy.band_high_quantile"),
        ({"rating_labels": {"low": "Low"}}, "rating_labels"),
    ],
)
def test_bad_strategy_settings_are_refused_by_name(override: dict[str, object], key: str) -> None:
    from deliverology.configuration import default_settings, merged_settings
    from deliverology.core.config import ConfigError, method_config_from_mapping

    defaults = default_settings()
    table = {**defaults["strategy"], **override}
    if "rating_labels" in override:
        table["rating_labels"] = override["rating_labels"]
    with pytest.raises(ConfigError) as error:
        method_config_from_mapping({**merged_settings(defaults, {}, "x"), "strategy": table})
    assert key in str(error.value)


def test_the_course_page_says_how_far_short_and_what_would_close_it(
    graduation: Target, login: object
) -> None:
    client = login("analyst")  # type: ignore[operator]
    url = reverse("course", args=[graduation.pk])
    text = client.get(url, {"overlap": "additive", "shape": "linear"}).content.decode()
    assert "Short of the target by 2.50 by 2030-31." in text
    assert "further interventions worth 2.50 at full reach by 2030-31" in text
    # Mentors reach 50%; another 2.5 points at 3 per full reach needs 50% + 83%: impossible.
    assert "“Tutoring” from 100% to" not in text
    assert "“Mentors” from 50% to" not in text
    assert "“Early warning” from 100%" not in text


def test_a_small_shortfall_could_be_closed_by_reaching_more_people(
    graduation: Target, login: object
) -> None:
    Target.objects.filter(pk=graduation.pk).update(target_value=83.0)
    client = login("analyst")  # type: ignore[operator]
    url = reverse("course", args=[graduation.pk])
    text = client.get(url, {"overlap": "additive", "shape": "linear"}).content.decode()
    # 82.5 reached; 0.5 more from mentors (3 points at full reach) needs 50% + 0.5/3 = 67%.
    assert "Short of the target by 0.50 by 2030-31." in text
    assert "or raising the reach of “Mentors” from 50% to 67%" in text


# -- reach by named local units ------------------------------------------------------------


@pytest.fixture
def reading(system: System) -> Target:
    """Reading, baseline 2021-22: S1 100, S2 80 (D1 180), S3 200 (D2; R1 380), S4 40 and
    S5 120 (D3, R2 160): 540 pupils in all."""
    return Target.objects.get(metric=system.metrics["reading"], local_unit=system.units["ST"])


def _reaching(system: System, title: str, units: list[str], **fields: object) -> Intervention:
    intervention = Intervention.objects.create(
        priority=system.priorities["reading"],
        title=title,
        effect_low=0.0,
        effect=6.0,
        effect_high=9.0,
        rollout_start="2022-23",
        rollout_full="2022-23",
        **fields,
    )
    intervention.reach_units.set([system.units[code] for code in units])
    return intervention


def test_named_units_reach_their_share_of_the_population(reading: Target, system: System) -> None:
    from deliverology.web.strategy.course import reach_populations

    one_district = _reaching(system, "District pilot", ["D1"], reach_share=0.5)
    region = _reaching(system, "Regional", ["R1", "D1"])  # D1 is in R1: counted once
    everyone = _reaching(system, "Everyone", [])
    shares = reach_populations(reading, [one_district, region, everyone])
    assert shares == {
        one_district.pk: pytest.approx(180 / 540),
        region.pk: pytest.approx(380 / 540),
    }
    course = _course(reading)
    reached = {each.key: each.reach_in(reading.target()) for each in course.bottom_up.interventions}  # type: ignore[attr-defined]
    assert reached == {
        "District pilot": pytest.approx(0.5 * 180 / 540),  # half of D1's pupils
        "Regional": pytest.approx(380 / 540),
        "Everyone": pytest.approx(1.0),
    }


def test_a_reach_that_cannot_be_weighed_is_said_so(reading: Target, system: System) -> None:
    from deliverology.web.performance.models import Observation

    _reaching(system, "District pilot", ["D2"])
    Observation.objects.filter(local_unit=system.units["S3"], period="2021-22").delete()
    from deliverology.web.performance.actions import refresh_rollups

    refresh_rollups()
    course = _course(reading)
    assert course.bottom_up is None  # type: ignore[attr-defined]
    assert (
        "District D2 (D2) has no figure with a denominator in the baseline period 2021-22"
        in (
            course.problems["bottom_up"]  # type: ignore[attr-defined]
        )
    )


def test_the_strategy_page_names_the_units_reached(login, system: System) -> None:
    _reaching(system, "District pilot", ["D1", "D3"], reach_share=0.5)
    page = login("analyst").get(reverse("strategy", args=["reading"])).content.decode()
    assert "50% of District D1 (D1), District D3 (D3)" in page
