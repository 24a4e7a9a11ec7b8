"""League tables of local units: by level or by progress against their own trajectory, with size
and data-quality flags, ties sharing a place, quarterly snapshots and movement between them."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import PERIODS, READING

LEVEL = "/league/?metric=reading&level=school&view=level"


def places(page: str) -> list[tuple[str, str]]:
    """(place, school) in the order of the table."""
    rows = re.findall(r"<tr><td>([0-9=–]+)</td>.*?<th scope=\"row\">School (S\d)</th>", page, re.S)
    return [(place, school) for place, school in rows]


def latest_rate(school: str) -> float:
    numerator, denominator = READING[school][-1]
    return 100 * numerator / denominator


@pytest.mark.django_db
def test_schools_are_ranked_by_their_latest_level_best_first(login, system):
    page = login("analyst").get(LEVEL).content.decode()
    expected = sorted(READING, key=lambda school: -latest_rate(school))
    assert [school for _, school in places(page)] == expected
    assert [place for place, _ in places(page)] == ["1", "2", "3", "4", "5"]
    assert f"({PERIODS[-1]})" in page


@pytest.mark.django_db
def test_equal_levels_share_a_place(login, system):
    from deliverology.web.performance.actions import refresh_rollups
    from deliverology.web.performance.models import Observation

    s3_numerator, s3_denominator = READING["S3"][-1]
    s2_denominator = READING["S2"][-1][1]
    tied = s3_numerator * s2_denominator // s3_denominator  # S2 at S3's rate
    Observation.objects.filter(
        local_unit__code="S2", metric__code="reading", period=PERIODS[-1], subgroup__code="all"
    ).update(numerator=tied, value=100 * tied / s2_denominator)
    refresh_rollups()
    ranked = dict(
        (school, place) for place, school in places(login("analyst").get(LEVEL).content.decode())
    )
    assert ranked["S2"] == ranked["S3"] and ranked["S2"].endswith("=")


@pytest.mark.django_db
def test_every_row_shows_its_size_and_data_quality(login, system):
    from deliverology.web.performance.models import Observation

    Observation.objects.filter(local_unit__code="S4", period=PERIODS[-1]).update(provisional=True)
    page = login("analyst").get(LEVEL).content.decode()
    s4 = page[page.index("School S4") :].split("</tr>")[0]
    assert f"<td>{READING['S4'][-1][1]}</td>" in s4  # size: the latest denominator
    assert "provisional" in s4
    districts = login("analyst").get("/league/?metric=reading&level=district&view=level")
    text = districts.content.decode()
    assert "2 of 2 schools, 100% of students" in text  # coverage of a rolled-up figure


@pytest.mark.django_db
def test_the_progress_view_ranks_by_the_gap_to_each_units_own_trajectory(login, system):
    page = login("analyst").get("/league/?metric=reading&level=school&view=progress")
    text = page.content.decode()
    assert "Ranked by the gap to each unit" in text
    assert len(places(text)) == 5


@pytest.mark.django_db
def test_local_unit_users_see_their_own_units_with_their_places_in_the_whole_table(login, system):
    everyone = dict(
        (school, place) for place, school in places(login("analyst").get(LEVEL).content.decode())
    )
    mine = places(login("district").get(LEVEL).content.decode())
    assert {school for _, school in mine} == {"S1", "S2"}  # district D1's schools
    assert all(everyone[school] == place for place, school in mine)


@pytest.mark.django_db
def test_a_quarter_is_kept_once_and_movement_since_is_shown(login, system):
    from deliverology.web.assessments import actions
    from deliverology.web.performance.actions import refresh_rollups
    from deliverology.web.performance.models import Metric, Observation

    analyst = login("analyst")
    reading = Metric.objects.get(code="reading")
    last_quarter = dt.date(2025, 8, 1)  # "today" is 2025-11-01 in the tests
    actions.keep_snapshot(
        reading, "school", "level", today=last_quarter, by=system.people["analyst"]
    )
    before = dict((s, p) for p, s in places(analyst.get(LEVEL).content.decode()))
    Observation.objects.filter(
        local_unit__code="S4", metric__code="reading", period=PERIODS[-1], subgroup__code="all"
    ).update(numerator=40, value=100.0)
    refresh_rollups()
    page = analyst.get(LEVEL).content.decode()
    assert "Movement since the snapshot of 2025-Q3." in page
    gained = int(before["S4"]) - 1
    s4 = page[: page.index("School S4")].rsplit("<tr>", 1)[1]
    assert f"▲ {gained}" in s4
    kept = analyst.post("/league/keep/", {"metric": "reading", "level": "school", "view": "level"})
    assert kept.status_code == 302
    again = analyst.post("/league/keep/", {"metric": "reading", "level": "school", "view": "level"})
    assert again.status_code == 409
    assert "already kept for 2025-Q4" in again.content.decode()


@pytest.mark.django_db
def test_only_the_delivery_unit_keeps_snapshots(login, system):
    response = login("leader").post(
        "/league/keep/", {"metric": "reading", "level": "school", "view": "level"}
    )
    assert response.status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["analyst", "leader", "owner", "district", "viewer"])
def test_the_league_table_opens_for_every_role_as_a_page_and_a_pdf(login, system, username):
    client = login(username)
    assert client.get(LEVEL).status_code == 200
    assert client.get(LEVEL + "&format=pdf")["Content-Type"] == "application/pdf"


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


@pytest.mark.django_db
def test_the_league_table_costs_the_same_queries_however_many_schools(login, system):
    from deliverology.web.performance.actions import refresh_rollups
    from deliverology.web.performance.models import LocalUnit, Observation

    client = login("analyst")
    _queries(client, LEVEL)
    first = _queries(client, LEVEL)
    reading = system.metrics["reading"]
    for index in range(30):
        school = LocalUnit.objects.create(
            code=f"X{index}", name=f"Extra {index}", type="school", parent=system.units["D2"]
        )
        Observation.objects.bulk_create(
            Observation(
                metric=reading,
                local_unit=school,
                subgroup=system.subgroups["all"],
                period=period,
                period_start=reading.parse_period(period).start,
                numerator=40 + index % 7,
                denominator=90,
                value=100 * (40 + index % 7) / 90,
            )
            for period in PERIODS
        )
    refresh_rollups()
    assert _queries(client, LEVEL) == first
