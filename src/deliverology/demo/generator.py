"""A deterministic, realistic demo system: one state, its regions, districts and schools.

Pure: no Django, no database, no files, no clock; the same seed gives the same system. A
school's figure for a metric comes from the state's path for that metric, where its district
and the school stand (poverty among the reasons), how fast the district improves once the
priorities start, how hard the pandemic hit it, subgroup gaps and binomial noise. Only schools
report; the app rolls their figures up to districts, regions and the state.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from deliverology.demo.names import district_name, place_names, region_names, school_names

STATE_CODE = "WM"
STATE_NAME = "State of Westmarch"
ASPIRATION = "Every student leaves our schools ready for college, career and life by 2030."
HORIZON_YEAR = 2030
PERIODS = ("2019-20", "2020-21", "2021-22", "2022-23", "2023-24", "2024-25", "2025-26")
BASELINE_PERIOD = "2022-23"
TARGET_PERIOD = "2029-30"
SUPPRESSION_THRESHOLD = 10

LEVELS = ("elementary", "middle", "high")
LEVEL_SHARES = {"elementary": 0.65, "middle": 0.20, "high": 0.15}
MEDIAN_ENROLMENT = {"elementary": 400, "middle": 650, "high": 1250}
# English learners are concentrated in the early grades.
ENGLISH_LEARNERS_BY_LEVEL = {"elementary": 1.2, "middle": 0.9, "high": 0.75}
# Enrolment fell in the pandemic and has kept drifting down, as in most states.
ENROLMENT_TREND = (1.0, 0.97, 0.965, 0.962, 0.956, 0.95, 0.944)
# How much of a district's pandemic setback shows in each period.
PANDEMIC_SHAPE = (0.0, 1.0, 0.6, 0.2, 0.0, 0.0, 0.0)

_BASELINE_INDEX = PERIODS.index(BASELINE_PERIOD)
_YEARLY_SHOCK = 0.08  # logits: one cohort differs from the next beyond sampling noise


@dataclass(frozen=True)
class DemoLocalUnit:
    code: str
    name: str
    type: str  # "state", "region", "district" or "school"
    parent_code: str | None
    school_level: str | None = None  # "elementary", "middle" or "high" for schools


@dataclass(frozen=True)
class DemoSubgroup:
    code: str
    name: str


@dataclass(frozen=True)
class DemoMetric:
    code: str
    name: str
    kind: str  # "goal", "progress" or "perverse"
    aggregation: str
    direction: str  # "higher" or "lower" is better
    measure_unit: str
    frequency: str
    definition: str
    numerator_definition: str
    denominator_definition: str
    data_source: str
    school_levels: tuple[str, ...]  # the schools that report it


@dataclass(frozen=True)
class DemoPriority:
    code: str
    title: str
    description: str
    goal_metric_code: str
    progress_metric_codes: tuple[str, ...]  # watched beside the goal: progress and perverse metrics
    baseline_period: str
    baseline_value: float | None  # None: the loader takes the state's figure for the period
    target_period: str
    target_value: float
    trajectory_method: str  # "linear" or "s_curve"
    owner_name: str


@dataclass(frozen=True, slots=True)
class DemoObservation:
    metric_code: str
    local_unit_code: str
    period: str
    subgroup_code: str
    numerator: int | None
    denominator: int | None
    provisional: bool
    missing_reason: str | None  # None, "suppressed" (a small cell) or "not_collected"


@dataclass(frozen=True)
class DemoSystem:
    name: str
    aspiration: str
    horizon_year: int
    local_units: tuple[DemoLocalUnit, ...]  # parents before children
    subgroups: tuple[DemoSubgroup, ...]
    metrics: tuple[DemoMetric, ...]
    priorities: tuple[DemoPriority, ...]
    periods: tuple[str, ...]  # oldest first
    observations: Sequence[DemoObservation]  # reported by schools only


SUBGROUPS = (
    DemoSubgroup("all", "All students"),
    DemoSubgroup("low_income", "Low income"),
    DemoSubgroup("english_learners", "English learners"),
    DemoSubgroup("students_with_disabilities", "Students with disabilities"),
)
_GROUPS = tuple(subgroup.code for subgroup in SUBGROUPS[1:])


@dataclass(frozen=True)
class _Plan:
    """A metric and the shape of its figures.

    `path` is the state's rate for all students in each period (None: not collected). The
    other figures are in percentage points near the baseline: `gaps` puts each subgroup
    (low income, English learners, disabilities) above or below all students statewide,
    `spread` is how much schools differ, `drift` how much districts' yearly change differs
    once the priorities start. `cohort` is the share of a school's enrolment that is counted.
    """

    metric: DemoMetric
    path: tuple[float | None, ...]
    gaps: tuple[float, float, float]
    spread: float
    drift: float
    cohort: float
    by_subgroup: bool = True
    provisional_latest: bool = False
    mirrors: str | None = None  # a metric whose gains its districts buy at this one's expense


def _metric(
    code: str,
    name: str,
    kind: str,
    direction: str,
    school_levels: tuple[str, ...],
    definition: str,
    numerator: str,
    denominator: str,
    source: str,
) -> DemoMetric:
    return DemoMetric(
        code=code,
        name=name,
        kind=kind,
        aggregation="rate",
        direction=direction,
        measure_unit="%",
        frequency="academic_year",
        definition=definition,
        numerator_definition=numerator,
        denominator_definition=denominator,
        data_source=source,
        school_levels=school_levels,
    )


_ASSESSMENT = "State assessment (spring)"
_ATTENDANCE = "Student information system (attendance)"
_COHORTS = "Statewide longitudinal data system"

PLANS = (
    _Plan(
        _metric(
            "grade3_reading",
            "Grade 3 reading proficiency",
            "goal",
            "higher",
            ("elementary",),
            "Share of grade 3 students scoring proficient or above on the state reading test.",
            "Grade 3 students scoring proficient or above in reading",
            "Grade 3 students tested in reading",
            _ASSESSMENT,
        ),
        path=(None, 45.5, 49.5, 52.0, 54.6, 56.9, 59.3),
        gaps=(-15.0, -20.0, -30.0),
        spread=15.0,
        drift=1.4,
        cohort=0.16,
    ),
    _Plan(
        _metric(
            "kindergarten_readiness",
            "Kindergarten readiness",
            "progress",
            "higher",
            ("elementary",),
            "Share of kindergarteners meeting the benchmark on the entry screener.",
            "Kindergarteners meeting the readiness benchmark in the first six weeks",
            "Kindergarteners screened",
            "Kindergarten entry screener",
        ),
        path=(57.0, 50.5, 52.5, 54.0, 55.5, 57.0, 58.5),
        gaps=(0.0, 0.0, 0.0),
        spread=12.0,
        drift=1.4,
        cohort=0.16,
        # Screened in the first weeks, before income, English-learner and disability flags
        # are certified for the year: there is no breakdown by subgroup.
        by_subgroup=False,
    ),
    _Plan(
        _metric(
            "graduation_4yr",
            "Four-year graduation rate",
            "goal",
            "higher",
            ("high",),
            "Adjusted cohort graduation rate: students graduating within four years of grade 9.",
            "Students in the cohort graduating with a regular diploma within four years",
            "Students in the adjusted four-year cohort",
            _COHORTS,
        ),
        path=(83.0, 82.0, 83.0, 84.0, 85.3, 86.6, 87.9),
        gaps=(-8.0, -14.0, -17.0),
        spread=7.0,
        drift=0.9,
        cohort=0.235,
        # Summer graduates are still being counted: the latest year is provisional.
        provisional_latest=True,
    ),
    _Plan(
        _metric(
            "ninth_grade_on_track",
            "Ninth graders on track",
            "progress",
            "higher",
            ("high",),
            "Share of ninth graders with enough credits and at most one F in a core course.",
            "Ninth graders on track to graduate at the end of the year",
            "Ninth graders enrolled",
            _COHORTS,
        ),
        path=(79.0, 71.0, 74.0, 76.0, 77.8, 79.4, 81.0),
        gaps=(-10.0, -12.0, -16.0),
        spread=9.0,
        drift=1.2,
        cohort=0.27,
    ),
    _Plan(
        _metric(
            "chronic_absenteeism",
            "Chronic absenteeism",
            "goal",
            "lower",
            ("elementary", "middle", "high"),
            "Share of students missing 10% or more of the school days they were enrolled.",
            "Students absent 10% or more of the days enrolled",
            "Students enrolled for at least 10 days",
            _ATTENDANCE,
        ),
        path=(15.5, 24.0, 30.5, 27.0, 26.4, 26.0, 25.6),
        gaps=(8.0, 3.0, 9.0),
        spread=8.0,
        drift=1.2,
        cohort=0.98,
    ),
    _Plan(
        _metric(
            "first_30_days_attendance",
            "Attendance in the first 30 days",
            "progress",
            "higher",
            ("elementary", "middle", "high"),
            "Share of students attending at least 90% of the first 30 school days.",
            "Students present on 27 or more of the first 30 school days",
            "Students enrolled on the first day of school",
            _ATTENDANCE,
        ),
        path=(86.0, 74.0, 78.0, 80.0, 80.8, 81.4, 82.0),
        gaps=(0.0, 0.0, 0.0),
        spread=6.0,
        drift=1.0,
        cohort=0.99,
        by_subgroup=False,  # counted before the subgroup flags are certified, as above
    ),
    _Plan(
        _metric(
            "grade8_math",
            "Grade 8 mathematics proficiency",
            "goal",
            "higher",
            ("middle",),
            "Share of grade 8 students scoring proficient or above on the state maths test.",
            "Grade 8 students scoring proficient or above in mathematics",
            "Grade 8 students tested in mathematics",
            _ASSESSMENT,
        ),
        path=(None, 27.0, 31.5, 35.0, 36.1, 37.8, 40.6),
        gaps=(-15.0, -20.0, -25.0),
        spread=14.0,
        drift=1.4,
        cohort=0.32,
    ),
    _Plan(
        _metric(
            "algebra1_by_grade9",
            "Algebra I pass rate by grade 9",
            "progress",
            "higher",
            ("high",),
            "Share of ninth graders who have passed Algebra I by the end of grade 9.",
            "Ninth graders with a passing Algebra I grade in grade 8 or 9",
            "Ninth graders enrolled",
            _COHORTS,
        ),
        path=(68.0, 63.0, 64.5, 66.0, 67.0, 68.5, 70.0),
        gaps=(-12.0, -16.0, -26.0),
        spread=11.0,
        drift=1.4,
        cohort=0.27,
    ),
    _Plan(
        _metric(
            "testing_exemptions",
            "Students exempted from testing",
            "perverse",
            "lower",
            ("middle",),
            "Share of enrolled grade 8 students not tested in mathematics: exempted or absent.",
            "Grade 8 students exempted from, or absent for, the mathematics test",
            "Grade 8 students enrolled on test day",
            _ASSESSMENT,
        ),
        path=(None, 8.0, 4.0, 2.5, 2.7, 3.0, 3.4),
        gaps=(1.0, 3.0, 9.0),
        spread=1.5,
        drift=0.5,
        cohort=0.34,
        mirrors="grade8_math",
    ),
)


def _priority(
    code: str,
    title: str,
    description: str,
    metrics: tuple[str, ...],
    target: float,
    method: str,
    owner: str,
) -> DemoPriority:
    return DemoPriority(
        code=code,
        title=title,
        description=description,
        goal_metric_code=metrics[0],
        progress_metric_codes=metrics[1:],
        baseline_period=BASELINE_PERIOD,
        baseline_value=None,
        target_period=TARGET_PERIOD,
        target_value=target,
        trajectory_method=method,
        owner_name=owner,
    )


PRIORITIES = (
    _priority(
        "early-literacy",
        "Every child reading by the end of grade 3",
        "Structured literacy, high-quality materials and coaching in every K-3 classroom.",
        ("grade3_reading", "kindergarten_readiness"),
        70.0,
        "linear",
        "Maria Lopez",
    ),
    _priority(
        "graduation",
        "Every student graduates ready for what comes next",
        "Early-warning teams in every high school and credit recovery for students off track.",
        ("graduation_4yr", "ninth_grade_on_track"),
        92.0,
        "linear",
        "James Carter",
    ),
    _priority(
        "attendance",
        "Every student in school, every day",
        "Bring chronic absenteeism back below its pre-pandemic level with family outreach.",
        ("chronic_absenteeism", "first_30_days_attendance"),
        15.0,
        "linear",
        "Priya Natarajan",
    ),
    _priority(
        "middle-math",
        "Every student ready for algebra",
        "High-dosage tutoring in grades 6-8 and a stronger middle-school maths sequence.",
        ("grade8_math", "algebra1_by_grade9", "testing_exemptions"),
        50.0,
        "s_curve",
        "Daniel Kim",
    ),
)


@dataclass
class _District:
    unit: DemoLocalUnit
    place: str
    size: int  # schools
    urban: float  # 0 for a rural district, 1 for a big city
    poverty: float  # share of students from low-income families
    english: float  # share of English learners
    disability: float  # share of students with disabilities
    setback: float  # how hard the pandemic hit it
    standing: dict[str, float]  # per metric: how well its schools do (standard normal)
    pace: dict[str, float]  # per metric: how fast it improves after the baseline (ditto)


@dataclass
class _School:
    unit: DemoLocalUnit
    level: str
    district: _District
    enrolment: int
    shares: tuple[float, float, float]  # low income, English learners, disabilities


@dataclass(frozen=True)
class _Profile:
    """Where a school stands on one metric, in logits; positive is better."""

    effect: float
    drift: float  # yearly change after the baseline
    setback: float  # at the worst of the pandemic


def generate_demo_system(
    seed: int = 2011, schools: int = 4000, districts: int = 200, regions: int = 8
) -> DemoSystem:
    """One state with its regions, districts, schools, metrics, priorities and figures."""
    if not 1 <= regions <= districts <= schools:
        raise ValueError(
            "a demo needs at least one region, at least as many districts as regions and at "
            f"least as many schools as districts (got {regions} regions, {districts} districts "
            f"and {schools} schools)"
        )
    rng = random.Random(seed)
    region_units = _regions(rng, regions)
    district_list = _districts(rng, schools, districts, region_units)
    school_list = _schools(rng, district_list)
    state = DemoLocalUnit(STATE_CODE, STATE_NAME, "state", None)
    return DemoSystem(
        name=STATE_NAME,
        aspiration=ASPIRATION,
        horizon_year=HORIZON_YEAR,
        local_units=(
            state,
            *region_units,
            *(district.unit for district in district_list),
            *(school.unit for school in school_list),
        ),
        subgroups=SUBGROUPS,
        metrics=tuple(plan.metric for plan in PLANS),
        priorities=PRIORITIES,
        periods=PERIODS,
        observations=[obs for plan in PLANS for obs in _observations(rng, plan, school_list)],
    )


# The hierarchy


def _regions(rng: random.Random, count: int) -> list[DemoLocalUnit]:
    return [
        DemoLocalUnit(f"{STATE_CODE}-R{number:02d}", name, "region", STATE_CODE)
        for number, name in enumerate(region_names(rng, count), start=1)
    ]


def _districts(
    rng: random.Random, schools: int, count: int, regions: list[DemoLocalUnit]
) -> list[_District]:
    sizes = sorted(_district_sizes(rng, schools, count), reverse=True)
    homes = _district_regions(rng, count, len(regions))
    # Codes run region by region, so a region's districts sit together in any list.
    drafts = sorted(zip(homes, place_names(rng, count), sizes, strict=True))
    return [
        _district(rng, f"{STATE_CODE}-D{number:03d}", place, size, regions[home].code)
        for number, (home, place, size) in enumerate(drafts, start=1)
    ]


def _district_sizes(rng: random.Random, schools: int, count: int) -> list[int]:
    """A few big city districts, many small rural ones: log-normal, adding up to `schools`."""
    floor = min(3, schools // count)
    weights = [rng.lognormvariate(0.0, 1.2) for _ in range(count)]
    spare, total = schools - floor * count, sum(weights)
    shares = [spare * weight / total for weight in weights]
    sizes = [floor + int(share) for share in shares]
    by_remainder = sorted(range(count), key=lambda i: shares[i] - int(shares[i]), reverse=True)
    for index in by_remainder[: schools - sum(sizes)]:
        sizes[index] += 1
    return sizes


def _district_regions(rng: random.Random, districts: int, regions: int) -> list[int]:
    """A region index for each district, biggest first: the biggest is in the capital region."""
    weights = [rng.lognormvariate(0.0, 0.4) for _ in range(regions)]
    others = [*range(1, regions), *rng.choices(range(regions), weights, k=districts - regions)]
    rng.shuffle(others)
    return [0, *others]


def _district(rng: random.Random, code: str, place: str, size: int, region: str) -> _District:
    urban = _clamp(math.log(size / 6) / math.log(25), 0.0, 1.0)
    name = district_name(rng, place, urban=urban > 0.6)
    standing: dict[str, float] = {}
    pace: dict[str, float] = {}
    quality, capacity = rng.gauss(0.0, 1.0), rng.gauss(0.0, 1.0)
    for plan in PLANS:
        metric = plan.metric.code
        standing[metric] = 0.7 * quality + 0.7 * rng.gauss(0.0, 1.0)
        if plan.mirrors is None:
            pace[metric] = 0.5 * capacity + 0.87 * rng.gauss(0.0, 1.0)
        else:
            pace[metric] = -0.8 * pace[plan.mirrors] + 0.6 * rng.gauss(0.0, 1.0)
    return _District(
        unit=DemoLocalUnit(code, name, "district", region),
        place=place,
        size=size,
        urban=urban,
        poverty=_clamp(rng.gauss(0.38 + 0.22 * urban, 0.10), 0.08, 0.85),
        english=_clamp(0.03 + 0.17 * urban + rng.gauss(0.0, 0.04), 0.005, 0.45),
        disability=_clamp(rng.gauss(0.145, 0.02), 0.09, 0.22),
        setback=0.8 * urban + 0.4 * rng.gauss(0.0, 1.0),
        standing=standing,
        pace=pace,
    )


def _schools(rng: random.Random, districts: list[_District]) -> list[_School]:
    schools: list[_School] = []
    for district, levels in zip(districts, _levels(rng, districts), strict=True):
        for name, level in zip(school_names(rng, district.place, levels), levels, strict=True):
            code = f"{STATE_CODE}-S{len(schools) + 1:04d}"
            schools.append(_school(rng, code, name, level, district))
    return schools


def _levels(rng: random.Random, districts: list[_District]) -> list[list[str]]:
    """Exactly the state's mix of levels; every district that can has one of each."""
    total = sum(district.size for district in districts)
    left = {level: round(total * share) for level, share in LEVEL_SHARES.items()}
    if total >= len(LEVELS):  # even a tiny state has a middle and a high school
        left["middle"], left["high"] = max(1, left["middle"]), max(1, left["high"])
    left["elementary"] = total - left["middle"] - left["high"]
    chosen: list[list[str]] = [[] for _ in districts]
    for picks, district in zip(chosen, districts, strict=True):
        for level in ("elementary", "high", "middle"):
            if len(picks) < district.size and left[level] > 0:
                picks.append(level)
                left[level] -= 1
    rest = [level for level in LEVELS for _ in range(left[level])]
    rng.shuffle(rest)
    for picks, district in zip(chosen, districts, strict=True):
        picks.extend(rest.pop() for _ in range(district.size - len(picks)))
    return [sorted(picks, key=LEVELS.index) for picks in chosen]


