"""A deterministic, realistic demo system: one state, its regions, districts and schools.

Pure: no Django, no database, no files, no clock. Same seed, same system. Figures are built
from a system trend per metric, district and school effects, subgroup gaps and binomial noise,
and are reported by schools only; the app rolls them up.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

from deliverology.demo.names import district_names, region_names, school_names

PERIODS = ("2019-20", "2020-21", "2021-22", "2022-23", "2023-24", "2024-25", "2025-26")
SUPPRESSION_THRESHOLD = 10


@dataclass(frozen=True)
class DemoLocalUnit:
    code: str
    name: str
    type: str
    parent_code: str | None
    school_level: str | None = None


@dataclass(frozen=True)
class DemoSubgroup:
    code: str
    name: str


@dataclass(frozen=True)
class DemoMetric:
    code: str
    name: str
    kind: str
    aggregation: str
    direction: str
    measure_unit: str
    frequency: str
    definition: str
    numerator_definition: str
    denominator_definition: str
    data_source: str
    school_levels: tuple[str, ...]


@dataclass(frozen=True)
class DemoPriority:
    code: str
    title: str
    description: str
    goal_metric_code: str
    progress_metric_codes: tuple[str, ...]
    baseline_period: str
    baseline_value: float | None
    target_period: str
    target_value: float
    trajectory_method: str
    owner_name: str


@dataclass(frozen=True)
class DemoObservation:
    metric_code: str
    local_unit_code: str
    period: str
    subgroup_code: str
    numerator: int | None
    denominator: int | None
    provisional: bool
    missing_reason: str | None


@dataclass(frozen=True)
class DemoSystem:
    name: str
    aspiration: str
    horizon_year: int
    local_units: tuple[DemoLocalUnit, ...]
    subgroups: tuple[DemoSubgroup, ...]
    metrics: tuple[DemoMetric, ...]
    priorities: tuple[DemoPriority, ...]
    periods: tuple[str, ...]
    observations: Sequence[DemoObservation]


@dataclass(frozen=True)
class Shape:
    """How a metric's system-level rate moves, in points per period, and who differs how."""

    level_2019: float  # the state rate in 2019-20
    yearly: tuple[float, ...]  # change from each period to the next (6 values)
    district_spread: float
    school_spread: float
    district_drift: float  # how much districts' own trends differ, points per year
    subgroup_gaps: dict[str, float]  # points below (or above, for lower-is-better) "all"
    cohort_share: float  # share of enrolment in the measured cohort
    assessed: bool  # no figures in 2019-20 (tests were cancelled)
    provisional_latest: bool = False


SUBGROUPS = (
    DemoSubgroup("all", "All students"),
    DemoSubgroup("low_income", "Low income"),
    DemoSubgroup("english_learners", "English learners"),
    DemoSubgroup("students_with_disabilities", "Students with disabilities"),
)

