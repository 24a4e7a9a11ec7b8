"""What the dashboard and priority pages show, and how many queries they cost."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import READING, ratio_of_sums


def test_dashboard_shows_the_system_roll_up_as_a_ratio_of_sums(login):
    page = login("leader").get("/").content.decode()
    # District D3 reports its own 2024-25 figure (100 of 160), which stands in for its schools.
    latest = 100 * (63 + 36 + 140 + 100) / (100 + 80 + 200 + 160)
    assert f"{latest:,.1f}%" in page
    rates = [100 * READING[s][3][0] / READING[s][3][1] for s in READING]
    assert f"{sum(rates) / len(rates):,.1f}%" not in page  # never the mean of the rates


def test_dashboard_shows_status_trend_and_a_chart_for_every_priority(login):
    page = login("leader").get("/").content.decode()
    assert page.count('class="card"') == 2
    assert page.count("<svg") >= 2
    assert "trend-improving" in page
    assert "status-" in page


def test_priority_page_lists_periods_with_actual_trajectory_gap_and_status(login):
    page = login("analyst").get("/priorities/reading/").content.decode()
    for period in ("2021-22", "2024-25", "2026-27"):
        assert period in page
    assert "Actuals against the trajectory" in page
    assert "North Region" in page and "South Region" in page


def test_a_unit_reporting_its_own_figure_shows_both_figures(login):
    page = login("analyst").get("/priorities/reading/units/D3/").content.decode()
    rolled = ratio_of_sums(["S4", "S5"], 3)
    assert "reported 62.5" in page
    assert f"{rolled:,.1f}" in page


def test_lower_is_better_metric_counts_a_fall_as_improvement(login):
    page = login("analyst").get("/priorities/absence/").content.decode()
    assert "trend-improving" in page


def test_subgroup_breakdown_and_filter(login):
    client = login("analyst")
    page = client.get("/priorities/reading/").content.decode()
    assert "Low income" in page
    filtered = client.get("/priorities/reading/units/D1/?subgroup=low_income").content.decode()
    assert 'value="low_income" selected' in filtered


def test_missing_is_shown_as_missing_not_zero(login, system):
    from deliverology.web.performance.actions import refresh_rollups
    from deliverology.web.performance.models import Observation

    Observation.objects.filter(local_unit__code="S1", period="2024-25").update(
        numerator=None, denominator=None, value=None, missing_reason="suppressed"
    )
    refresh_rollups()
    page = login("analyst").get("/priorities/reading/units/S1/").content.decode()
    assert "Suppressed" in page
    assert ">0.0%" not in page


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def _add_schools(system, count: int) -> None:
    from deliverology.web.performance.actions import refresh_rollups
    from deliverology.web.performance.models import LocalUnit, Observation

    district = system.units["D2"]
    for index in range(count):
        school = LocalUnit.objects.create(
            code=f"X{index}", name=f"Extra {index}", type="school", parent=district
        )
        Observation.objects.bulk_create(
            Observation(
                metric=system.metrics["reading"],
                local_unit=school,
                subgroup=system.subgroups["all"],
                period=period,
                period_start=system.metrics["reading"].parse_period(period).start,
                numerator=40 + index % 7,
                denominator=90,
                value=100 * (40 + index % 7) / 90,
            )
            for period in ("2021-22", "2022-23", "2023-24", "2024-25")
        )
    refresh_rollups()


@pytest.mark.parametrize("path", ["/", "/priorities/reading/", "/priorities/reading/units/D2/"])
def test_query_count_does_not_grow_with_the_number_of_units(login, system, path):
    client = login("analyst")
    client.get(path)  # warm the session and caches
    before = _queries(client, path)
    _add_schools(system, 25)
    after = _queries(client, path)
    assert after == before
    # one of them: the agreed sub-targets the units are measured against; one the open problems;
    # on a priority page, three more: its delivery plan for the summary and its chains' weak
    # links for the plan's checklist
    assert before <= (20 if "priorities" in path else 17)
