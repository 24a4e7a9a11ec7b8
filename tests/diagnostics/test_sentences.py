"""Every sentence the diagnostic writes agrees with the table beside it, read from the page."""

from __future__ import annotations

from bs4 import BeautifulSoup

from deliverology.core.allocation import AllocationMethod


def soup(response: object) -> BeautifulSoup:
    return BeautifulSoup(response.content.decode(), "html.parser")  # type: ignore[attr-defined]


def number(text: str) -> float:
    return float(text.replace(",", "").replace("%", "").replace("+", "").split()[0])


def test_the_group_named_as_widest_gap_is_the_one_furthest_behind_in_the_table(login, system):
    from deliverology.web.performance.models import Observation, Subgroup

    learners = Subgroup.objects.create(code="el", name="English learners", order=2)
    # Far behind at first, then closer than low income (about 20 points behind) in 2024-25.
    for period, numerator in (("2021-22", 100), ("2024-25", 290)):
        observation = Observation(
            metric=system.metrics["reading"],
            local_unit=system.units["ST"],
            subgroup=learners,
            period=period,
            numerator=numerator,
            denominator=500,
        )
        observation.full_clean()
        observation.save()
    page = soup(login("analyst").get("/priorities/reading/diagnostic/"))
    table = page.find(id="subgroup-gaps")
    latest = [
        (row.th.get_text(strip=True), row.find_all("td")[-3].get_text(strip=True))
        for row in table.select("tbody tr")
    ]
    known = {name: number(gap) for name, gap in latest if gap != "–"}
    furthest = min(known, key=known.__getitem__)
    sentence = page.find(id="widest-gap").get_text(" ", strip=True)
    assert furthest == "Low income"
    assert f"widest for {furthest}" in sentence
    assert f"{known[furthest]:+.1f}" in sentence
    assert "2024-25" in sentence


def _improvers(page: BeautifulSoup) -> list[list[str]]:
    """The fastest improvers among the schools inside the unit (the last such table)."""
    heading = page.find_all("h4", string="Fastest improvers from a similar starting point")[-1]
    following = heading.find_next_sibling(["table", "h3", "h4"])
    rows = following.select("tbody tr") if following and following.name == "table" else []
    return [[cell.get_text(strip=True) for cell in row.find_all(["th", "td"])] for row in rows]


def test_fastest_improvers_lists_only_units_that_improved(login, system):
    from deliverology.web.performance.actions import refresh_rollups
    from deliverology.web.performance.models import Observation

    # School S2 falls from 30 of 80 in 2021-22 to 20 of 80 in 2024-25.
    Observation.objects.filter(
        local_unit=system.units["S2"], period="2024-25", subgroup__code="all"
    ).update(numerator=20, value=25.0)
    refresh_rollups()
    page = soup(login("analyst").get("/priorities/reading/diagnostic/D1/?level=school&k=3"))
    rows = _improvers(page)
    assert rows, "School S1 improved and should be listed"
    assert all(number(row[-1]) > 0 for row in rows)
    assert "School S2" not in [row[0] for row in rows]


def test_it_says_so_when_no_similar_unit_improved(login, system):
    from deliverology.web.performance.actions import refresh_rollups
    from deliverology.web.performance.models import Observation

    for school in ("S1", "S2"):
        Observation.objects.filter(
            local_unit=system.units[school], period="2024-25", subgroup__code="all"
        ).update(numerator=1, value=1.0)
    refresh_rollups()
    page = soup(login("analyst").get("/priorities/reading/diagnostic/D1/?level=school&k=3"))
    assert _improvers(page) == []
    assert "No local unit from a similar starting point improved" in page.get_text()


def test_where_is_the_gap_counts_against_the_districts_agreed_sub_target(login, system):
    from deliverology.web.priorities.models import Target
    from deliverology.web.subtargets import actions

    target = Target.objects.get(metric=system.metrics["reading"], local_unit=system.units["ST"])
    analyst = system.people["analyst"]
    sub_target_set = actions.build_sub_targets(
        target, level="district", method=AllocationMethod.NEGOTIATED, by=analyst
    )
    for sub_target in sub_target_set.sub_targets.all():
        actions.adjust(sub_target, 90.0 if sub_target.local_unit.code == "D1" else 80.0, by=analyst)
    actions.agree(sub_target_set, by=analyst)
    page = soup(login("analyst").get("/priorities/reading/diagnostic/D1/?level=school"))
    summary = page.find(id="gap-summary").get_text(" ", strip=True)
    assert "target of 90.0%" in summary  # D1's sub-target, not the state's 75%
    assert "agreed sub-target" in page.find(id="gap-goal").get_text()
    # The sentence's total is the sum of the table below it (every unit is listed: fewer than 25).
    rows = page.select("#gap-by-unit tbody tr")
    total = sum(number(row.find_all("td")[0].get_text(strip=True)) for row in rows)
    assert summary.startswith(f"{total:,.0f} more people")
    # 90% of S1's 100 is 90 (63 read), of S2's 80 is 72 (36 read): 27 + 36 people.
    assert total == 27 + 36


def test_a_district_is_compared_with_districts_of_its_own_system_only(login, system):
    from deliverology.web.performance.actions import refresh_rollups
    from deliverology.web.performance.models import LocalUnit, Observation

    elsewhere = LocalUnit.objects.create(code="OT", name="Otherland", type="state")
    district = LocalUnit.objects.create(
        code="OD1", name="Other District", type="district", parent=elsewhere
    )
    for period in ("2021-22", "2024-25"):
        observation = Observation(
            metric=system.metrics["reading"],
            local_unit=district,
            subgroup=system.subgroups["all"],
            period=period,
            numerator=90,
            denominator=100,
        )
        observation.full_clean()
        observation.save()
    refresh_rollups()
    page = soup(login("analyst").get("/priorities/reading/diagnostic/D1/"))
    compared = page.get_text(" ")
    assert "District D2" in compared
    assert "Other District" not in compared


def test_other_systems_are_compared_with_the_system_not_with_its_districts(login, system):
    from deliverology.web.diagnostics.models import Comparator

    for period, value in (("2021-22", 55.0), ("2024-25", 60.0)):
        figure = Comparator(
            name="Neighbouring State",
            metric=system.metrics["reading"],
            subgroup=system.subgroups["all"],
            period=period,
            value=value,
        )
        figure.full_clean()
        figure.save()
    client = login("analyst")
    state = soup(client.get("/priorities/reading/diagnostic/"))
    assert "Neighbouring State" in state.get_text()
    district = soup(client.get("/priorities/reading/diagnostic/D1/"))
    assert "Neighbouring State" not in district.get_text()
    assert district.find(id="comparators-at-system") is not None