SOURCE = "State longitudinal data system"
METRICS = (
    DemoMetric(
        "grade3_reading",
        "Grade 3 reading proficiency",
        "goal",
        "rate",
        "higher",
        "%",
        "academic_year",
        "Share of grade 3 students scoring proficient or above in reading.",
        "Grade 3 students proficient or above in the state reading assessment",
        "Grade 3 students tested in reading",
        "State assessment",
        ("elementary",),
    ),
    DemoMetric(
        "k_readiness",
        "Kindergarten readiness",
        "progress",
        "rate",
        "higher",
        "%",
        "academic_year",
        "Share of kindergarteners ready on the entry screener.",
        "Kindergarteners meeting the readiness benchmark",
        "Kindergarteners screened",
        "Kindergarten entry screener",
        ("elementary",),
    ),
    DemoMetric(
        "graduation_4yr",
        "Four-year graduation rate",
        "goal",
        "rate",
        "higher",
        "%",
        "academic_year",
        "Adjusted cohort graduation rate within four years.",
        "Students graduating with a regular diploma within four years",
        "Students in the adjusted four-year cohort",
        SOURCE,
        ("high",),
    ),
    DemoMetric(
        "ninth_on_track",
        "Ninth graders on track",
        "progress",
        "rate",
        "higher",
        "%",
        "academic_year",
        "Ninth graders with enough credits and no more than one F.",
        "Ninth graders on track to graduate",
        "Ninth graders enrolled",
        SOURCE,
        ("high",),
    ),
    DemoMetric(
        "chronic_absence",
        "Chronic absenteeism",
        "goal",
        "rate",
        "lower",
        "%",
        "academic_year",
        "Students missing 10% or more of enrolled school days.",
        "Students absent 10% or more of the days enrolled",
        "Students enrolled 10 days or more",
        "Attendance records",
        ("elementary", "middle", "high"),
    ),
    DemoMetric(
        "early_attendance",
        "Absent in the first 30 days",
        "progress",
        "rate",
        "lower",
        "%",
        "academic_year",
        "Students who missed 3 or more of the first 30 school days.",
        "Students absent 3 or more of the first 30 days",
        "Students enrolled on day 1",
        "Attendance records",
        ("elementary", "middle", "high"),
    ),
    DemoMetric(
        "grade8_math",
        "Grade 8 mathematics proficiency",
        "goal",
        "rate",
        "higher",
        "%",
        "academic_year",
        "Share of grade 8 students scoring proficient or above in mathematics.",
        "Grade 8 students proficient or above in the state mathematics assessment",
        "Grade 8 students tested in mathematics",
        "State assessment",
        ("middle",),
    ),
    DemoMetric(
        "testing_exemptions",
        "Students exempted from testing",
        "perverse",
        "rate",
        "lower",
        "%",
        "academic_year",
        "Share of enrolled grade 8 students not tested in mathematics.",
        "Grade 8 students exempted or absent on test day",
        "Grade 8 students enrolled",
        "State assessment",
        ("middle",),
    ),
)

SHAPES = {
    "grade3_reading": Shape(
        51.5,
        (-6.0, 3.5, 2.8, 2.8, 2.8, 2.8),
        7.0,
        6.0,
        1.2,
        {"low_income": 15.0, "english_learners": 19.0, "students_with_disabilities": 28.0},
        0.16,
        assessed=True,
    ),
    "k_readiness": Shape(
        58.0,
        (-5.0, 2.0, 2.5, 2.0, 1.8, 1.5),
        6.0,
        6.0,
        0.8,
        {"low_income": 12.0, "english_learners": 16.0, "students_with_disabilities": 20.0},
        0.15,
        assessed=False,
    ),
    "graduation_4yr": Shape(
        83.0,
        (0.8, -0.2, 0.6, 1.4, 1.5, 1.6),
        4.0,
        4.0,
        0.5,
        {"low_income": 8.0, "english_learners": 13.0, "students_with_disabilities": 17.0},
        0.24,
        assessed=False,
        provisional_latest=True,
    ),
    "ninth_on_track": Shape(
        76.0,
        (-4.0, 2.0, 2.0, 2.2, 2.0, 2.0),
        5.0,
        5.0,
        0.8,
        {"low_income": 10.0, "english_learners": 12.0, "students_with_disabilities": 15.0},
        0.26,
        assessed=False,
    ),
    "chronic_absence": Shape(
        16.0,
        (9.0, 3.0, -0.6, -0.5, -0.4, -0.3),
        4.5,
        4.0,
        0.6,
        {"low_income": -8.0, "english_learners": -4.0, "students_with_disabilities": -9.0},
        1.0,
        assessed=False,
    ),
    "early_attendance": Shape(
        14.0,
        (7.0, 2.0, -1.0, -0.8, -0.9, -0.8),
        4.0,
        4.0,
        0.5,
        {"low_income": -6.0, "english_learners": -3.0, "students_with_disabilities": -7.0},
        1.0,
        assessed=False,
    ),
    "grade8_math": Shape(
        36.0,
        (-7.0, 3.0, 3.2, 1.5, 2.6, 3.0),
        7.0,
        6.0,
        1.2,
        {"low_income": 16.0, "english_learners": 20.0, "students_with_disabilities": 27.0},
        0.33,
        assessed=True,
    ),
    "testing_exemptions": Shape(
        2.5,
        (1.5, -0.5, -0.3, 0.2, 0.3, 0.3),
        1.0,
        1.0,
        0.2,
        {"low_income": -1.0, "english_learners": -1.5, "students_with_disabilities": -4.0},
        0.33,
        assessed=True,
    ),
}

