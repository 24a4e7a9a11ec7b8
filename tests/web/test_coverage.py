"""Reported and rolled-up figures are shown as such: a district whose own figure is suppressed,
with one of its three schools reporting, is never shown as that school's figure without saying
it is a partial roll-up; a district's published rate without counts is shown as reported."""

from __future__ import annotations

import re

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deliverology.web.performance.actions import refresh_rollups
from deliverology.web.performance.models import LocalUnit, Observation, Rollup
from tests.conftest import READING

LATEST = "2024-25"


@pytest.fixture
def third_school(system):
    """School S6 joins D3 (so D3 has S4, S5, S6), with a figure of 70 students a year before."""
    school = LocalUnit.objects.create(
        code="S6", name="School S6", type="school", parent=system.units["D3"]
    )
    Observation.objects.create(
        metric=system.metrics["reading"],
        local_unit=school,
        subgroup=system.subgroups["all"],
        period="2023-24",
        numerator=35,
        denominator=70,
    )
    return school


def suppress(codes, period=LATEST):
    Observation.objects.filter(
        metric__code="reading", subgroup__code="all", local_unit__code__in=codes, period=period
    ).update(numerator=None, denominator=None, value=None, missing_reason="suppressed")


def summary(page: str) -> str:
    return page.split('id="summary-heading"')[1].split("</section>")[0]


def test_a_suppressed_district_with_one_of_three_schools_is_shown_as_a_partial_roll_up(
    login, system, third_school
):
    suppress(["D3", "S5"])
    Observation.objects.create(
        metric=system.metrics["reading"],
        local_unit=third_school,
        subgroup=system.subgroups["all"],
        period=LATEST,
        missing_reason="not_collected",
    )
    refresh_rollups()
    page = login("analyst").get("/priorities/reading/units/D3/").content.decode()
    school_only = f"{100 * 12 / 40:,.1f}%"  # S4's own figure
    shown = summary(page)
    assert school_only in shown
    assert "rolled up (partial)" in shown
    # S4's 40 students, of S4's 40, S5's last known 120 and S6's last known 70
    assert f"1 of 3 schools, {100 * 40 / 230:,.0f}% of students, 1 suppressed" in shown
    assert "own figure: Suppressed (small numbers)" in shown


def test_a_partial_district_makes_its_region_partial_in_the_breakdown(login, system):
    suppress(["D3", "S5"])
    refresh_rollups()
    region = login("analyst").get("/priorities/reading/units/R2/").content.decode()
    assert "rolled up (partial)" in summary(region)
    row = re.search(r'<tr>\s*<th scope="row"><a [^>]*>District D3</a></th>.*?</tr>', region, re.S)
    assert row is not None and "rolled up (partial): 1 of 2 schools" in row.group(0)


def test_a_complete_roll_up_is_labelled_rolled_up_and_a_reported_figure_reported(login):
    page = login("analyst").get("/priorities/reading/units/D1/").content.decode()
    assert "rolled up: 2 of 2 schools, 100% of students" in summary(page)
    school = login("analyst").get("/priorities/reading/units/S1/").content.decode()
    assert '<span class="source source-reported">reported</span>' in summary(school)


def test_a_rate_only_district_figure_is_shown_as_reported(login, system):
    district = Observation.objects.get(
        metric__code="reading", local_unit__code="D3", subgroup__code="all", period=LATEST
    )
    district.numerator = district.denominator = None
    district.value = 82.0
    district.full_clean()
    district.save()
    refresh_rollups()
    page = login("analyst").get("/priorities/reading/units/D3/").content.decode()
    assert "82.0%" in summary(page)
    assert "reported (rate only)" in summary(page)
    # The region weighs D3 by its schools, the only counts there are.
    region = Rollup.objects.get(
        metric__code="reading", local_unit__code="R2", subgroup__code="all", period=LATEST
    )
    assert (region.numerator, region.denominator) == (12 + 85, 40 + 120)


def test_a_rate_only_figure_outside_the_scale_is_refused(system):
    from django.core.exceptions import ValidationError

    district = Observation(
        metric=system.metrics["reading"],
        local_unit=system.units["D1"],
        subgroup=system.subgroups["all"],
        period=LATEST,
        value=182.0,
    )
    with pytest.raises(ValidationError, match="a rate of 182 is outside 0 to 100"):
        district.full_clean()