def _school(rng: random.Random, code: str, name: str, level: str, district: _District) -> _School:
    size = MEDIAN_ENROLMENT[level] * (0.6 + 0.6 * district.urban) * rng.lognormvariate(0.0, 0.35)
    english = district.english * ENGLISH_LEARNERS_BY_LEVEL[level] * rng.lognormvariate(0.0, 0.4)
    return _School(
        unit=DemoLocalUnit(code, name, "school", district.unit.code, level),
        level=level,
        district=district,
        enrolment=max(60, round(size)),
        shares=(
            _clamp(rng.gauss(district.poverty, 0.12), 0.02, 0.97),
            _clamp(english, 0.0, 0.8),
            _clamp(rng.gauss(district.disability, 0.03), 0.04, 0.30),
        ),
    )


# The figures


def _observations(
    rng: random.Random, plan: _Plan, schools: list[_School]
) -> Iterator[DemoObservation]:
    reporting = [school for school in schools if school.level in plan.metric.school_levels]
    profiles = [_profile(rng, plan, school) for school in reporting]
    shifts = _subgroup_shifts(plan, reporting)
    for index, rate in enumerate(plan.path):
        if rate is None:
            yield from _not_collected(plan, reporting, index)
        else:
            yield from _period_observations(rng, plan, reporting, profiles, shifts, index, rate)


