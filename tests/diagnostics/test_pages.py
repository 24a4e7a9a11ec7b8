"""The performance diagnostic page: who sees it, and its figures checked against the test system."""

from __future__ import annotations

import math

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import PERIODS, READING, SCHOOLS, ratio_of_sums

PAGE = "/priorities/reading/diagnostic/"
TARGET = 75.0  # the system target of the conftest system


def state_value(index: int) -> float:
    """The state's reading figure: in 2024-25 district D3 reports its own 100 of 160."""
    if index < 3:
        return ratio_of_sums(list(READING), index)
    return 100 * (63 + 36 + 140 + 100) / (100 + 80 + 200 + 160)


def district_counts(district: str, index: int) -> tuple[int, int]:
    if district == "D3" and index == 3:
        return 100, 160
    schools = [s for s, d in SCHOOLS.items() if d == district]
    return (
        sum(READING[s][index][0] for s in schools),
        sum(READING[s][index][1] for s in schools),
    )


def district_value(district: str, index: int) -> float:
    numerator, denominator = district_counts(district, index)
    return 100 * numerator / denominator


def quantile(values: list[float], q: float) -> float:
    """PERCENTILE.INC, written out."""
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (position - low) * (ordered[high] - ordered[low])


def text(response) -> str:
    return response.content.decode()


# --- who may see it -------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["leader", "analyst", "owner", "viewer"])
def test_every_role_that_sees_the_system_reads_the_diagnostic(login, persona):
    response = login(persona).get(PAGE)
    assert response.status_code == 200
    assert "Performance diagnostic" in text(response)
    assert "Testland" in text(response)


def test_a_district_user_sees_the_diagnostic_of_their_own_district(login):
    client = login("district")
    page = text(client.get(PAGE))
    assert "District D1" in page
    assert client.get("/priorities/reading/diagnostic/S1/").status_code == 200


@pytest.mark.parametrize(
    "path", ["/priorities/reading/diagnostic/D2/", "/priorities/reading/diagnostic/ST/"]
)
def test_a_district_user_cannot_see_another_units_diagnostic(login, path):
    assert login("district").get(path).status_code == 404
    assert login("district").get(path + "diagnostic.xlsx").status_code == 404


def test_a_person_without_a_role_is_refused(login):
    assert login("stranger").get(PAGE).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client, system):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_an_unknown_priority_or_unit_is_not_found(login):
    client = login("analyst")
    assert client.get("/priorities/nope/diagnostic/").status_code == 404
    assert client.get("/priorities/reading/diagnostic/NOPE/").status_code == 404


def test_the_priority_page_links_to_its_diagnostic(login):
    page = text(login("leader").get("/priorities/reading/units/D1/"))
    assert "/priorities/reading/diagnostic/D1/" in page


# --- against history ------------------------------------------------------------------------


def test_history_shows_average_change_and_compound_rate_over_the_default_k(login):
    page = text(login("analyst").get(PAGE))
    first, last = state_value(0), state_value(3)
    assert f"{(last - first) / 3:+,.2f}" in page
    assert f"{100 * ((last / first) ** (1 / 3) - 1):+,.2f}%" in page
    assert "over the last 3 periods" in page  # k is always shown


def test_k_comes_from_the_query_and_the_best_run_is_found(login):
    page = text(login("analyst").get(PAGE + "?k=1"))
    changes = [state_value(i + 1) - state_value(i) for i in range(3)]
    best = max(range(3), key=lambda i: changes[i])
    assert "over the last 1 periods" in page
    assert f"{PERIODS[best]} – {PERIODS[best + 1]}: {changes[best]:+,.2f}" in page


def test_a_bad_k_is_refused_on_its_field_and_the_default_is_used(login):
    response = login("analyst").get(PAGE + "?k=zero")
    assert response.status_code == 200
    page = text(response)
    assert 'role="alert"' in page
    assert "over the last 3 periods" in page


def test_too_little_history_for_k_says_so(login):
    page = text(login("analyst").get(PAGE + "?k=5"))
    assert "needs 6 periods of figures" in page


