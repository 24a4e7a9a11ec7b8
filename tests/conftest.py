"""Shared personas and a small, hand-checkable system used across the web and e2e tests.

The system: one state (ST) with two regions, three districts and five schools; two metrics,
reading (higher is better) and absence (lower is better); four academic years of figures.
District D3 also reports its own reading figure, which differs from its schools' roll-up.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # live_server with sync Playwright

PASSWORD = "correct-horse-battery"

# school -> (district, region)
SCHOOLS = {"S1": "D1", "S2": "D1", "S3": "D2", "S4": "D3", "S5": "D3"}
DISTRICTS = {"D1": "R1", "D2": "R1", "D3": "R2"}
PERIODS = ("2021-22", "2022-23", "2023-24", "2024-25")
# reading: (numerator, denominator) per school and period, subgroup "all"
READING = {
    "S1": ((50, 100), (54, 100), (58, 100), (63, 100)),
    "S2": ((30, 80), (32, 80), (35, 80), (36, 80)),
    "S3": ((120, 200), (126, 200), (130, 200), (140, 200)),
    "S4": ((10, 40), (11, 40), (11, 40), (12, 40)),
    "S5": ((70, 120), (75, 120), (80, 120), (85, 120)),
}


@dataclass
class System:
    units: dict[str, object]
    metrics: dict[str, object]
    subgroups: dict[str, object]
    priorities: dict[str, object]
    people: dict[str, object]


def ratio_of_sums(codes: list[str], period_index: int) -> float:
    numerator = sum(READING[c][period_index][0] for c in codes)
    denominator = sum(READING[c][period_index][1] for c in codes)
    return 100 * numerator / denominator


@pytest.fixture
def system(db: None) -> System:
    from deliverology.core.trajectories import TrajectoryMethod
    from deliverology.web.accounts.models import Profile
    from deliverology.web.performance.actions import refresh_rollups
    from deliverology.web.performance.models import LocalUnit, Metric, Observation, Subgroup
    from deliverology.web.priorities.actions import set_trajectory
    from deliverology.web.priorities.models import Aspiration, Priority, Target

    units: dict[str, LocalUnit] = {}
    units["ST"] = LocalUnit.objects.create(code="ST", name="Testland", type="state")
    for code, name in (("R1", "North"), ("R2", "South")):
        units[code] = LocalUnit.objects.create(
            code=code, name=f"{name} Region", type="region", parent=units["ST"]
        )
    for code, region in DISTRICTS.items():
        units[code] = LocalUnit.objects.create(
            code=code, name=f"District {code}", type="district", parent=units[region]
        )
    for code, district in SCHOOLS.items():
        units[code] = LocalUnit.objects.create(
            code=code, name=f"School {code}", type="school", parent=units[district]
        )
    subgroups = {
        "all": Subgroup.objects.create(code="all", name="All students", order=0),
        "low_income": Subgroup.objects.create(code="low_income", name="Low income", order=1),
    }
    metrics = {
        "reading": Metric.objects.create(code="reading", name="Grade 3 reading"),
        "absence": Metric.objects.create(code="absence", name="Chronic absence", direction="lower"),
    }
    observations = []
    for school, figures in READING.items():
        for period, (numerator, denominator) in zip(PERIODS, figures, strict=True):
            for metric, num in (("reading", numerator), ("absence", denominator - numerator)):
                observations.append(
                    Observation(
                        metric=metrics[metric],
                        local_unit=units[school],
                        subgroup=subgroups["all"],
                        period=period,
                        numerator=num,
                        denominator=denominator,
                    )
                )
            observations.append(
                Observation(
                    metric=metrics["reading"],
                    local_unit=units[school],
                    subgroup=subgroups["low_income"],
                    period=period,
                    numerator=numerator // 3,
                    denominator=denominator // 2,
                )
            )
    observations.append(
        Observation(
            metric=metrics["reading"],
            local_unit=units["D3"],
            subgroup=subgroups["all"],
            period="2024-25",
            numerator=100,
            denominator=160,
        )
    )
    for observation in observations:
        observation.full_clean()
        observation.save()
    refresh_rollups()

    people = _people(units)
    aspiration = Aspiration.objects.create(statement="Every child reads", horizon_year=2027)
    priorities = {}
    for order, code in enumerate(("reading", "absence")):
        metric = metrics[code]
        priorities[code] = Priority.objects.create(
            aspiration=aspiration,
            code=code,
            title=f"Priority: {metric.name}",
            goal_metric=metric,
            order=order,
            owner=people["owner"],
        )
    reading_target = Target.objects.create(
        metric=metrics["reading"],
        local_unit=units["ST"],
        subgroup=subgroups["all"],
        baseline_period="2021-22",
        baseline_value=round(ratio_of_sums(list(READING), 0), 1),
        target_period="2026-27",
        target_value=75.0,
        status="agreed",
    )
    absence_target = Target.objects.create(
        metric=metrics["absence"],
        local_unit=units["ST"],
        subgroup=subgroups["all"],
        baseline_period="2021-22",
        baseline_value=round(100 - ratio_of_sums(list(READING), 0), 1),
        target_period="2026-27",
        target_value=25.0,
        status="agreed",
    )
    for target in (reading_target, absence_target):
        set_trajectory(target, TrajectoryMethod.LINEAR, by=people["analyst"])
    del Profile
    return System(units, metrics, subgroups, priorities, people)


def _people(units: dict[str, object]) -> dict[str, object]:
    from django.contrib.auth.models import User

    from deliverology.web.accounts.models import Profile

    roles = {
        "leader": Profile.Role.SYSTEM_LEADER,
        "analyst": Profile.Role.DELIVERY_UNIT,
        "owner": Profile.Role.PRIORITY_OWNER,
        "district": Profile.Role.LOCAL_UNIT_USER,
        "viewer": Profile.Role.VIEWER,
    }
    people: dict[str, object] = {}
    for username, role in roles.items():
        user = User.objects.create_user(
            username,
            password=PASSWORD,
            is_staff=username == "analyst",
            is_superuser=username == "analyst",
        )
        profile = Profile.objects.create(user=user, role=role)
        if role == Profile.Role.LOCAL_UNIT_USER:
            profile.local_units.add(units["D1"])
        people[username] = user
    people["stranger"] = User.objects.create_user("stranger", password=PASSWORD)
    return people


@pytest.fixture
def login(client: object, system: System) -> Callable[[str], object]:
    def log_in(username: str) -> object:
        client.force_login(system.people[username])  # type: ignore[attr-defined]
        return client

    return log_in


def load_england_file(kind: object, path: object, mapping: object = None) -> None:
    """Load one of the bundled England files through the import, as a user would."""
    from pathlib import Path

    from deliverology.web.performance.imports import run_import, start_import
    from deliverology.web.performance.models import ImportRun

    run = run_import(start_import(kind, Path(str(path)), mapping=mapping), commit=True, say=print)  # type: ignore[arg-type]
    assert run.outcome == ImportRun.Outcome.COMMITTED, run.problems


@pytest.fixture
def england_figures(db: None) -> None:
    """The England data set (Open Government Licence v3.0): its metrics, subgroups, local
    authorities and every published figure, loaded through the import."""
    from deliverology.engine.england import (
        DASHBOARD_CSV,
        HIERARCHY_CSV,
        METRICS,
        SUBGROUPS,
        england_mapping,
    )
    from deliverology.web.performance.models import ImportRun, Metric, Subgroup

    for code, name in METRICS.items():
        Metric.objects.create(code=code, name=name, aggregation="rate", scale=100)
    for code, name in SUBGROUPS.items():
        Subgroup.objects.get_or_create(code=code, defaults={"name": name})
    load_england_file(ImportRun.Kind.HIERARCHY, HIERARCHY_CSV)
    load_england_file(ImportRun.Kind.OBSERVATIONS, DASHBOARD_CSV, england_mapping())
