"""Fetching the figures of a metric for many local units at once, in a fixed number of queries.

A unit's *effective* figure is the one it reported, or, when it reported none, the figure rolled
up from its children. Both are kept so a difference between them can be shown, and the figure
says which it is (`source`): reported, rolled up, or rolled up from too few of the children to
stand for the unit (partial, below the configured coverage), with the roll-up's coverage.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from deliverology.configuration import load_method_config
from deliverology.core.aggregation import Coverage, Measure
from deliverology.core.config import FigureSource
from deliverology.web.performance.models import Metric, Observation, Rollup, Subgroup


@dataclass(frozen=True)
class UnitFigure:
    reported: Measure | None = None
    rolled_up: Measure | None = None
    missing_reason: str = ""
    reporting_children: int = 0
    coverage: Coverage | None = None
    children_type: str = ""
    partial: bool = False

    @property
    def source(self) -> FigureSource | None:
        """Which figure `effective` is; None when there is none."""
        if self.reported is not None and self.reported.value is not None:
            return FigureSource.REPORTED
        if self.rolled_up is not None and self.rolled_up.value is not None:
            return FigureSource.PARTIAL if self.partial else FigureSource.ROLLED_UP
        return None

    @property
    def is_partial(self) -> bool:
        return self.source is FigureSource.PARTIAL

    @property
    def rate_only(self) -> bool:
        """A reported figure with a value and no counts (published alone, or counts withheld)."""
        reported = self.reported
        return bool(reported is not None and reported.value is not None and not reported.has_counts)

    @property
    def effective(self) -> Measure | None:
        if self.reported is not None and self.reported.value is not None:
            return self.reported
        if self.rolled_up is not None and self.rolled_up.value is not None:
            return self.rolled_up
        return None

    @property
    def value(self) -> float | None:
        effective = self.effective
        return None if effective is None else effective.value

    @property
    def difference(self) -> float | None:
        """Reported minus rolled-up value, when a unit has both."""
        if self.reported is None or self.rolled_up is None:
            return None
        if self.reported.value is None or self.rolled_up.value is None:
            return None
        return self.reported.value - self.rolled_up.value


# (metric id, unit id, subgroup id) -> period label -> figure
Series = dict[tuple[int, int, int], dict[str, UnitFigure]]


def load_series(
    metrics: Iterable[Metric], unit_ids: Iterable[int], subgroups: Iterable[Subgroup]
) -> Series:
    """Two queries, whatever the number of units, metrics and subgroups."""
    keys = {
        "metric__in": [m.pk for m in metrics],
        "local_unit__in": list(unit_ids),
        "subgroup__in": [s.pk for s in subgroups],
    }
    threshold = load_method_config().coverage.partial_below
    found: dict[tuple[int, int, int, str], dict[str, object]] = defaultdict(dict)
    for obs in Observation.objects.filter(**keys).only(*_FIGURE_FIELDS, "missing_reason"):
        found[_key(obs)].update(reported=obs.as_measure(), missing_reason=obs.missing_reason)
    for rollup in Rollup.objects.filter(**keys).only(*_FIGURE_FIELDS, *_COVERAGE_FIELDS):
        coverage = rollup_coverage(rollup)
        found[_key(rollup)].update(
            rolled_up=rollup.as_measure(),
            reporting_children=rollup.reporting_children,
            coverage=coverage,
            children_type=rollup.children_type,
            partial=coverage.is_partial(threshold),
        )
    series: Series = defaultdict(dict)
    for (metric_id, unit_id, subgroup_id, period), parts in found.items():
        series[(metric_id, unit_id, subgroup_id)][period] = UnitFigure(**parts)  # type: ignore[arg-type]
    return series


_FIGURE_FIELDS = (
    "metric_id",
    "local_unit_id",
    "subgroup_id",
    "period",
    "numerator",
    "denominator",
    "value",
    "provisional",
)


_COVERAGE_FIELDS = (
    "reporting_children",
    "expected_children",
    "suppressed_children",
    "uncounted_children",
    "covered_share",
    "coverage",
    "children_type",
)


def rollup_coverage(rollup: Rollup) -> Coverage:
    return Coverage(
        expected=rollup.expected_children,
        reporting=rollup.reporting_children,
        suppressed=rollup.suppressed_children,
        uncounted=rollup.uncounted_children,
        share=rollup.covered_share,
        ratio=rollup.coverage,
    )


def _key(figure: Observation | Rollup) -> tuple[int, int, int, str]:
    return (figure.metric_id, figure.local_unit_id, figure.subgroup_id, figure.period)