PRIORITIES = (
    DemoPriority(
        "early-literacy",
        "Every child reading by the end of grade 3",
        "Raise grade 3 reading proficiency through structured literacy in every classroom.",
        "grade3_reading",
        ("k_readiness",),
        "2022-23",
        None,
        "2029-30",
        70.0,
        "linear",
        "Maria Lopez",
    ),
    DemoPriority(
        "graduation",
        "Every student graduates ready for what comes next",
        "Raise the four-year graduation rate with early warning and credit recovery.",
        "graduation_4yr",
        ("ninth_on_track",),
        "2022-23",
        None,
        "2029-30",
        92.0,
        "linear",
        "James Carter",
    ),
    DemoPriority(
        "attendance",
        "Every student in school, every day",
        "Halve chronic absenteeism from its post-pandemic peak.",
        "chronic_absence",
        ("early_attendance",),
        "2022-23",
        None,
        "2029-30",
        15.0,
        "linear",
        "Priya Natarajan",
    ),
    DemoPriority(
        "middle-math",
        "Every grade 8 student ready for algebra",
        "Raise grade 8 mathematics proficiency with high-dosage tutoring.",
        "grade8_math",
        ("testing_exemptions",),
        "2022-23",
        None,
        "2029-30",
        50.0,
        "s_curve",
        "Daniel Kim",
    ),
)

LEVELS = (("elementary", 0.65, 420.0), ("middle", 0.20, 640.0), ("high", 0.15, 1150.0))


@dataclass
class _School:
    code: str
    level: str
    enrolment: int
    shares: dict[str, float]
    effects: dict[str, float]
    drifts: dict[str, float]


def generate_demo_system(
    seed: int = 2011, schools: int = 4000, districts: int = 200, regions: int = 8
) -> DemoSystem:
    if not 1 <= regions <= districts <= schools:
        raise ValueError("a demo needs at least as many districts as regions, and schools")
    rng = random.Random(seed)
    units, school_list = _hierarchy(rng, schools, districts, regions)
    observations = [
        observation
        for school in school_list
        for metric in METRICS
        if school.level in metric.school_levels
        for observation in _school_observations(rng, school, metric)
    ]
    return DemoSystem(
        name="State of Westmarch",
        aspiration="Every student leaves our schools ready for college, career and life by 2030.",
        horizon_year=2030,
        local_units=tuple(units),
        subgroups=SUBGROUPS,
        metrics=METRICS,
        priorities=PRIORITIES,
        periods=PERIODS,
        observations=observations,
    )


def _hierarchy(
    rng: random.Random, schools: int, districts: int, regions: int
) -> tuple[list[DemoLocalUnit], list[_School]]:
    units = [DemoLocalUnit("WM", "State of Westmarch", "state", None)]
    region_codes = [f"WM-R{index + 1:02d}" for index in range(regions)]
    for code, name in zip(region_codes, region_names(rng, regions), strict=True):
        units.append(DemoLocalUnit(code, name, "region", "WM"))
    sizes = _district_sizes(rng, schools, districts)
    school_list: list[_School] = []
    number = 0
    for index, (name, size) in enumerate(zip(district_names(rng, districts), sizes, strict=True)):
        code = f"WM-D{index + 1:03d}"
        units.append(DemoLocalUnit(code, name, "district", region_codes[index % regions]))
        district = _district_profile(rng, size)
        levels = _levels(rng, size)
        for school_name, level in zip(school_names(rng, levels), levels, strict=True):
            number += 1
            school = _school(rng, f"WM-S{number:04d}", level, district)
            school_list.append(school)
            units.append(DemoLocalUnit(school.code, school_name, "school", code, level))
    return units, school_list


def _district_sizes(rng: random.Random, schools: int, districts: int) -> list[int]:
    weights = [rng.paretovariate(1.3) for _ in range(districts)]
    total = sum(weights)
    sizes = [max(1, int(schools * w / total)) for w in weights]
    while sum(sizes) > schools:
        largest = max(range(districts), key=lambda i: sizes[i])
        sizes[largest] -= 1
    for index in range(schools - sum(sizes)):
        sizes[index % districts] += 1
    return sizes