def _profile(rng: random.Random, plan: _Plan, school: _School) -> _Profile:
    scale = _points_per_logit(plan)
    spread, drift = plan.spread / scale, plan.drift / scale
    district, code = school.district, plan.metric.code
    # Poorer schools do worse, beyond the gap of their low-income students alone.
    poverty = 1.5 * (school.shares[0] - 0.45)
    return _Profile(
        effect=spread * (0.6 * district.standing[code] + 0.55 * rng.gauss(0.0, 1.0) - poverty),
        drift=drift * (district.pace[code] + 0.4 * rng.gauss(0.0, 1.0)),
        setback=spread * 0.6 * district.setback,
    )


def _subgroup_shifts(plan: _Plan, schools: list[_School]) -> list[float]:
    """Logits from all students to a school made up wholly of each subgroup.

    A subgroup that is most of a school cannot sit far below the school as a whole, so a
    school's gap shrinks with the subgroup's share; these shifts give the statewide `gaps`.
    """
    baseline = _baseline(plan) / 100
    enrolment = sum(school.enrolment for school in schools) or 1
    shifts = []
    for index, gap in enumerate(plan.gaps):
        share = sum(school.shares[index] * school.enrolment for school in schools) / enrolment
        whole_gap = gap / (1 - share) / 100
        shifts.append(_logit(_clamp(baseline + whole_gap, 0.01, 0.99)) - _logit(baseline))
    return shifts


