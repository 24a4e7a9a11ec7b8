"""What a leader reads never misleads: periods beside every latest figure, targets a rate can
reach, and a sort order that is said."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from tests.conftest import READING, ratio_of_sums


def soup(response: object) -> BeautifulSoup:
    return BeautifulSoup(response.content.decode(), "html.parser")  # type: ignore[attr-defined]


def fact(page: BeautifulSoup, term: str) -> str:
    """The value beside a term of the page's summary ("Target (2026-27)" → "100.0%")."""
    for item in page.select("dl.facts > div"):
        if item.dt.get_text(" ", strip=True).startswith(term):
            return item.dd.get_text(" ", strip=True)
    raise AssertionError(f"no {term!r} on the page")


def test_it_never_shows_a_borrowed_target_past_100_percent(login, system):
    from deliverology.core.trajectories import TrajectoryMethod
    from deliverology.web.priorities.actions import set_trajectory
    from deliverology.web.priorities.models import Target

    target = Target.objects.get(metric=system.metrics["reading"], local_unit=system.units["ST"])
    target.target_value = 95.0
    target.save()
    set_trajectory(target, TrajectoryMethod.LINEAR, by=system.people["analyst"])
    # School S3 starts at 60% against the state's 51.9%: the state's uplift would take it to 103%.
    page = soup(login("analyst").get("/priorities/reading/units/S3/"))
    assert fact(page, "Target") == "100.0%"
    assert "stops there" in page.find(id="target-at-bound").get_text()
    trajectory = [row.find_all("td")[1].get_text(strip=True) for row in page.select("tbody tr")]
    assert all(float(text.rstrip("%")) <= 100.0 for text in trajectory if text.endswith("%"))


def test_it_says_a_target_the_trend_alone_reaches_is_not_ambitious(login, system):
    from deliverology.web.priorities.models import Target
    from deliverology.web.priorities.smart import refresh_smart_check

    # The state's reading rose every year from 2021-22 to 2024-25; asking for +0.5 points by
    # 2026-27 asks for less than the trend alone gives.
    target = Target.objects.create(
        metric=system.metrics["reading"],
        local_unit=system.units["ST"],
        subgroup=system.subgroups["low_income"],
        baseline_period="2024-25",
        baseline_value=40.0,
        target_period="2026-27",
        target_value=40.5,
    )
    check = refresh_smart_check(target)
    assert check.is_not_ambitious
    assert check.business_as_usual is not None and check.business_as_usual > 40.5
    page = soup(login("analyst").get(f"/targets/{target.pk}/course/"))
    warning = page.find(id="not-ambitious").get_text(" ", strip=True)
    assert "Not ambitious" in warning
    assert f"{check.business_as_usual:.3g}" in warning and "40.5" in warning


def table_rows(page: BeautifulSoup, heading_id: str) -> list[list[str]]:
    """The body rows of the table in the section headed `heading_id`, as cell texts."""
    section = page.find(id=heading_id).find_parent("section")
    return [
        [cell.get_text(" ", strip=True) for cell in row.find_all(["th", "td"])]
        for row in section.select("table tbody tr")
    ]


def test_it_shows_the_period_of_every_latest_figure_and_flags_one_older_than_the_systems(
    login, system
):
    from deliverology.web.performance.actions import refresh_rollups
    from deliverology.web.performance.models import Observation

    Observation.objects.filter(local_unit=system.units["S2"], period="2024-25").delete()
    refresh_rollups()
    rows = {
        row[0]: row
        for row in table_rows(
            soup(login("analyst").get("/priorities/reading/units/D1/")), "children-heading"
        )
    }
    assert "(2023-24)" in rows["School S2"][1]
    assert "older than 2024-25" in rows["School S2"][4]
    assert "(2024-25)" in rows["School S1"][1]
    assert "older than" not in rows["School S1"][4]