def test_lower_is_better_counts_a_fall_as_the_best_run(login):
    page = text(login("analyst").get("/priorities/absence/diagnostic/?k=1"))
    # Absence is rolled up from the schools in every period: D3 reports only reading.
    absence = [100 - ratio_of_sums(list(READING), i) for i in range(4)]
    changes = [absence[i + 1] - absence[i] for i in range(3)]
    best = min(range(3), key=lambda i: changes[i])
    assert f"{PERIODS[best]} – {PERIODS[best + 1]}: {changes[best]:+,.2f}" in page


# --- against top performers -----------------------------------------------------------------


def test_districts_are_ranked_with_quartile_decile_and_gaps(login):
    page = text(login("analyst").get(PAGE + "?level=district"))
    values = {d: district_value(d, 3) for d in ("D1", "D2", "D3")}
    top_quartile = quantile(list(values.values()), 0.75)
    top_decile = quantile(list(values.values()), 0.90)
    assert f'class="top-quartile">{top_quartile:,.1f}%' in page
    assert f'class="top-decile">{top_decile:,.1f}%' in page
    gap = top_quartile - values["D1"]
    assert f"<td>{values['D1']:,.1f}%</td><td>0</td><td>{gap:,.1f}</td>" in page
    assert f"<td>{values['D2']:,.1f}%</td><td>100</td><td>0.0</td><td>0.0</td>" in page


def test_a_district_is_placed_among_its_peers(login):
    page = text(login("analyst").get("/priorities/reading/diagnostic/D1/"))
    values = [district_value(d, 3) for d in ("D1", "D2", "D3")]
    gap = quantile(values, 0.75) - district_value("D1", 3)
    assert f"District D1 is at the 0th percentile: {gap:,.1f} from the top quartile" in page


def test_fastest_improvers_started_near_the_unit(login):
    page = text(login("analyst").get("/priorities/reading/diagnostic/D1/"))
    improvers = page.split("Fastest improvers")[1].split("<tbody>")[1].split("</table>")[0]
    # D1 started at 44.4; D3 (50.0) is within 10 points, D2 (60.0) is not.
    assert "District D3" in improvers and "District D1" in improvers
    assert "District D2" not in improvers
    d3 = district_value("D3", 3) - district_value("D3", 0)
    assert f"{d3:+,.1f}" in improvers
    assert improvers.index("District D3") < improvers.index("District D1")


@pytest.mark.parametrize("k", [2, 3])
def test_fastest_improvers_inside_the_state_started_near_the_median(login, k):
    page = text(login("analyst").get(PAGE + f"?level=district&k={k}"))
    start = {d: district_value(d, 3 - k) for d in ("D1", "D2", "D3")}
    median = sorted(start.values())[1]
    similar = [d for d in start if abs(start[d] - median) <= 10]
    improvement = {d: district_value(d, 3) - start[d] for d in similar}
    improvers = page.split("Fastest improvers")[1].split("<tbody>")[1].split("</table>")[0]
    rows = improvers.split("<tr>")[1:]
    assert len(rows) == len(similar)
    for row, district in zip(rows, sorted(similar, key=lambda d: -improvement[d]), strict=True):
        assert f"District {district}</th>" in row
        assert f"<td>{improvement[district]:+,.1f}</td>" in row


def test_a_lower_level_can_be_chosen(login):
    page = text(login("analyst").get(PAGE + "?level=school"))
    for school in READING:
        assert f"School {school}" in page


def test_an_unknown_level_is_refused_on_its_field(login):
    page = text(login("analyst").get(PAGE + "?level=planet"))
    assert "Select a valid choice" in page


# --- equity ---------------------------------------------------------------------------------


