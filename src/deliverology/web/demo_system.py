"""Installing the generated demo system into the database, with its people and trajectories."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from deliverology.core.allocation import AllocationMethod
from deliverology.core.periods import parse_period
from deliverology.core.trajectories import TrajectoryMethod
from deliverology.demo.generator import DemoSystem
from deliverology.demo.strategy import STRATEGIES, DemoComparator, DemoStrategy
from deliverology.web.accounts.models import Profile
from deliverology.web.assessments.demo import install_demo_assessments
from deliverology.web.chains.demo import install_demo_chains
from deliverology.web.diagnostics.diagnosis import pattern_from_figures
from deliverology.web.diagnostics.models import Comparator, Hypothesis
from deliverology.web.performance.actions import record_creation_history, refresh_rollups
from deliverology.web.performance.models import (
    ImportRun,
    LocalUnit,
    Metric,
    Observation,
    Rollup,
    Subgroup,
)
from deliverology.web.plans.demo import install_demo_plans
from deliverology.web.priorities.actions import lock_target, set_trajectory
from deliverology.web.priorities.clock import today
from deliverology.web.priorities.models import Aspiration, Priority, Target
from deliverology.web.priorities.proposals import approve, propose_revision, propose_trajectory
from deliverology.web.problems.demo import install_demo_problems
from deliverology.web.routines.demo import install_demo_routines
from deliverology.web.strategy.models import Intervention, StopListItem
from deliverology.web.subtargets.actions import adjust, agree, build_sub_targets, propose, stretch

Progress = Callable[[str], None]


@dataclass(frozen=True)
class DemoPerson:
    username: str
    first_name: str
    last_name: str
    role: Profile.Role
    staff: bool = False


DEMO_PEOPLE = (
    DemoPerson("leader", "Grace", "Okafor", Profile.Role.SYSTEM_LEADER),
    DemoPerson("analyst", "Sam", "Whitfield", Profile.Role.DELIVERY_UNIT, staff=True),
    DemoPerson("owner", "Maria", "Lopez", Profile.Role.PRIORITY_OWNER),
    DemoPerson("district", "Tom", "Becker", Profile.Role.LOCAL_UNIT_USER),
    DemoPerson("viewer", "Ada", "Reyes", Profile.Role.VIEWER),
)


def is_demo_installed(system: DemoSystem) -> bool:
    return LocalUnit.objects.filter(code=system.local_units[0].code).exists()


@transaction.atomic
def install_demo_system(system: DemoSystem, *, password: str, say: Progress = print) -> None:
    """Load a generated system; all or nothing. Callers check `is_demo_installed` first."""
    say(f"Local units: {len(system.local_units):,}")
    units = _install_units(system)
    subgroups = _install_subgroups(system)
    metrics = _install_metrics(system)
    say(f"Observations: {len(system.observations):,}")
    run = _install_observations(system, units, subgroups, metrics)
    record_creation_history(run, None)
    say("Rolling up figures for every district, region and the state")
    refresh_rollups(metrics.values())
    people = _install_people(system, units, password)
    say("Targets and trajectories")
    targets = _install_priorities(system, units, subgroups, metrics, people)
    say("Strategies, comparators and sub-targets")
    _install_strategies(targets, units, subgroups, people)
    _install_sub_targets(targets, people)
    _lock_targets(targets, people)
    install_demo_chains(people)
    install_demo_plans(people, today())
    say("A year of routines: stocktakes, follow-up notes and actions")
    install_demo_routines(people, today())
    say("Assessments, delivery reports, monthly notes and league tables")
    install_demo_assessments(people)
    say("Problems: the triggers on the demo's figures")
    install_demo_problems(people["analyst"])


def _install_units(system: DemoSystem) -> dict[str, LocalUnit]:
    units: dict[str, LocalUnit] = {}
    by_depth: dict[int, list[LocalUnit]] = {}
    for demo in system.local_units:
        parent = units[demo.parent_code] if demo.parent_code else None
        path = f"{parent.path if parent else '/'}{demo.code}/"
        unit = LocalUnit(
            code=demo.code,
            name=demo.name,
            type=demo.type,
            category=demo.school_level or "",
            parent=parent,
            path=path,
            depth=path.count("/") - 2,
        )
        units[demo.code] = unit
        by_depth.setdefault(unit.depth, []).append(unit)
    for depth in sorted(by_depth):
        for unit in by_depth[depth]:
            unit.parent_id = unit.parent.pk if unit.parent else None
        LocalUnit.objects.bulk_create(by_depth[depth], batch_size=1000)
    return units


def _install_subgroups(system: DemoSystem) -> dict[str, Subgroup]:
    return {
        demo.code: Subgroup.objects.create(code=demo.code, name=demo.name, order=order)
        for order, demo in enumerate(system.subgroups)
    }


def _install_metrics(system: DemoSystem) -> dict[str, Metric]:
    return {
        demo.code: Metric.objects.create(
            code=demo.code,
            name=demo.name,
            kind=demo.kind,
            aggregation=demo.aggregation,
            direction=demo.direction,
            measure_unit=demo.measure_unit,
            frequency=demo.frequency,
            definition=demo.definition,
            numerator_definition=demo.numerator_definition,
            denominator_definition=demo.denominator_definition,
            data_source=demo.data_source,
        )
        for demo in system.metrics
    }


def _install_observations(
    system: DemoSystem,
    units: dict[str, LocalUnit],
    subgroups: dict[str, Subgroup],
    metrics: dict[str, Metric],
) -> ImportRun:
    starts = {label: parse_period(label).start for label in system.periods}
    run = ImportRun.objects.create(
        kind=ImportRun.Kind.OBSERVATIONS,
        file_name=f"{system.name} (demo generator)",
        file_sha256="",
        outcome=ImportRun.Outcome.COMMITTED,
        rows_read=len(system.observations),
        figures_read=len(system.observations),
        rows_new=len(system.observations),
        finished_at=timezone.now(),
    )
    rows: list[Observation] = []
    for demo in system.observations:
        metric = metrics[demo.metric_code]
        rows.append(
            Observation(
                metric=metric,
                local_unit=units[demo.local_unit_code],
                subgroup=subgroups[demo.subgroup_code],
                period=demo.period,
                period_start=starts[demo.period],
                numerator=demo.numerator,
                denominator=demo.denominator,
                value=metric.measure_value(demo.numerator, demo.denominator),
                provisional=demo.provisional,
                missing_reason=demo.missing_reason or "",
                source="Demo system generator",
                import_run=run,
            )
        )
    Observation.objects.load_new(rows)
    return run


def _install_people(
    system: DemoSystem, units: dict[str, LocalUnit], password: str
) -> dict[str, User]:
    district = next(u for u in system.local_units if u.type == "district")
    people: dict[str, User] = {}
    for person in DEMO_PEOPLE:
        user = User.objects.create_user(
            username=person.username,
            password=password,
            first_name=person.first_name,
            last_name=person.last_name,
            is_staff=person.staff,
            is_superuser=person.staff,
        )
        profile = Profile.objects.create(user=user, role=person.role)
        if person.role == Profile.Role.LOCAL_UNIT_USER:
            profile.local_units.add(units[district.code])
        people[person.username] = user
    return people


def _install_priorities(
    system: DemoSystem,
    units: dict[str, LocalUnit],
    subgroups: dict[str, Subgroup],
    metrics: dict[str, Metric],
    people: dict[str, User],
) -> dict[str, Target]:
    """The system target of each priority, by the priority's code."""
    targets: dict[str, Target] = {}
    aspiration = Aspiration.objects.create(
        statement=system.aspiration,
        outcome_focus="Student outcomes",
        horizon_year=system.horizon_year,
        approved_by="State Board of Education",
    )
    state = units[system.local_units[0].code]
    everyone = subgroups["all"]
    for order, demo in enumerate(system.priorities):
        metric = metrics[demo.goal_metric_code]
        priority = Priority.objects.create(
            aspiration=aspiration,
            code=demo.code,
            title=demo.title,
            description=demo.description,
            goal_metric=metric,
            owner=people["owner"] if order == 0 else None,
            order=order,
        )
        priority.progress_metrics.set([metrics[code] for code in demo.progress_metric_codes])
        baseline = demo.baseline_value
        if baseline is None:
            baseline = _system_value(metric, state, everyone, demo.baseline_period)
        target = Target.objects.create(
            metric=metric,
            local_unit=state,
            subgroup=everyone,
            baseline_period=demo.baseline_period,
            baseline_value=baseline,
            target_period=demo.target_period,
            target_value=demo.target_value,
            statement=(
                f"{metric.name}: {demo.target_value:g}{metric.measure_unit} by {demo.target_period}"
            ),
            data_source=metric.data_source,
            status=Target.Status.AGREED,
        )
        set_trajectory(target, TrajectoryMethod(demo.trajectory_method), by=people["analyst"])
        targets[demo.code] = target
    return targets