def _not_collected(plan: _Plan, schools: list[_School], index: int) -> Iterator[DemoObservation]:
    code, period, provisional = plan.metric.code, PERIODS[index], _is_provisional(plan, index)
    for school in schools:
        for group in _subgroups_of(plan):
            yield DemoObservation(
                code, school.unit.code, period, group, None, None, provisional, "not_collected"
            )


def _period_observations(
    rng: random.Random,
    plan: _Plan,
    schools: list[_School],
    profiles: list[_Profile],
    shifts: list[float],
    index: int,
    rate: float,
) -> Iterator[DemoObservation]:
    counted = [_cohort(rng, plan, school, index) for school in schools]
    logits = [_school_logit(rng, plan, profile, index) for profile in profiles]
    intercept = _calibrated_intercept(rate / 100, logits, counted)
    cell = _Cell(plan.metric.code, PERIODS[index], _is_provisional(plan, index))
    for school, denominator, logit in zip(schools, counted, logits, strict=True):
        code, all_logit = school.unit.code, intercept + logit
        yield cell.observe(rng, code, "all", denominator, all_logit)
        if not plan.by_subgroup:
            continue
        for group, share, shift in zip(_GROUPS, school.shares, shifts, strict=True):
            size = min(denominator, round(denominator * share * rng.uniform(0.85, 1.15)))
            yield cell.observe(rng, code, group, size, all_logit + shift * (1 - share))