def test_subgroup_gaps_over_time(login):
    page = text(login("analyst").get(PAGE))
    table = page.split('id="subgroup-gaps"')[1].split("</table>")[0]
    gaps = []
    for index in range(4):
        numerator = sum(READING[s][index][0] // 3 for s in READING)
        denominator = sum(READING[s][index][1] // 2 for s in READING)
        gaps.append(100 * numerator / denominator - state_value(index))
    for gap in gaps:
        assert f"<td>{gap:+,.1f}</td>" in table
    assert f"<td>{gaps[-1] - gaps[0]:+,.1f}</td>" in table
    assert ("Not narrowing" in table) == (abs(gaps[-1]) >= abs(gaps[0]))


def test_where_is_the_gap_counts_people_by_district(login):
    page = text(login("analyst").get(PAGE + "?level=district"))
    needed = {}
    for district in ("D1", "D2", "D3"):
        numerator, denominator = district_counts(district, 3)
        needed[district] = max(0, math.ceil(TARGET * denominator / 100 - numerator))
    total = sum(needed.values())
    ordered = sorted(needed.values(), reverse=True)
    count = next(i for i in range(1, 4) if sum(ordered[:i]) >= total / 2)
    share = sum(ordered[:count]) / total
    summary = page.split('id="gap-summary"')[1].split("</p>")[0]
    assert f"{total:,} more people must be counted" in summary
    assert f"{100 * share:.0f}% of them are in {count} local unit" in summary
    table = page.split('id="gap-by-unit"')[1].split("</table>")[0]
    assert f"District D1</th><td>{needed['D1']:,}</td>" in table


def test_where_is_the_gap_splits_people_by_subgroup(login):
    page = text(login("analyst").get(PAGE + "?level=school"))
    low_income = sum(
        max(0, math.ceil(TARGET * (READING[s][3][1] // 2) / 100 - READING[s][3][0] // 3))
        for s in READING
    )
    table = page.split('id="gap-by-subgroup"')[1].split("</table>")[0]
    assert f"Low income</th><td>all</td><td>{low_income:,}</td>" in table


# --- query counts ---------------------------------------------------------------------------


def _add_schools(system, count: int) -> None:
    """Schools in district D2 with reading figures for every subgroup and period."""
    from deliverology.web.performance.actions import refresh_rollups
    from deliverology.web.performance.models import LocalUnit, Observation

    for index in range(count):
        school = LocalUnit.objects.create(
            code=f"X{index}", name=f"Extra {index}", type="school", parent=system.units["D2"]
        )
        for period in PERIODS:
            for subgroup, denominator in (("all", 90), ("low_income", 40)):
                observation = Observation(
                    metric=system.metrics["reading"],
                    local_unit=school,
                    subgroup=system.subgroups[subgroup],
                    period=period,
                    numerator=20 + index % 7,
                    denominator=denominator,
                )
                observation.full_clean()
                observation.save()
    refresh_rollups()


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    "path",
    [
        PAGE + "?level=school",
        "/priorities/reading/diagnostic/D2/",
        "/priorities/reading/diagnostic/S3/",
        "/priorities/reading/diagnostic.xlsx?level=school",
    ],
)
def test_query_count_does_not_grow_with_the_number_of_schools(login, system, path):
    client = login("analyst")
    client.get(path)
    before = _queries(client, path)
    _add_schools(system, 25)
    after = _queries(client, path)
    assert after == before
    assert before <= 20


def test_the_page_stays_within_a_fixed_number_of_queries(
    login, system, django_assert_max_num_queries
):
    client = login("analyst")
    client.get(PAGE)
    with django_assert_max_num_queries(20):
        client.get(PAGE + "?level=school&subgroup=low_income")


def test_added_schools_are_compared_on_the_page(login, system):
    _add_schools(system, 3)
    page = text(login("analyst").get(PAGE + "?level=school"))
    assert "Extra 2" in page


def test_long_lists_show_the_best_25_and_point_to_the_export(login, system):
    _add_schools(system, 30)
    page = text(login("analyst").get(PAGE + "?level=school"))
    assert "The best 25 of 35 local units" in page
    assert "local units needing most; the Excel export lists them all" in page
    table = page.split("Local units in Testland</caption>")[1].split("</table>")[0]
    assert table.count("<tr") == 1 + 25
