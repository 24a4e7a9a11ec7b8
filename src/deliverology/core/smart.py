"""The SMART check of a target (docs/method.md): specific, measurable, attainable, relevant,
time-bound, each with the reason it passed or failed.

Attainable compares the improvement per period the target asks for with the best benchmark
rate; a target that needs more than `ambition_threshold` times the best is flagged as
unprecedented ambition, to be acknowledged explicitly rather than refused. A target that the
business-as-usual trend (the recent change per period, continued from the baseline) already meets
asks for nothing new: it fails "attainable" as not ambitious, with both numbers. A target outside
the measure's bounds (above 100% for a rate) is refused.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from deliverology.core.aggregation import Aggregation
from deliverology.core.benchmarking import BenchmarkType
from deliverology.core.bounds import Bounds
from deliverology.core.periods import Period, PeriodKind, kind_noun
from deliverology.core.status import Direction

DEFAULT_AMBITION_THRESHOLD = 1.5


class SmartError(ValueError):
    """A target that makes no sense: due before its baseline, or asking the metric to worsen."""


@dataclass(frozen=True)
class SmartInputs:
    """What the SMART check looks at.

    `benchmark_rates` are changes per period (of the target's kind) in the metric's own unit,
    as `average_change`, `best_run` and `comparator_rate` give them: for a lower-is-better
    metric an improvement is negative. `aspiration` names the aspiration the target serves.
    `trend_per_period` is the recent change per period of the target's own figures (None when
    unknown): continued from the baseline, it is where the metric goes with no new effort.
    """

    baseline_period: Period
    baseline_value: float
    target_period: Period | None
    target_value: float
    direction: Direction
    aggregation: Aggregation = Aggregation.RATE
    numerator_definition: str = ""
    denominator_definition: str = ""
    data_source: str = ""
    frequency: PeriodKind | None = None
    aspiration: str = ""
    benchmark_rates: Mapping[BenchmarkType, float] = field(
        default_factory=lambda: MappingProxyType({})
    )
    bounds: Bounds = Bounds()
    trend_per_period: float | None = None


@dataclass(frozen=True)
class Criterion:
    passed: bool
    reason: str


@dataclass(frozen=True)
class SmartCheck:
    """The five criteria and the numbers behind "attainable".

    `required_per_period` and `best_rate` are improvements per period (positive = better);
    `ambition_ratio` is the first divided by the second when the best rate is an improvement.
    """

    specific: Criterion
    measurable: Criterion
    attainable: Criterion
    relevant: Criterion
    time_bound: Criterion
    required_per_period: float | None
    best_benchmark: BenchmarkType | None
    best_rate: float | None
    ambition_ratio: float | None
    is_unprecedented: bool
    is_wrong_way: bool
    business_as_usual: float | None = None  # where the trend alone leads by the target period
    is_not_ambitious: bool = False

    @property
    def is_smart(self) -> bool:
        criteria = (self.specific, self.measurable, self.attainable, self.relevant, self.time_bound)
        return all(criterion.passed for criterion in criteria)


def check_target(
    baseline_period: Period,
    baseline_value: float,
    target_period: Period,
    target_value: float,
    direction: Direction,
    bounds: Bounds | None = None,
) -> None:
    """Raise SmartError when the target is due before its baseline, asks for a decline or lies
    outside the measure's `bounds`."""
    _check_periods(baseline_period, target_period)
    _check_bounds(target_value, bounds or Bounds())
    if _is_wrong_way(baseline_value, target_value, direction):
        raise SmartError(_wrong_way(baseline_value, target_value, direction))


def smart_check(
    inputs: SmartInputs, ambition_threshold: float = DEFAULT_AMBITION_THRESHOLD
) -> SmartCheck:
    """Check the target against each SMART criterion.

    SmartError when the target period is not after the baseline period; a target that asks
    the metric to get worse fails "attainable" and is flagged `is_wrong_way`.
    """
    if not (math.isfinite(ambition_threshold) and ambition_threshold > 0):
        raise SmartError(f"the ambition threshold must be above zero ({ambition_threshold:g})")
    for name in ("baseline_value", "target_value"):
        if not math.isfinite(getattr(inputs, name)):
            raise SmartError(f"the {name.replace('_', ' ')} must be a number")
    if inputs.target_period is not None:
        _check_periods(inputs.baseline_period, inputs.target_period)
    _check_bounds(inputs.target_value, inputs.bounds)
    required = _required_per_period(inputs)
    usual = _business_as_usual(inputs)
    not_ambitious = (
        usual is not None
        and _better_by(usual - inputs.target_value, inputs.direction) >= 0
        and not _is_wrong_way(inputs.baseline_value, inputs.target_value, inputs.direction)
    )
    best = _best_benchmark(inputs)
    best_rate = None if best is None else _better_by(inputs.benchmark_rates[best], inputs.direction)
    ratio = required / best_rate if required is not None and best_rate and best_rate > 0 else None
    unprecedented = _is_unprecedented(required, best_rate, ambition_threshold)
    wrong_way = _is_wrong_way(inputs.baseline_value, inputs.target_value, inputs.direction)
    return SmartCheck(
        specific=_specific(inputs),
        measurable=_measurable(inputs),
        attainable=_not_ambitious(inputs, usual)
        if not_ambitious and usual is not None
        else _attainable(inputs, required, best, best_rate, unprecedented, ambition_threshold),
        relevant=_relevant(inputs),
        time_bound=_time_bound(inputs),
        required_per_period=required,
        best_benchmark=best,
        best_rate=best_rate,
        ambition_ratio=ratio,
        is_unprecedented=unprecedented,
        is_wrong_way=wrong_way,
        business_as_usual=usual,
        is_not_ambitious=not_ambitious,
    )


