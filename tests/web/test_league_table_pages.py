"""The league table is ranked on arrays and shown a page at a time: the same places, ties, figures
and flags as working out every unit's progress one by one, every row in the PDF, and the same
number of queries at ten times the schools."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from deliverology.configuration import OVERRIDE_VARIABLE, load_method_config
from deliverology.core.league import Entry, movement, rank
from deliverology.core.trajectories import TrajectoryMethod
from deliverology.demo.generator import generate_demo_system
from deliverology.web.assessments import builders
from deliverology.web.assessments.league import ranked_units
from deliverology.web.assessments.models import LeagueSnapshot
from deliverology.web.demo_system import install_demo_system
from deliverology.web.performance.models import LocalUnit, Metric, Observation, Subgroup
from deliverology.web.performance.series import load_series
from deliverology.web.priorities.actions import set_trajectory
from deliverology.web.priorities.models import Target
from deliverology.web.priorities.progress import plan_for, progress_of
from deliverology.web.subtargets.models import SubTarget
from deliverology.web.subtargets.plans import agreed_sub_targets
from tests.conftest import PERIODS, READING

LEVEL = "/league/?metric=reading&level=school&view=level"
TODAY = dt.date(2026, 5, 1)


def one_by_one(
    metric: Metric, local_unit_type: str, view: str, today: dt.date, *, previous: Any, until: Any
) -> dict[str, Any]:
    """The table as it was worked out before the arrays: every unit's progress object, ranked
    by the score of its figures (kept here, unchanged, to compare with)."""
    config = load_method_config()
    root = LocalUnit.objects.roots().order_by("path").first()
    everyone = Subgroup.objects.filter(code=Subgroup.ALL).first()
    units = list(LocalUnit.objects.filter(type=local_unit_type).order_by("name"))
    assert root is not None and everyone is not None
    series = load_series([metric], [root.pk, *(u.pk for u in units)], [everyone])
    if until is not None:
        last = metric.parse_period(until)
        series = {
            key: {p: f for p, f in found.items() if metric.parse_period(p) <= last}
            for key, found in series.items()
        }
    targets = {
        (t.local_unit_id, t.subgroup_id): t
        for t in metric.target_set.filter(
            Q(local_unit=root) | Q(local_unit__type=local_unit_type), subgroup=everyone
        ).prefetch_related("trajectories__points")
    }
    agreed = agreed_sub_targets([metric], units, [everyone])
    system_figures = series.get((metric.pk, root.pk, everyone.pk), {})
    system_target = targets.get((root.pk, everyone.pk))
    system_plan = plan_for(metric, system_figures, system_target, None)
    known = [metric.parse_period(p) for p, f in system_figures.items() if f.value is not None]
    system_latest = max(known, default=None)

    def progress(unit: LocalUnit) -> Any:
        figures = series.get((metric.pk, unit.pk, everyone.pk), {})
        plan = plan_for(
            metric,
            figures,
            targets.get((unit.pk, everyone.pk)),
            system_target,
            agreed.get((metric.pk, unit.pk, everyone.pk)),
            system_plan=system_plan,
        )
        return progress_of(metric, figures, plan, config, today, system_latest)

    facts = {u.code: builders._league_facts(progress(u), view) for u in units}
    placed = rank(
        [Entry(u.code, u.name, facts[u.code]["score"]) for u in units],
        config.assessment.league_tie_decimals,
    )
    before = {row["code"]: row["place"] for row in (previous.frozen["rows"] if previous else [])}
    by_code = {u.code: u for u in units}
    rows = [
        {
            "code": p.entry.key,
            "name": p.entry.name,
            "path": by_code[p.entry.key].path,
            "place": p.place,
            "tied": p.tied,
            "movement": movement(p.place, before.get(p.entry.key)),
            **facts[p.entry.key],
        }
        for p in placed
    ]
    return {
        "metric": metric.name,
        "metric_code": metric.code,
        "local_unit_type": local_unit_type,
        "view": view,
        "as_of": today.isoformat(),
        "previous": previous.quarter if previous else "",
        "rows": rows,
    }


@pytest.fixture
def demo(db: None) -> None:
    """A generated system, with one district on a target (and trajectory) of its own and one on
    a target with no trajectory: every way a unit gets its trajectory, both directions."""
    system = generate_demo_system(schools=80, districts=6, regions=2)
    install_demo_system(system, password="demo-pass-1", say=lambda _: None)
    reading = Metric.objects.get(code="grade3_reading")
    everyone = Subgroup.objects.get(code=Subgroup.ALL)
    first, second = LocalUnit.objects.filter(type="district").order_by("name")[:2]
    system_target = Target.objects.get(metric=reading, local_unit__parent__isnull=True)
    own = Target.objects.create(
        metric=reading,
        local_unit=first,
        subgroup=everyone,
        baseline_period=system_target.baseline_period,
        baseline_value=50.0,
        target_period=system_target.target_period,
        target_value=80.0,
        status="agreed",
    )
    set_trajectory(own, TrajectoryMethod.LINEAR)
    Target.objects.create(
        metric=reading,
        local_unit=second,
        subgroup=everyone,
        baseline_period=system_target.baseline_period,
        baseline_value=50.0,
        target_period=system_target.target_period,
        target_value=80.0,
        status="agreed",
    )


@pytest.mark.django_db
def test_the_ranked_table_is_the_table_worked_out_unit_by_unit(demo):
    checked = 0
    for metric in Metric.objects.order_by("code"):
        labels = Observation.objects.filter(metric=metric).values_list("period", flat=True)
        periods = sorted(set(labels), key=metric.parse_period)
        for level in ("region", "district", "school"):
            for view in ("level", "progress"):
                previous = LeagueSnapshot.objects.filter(
                    metric=metric, local_unit_type=level, view=view
                ).first()
                for until in (None, periods[-2]):
                    now = builders.league_table(
                        metric, level, view, TODAY, previous=previous, until=until
                    )
                    before = one_by_one(metric, level, view, TODAY, previous=previous, until=until)
                    assert now == before, (metric.code, level, view, until)
                    scores = {
                        r.code: r.score for r in ranked_units(metric, level, view, until=until)
                    }
                    assert scores == {row["code"]: row["score"] for row in before["rows"]}
                    checked += len(before["rows"])
    assert checked > 1000


@pytest.mark.django_db
def test_the_generated_table_has_ties_units_without_a_score_and_every_kind_of_trajectory(demo):
    """The comparison above covers the cases that matter: shared places, a metric where lower is
    better, and units on their own target, on an agreed sub-target, on no trajectory and moved."""
    reading = Metric.objects.get(code="grade3_reading")
    districts = builders.league_table(reading, "district", "progress", TODAY, previous=None)
    flags = [row["no_trajectory"] for row in districts["rows"]]
    assert any(flags) and not all(flags)
    assert SubTarget.objects.filter(
        sub_target_set__status="agreed", sub_target_set__target__metric=reading
    ).exists()
    schools = builders.league_table(reading, "school", "level", TODAY, previous=None)["rows"]
    assert any(row["tied"] for row in schools)
    absence = Metric.objects.get(code="chronic_absenteeism")
    assert absence.direction == "lower"
    assert builders.league_table(absence, "school", "progress", TODAY, previous=None)["rows"]


@pytest.fixture
def two_rows_a_page(tmp_path, monkeypatch):
    override = tmp_path / "method.toml"
    override.write_text("[assessment]\nleague_page_rows = 2\n", encoding="utf-8")
    monkeypatch.setenv(OVERRIDE_VARIABLE, str(override))
    load_method_config.cache_clear()
    yield
    load_method_config.cache_clear()


def places(page: str) -> list[tuple[str, str]]:
    rows = re.findall(r"<tr><td>([0-9=–]+)</td>.*?<th scope=\"row\">School (\w+)</th>", page, re.S)
    return [(place, school) for place, school in rows]


@pytest.mark.django_db
def test_the_table_is_shown_a_page_at_a_time_with_the_places_of_the_whole_table(
    login, system, two_rows_a_page
):
    client = login("analyst")
    pages = [client.get(f"{LEVEL}&page={n}").content.decode() for n in (1, 2, 3)]
    assert [len(places(page)) for page in pages] == [2, 2, 1]
    assert "Rows 1–2 of 5." in pages[0] and "Page 1 of 3" in pages[0]
    assert "Rows 5–5 of 5." in pages[2]
    assert "page=2" in pages[0] and 'rel="prev"' not in pages[0]
    assert 'rel="next"' not in pages[2] and "page=1" in pages[2]
    assert "metric=reading&amp;level=school&amp;view=level&amp;page=3" in pages[1]
    shown = [row for page in pages for row in places(page)]
    expected = sorted(READING, key=lambda s: -100 * READING[s][-1][0] / READING[s][-1][1])
    assert [school for _, school in shown] == expected
    assert [place for place, _ in shown] == ["1", "2", "3", "4", "5"]


@pytest.mark.django_db
def test_a_page_past_the_last_shows_the_last_and_a_page_that_is_no_number_the_first(
    login, system, two_rows_a_page
):
    client = login("analyst")
    last = places(client.get(f"{LEVEL}&page=3").content.decode())
    assert places(client.get(f"{LEVEL}&page=99").content.decode()) == last
    first = places(client.get(LEVEL).content.decode())
    assert places(client.get(f"{LEVEL}&page=abc").content.decode()) == first
    assert places(client.get(f"{LEVEL}&page=-4").content.decode()) == first


@pytest.mark.django_db
def test_the_pdf_holds_every_row(login, system, two_rows_a_page):
    import pypdfium2

    response = login("analyst").get(f"{LEVEL}&page=2&format=pdf")
    pdf = pypdfium2.PdfDocument(io.BytesIO(response.content))
    text = "".join(page.get_textpage().get_text_range() for page in pdf)
    assert all(f"School {school}" in text for school in READING)


@pytest.mark.django_db
def test_local_unit_users_page_through_their_own_units(login, system, two_rows_a_page):
    page = login("district").get(LEVEL).content.decode()
    assert {school for _, school in places(page)} == {"S1", "S2"}
    assert "Rows 1–2 of 2." in page and "Page 1 of" not in page


def _queries(client: Any, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


@pytest.mark.django_db
@pytest.mark.parametrize("view", ["level", "progress"])
def test_the_queries_are_the_same_at_ten_times_the_schools(login, system, two_rows_a_page, view):
    from deliverology.web.performance.actions import refresh_rollups

    client = login("analyst")
    path = f"/league/?metric=reading&level=school&view={view}"
    _queries(client, path)
    once = [_queries(client, f"{path}&page={n}") for n in (1, 3)]
    reading = system.metrics["reading"]
    schools = LocalUnit.objects.filter(type="school").count()
    for index in range(9 * schools):
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
    assert LocalUnit.objects.filter(type="school").count() == 10 * schools
    assert [_queries(client, f"{path}&page={n}") for n in (1, 25)] == once


@pytest.mark.django_db
def test_a_kept_table_is_paged_too_and_its_pdf_holds_every_row(login, system, two_rows_a_page):
    import pypdfium2

    from deliverology.web.assessments import actions

    reading = system.metrics["reading"]
    kept = actions.keep_snapshot(
        reading, "school", "level", today=dt.date(2025, 8, 1), by=system.people["analyst"]
    )
    assert len(kept.frozen["rows"]) == 5  # every row is kept, whatever the page size
    client = login("analyst")
    path = f"/league/snapshots/{kept.pk}/"
    pages = [places(client.get(f"{path}?page={n}").content.decode()) for n in (1, 2, 3, 4)]
    assert [len(page) for page in pages] == [2, 2, 1, 1]
    assert pages[3] == pages[2]
    whole = [(row["place"], row["code"]) for row in kept.frozen["rows"]]
    assert [(int(p), s) for page in pages[:3] for p, s in page] == whole
    pdf = pypdfium2.PdfDocument(io.BytesIO(client.get(f"{path}?format=pdf").content))
    text = "".join(page.get_textpage().get_text_range() for page in pdf)
    assert all(f"School {school}" in text for school in READING)