def _install_strategies(
    targets: dict[str, Target],
    units: dict[str, LocalUnit],
    subgroups: dict[str, Subgroup],
    people: dict[str, User],
) -> None:
    for demo in STRATEGIES:
        target = targets[demo.priority_code]
        priority = Priority.objects.get(code=demo.priority_code)
        _install_interventions(demo, priority, people)
        StopListItem.objects.bulk_create(
            StopListItem(
                priority=priority, activity=item.activity, reason=item.reason, status=item.status
            )
            for item in demo.stop_list
        )
        for finding in demo.hypotheses:
            subgroup = subgroups[finding.subgroup_code] if finding.subgroup_code else None
            statement = finding.statement
            if finding.from_figures:
                pattern = pattern_from_figures(target.metric, target.local_unit)
                if pattern is None:
                    continue
                statement, subgroup = pattern.statement, pattern.subgroup
            Hypothesis.objects.create(
                priority=priority,
                subgroup=subgroup,
                kind=finding.kind,
                statement=statement,
                evidence=finding.evidence,
                status=finding.status,
                author=people["analyst"],
            )
        for comparator in demo.comparators:
            _install_comparator(comparator, target)


def _install_interventions(demo: DemoStrategy, priority: Priority, people: dict[str, User]) -> None:
    created: dict[str, Intervention] = {}
    for plan in demo.interventions:
        intervention = Intervention(
            priority=priority,
            title=plan.title,
            description=plan.description,
            theory_of_action=plan.theory_of_action,
            owner=people[plan.owner],
            impact=plan.impact,
            difficulty=plan.difficulty,
            effect_low=plan.effect_low,
            effect=plan.effect,
            effect_high=plan.effect_high,
            reach_share=plan.reach_share,
            rollout_start=plan.rollout_start,
            rollout_full=plan.rollout_full,
            lag_periods=plan.lag_periods,
            ramp=plan.ramp,
            ramp_periods=plan.ramp_periods,
            cost=plan.cost,
            status=plan.status,
        )
        intervention.full_clean()
        intervention.save()
        if plan.reach_regions:
            regions = LocalUnit.objects.filter(type="region", name__in=plan.reach_regions)
            intervention.reach_units.set(regions)
        created[plan.title] = intervention
    for plan in demo.interventions:
        if plan.depends_on:
            created[plan.title].dependencies.add(created[plan.depends_on])