def test_the_diagnostic_and_its_export_say_a_district_figure_is_a_partial_roll_up(login, system):
    import io

    from openpyxl import load_workbook

    suppress(["D3", "S5"])
    refresh_rollups()
    client = login("analyst")
    page = client.get("/priorities/reading/diagnostic/D3/").content.decode()
    latest = page.split('id="history-heading"')[1].split("</dl>")[0]
    assert "rolled up (partial): 1 of 2 schools" in latest
    region = client.get("/priorities/reading/diagnostic/R2/?level=district").content.decode()
    row = re.search(r"District D3</a></th>.*?</tr>", region, re.S)
    assert row is not None and "rolled up (partial)" in row.group(0)
    response = client.get("/priorities/reading/diagnostic/D3/diagnostic.xlsx")
    book = load_workbook(io.BytesIO(response.content))
    summary = dict(list(book["Summary"].iter_rows(values_only=True))[1:])
    assert summary["Latest value is"].startswith("rolled up (partial): 1 of 2 schools")
    region_book = load_workbook(
        io.BytesIO(client.get("/priorities/reading/diagnostic/R2/diagnostic.xlsx").content)
    )
    units = {row[1]: row for row in region_book["Local units"].iter_rows(values_only=True)}
    assert units["D3"][-1] == "rolled up (partial)"


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    st.sets(st.sampled_from(["S4", "S5"])),
    st.booleans(),
    st.sampled_from(["suppressed", "not_collected"]),
)
def test_no_page_shows_a_childs_figure_as_its_parents_without_saying_so(
    login, system, missing, district_reports, reason
):
    with transaction.atomic():
        if not district_reports:
            missing = {*missing, "D3"}
        Observation.objects.filter(
            metric__code="reading", subgroup__code="all", local_unit__code__in=missing
        ).update(numerator=None, denominator=None, value=None, missing_reason=reason)
        refresh_rollups()
        page = login("analyst").get("/priorities/reading/units/D3/").content.decode()
        shown = summary(page)
        schools = [code for code in ("S4", "S5") if code not in missing]
        if "D3" not in missing:
            assert '<span class="source source-reported">reported</span>' in shown
        elif len(schools) == 1:
            numerator, denominator = READING[schools[0]][3]
            assert f"{100 * numerator / denominator:,.1f}%" in shown
            assert "rolled up (partial): 1 of 2 schools" in shown
        elif schools:
            assert "rolled up: 2 of 2 schools, 100% of students" in shown
        transaction.set_rollback(True)


def test_a_reported_figure_is_shown_with_its_roll_up_and_the_difference_beside_it(login):
    page = login("analyst").get("/priorities/reading/units/D3/").content.decode()
    rolled = 100 * (12 + 85) / (40 + 120)
    shown = summary(page)
    assert "62.5%" in shown and '<span class="source source-reported">reported</span>' in shown
    assert f"from its children: {rolled:,.1f}% (rolled up: 2 of 2 schools, 100% of students)" in (
        shown
    )
    assert f"difference {62.5 - rolled:+,.1f}" in shown


def test_a_school_the_metric_never_measured_is_not_expected_of_its_district(system):
    """A high school has no grade-3 figure in any period: its district's roll-up is complete
    without it, while a school that did report once and is now missing still counts."""
    LocalUnit.objects.create(
        code="S7", name="High School S7", type="school", parent=system.units["D3"]
    )
    refresh_rollups()
    rolled = Rollup.objects.get(
        metric__code="reading", subgroup__code="all", local_unit__code="D3", period=LATEST
    )
    assert rolled.reporting_children == rolled.expected_children
    assert rolled.coverage == 1.0


def test_a_school_that_reported_before_is_still_expected_when_it_is_missing(system, third_school):
    refresh_rollups()
    rolled = Rollup.objects.get(
        metric__code="reading", subgroup__code="all", local_unit__code="D3", period=LATEST
    )
    assert rolled.expected_children == rolled.reporting_children + 1
    assert rolled.coverage < 1.0
