"""The performance diagnostic of a priority, for one local unit and subgroup (METHOD.md 3.1).

`load_diagnostic` fetches everything in a fixed number of queries, whatever the number of local
units; the figures come from the pure functions of `core.benchmarking`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from deliverology.core.aggregation import Aggregation
from deliverology.core.benchmarking import (
    BenchmarkError,
    Concentration,
    Distribution,
    GapLocation,
    ImprovementSummary,
    Improver,
    LocalUnitRate,
    SubgroupGap,
    comparator_rate,
    concentration_for_share,
    distribution,
    fastest_improvers,
    improvement_summary,
    subgroup_gaps,
    where_is_the_gap,
)
from deliverology.core.benchmarking import (
    Comparator as CoreComparator,
)
from deliverology.core.config import DiagnosticSettings
from deliverology.core.periods import Period, PeriodKind, parse_period
from deliverology.core.status import Direction
from deliverology.core.trajectories import TrajectoryError
from deliverology.web.accounts.access import Access
from deliverology.web.diagnostics.models import Comparator, Hypothesis
from deliverology.web.performance.models import LocalUnit, Metric, Subgroup
from deliverology.web.performance.series import Series, UnitFigure, load_series
from deliverology.web.priorities.models import Priority, Target

Segment = tuple[LocalUnit, Subgroup]


@dataclass(frozen=True)
class Scope:
    """What the diagnostic is about: `level` is the type of the local units compared inside."""

    priority: Priority
    unit: LocalUnit
    subgroup: Subgroup
    level: str | None
    periods_back: int

    @property
    def metric(self) -> Metric:
        return self.priority.goal_metric


@dataclass(frozen=True)
class HistoryFindings:
    """The unit against its own past."""

    points: list[tuple[Period, float]]
    summary: ImprovementSummary | None

    @property
    def latest(self) -> tuple[Period, float] | None:
        return self.points[-1] if self.points else None


@dataclass(frozen=True)
class Standing:
    unit: LocalUnit
    value: float
    percentile: float
    gap_to_top_quartile: float
    gap_to_top_decile: float


@dataclass(frozen=True)
class Spread:
    """Local units of one type compared in one period, and the fastest improvers among them."""

    level: str
    period: Period
    start_period: Period
    standings: list[Standing]  # best first
    distribution: Distribution[LocalUnit]
    improvers: list[Improver[LocalUnit]]
    similar_to: float | None  # the starting value improvers were near (None: the median)

    def standing_of(self, unit: LocalUnit) -> Standing | None:
        return next((s for s in self.standings if s.unit.pk == unit.pk), None)


@dataclass(frozen=True)
class ComparatorLine:
    name: str
    kind: str
    points: list[tuple[Period, float]]
    sources: list[str]
    rate: float | None  # average change per period over the last k periods


@dataclass(frozen=True)
class Equity:
    """Each subgroup's gap to all students, period by period."""

    periods: list[Period]
    gaps: list[tuple[Subgroup, SubgroupGap]]


@dataclass(frozen=True)
class GapFindings:
    """Where the people needed to reach the target are ("where is the gap?")."""

    target: Target
    period: Period
    by_unit: GapLocation[LocalUnit]
    concentration: Concentration[LocalUnit]
    by_segment: GapLocation[Segment]
    subgroups: dict[str, Subgroup]

    @property
    def top_segments(self) -> list[tuple[Segment, int]]:
        return [(key, people) for key, people in self.by_segment.people_needed.items() if people][
            :10
        ]

    def subgroup_totals(self) -> list[tuple[Subgroup, int]]:
        totals = self.by_segment.by_subgroup
        return [(self.subgroups[code], people) for code, people in totals.items()]


@dataclass(frozen=True)
class Diagnostic:
    scope: Scope
    settings: DiagnosticSettings
    levels: list[str]
    history: HistoryFindings
    peers: Spread | None
    inside: Spread | None
    comparators: list[ComparatorLine]
    equity: Equity | None
    gap: GapFindings | None
    hypotheses: list[Hypothesis] = field(default_factory=list)

    @property
    def direction(self) -> Direction:
        return self.scope.metric.core_direction


def levels_under(unit: LocalUnit) -> list[str]:
    """The types of local unit below `unit`, nearest first."""
    found = (
        LocalUnit.objects.subtree(unit)
        .exclude(pk=unit.pk)
        .values_list("depth", "type")
        .distinct()
        .order_by("depth", "type")
    )
    return list(dict.fromkeys(kind for _, kind in found))


