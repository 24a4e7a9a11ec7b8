"""The bundled England data set as a system of its own: its hierarchy, metrics, subgroups and
figures loaded through the ordinary import, and one priority, so it can be tried without
touching the demo. `deliverology england` builds it in its own data directory."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from django.contrib.auth.models import User
from django.db import transaction

from deliverology.core.trajectories import TrajectoryMethod
from deliverology.engine.england import (
    DASHBOARD_CSV,
    ENGLAND,
    HIERARCHY_CSV,
    METRICS,
    SUBGROUPS,
    england_mapping,
)
from deliverology.web.accounts.models import Profile
from deliverology.web.performance.imports import run_import, start_import
from deliverology.web.performance.models import ImportRun, LocalUnit, Metric, Observation, Subgroup
from deliverology.web.priorities.actions import set_trajectory
from deliverology.web.priorities.models import Aspiration, Priority, Target

Progress = Callable[[str], None]

ANALYST = "analyst"
GOAL_METRIC = "l3_by19"
BASELINE_PERIOD, TARGET_PERIOD = "2021-22", "2026-27"
TARGET_GAIN = 4.0  # percentage points over the baseline, for the example target


class EnglandLoadError(Exception):
    """An import of the bundled files did not go in (it should: they are tested)."""


def is_england_installed() -> bool:
    return LocalUnit.objects.filter(code=ENGLAND).exists()


@transaction.atomic
def install_england_system(*, password: str, say: Progress = print) -> None:
    """Metrics, subgroups, the hierarchy, every figure, a delivery-unit login and a priority."""
    for code, name in METRICS.items():
        Metric.objects.create(
            code=code,
            name=name,
            aggregation="rate",
            frequency="academic_year",
            scale=100,
            measure_unit="%",
            data_source="Department for Education (Open Government Licence v3.0)",
        )
    for code, name in SUBGROUPS.items():
        Subgroup.objects.get_or_create(code=code, defaults={"name": name})
    say("Local authorities and regions")
    _load(ImportRun.Kind.HIERARCHY, HIERARCHY_CSV)
    say("Attainment by 19, 2005-2022")
    _load(ImportRun.Kind.OBSERVATIONS, DASHBOARD_CSV, england_mapping())
    analyst = User.objects.create_user(
        username=ANALYST, password=password, is_staff=True, is_superuser=True
    )
    Profile.objects.create(user=analyst, role=Profile.Role.DELIVERY_UNIT)
    say("A priority and its trajectory")
    _install_priority(analyst)


def _load(kind: ImportRun.Kind, path: Path, mapping: object = None) -> None:
    run = start_import(kind, path, mapping=mapping)  # type: ignore[arg-type]
    run = run_import(run, commit=True)
    if run.outcome != ImportRun.Outcome.COMMITTED:
        raise EnglandLoadError("; ".join(run.problems[:5]))


def _install_priority(analyst: User) -> None:
    metric = Metric.objects.get(code=GOAL_METRIC)
    england = LocalUnit.objects.get(code=ENGLAND)
    everyone = Subgroup.objects.get(code="all")
    aspiration = Aspiration.objects.create(
        statement="Every young person qualified to Level 3 by the age of 19",
        horizon_year=int(TARGET_PERIOD[:4]) + 1,
    )
    priority = Priority.objects.create(
        aspiration=aspiration,
        code="level3",
        title=METRICS[GOAL_METRIC],
        goal_metric=metric,
        owner=analyst,
    )
    priority.progress_metrics.set(Metric.objects.exclude(code=GOAL_METRIC))
    baseline = Observation.objects.get(
        metric=metric, local_unit=england, subgroup=everyone, period=BASELINE_PERIOD
    ).value
    if baseline is None:
        raise EnglandLoadError(f"England has no {GOAL_METRIC} figure for {BASELINE_PERIOD}")
    target = Target.objects.create(
        metric=metric,
        local_unit=england,
        subgroup=everyone,
        baseline_period=BASELINE_PERIOD,
        baseline_value=baseline,
        target_period=TARGET_PERIOD,
        target_value=round(baseline + TARGET_GAIN, 1),
        statement=f"{metric.name}: {baseline + TARGET_GAIN:.1f}% by {TARGET_PERIOD}",
        data_source=metric.data_source,
        status=Target.Status.AGREED,
    )
    set_trajectory(target, TrajectoryMethod.S_CURVE, by=analyst)