def test_it_flags_a_dashboard_card_older_than_the_systems_latest(login, system):
    from deliverology.web.performance.actions import refresh_rollups
    from deliverology.web.performance.models import Observation

    Observation.objects.filter(
        local_unit__in=[system.units["S1"], system.units["S2"]], period="2024-25"
    ).delete()
    refresh_rollups()
    page = soup(login("district").get("/"))  # the district user's home is District D1
    card = page.select("li.card")[0]
    assert "Latest (2023-24)" in card.get_text(" ", strip=True)
    assert "older than 2024-25" in card.get_text(" ", strip=True)


def test_with_no_targets_worst_first_orders_by_value_and_says_so(login, system):
    from deliverology.web.priorities.models import Target

    Target.objects.all().delete()
    client = login("analyst")
    page = soup(client.get("/priorities/reading/"))
    # 2024-25: North 239 of 380 (62.9%); South's own figure 100 of 160 (62.5%), so South is worse.
    assert [row[0] for row in table_rows(page, "children-heading")] == [
        "South Region",
        "North Region",
    ]
    assert "lowest (worst) first" in page.find(id="children-order").get_text()
    absence = soup(client.get("/priorities/absence/"))  # lower is better: highest first
    assert [row[0] for row in table_rows(absence, "children-heading")] == [
        "South Region",
        "North Region",
    ]
    assert "highest (worst) first" in absence.find(id="children-order").get_text()


def test_it_names_people_by_their_full_name_and_writes_costs_in_the_configured_currency(
    login, system
):
    from deliverology.web.strategy.models import Intervention

    owner = system.people["owner"]
    owner.first_name, owner.last_name = "Amina", "Okafor"
    owner.save()
    Intervention.objects.create(
        priority=system.priorities["reading"],
        title="Literacy coaches",
        owner=owner,
        effect=2.0,
        effect_low=1.0,
        effect_high=3.0,
        rollout_start="2025-26",
        rollout_full="2026-27",
        cost=9_500_000,
    )
    page = soup(login("analyst").get("/priorities/reading/strategy/"))
    row = next(r for r in page.select("tbody tr") if "Literacy coaches" in r.get_text())
    cells = [cell.get_text(" ", strip=True) for cell in row.find_all("td")]
    assert "Amina Okafor" in cells
    assert "owner" not in cells
    assert "$9,500,000" in cells


def test_people_without_a_full_name_are_shown_by_username(login, system):
    from deliverology.web.jinja2 import person

    assert person(system.people["analyst"]) == "analyst"
    assert person(None) == ""


def test_the_sub_targets_page_names_the_units_held_at_100_percent(login, system):
    from deliverology.core.allocation import AllocationMethod
    from deliverology.web.priorities.models import Target
    from deliverology.web.subtargets import actions

    target = Target.objects.get(metric=system.metrics["reading"], local_unit=system.units["ST"])
    sub_target_set = actions.build_sub_targets(
        target,
        level="school",
        method=AllocationMethod.UNIFORM_UPLIFT,
        by=system.people["analyst"],
        uplift=45.0,  # School S3 starts at 60%: 105% is impossible
    )
    values = {each.local_unit.code: each.value for each in sub_target_set.sub_targets.all()}
    assert max(values.values()) == 100.0
    # S3 (60%) and S5 (58.3%) pass 100% at once; their remainder, shared by denominator, takes
    # S1 (50% + 45) past it too; S2 and S4 take the rest, so the system's rate is as asked.
    held = sorted(code for code, value in values.items() if value == 100.0)
    assert held == ["S1", "S3", "S5"]
    denominators = {code: READING[code][0][1] for code in READING}
    asked = ratio_of_sums(list(READING), 0) + 45.0
    implied = sum(values[c] * denominators[c] for c in READING) / sum(denominators.values())
    assert implied == pytest.approx(asked)
    page = soup(login("analyst").get(f"/targets/{target.pk}/sub-targets/"))
    message = page.find(id="capped").get_text(" ", strip=True)
    assert "School S3" in message and "100.0%" in message
    assert "School S1" in message and "School S5" in message
    assert "School S4" not in message