def load_diagnostic(
    scope: Scope, access: Access, settings: DiagnosticSettings, levels: list[str]
) -> Diagnostic:
    """Everything on the diagnostic page, in a fixed number of queries."""
    metric, unit = scope.metric, scope.unit
    subgroups = list(Subgroup.objects.all())
    peers = [p for p in LocalUnit.objects.filter(type=unit.type) if access.can_see_unit(p)]
    inside = list(LocalUnit.objects.subtree(unit).filter(type=scope.level)) if scope.level else []
    everyone = {u.pk: u for u in [unit, *peers, *inside]}
    series = load_series([metric], everyone, subgroups)
    figures = _Figures(metric, series, scope.subgroup)
    history = _history(figures, unit, scope, settings)
    latest = history.latest[0] if history.latest else figures.latest_period(inside)
    own_start = figures.value(unit, latest - scope.periods_back) if latest else None
    return Diagnostic(
        scope=scope,
        settings=settings,
        levels=levels,
        history=history,
        peers=_spread(figures, peers, unit.type, latest, scope, settings, own_start)
        if len(peers) > 1
        else None,
        inside=_spread(figures, inside, scope.level, latest, scope, settings, None)
        if scope.level
        else None,
        comparators=_comparators(metric, scope),
        equity=_equity(metric, series, unit, subgroups),
        gap=_gap(figures, series, scope, inside or [unit], subgroups, latest, settings),
        hypotheses=list(
            Hypothesis.objects.filter(priority=scope.priority).select_related(
                "author", "local_unit", "subgroup"
            )
        ),
    )


@dataclass(frozen=True)
class _Figures:
    """The effective figures of one metric and subgroup, looked up by unit and period."""

    metric: Metric
    series: Series
    subgroup: Subgroup

    def figure(
        self, unit: LocalUnit, period: Period, subgroup: Subgroup | None = None
    ) -> UnitFigure:
        key = (self.metric.pk, unit.pk, (subgroup or self.subgroup).pk)
        return self.series.get(key, {}).get(period.label) or UnitFigure()

    def value(self, unit: LocalUnit, period: Period) -> float | None:
        return self.figure(unit, period).value

    def values(self, units: Iterable[LocalUnit], period: Period) -> dict[LocalUnit, float]:
        found = ((u, self.value(u, period)) for u in units)
        return {u: v for u, v in found if v is not None}

    def history(
        self, unit: LocalUnit, subgroup: Subgroup | None = None
    ) -> list[tuple[Period, float]]:
        key = (self.metric.pk, unit.pk, (subgroup or self.subgroup).pk)
        known = [
            (self.parse(label), f.value)
            for label, f in self.series.get(key, {}).items()
            if f.value is not None
        ]
        return sorted(known, key=lambda item: item[0])

    def latest_period(self, units: Sequence[LocalUnit]) -> Period | None:
        periods = [period for u in units for period, _ in self.history(u)]
        return max(periods) if periods else None

    def parse(self, label: str) -> Period:
        return _parse(self.metric, label)


@functools.lru_cache(maxsize=4096)
def _parse_label(kind: PeriodKind, label: str) -> Period:
    return parse_period(label, kind)


def _parse(metric: Metric, label: str) -> Period:
    return _parse_label(metric.period_kind, label)


def _history(
    figures: _Figures, unit: LocalUnit, scope: Scope, settings: DiagnosticSettings
) -> HistoryFindings:
    points = figures.history(unit)
    try:
        summary = improvement_summary(points, scope.periods_back, scope.metric.core_direction)
    except (TrajectoryError, BenchmarkError):
        summary = None  # too little history for this k: the page says so
    return HistoryFindings(points, summary)


def _spread(
    figures: _Figures,
    units: Sequence[LocalUnit],
    level: str | None,
    period: Period | None,
    scope: Scope,
    settings: DiagnosticSettings,
    similar_to: float | None,
) -> Spread | None:
    if period is None or level is None:
        return None
    end = figures.values(units, period)
    if not end:
        return None
    direction = scope.metric.core_direction
    spread = distribution(end, direction)
    standings = [
        Standing(
            u,
            value,
            spread.percentiles[u],
            spread.gap_to_top_quartile[u],
            spread.gap_to_top_decile[u],
        )
        for u, value in end.items()
    ]
    standings.sort(key=lambda s: (-s.percentile, s.unit.name))
    start_period = period - scope.periods_back
    start = figures.values(units, start_period)
    improvers = (
        fastest_improvers(
            start,
            end,
            direction,
            settings.similar_start_within,
            reference=similar_to,
            n=settings.fastest_improvers,
        )
        if start
        else []
    )
    return Spread(level, period, start_period, standings, spread, improvers, similar_to)


