"""Every URL for every role: who may and may not see what."""

from __future__ import annotations

import pytest
from django.urls import reverse

ROLES = ["leader", "analyst", "owner", "district", "viewer"]
EVERYTHING = ["leader", "analyst", "owner", "viewer"]


@pytest.mark.parametrize(
    "path",
    ["/", "/priorities/reading/", "/priorities/reading/units/S1/"],
)
def test_anonymous_visitors_are_sent_to_log_in(client, system, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", ROLES)
def test_every_role_sees_the_dashboard(login, role):
    response = login(role).get("/")
    assert response.status_code == 200
    assert "Priority: Grade 3 reading" in response.content.decode()


@pytest.mark.parametrize("role", EVERYTHING)
@pytest.mark.parametrize("unit", ["ST", "R1", "D2", "S4"])
def test_system_wide_roles_see_every_unit(login, role, unit):
    assert login(role).get(f"/priorities/reading/units/{unit}/").status_code == 200


@pytest.mark.parametrize("unit", ["D1", "S1", "S2"])
def test_district_user_sees_their_own_subtree(login, unit):
    assert login("district").get(f"/priorities/absence/units/{unit}/").status_code == 200


@pytest.mark.parametrize("unit", ["ST", "R1", "D2", "S3", "S4"])
def test_district_user_cannot_see_units_outside_their_subtree(login, unit):
    assert login("district").get(f"/priorities/reading/units/{unit}/").status_code == 404


def test_district_users_dashboard_is_about_their_district(login):
    page = login("district").get("/").content.decode()
    assert "District D1" in page
    assert "Testland" not in page


def test_district_user_breadcrumb_stops_at_their_district(login):
    page = login("district").get("/priorities/reading/units/S1/").content.decode()
    assert "District D1" in page
    assert "North Region" not in page


def test_a_person_without_a_role_is_refused(login):
    assert login("stranger").get("/").status_code == 403


def test_unknown_priority_unit_and_subgroup_are_not_found(login):
    client = login("analyst")
    assert client.get("/priorities/nope/").status_code == 404
    assert client.get("/priorities/reading/units/NOPE/").status_code == 404
    assert client.get("/priorities/reading/?subgroup=nope").status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_only_delivery_unit_staff_reach_the_admin(login, role):
    response = login(role).get("/admin/")
    assert response.status_code == (200 if role == "analyst" else 302)


def test_pages_refuse_posts(login):
    assert login("analyst").post("/").status_code == 405


def test_login_with_a_wrong_password_explains_the_error(client, system):
    response = client.post(reverse("login"), {"username": "leader", "password": "wrong"})
    assert response.status_code == 200
    assert "enter a correct username and password" in response.content.decode()


def test_login_and_logout(client, system):
    from tests.conftest import PASSWORD

    response = client.post(reverse("login"), {"username": "leader", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    client.post(reverse("logout"))
    assert client.get("/").status_code == 302


def test_health_check_needs_no_login(client, db):
    answer = client.get("/healthz")
    assert (answer.status_code, answer.json()["status"]) == (200, "ok")