def test_the_header_search_finds_only_the_units_a_person_may_see(login, system):
    header = soup(login("district").get("/")).find("form", class_="unit-search")
    assert header["action"] == "/search/" and header.find("input", attrs={"name": "q"})
    client = login("district")  # sees District D1 and its schools only
    found = soup(client.get("/search/?q=school"))
    names = [row.th.get_text(strip=True) for row in found.select("#units-found tbody tr")]
    assert names == ["School S1", "School S2"]
    link = found.select_one("#units-found tbody tr a")["href"]
    assert link == "/priorities/reading/units/S1/"
    assert "School S3" not in soup(client.get("/search/?q=S3")).get_text()
    everything = soup(login("analyst").get("/search/?q=s3"))
    assert [row.th.get_text(strip=True) for row in everything.select("#units-found tbody tr")] == [
        "School S3"
    ]


def test_a_school_the_metric_does_not_apply_to_is_not_listed_as_no_data(login, system):
    from deliverology.web.performance.models import LocalUnit

    LocalUnit.objects.create(
        code="H1", name="High School H1", type="school", category="high", parent=system.units["D1"]
    )
    LocalUnit.objects.create(
        code="S9", name="School S9", type="school", parent=system.units["D1"]
    )  # a school like the others, that has sent nothing yet: it is missing, not exempt
    page = soup(login("analyst").get("/priorities/reading/units/D1/"))
    listed = [row[0] for row in table_rows(page, "children-heading")]
    assert "High School H1" not in listed
    assert "School S9" in listed
    assert "High School H1" in page.find(id="not-measured").get_text()


def test_a_long_table_of_sub_targets_filters_sorts_and_groups_by_area(login, system):
    from deliverology.core.allocation import AllocationMethod
    from deliverology.web.priorities.models import Target
    from deliverology.web.subtargets import actions

    target = Target.objects.get(metric=system.metrics["reading"], local_unit=system.units["ST"])
    actions.build_sub_targets(
        target,
        level="school",
        method=AllocationMethod.UNIFORM_UPLIFT,
        by=system.people["analyst"],
        uplift=5.0,
    )
    client = login("analyst")
    url = f"/targets/{target.pk}/sub-targets/"

    def names(query: str) -> list[str]:
        page = soup(client.get(url + query))
        rows = page.select("table.sub-targets tbody tr:not(.group)")
        return [row.th.get_text(" ", strip=True).rsplit(" ", 1)[0] for row in rows]

    # North Region holds S1 (50% in 2021-22), S2 (37.5%) and S3 (60%).
    assert names("?area=R1&sort=value&descending=on") == ["School S3", "School S1", "School S2"]
    assert names("?q=s4") == ["School S4"]
    grouped = soup(client.get(url + "?group=on"))
    areas = [th.get_text(" ", strip=True) for th in grouped.select("tr.group th")]
    assert areas == ["North Region (3)", "South Region (2)"]


def test_targets_are_written_with_their_unit_wherever_they_are_named(login, system):
    from deliverology.web.priorities.models import Target

    target = Target.objects.get(metric=system.metrics["reading"], local_unit=system.units["ST"])
    course = soup(login("analyst").get(f"/targets/{target.pk}/course/"))
    assert "to 75.0% by 2026-27" in course.select_one("p.lede").get_text(" ", strip=True)
    sub_targets = soup(login("analyst").get(f"/targets/{target.pk}/sub-targets/"))
    assert "to 75.0% by 2026-27" in sub_targets.select_one("p.lede").get_text(" ", strip=True)


def test_a_dashboard_leaves_out_a_priority_whose_metric_does_not_apply_to_the_home_unit(
    login, system
):
    from deliverology.web.accounts.models import Profile
    from deliverology.web.performance.models import LocalUnit

    high = LocalUnit.objects.create(
        code="H1", name="High School H1", type="school", category="high", parent=system.units["D1"]
    )
    profile = Profile.objects.get(user=system.people["district"])
    profile.local_units.set([high])
    page = soup(login("district").get("/"))
    assert page.select("li.card") == []
    note = page.find(id="not-measured").get_text(" ", strip=True)
    assert "Priority: Grade 3 reading" in note and "High School H1" in note