def _levels(rng: random.Random, size: int) -> list[str]:
    levels = []
    for index in range(size):
        draw = rng.random() if index >= 3 else (0.1, 0.7, 0.9)[index]
        cumulative = 0.0
        for level, share, _ in LEVELS:
            cumulative += share
            if draw < cumulative:
                levels.append(level)
                break
        else:
            levels.append("high")
    return levels


def _district_profile(rng: random.Random, size: int) -> dict[str, float]:
    urban = min(1.0, math.log(size + 1) / math.log(150))
    return {
        "poverty": min(0.9, max(0.1, rng.gauss(0.35 + 0.25 * urban, 0.1))),
        "english": min(0.6, max(0.01, rng.gauss(0.05 + 0.2 * urban, 0.05))),
        "disability": min(0.25, max(0.08, rng.gauss(0.14, 0.02))),
        "effect": rng.gauss(0.0, 1.0),
        "drift": rng.gauss(0.0, 1.0),
    }


def _school(rng: random.Random, code: str, level: str, district: dict[str, float]) -> _School:
    mean_size = next(size for name, _, size in LEVELS if name == level)
    enrolment = max(60, int(rng.lognormvariate(math.log(mean_size), 0.4)))
    shares = {
        "low_income": min(0.95, max(0.02, rng.gauss(district["poverty"], 0.12))),
        "english_learners": min(0.8, max(0.0, rng.gauss(district["english"], 0.05))),
        "students_with_disabilities": min(0.3, max(0.04, rng.gauss(district["disability"], 0.03))),
    }
    effects, drifts = {}, {}
    for metric in METRICS:
        shape = SHAPES[metric.code]
        poverty_penalty = (shares["low_income"] - 0.4) * shape.subgroup_gaps["low_income"]
        effects[metric.code] = (
            district["effect"] * shape.district_spread
            + rng.gauss(0.0, shape.school_spread)
            - poverty_penalty
        )
        drifts[metric.code] = district["drift"] * shape.district_drift + rng.gauss(
            0.0, shape.district_drift / 2
        )
    return _School(code, level, enrolment, shares, effects, drifts)


def _school_observations(
    rng: random.Random, school: _School, metric: DemoMetric
) -> list[DemoObservation]:
    shape = SHAPES[metric.code]
    observations = []
    level = shape.level_2019
    for index, period in enumerate(PERIODS):
        if index:
            level += shape.yearly[index - 1]
        provisional = shape.provisional_latest and index == len(PERIODS) - 1
        cohort = max(12, int(school.enrolment * shape.cohort_share * rng.uniform(0.9, 1.1)))
        rate = level + school.effects[metric.code] + school.drifts[metric.code] * max(0, index - 3)
        for subgroup in SUBGROUPS:
            observations.append(
                _observation(
                    rng,
                    school,
                    metric,
                    shape,
                    period,
                    index,
                    subgroup.code,
                    cohort,
                    rate,
                    provisional,
                )
            )
    return observations


def _observation(
    rng: random.Random,
    school: _School,
    metric: DemoMetric,
    shape: Shape,
    period: str,
    index: int,
    subgroup: str,
    cohort: int,
    rate: float,
    provisional: bool,
) -> DemoObservation:
    def make(numerator: int | None, denominator: int | None, reason: str | None) -> DemoObservation:
        return DemoObservation(
            metric.code,
            school.code,
            period,
            subgroup,
            numerator,
            denominator,
            provisional,
            reason,
        )

    if shape.assessed and index == 0:
        return make(None, None, "not_collected")
    if subgroup == "all":
        denominator = cohort
    else:
        share = school.shares[subgroup] * rng.uniform(0.85, 1.15)
        denominator = min(cohort, int(round(cohort * share)))
        rate -= shape.subgroup_gaps[subgroup]
    if denominator < SUPPRESSION_THRESHOLD:
        return make(None, None, "suppressed")
    return make(_binomial(rng, denominator, rate / 100), denominator, None)


def _binomial(rng: random.Random, n: int, p: float) -> int:
    p = min(0.995, max(0.005, p))
    draw = rng.gauss(n * p, math.sqrt(n * p * (1 - p)))
    return min(n, max(0, int(round(draw))))