def _business_as_usual(inputs: SmartInputs) -> float | None:
    """The recent trend continued from the baseline to the target period, inside the bounds."""
    if inputs.trend_per_period is None or inputs.target_period is None:
        return None
    if not math.isfinite(inputs.trend_per_period):
        raise SmartError("the trend per period must be a number")
    periods = inputs.target_period - inputs.baseline_period
    return inputs.bounds.clamp(inputs.baseline_value + inputs.trend_per_period * periods)


def _not_ambitious(inputs: SmartInputs, usual: float) -> Criterion:
    return Criterion(
        False,
        f"not ambitious: the recent trend alone reaches {usual:.3g} by {inputs.target_period}, "
        f"already as good as the target of {inputs.target_value:g}",
    )


def _check_bounds(target_value: float, bounds: Bounds) -> None:
    if not bounds.contains(target_value):
        raise SmartError(f"the target must be {bounds.describe()} (it is {target_value:g})")


def _specific(inputs: SmartInputs) -> Criterion:
    needs_denominator = inputs.aggregation in (Aggregation.RATE, Aggregation.MEAN)
    missing = [
        part
        for part, text, needed in (
            ("numerator", inputs.numerator_definition, True),
            ("denominator", inputs.denominator_definition, needs_denominator),
        )
        if needed and not text.strip()
    ]
    if missing:
        return Criterion(False, f"the metric's {' and '.join(missing)} is not defined")
    if needs_denominator:
        return Criterion(True, "the metric is defined by its numerator and denominator")
    return Criterion(True, "the metric defines what is counted")


def _measurable(inputs: SmartInputs) -> Criterion:
    if not inputs.data_source.strip():
        return Criterion(False, "no data source is set")
    if inputs.frequency is None:
        return Criterion(False, f"the data come from {inputs.data_source}, but no frequency is set")
    every = kind_noun(inputs.frequency)
    return Criterion(True, f"the data come from {inputs.data_source}, once {every}")


def _attainable(
    inputs: SmartInputs,
    required: float | None,
    best: BenchmarkType | None,
    best_rate: float | None,
    unprecedented: bool,
    threshold: float,
) -> Criterion:
    if _is_wrong_way(inputs.baseline_value, inputs.target_value, inputs.direction):
        return Criterion(
            False, _wrong_way(inputs.baseline_value, inputs.target_value, inputs.direction)
        )
    if required is None:
        return Criterion(
            False, "without a target period the improvement needed per period is unknown"
        )
    needs = f"the target needs {required:.3g} per period"
    if best is None or best_rate is None:
        return Criterion(False, f"{needs}, and there is no benchmark rate to compare it with")
    benchmark = f"the best benchmark ({best}) achieved {best_rate:.3g}"
    if unprecedented:
        return Criterion(
            False,
            f"unprecedented ambition: {needs}, more than {threshold:g} times what {benchmark} "
            "did; acknowledge it explicitly",
        )
    return Criterion(True, f"{needs}; {benchmark}")


def _relevant(inputs: SmartInputs) -> Criterion:
    if not inputs.aspiration.strip():
        return Criterion(False, "the target is not linked to an aspiration")
    return Criterion(True, f"the target serves the aspiration '{inputs.aspiration}'")


def _time_bound(inputs: SmartInputs) -> Criterion:
    if inputs.target_period is None:
        return Criterion(False, "the target has no target period")
    periods = inputs.target_period - inputs.baseline_period
    return Criterion(
        True,
        f"the target is due in {inputs.target_period}, {periods} periods after the baseline "
        f"{inputs.baseline_period}",
    )


def _required_per_period(inputs: SmartInputs) -> float | None:
    if inputs.target_period is None:
        return None
    periods = inputs.target_period - inputs.baseline_period
    change = (inputs.target_value - inputs.baseline_value) / periods
    return _better_by(change, inputs.direction)


def _best_benchmark(inputs: SmartInputs) -> BenchmarkType | None:
    rates = inputs.benchmark_rates
    for kind, rate in rates.items():
        if not math.isfinite(rate):
            raise SmartError(f"the {kind} benchmark rate must be a number")
    if not rates:
        return None
    return max(rates, key=lambda kind: _better_by(rates[kind], inputs.direction))


def _is_unprecedented(required: float | None, best_rate: float | None, threshold: float) -> bool:
    if required is None or best_rate is None or required <= 0:
        return False
    return best_rate <= 0 or required > threshold * best_rate


def _is_wrong_way(baseline_value: float, target_value: float, direction: Direction) -> bool:
    return _better_by(target_value - baseline_value, direction) < 0


def _wrong_way(baseline_value: float, target_value: float, direction: Direction) -> str:
    relation = "below" if target_value < baseline_value else "above"
    return (
        f"the target of {target_value:g} is {relation} the baseline of {baseline_value:g} for a "
        f"{direction}-is-better metric: it asks the metric to get worse"
    )


def _check_periods(baseline_period: Period, target_period: Period) -> None:
    if baseline_period.kind != target_period.kind:
        raise SmartError(
            f"the baseline {baseline_period} is {kind_noun(baseline_period.kind)} but the target "
            f"period {target_period} is {kind_noun(target_period.kind)}"
        )
    if target_period <= baseline_period:
        raise SmartError(
            f"the target period {target_period} must come after the baseline period "
            f"{baseline_period}"
        )


def _better_by(difference: float, direction: Direction) -> float:
    # Adding 0.0 turns -0.0 into 0.0, which would otherwise be shown as "-0".
    return (-difference if direction == Direction.LOWER_IS_BETTER else difference) + 0.0