@dataclass(frozen=True)
class _Cell:
    """One metric in one period: turns a size and an expected rate into an observation."""

    metric_code: str
    period: str
    provisional: bool

    def observe(
        self, rng: random.Random, school: str, group: str, denominator: int, logit: float
    ) -> DemoObservation:
        if denominator < SUPPRESSION_THRESHOLD:
            return self._observation(school, group, None, None, "suppressed")
        numerator = _binomial(rng, denominator, _expit(logit))
        return self._observation(school, group, numerator, denominator, None)

    def _observation(
        self,
        school: str,
        group: str,
        numerator: int | None,
        denominator: int | None,
        missing_reason: str | None,
    ) -> DemoObservation:
        return DemoObservation(
            self.metric_code,
            school,
            self.period,
            group,
            numerator,
            denominator,
            self.provisional,
            missing_reason,
        )


def _cohort(rng: random.Random, plan: _Plan, school: _School, index: int) -> int:
    expected = school.enrolment * plan.cohort * ENROLMENT_TREND[index]
    return round(expected * rng.uniform(0.92, 1.08))


def _school_logit(rng: random.Random, plan: _Plan, profile: _Profile, index: int) -> float:
    years_since_baseline = max(0, index - _BASELINE_INDEX)
    better = (
        profile.effect
        + profile.drift * years_since_baseline
        - profile.setback * PANDEMIC_SHAPE[index]
        + rng.gauss(0.0, _YEARLY_SHOCK)
    )
    return better if plan.metric.direction == "higher" else -better