def _comparators(metric: Metric, scope: Scope) -> list[ComparatorLine]:
    grouped: dict[str, list[Comparator]] = {}
    for figure in Comparator.objects.for_figures(metric, scope.subgroup):
        grouped.setdefault(figure.name, []).append(figure)
    lines = []
    for name, rows in grouped.items():
        points = [(_parse(metric, row.period), row.value) for row in rows]
        try:
            rate: float | None = comparator_rate(
                CoreComparator(name, tuple(points)), scope.periods_back
            )
        except BenchmarkError:
            rate = None
        sources = sorted({row.source for row in rows if row.source})
        lines.append(ComparatorLine(name, rows[0].get_kind_display(), points, sources, rate))
    return lines


def _equity(
    metric: Metric, series: Series, unit: LocalUnit, subgroups: Sequence[Subgroup]
) -> Equity | None:
    by_code = {s.code: s for s in subgroups}
    if Subgroup.ALL not in by_code or len(subgroups) < 2:
        return None
    values: dict[str, list[tuple[Period, float | None]]] = {}
    for subgroup in subgroups:
        figures = series.get((metric.pk, unit.pk, subgroup.pk), {})
        values[subgroup.code] = sorted(
            ((_parse(metric, label), f.value) for label, f in figures.items()),
            key=lambda item: item[0],
        )
    gaps = subgroup_gaps(values, reference=Subgroup.ALL)
    periods = sorted(period for period, _ in values[Subgroup.ALL])
    return Equity(periods, [(by_code[code], gap) for code, gap in gaps.items()])


def _gap(
    figures: _Figures,
    series: Series,
    scope: Scope,
    units: Sequence[LocalUnit],
    subgroups: Sequence[Subgroup],
    period: Period | None,
    settings: DiagnosticSettings,
) -> GapFindings | None:
    metric = scope.metric
    if metric.core_aggregation != Aggregation.RATE or period is None:
        return None
    target = _target(scope, subgroups)
    if target is None:
        return None
    rates = _unit_rates(figures, units, period)
    segments = [
        rate
        for subgroup in subgroups
        if subgroup.code != Subgroup.ALL
        for rate in _segment_rates(_Figures(metric, series, subgroup), units, period)
    ]
    by_unit = where_is_the_gap(rates, target.target_value, metric.core_direction, metric.scale)
    return GapFindings(
        target=target,
        period=period,
        by_unit=by_unit,
        concentration=concentration_for_share(by_unit, settings.gap_share),
        by_segment=where_is_the_gap(
            segments, target.target_value, metric.core_direction, metric.scale
        ),
        subgroups={s.code: s for s in subgroups},
    )


def _counts(figures: _Figures, unit: LocalUnit, period: Period) -> tuple[float, float] | None:
    measure = figures.figure(unit, period).effective
    if measure is None or measure.numerator is None or measure.denominator is None:
        return None
    return measure.numerator, measure.denominator


def _unit_rates(
    figures: _Figures, units: Sequence[LocalUnit], period: Period
) -> list[LocalUnitRate[LocalUnit]]:
    found = ((unit, _counts(figures, unit, period)) for unit in units)
    return [LocalUnitRate(unit, *counts) for unit, counts in found if counts is not None]


def _segment_rates(
    figures: _Figures, units: Sequence[LocalUnit], period: Period
) -> list[LocalUnitRate[Segment]]:
    subgroup = figures.subgroup
    found = ((unit, _counts(figures, unit, period)) for unit in units)
    return [
        LocalUnitRate((unit, subgroup), *counts, subgroup=subgroup.code)
        for unit, counts in found
        if counts is not None
    ]


def _target(scope: Scope, subgroups: Sequence[Subgroup]) -> Target | None:
    """The unit's own target, else the system's for the subgroup, else the system's overall."""
    root_code = scope.unit.path.strip("/").split("/")[0]
    everyone = next((s for s in subgroups if s.code == Subgroup.ALL), scope.subgroup)
    candidates = (
        Target.objects.filter(metric=scope.metric)
        .filter(
            local_unit__code__in={scope.unit.code, root_code},
            subgroup__in={scope.subgroup, everyone},
        )
        .select_related("local_unit", "subgroup", "metric")
    )
    found = {(t.local_unit.code, t.subgroup_id): t for t in candidates}
    for key in (
        (scope.unit.code, scope.subgroup.pk),
        (root_code, scope.subgroup.pk),
        (root_code, everyone.pk),
    ):
        if key in found:
            return found[key]
    return None
