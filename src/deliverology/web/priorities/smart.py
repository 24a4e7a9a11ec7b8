"""The SMART check of a target against its benchmark rates, stored on the target (docs/method.md
4.2.1). The rates are changes per period over the last k periods (k from the diagnostic's
settings): historical, the best run of the target's own local unit; internal, the fastest of
the local units directly under it; external, each comparator's."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from deliverology.configuration import load_method_config
from deliverology.core.aggregation import Aggregation
from deliverology.core.benchmarking import (
    BenchmarkError,
    BenchmarkType,
    Comparator,
    best_run,
    comparator_rate,
)
from deliverology.core.periods import Period
from deliverology.core.smart import SmartCheck, SmartInputs, smart_check
from deliverology.core.status import Direction
from deliverology.core.trajectories import TrajectoryError, average_change
from deliverology.web.performance.models import LocalUnit
from deliverology.web.performance.series import load_series
from deliverology.web.priorities.models import Target

CRITERIA = ("specific", "measurable", "attainable", "relevant", "time_bound")


def benchmark_rates(target: Target) -> dict[BenchmarkType, float]:
    """The best change per period each kind of benchmark has achieved, where it can be known;
    over fewer than k periods when there are not k periods of figures yet."""
    from deliverology.web.diagnostics.models import Comparator as ComparatorFigure

    metric, k = target.metric, load_method_config().diagnostic.periods_back
    direction = metric.core_direction
    children = list(LocalUnit.objects.filter(parent_id=target.local_unit_id))
    series = load_series(
        [metric], [target.local_unit_id, *(c.pk for c in children)], [target.subgroup]
    )
    histories = {unit_id: _history(metric, figures) for (_, unit_id, _), figures in series.items()}
    rates: dict[BenchmarkType, float] = {}
    own = histories.get(target.local_unit_id, [])
    if len(own) >= 2:
        run = best_run(own, min(k, len(own) - 1), direction)
        rates[BenchmarkType.HISTORICAL] = run.change_per_period
    internal = [_rate(histories.get(child.pk, []), k) for child in children]
    if known := [rate for rate in internal if rate is not None]:
        rates[BenchmarkType.INTERNAL] = _best(known, direction)
    points: dict[tuple[str, str], list[tuple[Period, float]]] = defaultdict(list)
    figures = ComparatorFigure.objects.for_figures(metric, target.subgroup)
    for figure in figures:
        points[(figure.kind, figure.name)].append(
            (metric.parse_period(figure.period), figure.value)
        )
    for (kind, name), history in points.items():
        try:
            rate = comparator_rate(Comparator(name, tuple(history)), k)
        except BenchmarkError:
            continue
        benchmark = BenchmarkType(kind)
        rates[benchmark] = _best([rates.get(benchmark, rate), rate], direction)
    return rates


def trend_before_baseline(target: Target) -> float | None:
    """The average change per period of the target's own figures over the last k periods up to
    its baseline: business as usual. None with less than two periods of figures."""
    metric, k = target.metric, load_method_config().diagnostic.periods_back
    series = load_series([metric], [target.local_unit_id], [target.subgroup])
    figures = series.get((metric.pk, target.local_unit_id, target.subgroup_id), {})
    baseline = target.baseline()
    history = [point for point in _history(metric, figures) if point[0] <= baseline]
    return _rate(history, k) if len(history) >= 2 else None


def check_of(target: Target) -> SmartCheck:
    metric = target.metric
    inputs = SmartInputs(
        baseline_period=target.baseline(),
        baseline_value=target.baseline_value,
        target_period=target.target(),
        target_value=target.target_value,
        direction=metric.core_direction,
        aggregation=Aggregation(metric.aggregation),
        numerator_definition=metric.numerator_definition or metric.definition,
        denominator_definition=metric.denominator_definition,
        data_source=metric.data_source or target.data_source,
        frequency=metric.period_kind,
        aspiration=_aspiration_of(target),
        benchmark_rates=benchmark_rates(target),
        bounds=metric.bounds,
        trend_per_period=trend_before_baseline(target),
    )
    return smart_check(inputs, load_method_config().strategy.ambition_threshold)


def refresh_smart_check(target: Target) -> SmartCheck:
    """Check the target and store the result on it (without touching its history)."""
    check = check_of(target)
    target.smart_check = stored(check)
    Target.objects.filter(pk=target.pk).update(smart_check=target.smart_check)
    return check


def stored(check: SmartCheck) -> dict[str, Any]:
    return {
        "criteria": {
            name: {"passed": getattr(check, name).passed, "reason": getattr(check, name).reason}
            for name in CRITERIA
        },
        "is_smart": check.is_smart,
        "required_per_period": check.required_per_period,
        "best_benchmark": check.best_benchmark and str(check.best_benchmark),
        "best_rate": check.best_rate,
        "ambition_ratio": check.ambition_ratio,
        "is_unprecedented": check.is_unprecedented,
        "is_wrong_way": check.is_wrong_way,
        "business_as_usual": check.business_as_usual,
        "is_not_ambitious": check.is_not_ambitious,
    }


def _aspiration_of(target: Target) -> str:
    from deliverology.web.priorities.models import Priority

    priority = (
        Priority.objects.filter(goal_metric_id=target.metric_id)
        .select_related("aspiration")
        .first()
    )
    return priority.aspiration.statement if priority else ""


def _history(metric: Any, figures: Any) -> list[tuple[Period, float]]:
    return sorted(
        (metric.parse_period(label), figure.value)
        for label, figure in figures.items()
        if figure.value is not None
    )


def _rate(history: list[tuple[Period, float]], k: int) -> float | None:
    try:
        return average_change(history, min(k, len(history) - 1))
    except TrajectoryError:
        return None


def _best(rates: list[float], direction: Direction) -> float:
    return min(rates) if direction == Direction.LOWER_IS_BETTER else max(rates)


def explained(check: dict[str, Any], target: Target) -> dict[str, str]:
    """Each criterion's reason in the reader's language, from the stored check's numbers."""
    from django.utils.translation import gettext as _

    criteria, metric = check["criteria"], target.metric
    passed = {name: criteria[name]["passed"] for name in CRITERIA}
    numbers = {
        "required": _figure(check["required_per_period"]),
        "best": _figure(check["best_rate"]),
        "kind": check["best_benchmark"] or "",
        "ratio": _figure(check["ambition_ratio"]),
        "usual": _figure(check.get("business_as_usual")),
        "target": _figure(target.target_value),
        "period": target.target_period,
    }
    if check["is_wrong_way"]:
        attainable = _("The target asks the metric to get worse.")
    elif check.get("is_not_ambitious"):
        attainable = _(
            "Not ambitious: the recent trend alone reaches %(usual)s by %(period)s, already as "
            "good as the target of %(target)s."
        )
    elif check["is_unprecedented"]:
        attainable = _(
            "Unprecedented ambition: the target needs %(required)s per period, %(ratio)s times "
            "the best benchmark (%(kind)s, %(best)s). Allowed, but acknowledge it explicitly."
        )
        if check["ambition_ratio"] is None:
            attainable = _(
                "Unprecedented ambition: the target needs %(required)s per period, and no "
                "benchmark has improved at all. Allowed, but acknowledge it explicitly."
            )
    elif check["best_benchmark"] is None:
        attainable = _(
            "The target needs %(required)s per period; there is no benchmark rate to compare "
            "it with yet."
        )
    else:
        attainable = _(
            "The target needs %(required)s per period; the best benchmark (%(kind)s) achieved "
            "%(best)s."
        )
    return {
        "specific": _("The metric is defined by what it counts.")
        if passed["specific"]
        else _("The metric's numerator or denominator is not defined."),
        "measurable": _("The data come from %(source)s, each %(frequency)s.")
        % {
            "source": metric.data_source or target.data_source,
            "frequency": load_method_config().period_kind_labels[metric.frequency].lower(),
        }
        if passed["measurable"]
        else _("No data source or frequency is set for the metric."),
        "attainable": attainable % numbers,
        "relevant": _("The target serves the aspiration.")
        if passed["relevant"]
        else _("The target is not linked to an aspiration."),
        "time_bound": _("Due in %(target)s, from the baseline %(baseline)s.")
        % {"target": target.target_period, "baseline": target.baseline_period},
    }


def _figure(value: float | None) -> str:
    return "–" if value is None else f"{value:.3g}"
