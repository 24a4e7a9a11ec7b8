"""The installed demo shows every part of the method: strategies, comparators, findings,
sub-targets and locked targets; the same seed installs the same content; installing is once."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from deliverology.cli import main
from deliverology.demo.generator import generate_demo_system
from deliverology.demo.strategy import STRATEGIES
from deliverology.web.demo_system import install_demo_system
from deliverology.web.diagnostics.models import Comparator, Hypothesis
from deliverology.web.performance.models import Rollup
from deliverology.web.priorities.models import Priority, Proposal, Target
from deliverology.web.strategy.models import Intervention, StopListItem
from deliverology.web.subtargets.actions import check_of
from deliverology.web.subtargets.models import SubTarget, SubTargetSet


def content() -> dict[str, Any]:
    """Everything the demo adds beyond figures and trajectories, in a comparable form."""
    return {
        "interventions": sorted(
            (
                each.priority.code,
                each.title,
                each.owner.username if each.owner else "",
                each.effect_low,
                each.effect,
                each.effect_high,
                each.status,
                tuple(sorted(d.title for d in each.dependencies.all())),
            )
            for each in Intervention.objects.select_related("priority", "owner")
        ),
        "stop_list": sorted(
            StopListItem.objects.values_list("priority__code", "activity", "status")
        ),
        "hypotheses": sorted(
            Hypothesis.objects.values_list("priority__code", "kind", "statement", "status")
        ),
        "comparators": sorted(
            Comparator.objects.values_list("name", "metric__code", "period", "value")
        ),
        "sub_targets": sorted(
            SubTarget.objects.values_list(
                "sub_target_set__target__metric__code", "local_unit__code", "value", "status"
            )
        ),
        "targets": sorted(
            (each.metric.code, each.status, each.target_value, each.trajectories.count())
            for each in Target.objects.select_related("metric")
        ),
    }


@pytest.fixture
def demo():
    system = generate_demo_system(schools=120, districts=6, regions=1)
    install_demo_system(system, password="demo-pass-1", say=lambda _: None)
    return system


@pytest.mark.django_db
def test_every_priority_has_a_strategy_with_a_dependency_and_a_stop_list(demo):
    for priority in Priority.objects.all():
        interventions = list(priority.interventions.all())
        assert 3 <= len(interventions) <= 5, priority.code
        assert all(each.owner is not None for each in interventions)
        assert sum(each.dependencies.count() for each in interventions) == 1
        for each in interventions:
            each.full_clean()  # the demo's interventions pass the page's own checks
            assert each.effect_low <= each.effect <= each.effect_high
        assert 2 <= priority.stop_list.count() <= 3
        assert 2 <= priority.hypotheses.count() <= 4
    assert Intervention.objects.filter(status=Intervention.Status.DROPPED).exists()


@pytest.mark.django_db
def test_comparators_follow_the_states_own_figures(demo):
    for priority in Priority.objects.select_related("goal_metric"):
        metric = priority.goal_metric
        state = Rollup.objects.filter(
            metric=metric, local_unit__parent=None, subgroup__code="all"
        ).exclude(value=None)
        state_by_period = dict(state.values_list("period", "value"))
        figures = Comparator.objects.filter(metric=metric)
        names = set(figures.values_list("name", flat=True))
        assert len(names) == 3 and any(name.startswith("National") for name in names)
        for figure in figures:
            assert abs(figure.value - state_by_period[figure.period]) < 5, figure
        # one figure per comparator for each history period the state has a figure for
        assert figures.count() == 3 * min(
            len(state_by_period), len(STRATEGIES[0].comparators[0].gaps)
        )


@pytest.mark.django_db
def test_literacy_sub_targets_are_agreed_and_graduation_is_being_negotiated(demo):
    agreed = SubTargetSet.objects.get(target__metric__code="grade3_reading")
    assert agreed.status == SubTargetSet.Status.AGREED
    assert agreed.level == "district" and agreed.method == "gap_closing"
    assert not check_of(agreed).is_short
    negotiating = SubTargetSet.objects.get(target__metric__code="graduation_4yr")
    assert negotiating.status == SubTargetSet.Status.NEGOTIATING
    statuses = list(negotiating.sub_targets.values_list("status", flat=True))
    assert statuses.count(SubTarget.Status.PROPOSED) == 3
    assert SubTarget.Status.ALLOCATED in statuses


@pytest.mark.django_db
def test_agreed_targets_are_locked_and_one_was_revised_by_an_approved_proposal(demo):
    statuses = dict(Target.objects.values_list("metric__code", "status"))
    assert statuses == {
        "grade3_reading": Target.Status.LOCKED,
        "graduation_4yr": Target.Status.AGREED,
        "chronic_absenteeism": Target.Status.LOCKED,
        "grade8_math": Target.Status.LOCKED,
    }
    revised = Target.objects.get(metric__code="chronic_absenteeism")
    first, second = revised.trajectories.order_by("version")
    assert (first.version, second.version) == (1, 2)
    assert second.reason and second.approved_by.username == "leader"
    assert revised.change_reason and revised.approved_by.username == "leader"
    assert second.points.last().expected == pytest.approx(revised.target_value)
    proposal = revised.proposals.get()
    assert (proposal.status, proposal.trajectory) == ("approved", second)
    assert (proposal.proposed_by.username, proposal.decided_by.username) == ("analyst", "leader")
    assert second.created_by.username == "analyst"
    waiting = Proposal.objects.get(status="pending")
    assert (waiting.target.metric.code, waiting.proposed_by.username) == ("grade8_math", "analyst")
    assert waiting.target.trajectories.count() == 1


@pytest.mark.django_db
def test_the_same_seed_installs_the_same_content():
    system = generate_demo_system(schools=120, districts=6, regions=1)
    installs = []
    for _ in range(2):
        with transaction.atomic():
            install_demo_system(system, password="demo-pass-1", say=lambda _: None)
            installs.append(content())
            transaction.set_rollback(True)
    assert installs[0] == installs[1]
    assert all(installs[0].values())


@pytest.mark.django_db(transaction=True)
def test_running_the_demo_again_adds_nothing(capsys):
    assert main(["demo", "--no-serve", "--schools", "120"]) == 0
    first = content()
    assert main(["demo", "--no-serve", "--schools", "120"]) == 0
    assert "already in the database" in capsys.readouterr().err
    assert content() == first


@pytest.mark.django_db
def test_a_rollout_by_region_is_weighed_by_the_regions_students():
    from deliverology.web.performance.models import LocalUnit, Subgroup
    from deliverology.web.strategy.course import reach_populations

    system = generate_demo_system(schools=120, districts=6, regions=2)
    install_demo_system(system, password="demo-pass-1", say=lambda _: None)
    coaches = Intervention.objects.get(title="Literacy coaches in priority schools")
    (capital,) = coaches.reach_units.all()  # the other region named is not in this small state
    assert capital.name == "Capital"
    metric = coaches.priority.goal_metric
    state = LocalUnit.objects.get(parent=None)
    target = Target.objects.get(metric=metric, local_unit=state, subgroup__code=Subgroup.ALL)

    def students(unit: LocalUnit) -> float:
        figure = Rollup.objects.get(
            metric=metric,
            local_unit=unit,
            subgroup__code=Subgroup.ALL,
            period=target.baseline_period,
        )
        return figure.denominator

    share = reach_populations(target, [coaches])[coaches.pk]
    assert 0 < share < 1
    assert share == pytest.approx(students(capital) / students(state))


@pytest.mark.django_db
def test_the_demos_reading_pattern_agrees_with_the_diagnostics_tables(demo, client):
    from bs4 import BeautifulSoup
    from django.contrib.auth.models import User

    from deliverology.web.diagnostics.models import Hypothesis

    pattern = Hypothesis.objects.get(priority__code="early-literacy", kind="pattern")
    client.force_login(User.objects.get(username="analyst"))
    page = BeautifulSoup(
        client.get("/priorities/early-literacy/diagnostic/").content.decode(), "html.parser"
    )
    widest = page.find(id="widest-gap").get_text(" ", strip=True)
    assert pattern.subgroup is not None and pattern.subgroup.name in widest
    said = widest.split(": ")[1].split(" ")[0]  # "+/-n.n" as the page writes it
    assert f"widest for {pattern.subgroup.name}: {said}" in pattern.statement
    # Only periods with figures are named: each one the pattern names is in the history.
    periods = [th.get_text(strip=True) for th in page.select("#subgroup-gaps thead th")[1:-2]]
    named = [word.strip("().,:") for word in pattern.statement.split() if word[:2] == "20"]
    assert named and all(period in periods for period in named)