def _calibrated_intercept(rate: float, logits: list[float], sizes: list[int]) -> float:
    """The intercept that puts the state's rate (sum of numerators over denominators) at `rate`.

    Newton's method on the expected numerators: schools differ, so the intercept is not simply
    the logit of the rate.
    """
    total = sum(sizes)
    if total == 0:
        return _logit(rate)
    intercept = _logit(rate) - sum(n * x for n, x in zip(sizes, logits, strict=True)) / total
    for _ in range(20):
        expected = slope = 0.0
        for size, logit in zip(sizes, logits, strict=True):
            p = _expit(intercept + logit)
            expected += size * p
            slope += size * p * (1 - p)
        step = (expected - rate * total) / slope
        intercept -= step
        if abs(step) < 1e-9:
            break
    return intercept


def _binomial(rng: random.Random, n: int, p: float) -> int:
    """A binomial draw: exact by inversion for small counts, the normal approximation above."""
    if p > 0.5:
        return n - _binomial(rng, n, 1 - p)
    variance = n * p * (1 - p)
    if variance >= 25:
        return min(n, max(0, round(rng.gauss(n * p, math.sqrt(variance)))))
    # Walk up the cumulative distribution; n * p < 50 here, so q ** n cannot underflow.
    q, draw, k = 1 - p, rng.random(), 0
    probability = cumulative = q**n
    while draw > cumulative and k < n:
        probability *= (n - k) / (k + 1) * p / q
        cumulative += probability
        k += 1
    return k


def _subgroups_of(plan: _Plan) -> tuple[str, ...]:
    return ("all", *_GROUPS) if plan.by_subgroup else ("all",)


def _is_provisional(plan: _Plan, index: int) -> bool:
    return plan.provisional_latest and index == len(PERIODS) - 1


def _baseline(plan: _Plan) -> float:
    value = plan.path[_BASELINE_INDEX]
    if value is None:
        raise ValueError(f"{plan.metric.code} has no figure in the baseline period")
    return value


def _points_per_logit(plan: _Plan) -> float:
    """How many percentage points one logit moves the rate, near the baseline."""
    p = _baseline(plan) / 100
    return 100 * p * (1 - p)


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def _expit(x: float) -> float:
    if x >= 0:
        return 1 / (1 + math.exp(-x))
    exp_x = math.exp(x)
    return exp_x / (1 + exp_x)


def _clamp(value: float, low: float, high: float) -> float:
    return min(high, max(low, value))
