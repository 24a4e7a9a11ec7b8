"""Installing the generated demo system into the database, with its people and trajectories."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from deliverology.core.periods import parse_period
from deliverology.core.trajectories import TrajectoryMethod
from deliverology.demo.generator import DemoSystem
from deliverology.web.accounts.models import Profile
from deliverology.web.performance.actions import record_creation_history, refresh_rollups
from deliverology.web.performance.models import (
    ImportRun,
    LocalUnit,
    Metric,
    Observation,
    Rollup,
    Subgroup,
)
from deliverology.web.priorities.actions import set_trajectory
from deliverology.web.priorities.models import Aspiration, Priority, Target

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
    _install_priorities(system, units, subgroups, metrics, people)


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
) -> None:
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


def _system_value(metric: Metric, state: LocalUnit, everyone: Subgroup, period: str) -> float:
    rollup = Rollup.objects.get(metric=metric, local_unit=state, subgroup=everyone, period=period)
    if rollup.value is None:
        raise ValueError(f"The demo has no {metric.name} figure for {period} to use as a baseline")
    return rollup.value