def _install_comparator(demo: DemoComparator, target: Target) -> None:
    """The comparator's figures, its gap to the state's own figure each period."""
    metric = target.metric
    state_figures = Rollup.objects.filter(
        metric=metric, local_unit=target.local_unit, subgroup=target.subgroup
    ).exclude(value=None)
    by_period = {r.period: r.value for r in state_figures if r.value is not None}
    periods = sorted(by_period, key=lambda label: metric.parse_period(label).start)
    for period, gap in zip(periods, demo.gaps, strict=False):
        value = round(min(max(by_period[period] + gap, 0.0), metric.scale), 1)
        comparator = Comparator(
            name=demo.name,
            kind=demo.kind,
            metric=metric,
            subgroup=target.subgroup,
            period=period,
            value=value,
            source=demo.source,
        )
        comparator.full_clean()
        comparator.save()


def _install_sub_targets(targets: dict[str, Target], people: dict[str, User]) -> None:
    """Early literacy: an agreed district set, gap closing stretched to meet the state target.
    Graduation: a set under negotiation, a few districts having proposed their own."""
    analyst = people["analyst"]
    literacy = targets["early-literacy"]
    agreed = build_sub_targets(
        literacy,
        level="district",
        method=AllocationMethod.GAP_CLOSING,
        by=analyst,
        benchmark=min(literacy.target_value + 15, literacy.metric.scale),
        share=0.4,
    )
    stretch(agreed, by=analyst)
    agree(agreed, by=people["leader"])
    graduation = targets["graduation"]
    negotiating = build_sub_targets(
        graduation,
        level="district",
        method=AllocationMethod.UNIFORM_UPLIFT,
        by=analyst,
        uplift=graduation.target_value - graduation.baseline_value,
    )
    sub_targets = list(negotiating.sub_targets.order_by("local_unit__code"))
    for number, sub_target in enumerate(sub_targets[:3]):
        asked = sub_target.value - 0.5 * (number + 1)
        propose(
            sub_target,
            round(max(asked, sub_target.baseline_value), 1),
            by=people["district"],
            note="Our cohort is smaller and more mobile than the state's.",
        )
    if len(sub_targets) > 3:
        adjust(
            sub_targets[3],
            round(min(sub_targets[3].value + 0.5, 100.0), 1),
            by=analyst,
            note="Raised after the district's review of its on-track data.",
        )


def _lock_targets(targets: dict[str, Target], people: dict[str, User]) -> None:
    """Lock every target but the one still being negotiated; revise attendance once, proposed
    by the delivery unit and approved by the system leader, so the course page shows two
    versions; leave a new maths trajectory proposed, awaiting the leader's decision."""
    for code, target in targets.items():
        if code != "graduation":
            lock_target(target, by=people["leader"])
    attendance = targets["attendance"]
    proposal = propose_revision(
        attendance,
        by=people["analyst"],
        reason="The State Board raised the ambition by a point after the 2024-25 results.",
        target_value=attendance.target_value - 1,
    )
    approve(proposal, by=people["leader"], comment="Agreed at the State Board's meeting.")
    # One proposal still awaits the leader, so the Approvals page has something to decide.
    maths = next(t for t in targets.values() if t.metric.code == "grade8_math")
    propose_trajectory(
        maths,
        TrajectoryMethod.BACK_LOADED,
        by=people["analyst"],
        reason="The new curriculum reaches classrooms a year later than planned.",
    )


def _system_value(metric: Metric, state: LocalUnit, everyone: Subgroup, period: str) -> float:
    rollup = Rollup.objects.get(metric=metric, local_unit=state, subgroup=everyone, period=period)
    if rollup.value is None:
        raise ValueError(f"The demo has no {metric.name} figure for {period} to use as a baseline")
    return rollup.value
