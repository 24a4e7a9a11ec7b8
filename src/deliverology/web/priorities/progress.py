"""Where a local unit stands against its trajectory: plain data for pages, charts and reports.

The stored objects are turned into core values here and every judgement is made by `core`.
A unit with no target of its own is measured against its agreed sub-target and that sub-target's
own trajectory; until sub-targets are agreed, against the system trajectory shifted to its own
baseline (a uniform uplift), never past the measure's bounds (a rate stops at 100%).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from deliverology.core.config import MethodConfig
from deliverology.core.periods import Period
from deliverology.core.status import (
    Direction,
    StatusAssessment,
    TrajectoryStatus,
    Trend,
    assess_against_trajectory,
    is_stale,
    trend,
)
from deliverology.core.trajectories import TrajectoryPoint, expected_value, shifted_trajectory
from deliverology.web.performance.models import Metric
from deliverology.web.performance.series import UnitFigure
from deliverology.web.priorities.models import Target


class TrajectorySource:
    OWN = "own"
    SUB_TARGET = "sub_target"
    UNIFORM_UPLIFT = "uniform_uplift"
    NONE = "none"


@dataclass(frozen=True)
class PeriodRow:
    period: Period
    figure: UnitFigure | None
    expected: float | None
    lower: float | None
    upper: float | None
    assessment: StatusAssessment

    @property
    def actual(self) -> float | None:
        return None if self.figure is None else self.figure.value

    @property
    def provisional(self) -> bool:
        effective = None if self.figure is None else self.figure.effective
        return bool(effective and effective.provisional)


@dataclass(frozen=True)
class Progress:
    metric: Metric
    rows: tuple[PeriodRow, ...]
    baseline_period: Period | None
    baseline_value: float | None
    target_period: Period | None
    target_value: float | None
    trajectory_source: str
    trend: Trend
    stale: bool
    # The system's latest period with a figure for the metric, when this unit's latest is older:
    # its latest figure is then shown beside fresher ones and must say so.
    behind: Period | None = None

    @property
    def latest(self) -> PeriodRow | None:
        with_data = [row for row in self.rows if row.actual is not None]
        return with_data[-1] if with_data else None

    @property
    def target_at_bound(self) -> bool:
        """The target is the best the measure can be (100% for a higher-is-better rate)."""
        bounds = self.metric.bounds
        lower = self.metric.core_direction is Direction.LOWER_IS_BETTER
        best = bounds.low if lower else bounds.high
        return best is not None and self.target_value == best

    @property
    def status(self) -> TrajectoryStatus:
        latest = self.latest
        return latest.assessment.status if latest else TrajectoryStatus.NO_DATA

    @property
    def size(self) -> float | None:
        latest = self.latest
        effective = None if latest is None or latest.figure is None else latest.figure.effective
        return None if effective is None else effective.denominator


@dataclass(frozen=True)
class Plan:
    """A target's trajectory as core values, shifted to a unit's own baseline when borrowed."""

    points: tuple[TrajectoryPoint, ...]
    baseline_period: Period
    baseline_value: float
    target_period: Period
    target_value: float
    source: str


def plan_for(
    metric: Metric,
    figures: Mapping[str, UnitFigure],
    own_target: Target | None,
    system_target: Target | None,
    agreed_sub_target: Plan | None = None,
    system_plan: Plan | None = None,
) -> Plan | None:
    """The unit's own target first, then its agreed sub-target, then the system's, moved.
    `system_plan` is the system target's plan when already worked out (for many units)."""
    if own_target is not None:
        plan = _plan_of(own_target)
        return None if plan is None else plan
    if agreed_sub_target is not None:
        return agreed_sub_target
    if system_plan is None and system_target is not None:
        system_plan = _plan_of(system_target)
    if system_plan is None:
        return None
    own_baseline = figures.get(system_plan.baseline_period.label)
    if own_baseline is None or own_baseline.value is None:
        return None
    offset = own_baseline.value - system_plan.baseline_value
    bounds = metric.bounds
    return Plan(
        points=tuple(shifted_trajectory(system_plan.points, offset, bounds)),
        baseline_period=system_plan.baseline_period,
        baseline_value=own_baseline.value,
        target_period=system_plan.target_period,
        target_value=bounds.clamp(system_plan.target_value + offset),
        source=TrajectorySource.UNIFORM_UPLIFT,
    )


def _plan_of(target: Target) -> Plan | None:
    trajectory = target.current_trajectory()
    if trajectory is None:
        return None
    return Plan(
        points=tuple(trajectory.core_points()),
        baseline_period=target.baseline(),
        baseline_value=target.baseline_value,
        target_period=target.target(),
        target_value=target.target_value,
        source=TrajectorySource.OWN,
    )


def progress_of(
    metric: Metric,
    figures: Mapping[str, UnitFigure],
    plan: Plan | None,
    config: MethodConfig,
    today: date,
    system_latest: Period | None = None,
) -> Progress:
    """Where the unit stands; `system_latest` is the system's latest period for the metric."""
    periods = _periods(metric, figures, plan)
    rows = _rows(metric, periods, figures, plan, config)
    values: list[float | None] = []
    if rows:  # the last period with a figure, found once (it was found again for every row)
        last_actual = _last_actual_period(rows, periods)
        values = [row.actual for row in rows if row.period <= last_actual]
    latest_periods = [row.period for row in rows if row.actual is not None]
    lag = metric.lag_days or config.stale_lag_days[metric.period_kind]
    return Progress(
        metric=metric,
        rows=tuple(rows),
        baseline_period=plan.baseline_period if plan else None,
        baseline_value=plan.baseline_value if plan else None,
        target_period=plan.target_period if plan else None,
        target_value=plan.target_value if plan else None,
        trajectory_source=plan.source if plan else TrajectorySource.NONE,
        trend=trend(values, metric.core_direction, config.trend_flat_tolerance),
        stale=bool(latest_periods) and is_stale(latest_periods[-1], today, lag),
        behind=system_latest
        if system_latest is not None and latest_periods and latest_periods[-1] < system_latest
        else None,
    )


def _periods(metric: Metric, figures: Mapping[str, UnitFigure], plan: Plan | None) -> list[Period]:
    found = {metric.parse_period(label) for label in figures}
    if plan is not None:
        found.update(point.period for point in plan.points)
    return sorted(found)


def _last_actual_period(rows: Sequence[PeriodRow], periods: Sequence[Period]) -> Period:
    with_data = [row.period for row in rows if row.actual is not None]
    return with_data[-1] if with_data else periods[0]


def _rows(
    metric: Metric,
    periods: Sequence[Period],
    figures: Mapping[str, UnitFigure],
    plan: Plan | None,
    config: MethodConfig,
) -> list[PeriodRow]:
    rows: list[PeriodRow] = []
    previous: list[TrajectoryStatus] = []
    by_period = {p.period: p for p in plan.points} if plan else {}
    for period in periods:
        figure = figures.get(period.label)
        point = by_period.get(period)
        expected = expected_value(plan.points, period) if plan else None
        assessment = assess_against_trajectory(
            figure.value if figure else None,
            expected,
            plan.baseline_value if plan else None,
            plan.target_value if plan else None,
            metric.core_direction,
            config.status_bands,
            previous=tuple(previous),
        )
        if assessment.status is not TrajectoryStatus.NO_DATA:
            previous.append(assessment.status)
        rows.append(
            PeriodRow(
                period=period,
                figure=figure,
                expected=expected,
                lower=point.lower if point else None,
                upper=point.upper if point else None,
                assessment=assessment,
            )
        )
    return rows
