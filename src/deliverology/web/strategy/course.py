"""Setting the course of a target: the three ways to build a trajectory side by side (docs/method.md
4.2.3). A, at a chosen benchmark's rate; B, bottom-up from the priority's interventions with its
uncertainty band and shortfall; C, a shaped curve from baseline to target."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from deliverology.core.benchmarking import BenchmarkType
from deliverology.core.config import StrategySettings
from deliverology.core.interventions import (
    BottomUp,
    InterventionError,
    OverlapMethod,
    Shortfall,
    bottom_up_trajectory,
    shortfall_at_target,
    uncertainty_band,
)
from deliverology.core.periods import Period, PeriodError
from deliverology.core.trajectories import (
    TrajectoryError,
    TrajectoryMethod,
    TrajectoryPoint,
    average_change,
    build_trajectory,
)
from deliverology.web.performance.models import LocalUnit, Metric
from deliverology.web.performance.series import load_series
from deliverology.web.priorities.models import Target
from deliverology.web.strategy.models import Intervention

SHAPES = (
    TrajectoryMethod.LINEAR,
    TrajectoryMethod.S_CURVE,
    TrajectoryMethod.BACK_LOADED,
    TrajectoryMethod.FRONT_LOADED,
    TrajectoryMethod.DIP_THEN_RISE,
)
History = Sequence[tuple[Period, float]]


@dataclass(frozen=True)
class Choices:
    """What the delivery unit picked on the page."""

    benchmark: BenchmarkType | None = None
    shape: TrajectoryMethod = TrajectoryMethod.LINEAR
    dip_depth: float = 0.0
    dip_periods: int = 1
    overlap: OverlapMethod | None = None

    def shape_parameters(self) -> dict[str, Any]:
        if self.shape == TrajectoryMethod.DIP_THEN_RISE:
            return {"dip_depth": self.dip_depth, "dip_periods": self.dip_periods}
        return {}


@dataclass
class Course:
    target: Target
    history: History
    benchmarks: dict[BenchmarkType, float]
    choices: Choices
    counterfactual_trend: float
    overlap: OverlapMethod
    draws: int
    seed: int
    benchmark_way: list[TrajectoryPoint] | None = None
    bottom_up: BottomUp | None = None
    band: list[TrajectoryPoint] | None = None
    shortfall: Shortfall | None = None
    shaped: list[TrajectoryPoint] | None = None
    problems: dict[str, str] = field(default_factory=dict)

    @property
    def benchmark_rate(self) -> float | None:
        chosen = self.choices.benchmark
        return None if chosen is None else self.benchmarks.get(chosen)


def course_for(
    target: Target,
    interventions: Sequence[Intervention],
    history: History,
    benchmarks: dict[BenchmarkType, float],
    choices: Choices,
    settings: StrategySettings,
    periods_back: int,
) -> Course:
    metric = target.metric
    course = Course(
        target=target,
        history=history,
        benchmarks=benchmarks,
        choices=choices,
        counterfactual_trend=counterfactual_trend(history, periods_back),
        overlap=choices.overlap or default_overlap(metric),
        draws=settings.band_draws,
        seed=settings.band_seed,
    )
    _benchmark_way(course)
    _bottom_up_way(course, interventions, settings)
    _shaped_way(course)
    return course


def counterfactual_trend(history: History, periods_back: int) -> float:
    """The change per period of recent history, to continue without the interventions; flat
    when there is less than two periods of it."""
    if len(history) < 2:
        return 0.0
    try:
        return average_change(history, min(periods_back, len(history) - 1))
    except TrajectoryError:
        return 0.0


def default_overlap(metric: Metric) -> OverlapMethod:
    """Multiplicative where the metric has a range to share out, so effects are not counted
    twice; additive for a higher-is-better count with no top."""
    if metric_scale(metric) is None and metric.core_direction.value == "higher":
        return OverlapMethod.ADDITIVE
    return OverlapMethod.MULTIPLICATIVE


def metric_scale(metric: Metric) -> float | None:
    return metric.scale if metric.aggregation == Metric.AggregationChoice.RATE else None


def _benchmark_way(course: Course) -> None:
    rate = course.benchmark_rate
    if rate is None:
        return
    target = course.target
    course.benchmark_way = build_trajectory(
        TrajectoryMethod.BENCHMARK_RATE,
        target.baseline(),
        target.baseline_value,
        target.target(),
        target.target_value,
        bounds=target.metric.bounds,
        rate_per_period=rate,
    )


def _bottom_up_way(
    course: Course, interventions: Sequence[Intervention], settings: StrategySettings
) -> None:
    target = course.target
    try:
        counted = [each for each in interventions if each.counts]
        shares = reach_populations(target, counted)
        cores = [each.core(shares.get(each.pk, 1.0)) for each in counted]
        course.bottom_up = bottom_up_trajectory(
            target.baseline(),
            target.baseline_value,
            target.target(),
            course.counterfactual_trend,
            cores,
            target.metric.core_direction,
            course.overlap,
            metric_scale(target.metric),
        )
        course.band = uncertainty_band(
            course.bottom_up,
            seed=settings.band_seed,
            draws=settings.band_draws,
            quantiles=settings.band_quantiles,
        )
        course.shortfall = shortfall_at_target(
            course.bottom_up, target.target_value, target.metric.core_direction
        )
    except (InterventionError, PeriodError) as error:
        course.problems["bottom_up"] = str(error)


def reach_populations(target: Target, interventions: Sequence[Intervention]) -> dict[int, float]:
    """The share of the target's population, in its baseline period, living in the local units
    each intervention names: their denominators over the target unit's, a unit inside another
    named one counted once, units outside the target's counted not at all. Interventions that
    name none reach the whole system and are left out.

    InterventionError when a named unit or the target's own unit has no baseline figure with a
    denominator: without one, the reach cannot be weighed.
    """
    named: dict[int, list[LocalUnit]] = {}
    for each in interventions:
        units = _outermost(target, list(each.reach_units.all()))
        if units is not None:
            named[each.pk] = units
    if not named:
        return {}
    wanted = {target.local_unit, *(unit for units in named.values() for unit in units)}
    population = _baseline_denominators(target, wanted)
    system = population[target.local_unit.pk]
    return {
        pk: sum((population[unit.pk] for unit in units), 0.0) / system
        for pk, units in named.items()
    }


def _outermost(target: Target, units: Sequence[LocalUnit]) -> list[LocalUnit] | None:
    """The named units within the target's unit, without those inside another named one; None
    when none are named (the whole system)."""
    if not units:
        return None
    inside = [unit for unit in units if unit.is_within(target.local_unit)]
    return [u for u in inside if not any(u != o and u.is_within(o) for o in inside)]


def _baseline_denominators(target: Target, units: set[LocalUnit]) -> dict[int, float]:
    series = load_series([target.metric], {unit.pk for unit in units}, [target.subgroup])
    found: dict[int, float] = {}
    for unit in sorted(units, key=lambda u: u.path):
        figure = series.get((target.metric_id, unit.pk, target.subgroup_id), {})
        measure = figure.get(target.baseline_period)
        effective = measure.effective if measure is not None else None
        if effective is None or not effective.denominator:
            raise InterventionError(
                _(
                    "The reach of an intervention cannot be weighed: %(unit)s has no figure "
                    "with a denominator in the baseline period %(period)s."
                )
                % {"unit": unit, "period": target.baseline_period}
            )
        found[unit.pk] = effective.denominator
    return found


def _shaped_way(course: Course) -> None:
    target = course.target
    try:
        course.shaped = build_trajectory(
            course.choices.shape,
            target.baseline(),
            target.baseline_value,
            target.target(),
            target.target_value,
            **course.choices.shape_parameters(),
        )
    except TrajectoryError as error:
        course.problems["shaped"] = str(error)
