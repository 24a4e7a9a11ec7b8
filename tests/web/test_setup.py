"""Set-up through the admin: bad input gets a clear message on its field and saves nothing."""

from __future__ import annotations

import pytest

from deliverology.web.performance.models import LocalUnit, Observation
from deliverology.web.priorities.models import Target


def observation_form(system, **changes):
    data = {
        "metric": system.metrics["reading"].pk,
        "local_unit": system.units["S1"].pk,
        "subgroup": system.subgroups["all"].pk,
        "period": "2025-26",
        "numerator": "40",
        "denominator": "90",
        "missing_reason": "",
        "source": "typed in",
    }
    return {**data, **changes}


def target_form(system, **changes):
    data = {
        "metric": system.metrics["reading"].pk,
        "local_unit": system.units["R1"].pk,
        "subgroup": system.subgroups["all"].pk,
        "baseline_period": "2022-23",
        "baseline_value": "50",
        "target_period": "2026-27",
        "target_value": "70",
        "status": "draft",
        "trajectories-TOTAL_FORMS": "0",
        "trajectories-INITIAL_FORMS": "0",
    }
    return {**data, **changes}


def test_a_good_observation_is_saved_with_its_value_computed(login, system):
    response = login("analyst").post(
        "/admin/performance/observation/add/", observation_form(system, period="2025/26")
    )
    assert response.status_code == 302
    saved = Observation.objects.get(local_unit__code="S1", period="2025-26")
    assert saved.value == pytest.approx(100 * 40 / 90)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"period": "2025-27"}, "is not a period"),
        ({"period": "12-Nov"}, "spreadsheet"),
        ({"period": "2025-Q3"}, "academic year"),
        ({"denominator": "0"}, "zero"),
        ({"numerator": "95"}, "is larger than the denominator"),
        ({"numerator": "-3"}, "negative"),
    ],
)
def test_a_bad_observation_is_refused_with_a_clear_message(login, system, changes, message):
    before = Observation.objects.count()
    response = login("analyst").post(
        "/admin/performance/observation/add/", observation_form(system, **changes)
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Observation.objects.count() == before


def test_a_good_target_is_saved_and_its_history_names_who_changed_it(login, system):
    client = login("analyst")
    assert client.post("/admin/priorities/target/add/", target_form(system)).status_code == 302
    target = Target.objects.get(local_unit__code="R1")
    response = client.post(
        f"/admin/priorities/target/{target.pk}/change/", target_form(system, target_value="72")
    )
    assert response.status_code == 302
    history = list(target.history.order_by("history_date"))
    assert [h.target_value for h in history] == [70.0, 72.0]
    assert {h.history_user.username for h in history} == {"analyst"}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"target_period": "2021-22"}, "must come after the baseline"),
        ({"baseline_period": "someday"}, "is not a period"),
        ({"target_value": "120"}, "between 0 and 100"),
    ],
)
def test_a_bad_target_is_refused_with_a_clear_message(login, system, changes, message):
    response = login("analyst").post(
        "/admin/priorities/target/add/", target_form(system, **changes)
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Target.objects.filter(local_unit__code="R1").exists()


def test_a_unit_cannot_be_moved_under_its_own_descendant(login, system):
    region = system.units["R1"]
    response = login("analyst").post(
        f"/admin/performance/localunit/{region.pk}/change/",
        {"code": "R1", "name": "North Region", "type": "region", "parent": system.units["D1"].pk},
    )
    assert response.status_code == 200
    assert "cannot sit under itself" in response.content.decode()
    region.refresh_from_db()
    assert region.parent_id == system.units["ST"].pk


def test_moving_a_unit_moves_its_whole_subtree(system):
    district = system.units["D3"]
    district.parent = system.units["R1"]
    district.save()
    school = LocalUnit.objects.get(code="S4")
    assert school.path == "/ST/R1/D3/S4/"
    assert school.is_within(system.units["R1"])


def test_observation_changes_keep_their_history(login, system):
    observation = Observation.objects.get(
        local_unit__code="S1", period="2024-25", subgroup__code="all", metric__code="reading"
    )
    form = observation_form(system, period="2024-25", numerator="64", denominator="100")
    response = login("analyst").post(
        f"/admin/performance/observation/{observation.pk}/change/", form
    )
    assert response.status_code == 302
    latest = observation.history.latest()
    assert latest.numerator == 64 and latest.history_user.username == "analyst"


@pytest.mark.parametrize(
    "model",
    [
        "performance/localunit",
        "performance/metric",
        "performance/observation",
        "performance/rollup",
        "performance/subgroup",
        "priorities/aspiration",
        "priorities/priority",
        "priorities/target",
        "priorities/trajectory",
        "auth/user",
    ],
)
def test_every_set_up_list_opens(login, system, model):
    assert login("analyst").get(f"/admin/{model}/").status_code == 200


@pytest.mark.parametrize(
    ("action", "method"),
    [
        ("build_linear", "linear"),
        ("build_s_curve", "s_curve"),
        ("build_historical", "historical_rate"),
    ],
)
def test_building_a_trajectory_from_set_up_adds_a_version_and_keeps_the_old(
    login, system, action, method
):
    from deliverology.web.priorities.models import Trajectory

    target = Target.objects.get(metric__code="reading", local_unit__code="ST")
    target.baseline_period = "2024-25"
    target.save()
    response = login("analyst").post(
        "/admin/priorities/target/",
        {"action": action, "_selected_action": [target.pk]},
    )
    assert response.status_code == 302
    versions = list(Trajectory.objects.filter(target=target).order_by("version"))
    assert [v.version for v in versions] == [1, 2]
    assert versions[-1].method == method
    assert versions[-1].created_by.username == "analyst"
    first = versions[-1].points.order_by("period_start").first()
    assert first.period == "2024-25" and first.expected == pytest.approx(target.baseline_value)


def test_a_historical_trajectory_without_enough_history_is_refused_with_a_message(login, system):
    target = Target.objects.get(metric__code="reading", local_unit__code="ST")
    response = login("analyst").post(
        "/admin/priorities/target/",
        {"action": "build_historical", "_selected_action": [target.pk]},
        follow=True,
    )
    assert target.trajectories.count() == 1
    assert "history" in response.content.decode()
