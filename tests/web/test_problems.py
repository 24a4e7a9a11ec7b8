"""Problems: the triggers evaluated on the stored figures, the delivery unit's decisions, pages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from deliverology.core.problems import TriggerKind, on_track_run, trajectory_trigger
from deliverology.web.performance.actions import refresh_rollups
from deliverology.web.performance.models import LocalUnit, Observation
from deliverology.web.priorities.models import Priority
from deliverology.web.problems.actions import confirm, dismiss, evaluate_triggers
from deliverology.web.problems.evaluation import evaluate
from deliverology.web.problems.models import Problem, ProblemEvent
from tests.conftest import READING, System
from tests.web.problem_helpers import state_problem

TODAY = date(2025, 10, 1)


def _statuses_on_the_page(system: System, unit: Any, subgroup: Any) -> list[Any]:
    from deliverology.web.performance.series import load_series
    from deliverology.web.priorities.views import Lookup, _targets
    from deliverology.web.subtargets.plans import agreed_sub_targets

    metric = system.metrics["reading"]
    root, everyone = system.units["ST"], system.subgroups["all"]
    lookup = Lookup(
        series=load_series([metric], [root.pk, unit.pk], [subgroup, everyone]),
        targets=_targets([metric], [root, unit], [subgroup, everyone]),
        agreed=agreed_sub_targets([metric], [unit], [subgroup]),
        root=root,
        everyone=everyone,
    )
    progress = lookup.progress(metric, unit, subgroup)
    return [row.assessment.status for row in progress.rows]


def _every_place(system: System) -> list[tuple[int, int, int, int]]:
    priority = system.priorities["reading"]
    metric = system.metrics["reading"]
    return [
        (priority.pk, metric.pk, unit.pk, subgroup.pk)  # type: ignore[attr-defined]
        for unit in system.units.values()
        for subgroup in system.subgroups.values()
    ]


def test_it_judges_every_local_unit_and_subgroup_as_the_priority_page_does(
    system: System,
) -> None:
    findings = {f.key: f for f in evaluate(TODAY, _every_place(system))}
    checked = 0
    for (_, _, unit_id, subgroup_id), finding in findings.items():
        if finding.key[1] != system.metrics["reading"].pk:  # type: ignore[attr-defined]
            continue
        unit = LocalUnit.objects.get(pk=unit_id)
        subgroup = next(s for s in system.subgroups.values() if s.pk == subgroup_id)  # type: ignore[attr-defined]
        statuses = _statuses_on_the_page(system, unit, subgroup)
        system_level = unit.parent_id is None and subgroup.code == "all"  # type: ignore[attr-defined]
        on_page = trajectory_trigger(statuses, _rules(), system_level=system_level)
        fired = [f for f in finding.fired if f.kind is not TriggerKind.FAR_BELOW_SUB_TARGET]
        assert (fired[0] if fired else None) == on_page, unit.code
        assert finding.on_track == on_track_run(statuses)
        checked += 1
    assert checked == len(system.units) * len(system.subgroups)


def _rules() -> Any:
    from deliverology.configuration import load_method_config

    return load_method_config().problems.rules


def test_it_suggests_a_crisis_when_the_system_is_well_below_for_three_years(
    system: System,
) -> None:
    evaluate_triggers(TODAY)
    state = Problem.objects.get(
        priority=system.priorities["reading"],
        local_unit=system.units["ST"],
        subgroup=system.subgroups["all"],
    )
    assert (state.severity, state.status, state.trigger) == (
        "crisis",
        "suggested",
        "sustained_well_below",
    )
    assert state.evidence["triggers"][0]["periods"] == 3
    assert "3 periods in a row" in state.sentence and "2024-25" in state.sentence
    assert state.events.get().kind == ProblemEvent.Kind.SUGGESTED


def test_it_suggests_no_problem_for_schools_by_default(system: System) -> None:
    evaluate_triggers(TODAY)
    assert not Problem.objects.filter(local_unit__type="school").exists()
    assert Problem.objects.filter(local_unit__type="district").exists()


def test_it_changes_nothing_when_the_same_figures_are_evaluated_again(system: System) -> None:
    first = evaluate_triggers(TODAY)
    before = list(Problem.objects.values().order_by("pk"))
    events = ProblemEvent.objects.count()
    again = evaluate_triggers(TODAY)
    assert first.suggested > 0
    assert (again.suggested, again.changed) == (0, 0)
    assert list(Problem.objects.values().order_by("pk")) == before
    assert ProblemEvent.objects.count() == events


def test_it_changes_nothing_when_the_same_figures_are_imported_again(system: System) -> None:
    evaluate_triggers(TODAY)
    before = list(Problem.objects.values().order_by("pk"))
    refresh_rollups()  # the figures rebuilt, unchanged
    assert evaluate_triggers(TODAY).changed == 0
    assert list(Problem.objects.values().order_by("pk")) == before


def test_it_evaluates_the_triggers_after_each_data_refresh(
    system: System, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        refresh_rollups()
    assert Problem.objects.filter(severity="crisis").exists()


def _add_years_on_track(system: System, periods: tuple[str, ...]) -> None:
    for period in periods:
        for school in READING:
            observation = Observation(
                metric=system.metrics["reading"],
                local_unit=system.units[school],
                subgroup=system.subgroups["all"],
                period=period,
                numerator=90,
                denominator=100,
            )
            observation.full_clean()
            observation.save()
    refresh_rollups()


@pytest.mark.parametrize(
    ("periods", "pending"), [(("2025-26",), ""), (("2025-26", "2026-27"), "resolve")]
)
def test_it_suggests_coming_down_only_after_two_periods_on_track(
    system: System, periods: tuple[str, ...], pending: str
) -> None:
    evaluate_triggers(TODAY)
    confirm(state_problem(system), "crisis", by=system.people["analyst"], reason="Agreed.")  # type: ignore[arg-type]
    _add_years_on_track(system, periods)
    evaluate_triggers(TODAY)
    problem = state_problem(system)
    assert (problem.status, problem.severity, problem.pending) == ("confirmed", "crisis", pending)


def test_a_suggestion_nobody_decided_on_is_resolved_when_back_on_track(system: System) -> None:
    evaluate_triggers(TODAY)
    _add_years_on_track(system, ("2025-26", "2026-27"))
    evaluate_triggers(TODAY)
    problem = state_problem(system)
    assert problem.status == "resolved"
    assert problem.events.last().kind == ProblemEvent.Kind.RESOLVED  # type: ignore[union-attr]


def test_a_dismissal_holds_until_newer_figures_fire(system: System) -> None:
    evaluate_triggers(TODAY)
    district = Problem.objects.filter(local_unit=system.units["D2"]).first()
    assert district is not None
    dismiss(district, by=system.people["analyst"], reason="Known: a new school opened.")  # type: ignore[arg-type]
    evaluate_triggers(TODAY)
    assert not Problem.objects.filter(
        local_unit=system.units["D2"],
        status__in=["suggested", "confirmed"],
        metric=district.metric,
        subgroup=district.subgroup,
    ).exists()


def test_it_flags_a_stale_feed_on_the_system(system: System) -> None:
    evaluate_triggers(date(2027, 6, 1))  # 2025-26 was due by 29 December 2026
    state = state_problem(system)
    kinds = [t["trigger"] for t in state.evidence["triggers"]]
    assert "stale_feed" in kinds
    assert "due by 2026-12-29" in state.sentence


def test_an_escalation_is_kept_with_who_when_and_why(system: System) -> None:
    evaluate_triggers(TODAY)
    problem = (
        Problem.objects.filter(severity="problem_solving").first()
        or Problem.objects.filter(severity="watch").first()
    )
    assert problem is not None
    confirm(problem, "priority_review", by=system.people["analyst"], reason="Widening gap.")  # type: ignore[arg-type]
    kinds = list(problem.events.values_list("kind", "by__username", "reason"))
    assert kinds[-2:] == [("confirmed", "analyst", ""), ("escalated", "analyst", "Widening gap.")]
    assert Problem.objects.get(pk=problem.pk).severity == "priority_review"


def test_the_evaluation_costs_the_same_queries_however_many_schools(system: System) -> None:
    with CaptureQueriesContext(connection) as few:
        evaluate(TODAY)
    district = system.units["D1"]
    for number in range(6, 16):
        school = LocalUnit.objects.create(
            code=f"S{number}",
            name=f"School {number}",
            type="school",
            parent=district,  # type: ignore[misc]
        )
        for period in ("2021-22", "2022-23", "2023-24", "2024-25"):
            observation = Observation(
                metric=system.metrics["reading"],
                local_unit=school,
                subgroup=system.subgroups["all"],
                period=period,
                numerator=40,
                denominator=100,
            )
            observation.full_clean()
            observation.save()
    refresh_rollups()
    with CaptureQueriesContext(connection) as many:
        evaluate(TODAY)
    assert len(many) == len(few)


# --- Pages ------------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["leader", "analyst", "owner", "district", "viewer"])
def test_every_role_reads_the_register_problem_and_momentum_pages(
    system: System, login: Callable[[str], Any], username: str
) -> None:
    evaluate_triggers(TODAY)
    client = login(username)
    register = client.get("/problems/")
    assert register.status_code == 200
    mine = Problem.objects.filter(local_unit__path__startswith=system.units["D1"].path).first()  # type: ignore[attr-defined]
    assert mine is not None
    assert client.get(f"/problems/{mine.pk}/").status_code == 200
    assert client.get("/momentum/").status_code == 200


def test_a_local_unit_user_sees_only_problems_in_their_units(
    system: System, login: Callable[[str], Any]
) -> None:
    evaluate_triggers(TODAY)
    client = login("district")
    page = client.get("/problems/").content.decode()
    assert "District D1" in page and "District D2" not in page
    elsewhere = Problem.objects.filter(local_unit=system.units["D2"]).first()
    assert elsewhere is not None
    assert client.get(f"/problems/{elsewhere.pk}/").status_code == 404


def test_the_register_filters_by_severity_status_and_priority(
    system: System, login: Callable[[str], Any]
) -> None:
    evaluate_triggers(TODAY)
    client = login("analyst")
    crisis = client.get("/problems/?severity=crisis&priority=reading").content.decode()
    assert "1 problem<" in crisis
    none = client.get("/problems/?status=dismissed").content.decode()
    assert "No problems match." in none


def test_only_the_delivery_unit_decides(system: System, login: Callable[[str], Any]) -> None:
    evaluate_triggers(TODAY)
    problem = state_problem(system)
    leader = login("leader")
    assert b"confirm-form" not in leader.get(f"/problems/{problem.pk}/").content
    refused = leader.post(f"/problems/{problem.pk}/confirm/", {"severity": "crisis", "reason": "x"})
    assert refused.status_code == 403
    analyst = login("analyst")
    assert b"confirm-form" in analyst.get(f"/problems/{problem.pk}/").content
    no_reason = analyst.post(f"/problems/{problem.pk}/close/", {"decision": "dismiss"})
    assert no_reason.status_code == 400
    done = analyst.post(
        f"/problems/{problem.pk}/confirm/", {"severity": "crisis", "reason": "The Governor chairs."}
    )
    assert done.status_code == 302
    page = analyst.get(f"/problems/{problem.pk}/").content.decode()
    assert "The Governor chairs." in page and "Confirmed" in page


def test_the_register_costs_the_same_queries_however_many_problems(
    system: System, login: Callable[[str], Any]
) -> None:
    client = login("analyst")
    evaluate_triggers(TODAY)
    client.get("/problems/")
    with CaptureQueriesContext(connection) as some:
        client.get("/problems/?status=")
    for problem in Problem.objects.all():
        problem.pk = None
        problem.status = "resolved"
        problem.save()
    with CaptureQueriesContext(connection) as more:
        client.get("/problems/?status=resolved")
    assert len(more) == len(some)


def test_the_priority_page_and_the_dashboard_show_open_problems(
    system: System, login: Callable[[str], Any]
) -> None:
    evaluate_triggers(TODAY)
    client = login("analyst")
    priority = client.get("/priorities/reading/").content.decode()
    assert 'id="priority-problems"' in priority and "Crisis management" in priority
    dashboard = client.get("/").content.decode()
    assert 'id="dashboard-problems"' in dashboard


def test_the_priority_page_offers_to_raise_the_bar_when_the_target_is_met_early(
    system: System, login: Callable[[str], Any]
) -> None:
    from deliverology.core.trajectories import TrajectoryMethod
    from deliverology.web.priorities.actions import set_trajectory
    from deliverology.web.priorities.models import Target

    client = login("analyst")
    assert b"raise-the-bar" not in client.get("/priorities/reading/").content
    target = Target.objects.get(metric=system.metrics["reading"], local_unit=system.units["ST"])
    Target.objects.filter(pk=target.pk).update(target_value=60.0)
    set_trajectory(
        Target.objects.get(pk=target.pk), TrajectoryMethod.LINEAR, by=system.people["analyst"]
    )  # type: ignore[arg-type]
    page = client.get("/priorities/reading/").content.decode()
    assert 'id="raise-the-bar"' in page and f"/targets/{target.pk}/course/" in page


def test_the_momentum_page_shows_streaks_feeds_and_the_last_refresh(
    system: System, login: Callable[[str], Any]
) -> None:
    page = login("viewer").get("/momentum/").content.decode()
    assert 'id="streaks"' in page and Priority.objects.get(code="reading").title in page
    assert 'id="feeds"' in page and "2024-25" in page


def test_it_raises_how_a_priority_is_delivered_missed_milestones_weak_links_likelihood(
    system: System,
) -> None:
    from deliverology.web.assessments.actions import open_round
    from deliverology.web.assessments.models import Assessment
    from deliverology.web.chains.models import ChainLink, DeliveryChain, LinkRating
    from deliverology.web.plans.models import DeliveryPlan, Milestone

    reading = system.priorities["reading"]
    plan = DeliveryPlan.objects.create(priority=reading)  # type: ignore[misc]
    for title, due, status in (
        ("Coaches hired", date(2025, 8, 1), "late"),
        ("Materials bought", date(2025, 9, 1), "on_track"),
        ("Training done", date(2025, 7, 1), "done"),
    ):
        Milestone.objects.create(plan=plan, title=title, due=due, status=status)
    chain = DeliveryChain.objects.create(priority=reading, title="Structured literacy")  # type: ignore[misc]
    link = ChainLink.objects.create(
        chain=chain, position=1, actor_kind="teacher", actor="K-3 teachers", owner_name="Leads"
    )
    LinkRating.objects.create(
        link=link,
        rating="red",
        evidence="No phonics block in half the classrooms",
        rated_on=date(2025, 9, 1),
        rated_by=system.people["analyst"],  # type: ignore[misc]
    )
    reporting_round = open_round("July 2025", date(2025, 7, 31))
    Assessment.objects.filter(reporting_round=reporting_round, priority=reading).update(  # type: ignore[misc]
        likelihood="amber_red", status=Assessment.Status.FINAL
    )

    evaluate_triggers(TODAY)
    problem = Problem.objects.get(priority=reading, metric=None)
    kinds = {fired["trigger"] for fired in problem.evidence["triggers"]}
    assert {TriggerKind.MISSED_MILESTONES, TriggerKind.CHAIN_LINK, TriggerKind.LIKELIHOOD} <= kinds
    assert problem.local_unit == system.units["ST"]

    link.mitigation = "Coaches model the phonics block weekly"
    link.save()
    evaluate_triggers(TODAY)
    kinds = {fired["trigger"] for fired in Problem.objects.get(pk=problem.pk).evidence["triggers"]}
    assert TriggerKind.CHAIN_LINK not in kinds


def test_it_evaluates_the_triggers_once_after_each_routine_change_is_committed(
    system: System, django_capture_on_commit_callbacks: Any
) -> None:
    from deliverology.web.chains.actions import rate_link
    from deliverology.web.chains.models import ChainLink, DeliveryChain
    from deliverology.web.plans.models import DeliveryPlan, Milestone
    from deliverology.web.problems import tasks

    reading = system.priorities["reading"]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        plan = DeliveryPlan.objects.create(priority=reading)  # type: ignore[misc]
        Milestone.objects.create(plan=plan, title="Coaches hired", due=date(2025, 8, 1))
        chain = DeliveryChain.objects.create(priority=reading, title="Structured literacy")  # type: ignore[misc]
        link = ChainLink.objects.create(
            chain=chain, position=1, actor_kind="teacher", actor="K-3 teachers", owner_name="L"
        )
        rate_link(
            link,
            rating="red",
            evidence="No phonics block in half the classrooms",
            rated_on=date(2025, 9, 1),
            by=system.people["analyst"],  # type: ignore[arg-type]
            today=TODAY,
        )
    assert [c for c in callbacks if c is tasks._enqueue] == [tasks._enqueue]
    problem = Problem.objects.get(priority=reading, metric=None)
    kinds = {fired["trigger"] for fired in problem.evidence["triggers"]}
    assert {TriggerKind.MISSED_MILESTONE, TriggerKind.CHAIN_LINK} <= kinds  # one milestone
