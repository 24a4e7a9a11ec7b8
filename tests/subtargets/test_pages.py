"""The sub-target pages for every persona: who sees which rows, who may propose, adjust, stretch
and agree, and what a refused change says."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from deliverology.core.allocation import AllocationMethod
from deliverology.web.subtargets import actions
from deliverology.web.subtargets.models import SubTarget, SubTargetSet
from tests.subtargets.test_actions import by_code, reading_target


@pytest.fixture
def negotiated(system):
    return actions.build_sub_targets(
        reading_target(system),
        level="district",
        method=AllocationMethod.NEGOTIATED,
        by=system.people["analyst"],
    )


@pytest.fixture
def uplift(system):
    return actions.build_sub_targets(
        reading_target(system),
        level="district",
        method=AllocationMethod.UNIFORM_UPLIFT,
        by=system.people["analyst"],
        uplift=10.0,
    )


def page_of(client, system) -> str:
    response = client.get(f"/targets/{reading_target(system).pk}/sub-targets/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("persona", ["leader", "analyst", "owner", "viewer"])
def test_everyone_with_the_whole_system_sees_every_district_and_the_check(
    login, system, uplift, persona
):
    page = page_of(login(persona), system)
    for code in ("D1", "D2", "D3"):
        assert f'id="unit-{code}"' in page
    assert "Aggregation check" in page
    # 334 readers of 540 at the sub-targets: 61.9%, short of 75% by 71 students.
    assert "61.9%" in page
    assert "71 people of 540" in page
    assert "Export to Excel" in page


@pytest.mark.parametrize("persona", ["leader", "owner", "viewer"])
def test_read_only_personas_get_no_forms(login, system, uplift, persona):
    page = page_of(login(persona), system)
    assert ">Adjust</button>" not in page and ">Propose</button>" not in page
    assert "Agree these sub-targets" not in page
    assert "Stretch the sub-targets" not in page


def test_the_delivery_unit_can_adjust_stretch_agree_and_rebuild(login, system, uplift):
    page = page_of(login("analyst"), system)
    assert page.count(">Adjust</button>") == 3
    assert "Stretch the sub-targets" in page
    assert "an uplift of 23.15 (now 10.00)" in page
    assert "Agree these sub-targets" in page
    assert "Rebuild the sub-targets" in page


def test_a_district_user_sees_and_proposes_only_for_their_own_district(login, system, negotiated):
    client = login("district")
    page = page_of(client, system)
    assert 'id="unit-D1"' in page
    assert 'id="unit-D2"' not in page and 'id="unit-D3"' not in page
    assert "Aggregation check" not in page and "Export to Excel" not in page
    assert page.count(">Propose</button>") == 1

    d1, d2 = by_code(negotiated)["D1"], by_code(negotiated)["D2"]
    response = client.post(f"/sub-targets/{d1.pk}/propose/", {"value": "58.5", "note": "coaches"})
    assert response.status_code == 302
    d1.refresh_from_db()
    assert (d1.proposed_value, d1.status) == (58.5, SubTarget.Status.PROPOSED)
    assert d1.steps.get().by == system.people["district"]

    assert client.post(f"/sub-targets/{d2.pk}/propose/", {"value": "70"}).status_code == 404
    assert client.post(f"/sub-targets/{d1.pk}/adjust/", {"value": "70"}).status_code == 403
    target = reading_target(system)
    assert client.post(f"/targets/{target.pk}/sub-targets/agree/").status_code == 403
    assert client.get(f"/targets/{target.pk}/spreadsheet.xlsx").status_code == 403


@pytest.mark.parametrize("persona", ["leader", "owner", "viewer"])
def test_read_only_personas_cannot_change_anything(login, system, negotiated, persona):
    client = login(persona)
    d1 = by_code(negotiated)["D1"]
    target = reading_target(system)
    assert client.post(f"/sub-targets/{d1.pk}/propose/", {"value": "70"}).status_code == 403
    assert client.post(f"/sub-targets/{d1.pk}/adjust/", {"value": "70"}).status_code == 403
    assert client.post(f"/targets/{target.pk}/sub-targets/stretch/").status_code == 403
    assert client.post(f"/targets/{target.pk}/sub-targets/build/", {}).status_code == 403
    d1.refresh_from_db()
    assert d1.status == SubTarget.Status.AWAITING_PROPOSAL


def test_a_stranger_is_refused_and_anonymous_is_sent_to_log_in(client, login, system, uplift):
    target = reading_target(system)
    assert client.get(f"/targets/{target.pk}/sub-targets/").status_code == 302
    assert login("stranger").get(f"/targets/{target.pk}/sub-targets/").status_code == 403


def test_a_district_user_does_not_see_a_target_of_another_district(login, system):
    from deliverology.web.priorities.models import Target

    other = Target.objects.create(
        metric=system.metrics["reading"],
        local_unit=system.units["D3"],
        subgroup=system.subgroups["all"],
        baseline_period="2021-22",
        baseline_value=50,
        target_period="2026-27",
        target_value=60,
    )
    client = login("district")
    assert client.get(f"/targets/{other.pk}/sub-targets/").status_code == 404
    listing = client.get("/sub-targets/").content.decode()
    assert f"/targets/{reading_target(system).pk}/sub-targets/" in listing
    assert f"/targets/{other.pk}/sub-targets/" not in listing


def test_the_delivery_unit_builds_sub_targets_from_the_page(login, system):
    client = login("analyst")
    target = reading_target(system)
    response = client.post(
        f"/targets/{target.pk}/sub-targets/build/",
        {"level": "district", "method": "gap_closing", "benchmark": "90", "share": "0.5"},
    )
    assert response.status_code == 302
    sub_target_set = SubTargetSet.objects.get(target=target)
    assert sub_target_set.parameters == {"benchmark": 90.0, "share": 0.5}
    assert by_code(sub_target_set)["D2"].value == pytest.approx(75.0)


def test_a_method_without_its_parameters_is_refused_on_its_field(login, system):
    client = login("analyst")
    target = reading_target(system)
    response = client.post(
        f"/targets/{target.pk}/sub-targets/build/", {"level": "district", "method": "gap_closing"}
    )
    assert response.status_code == 400
    assert response.content.decode().count("This method needs it.") == 2
    assert not SubTargetSet.objects.exists()


def test_a_benchmark_outside_the_range_is_explained_and_nothing_saved(login, system):
    client = login("analyst")
    target = reading_target(system)
    response = client.post(
        f"/targets/{target.pk}/sub-targets/build/",
        {"level": "district", "method": "gap_closing", "benchmark": "120", "share": "0.5"},
    )
    assert response.status_code == 400
    assert "the benchmark must be between 0 and 100" in response.content.decode()
    assert not SubTargetSet.objects.exists()


def test_one_click_stretch_then_agree(login, system, uplift):
    client = login("analyst")
    target = reading_target(system)
    refused = client.post(f"/targets/{target.pk}/sub-targets/agree/")
    assert refused.status_code == 400
    assert "by 71 people" in refused.content.decode()
    assert client.post(f"/targets/{target.pk}/sub-targets/stretch/").status_code == 302
    assert client.post(f"/targets/{target.pk}/sub-targets/agree/").status_code == 302
    page = page_of(client, system)
    assert "The sub-targets add up to the system target" in page
    assert "Agree these sub-targets" not in page and ">Adjust</button>" not in page


def test_a_bad_value_is_refused_where_it_was_entered(login, system, uplift):
    client = login("analyst")
    d1 = by_code(uplift)["D1"]
    response = client.post(f"/sub-targets/{d1.pk}/adjust/", {"value": "abc"})
    assert response.status_code == 400
    assert "District D1: Enter a number." in response.content.decode()
    response = client.post(f"/sub-targets/{d1.pk}/adjust/", {"value": "140"})
    assert "District D1: A sub-target lies between 0 and 100" in response.content.decode()
    d1.refresh_from_db()
    assert d1.status == SubTarget.Status.ALLOCATED


def test_the_page_costs_the_same_queries_however_many_sub_targets(login, system, uplift):
    client = login("leader")
    target = reading_target(system)
    url = f"/targets/{target.pk}/sub-targets/"
    client.get(url)
    with CaptureQueriesContext(connection) as three:
        client.get(url)
    actions.build_sub_targets(
        target, level="school", method=AllocationMethod.UNIFORM_UPLIFT, by=None, uplift=5.0
    )
    with CaptureQueriesContext(connection) as five:
        client.get(url)
    assert len(five.captured_queries) == len(three.captured_queries)


def test_the_delivery_unit_reshapes_after_a_new_system_trajectory(login, system, uplift):
    from deliverology.core.trajectories import TrajectoryMethod
    from deliverology.web.priorities.actions import set_trajectory

    actions.stretch(uplift, by=None)
    actions.agree(uplift, by=None)  # an agreed set follows the system trajectory too
    set_trajectory(reading_target(system), TrajectoryMethod.S_CURVE)
    client = login("analyst")
    assert "Reshape them like the new version" in page_of(client, system)
    assert "Reshape them" not in page_of(login("leader"), system)
    client = login("analyst")
    response = client.post(f"/targets/{reading_target(system).pk}/sub-targets/reshape/")
    assert response.status_code == 302
    assert "Reshape them" not in page_of(client, system)


def test_a_row_lists_its_steps_without_a_model_for_each_step(login, system):
    from django.db.models.signals import post_init

    from deliverology.web.subtargets.models import NegotiationStep

    client = login("analyst")
    built_by_the_system = actions.build_sub_targets(
        reading_target(system),
        level="district",
        method=AllocationMethod.UNIFORM_UPLIFT,
        by=None,
        uplift=10.0,
    )
    d1 = by_code(built_by_the_system)["D1"]
    assert (
        client.post(f"/sub-targets/{d1.pk}/adjust/", {"value": "55", "note": "agreed"}).status_code
        == 302
    )
    made: list[object] = []

    def count(sender, instance, **kwargs):
        made.append(instance)

    post_init.connect(count, sender=NegotiationStep)
    try:
        page = page_of(client, system)
    finally:
        post_init.disconnect(count, sender=NegotiationStep)

    assert made == []
    row = page[page.index('id="unit-D1"') :].split("</tr>")[0]
    assert "2 steps" in row
    assert "<li>Allocated " in row and " · system · " in row
    assert "<li>Adjusted 55.00 · analyst · " in row and " · agreed</li>" in row
