"""The performance diagnostic of a priority, for one local unit and subgroup (docs/method.md).

`load_diagnostic` fetches everything in a fixed number of queries, whatever the number of local
units; the figures come from the pure functions of `core.benchmarking`.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.db.models import OuterRef, Q, QuerySet, Subquery

from deliverology.configuration import load_method_config
from deliverology.core.aggregation import Aggregation
from deliverology.core.benchmarking import (
    BenchmarkError,
    Concentration,
    Distribution,
    GapLocation,
    ImprovementSummary,
    Improver,
    SubgroupGap,
    WidestGap,
    comparator_rate,
    concentration_for_share,
    distribution,
    fastest_improvers,
    improvement_summary,
    subgroup_gaps,
    where_is_the_gap_in_bulk,
    widest_gap,
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
from deliverology.web.performance.models import LocalUnit, Metric, Observation, Rollup, Subgroup
from deliverology.web.performance.series import Series, UnitFigure, load_series
from deliverology.web.priorities.models import Priority, Target
from deliverology.web.subtargets.models import SubTarget, SubTargetSet


@dataclass(frozen=True)
class UnitLabel:
    """What the diagnostic shows of a local unit: tens of thousands are cheaper than models."""

    pk: int
    code: str = field(compare=False)  # compared and hashed by pk alone: it is cheaper
    name: str = field(compare=False)

    @classmethod
    def of(cls, unit: LocalUnit) -> UnitLabel:
        return cls(unit.pk, unit.code, unit.name)


Segment = tuple[UnitLabel, Subgroup]
# numerator, denominator, value, and whether it is a partial roll-up (docs/concepts.md)
Counts = tuple[float | None, float | None, float, bool]
Effective = dict[tuple[int, int, str], Counts]  # (local unit id, subgroup id, period) -> counts


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
    unit: UnitLabel
    value: float
    percentile: float
    gap_to_top_quartile: float
    gap_to_top_decile: float
    partial: bool = False  # a roll-up from too few of the unit's children


@dataclass(frozen=True)
class Spread:
    """Local units of one type compared in one period, and the fastest improvers among them."""

    level: str
    period: Period
    start_period: Period
    standings: list[Standing]  # best first
    distribution: Distribution[UnitLabel]
    improvers: list[Improver[UnitLabel]]
    similar_to: float | None  # the starting value improvers were near (None: the median)

    def standing_of(self, unit: LocalUnit) -> Standing | None:
        return next((s for s in self.standings if s.unit.pk == unit.pk), None)

    def leading(self, unit: LocalUnit, count: int) -> list[Standing]:
        """The best `count` local units, and `unit` after them when it is not among them."""
        shown = self.standings[:count]
        own = self.standing_of(unit)
        if own is not None and own not in shown:
            shown.append(own)
        return shown


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
    widest: tuple[Subgroup, WidestGap] | None = None  # the group furthest behind, from `gaps`


class GoalSource:
    OWN = "own"  # the unit's own target
    SUB_TARGET = "sub_target"  # the unit's agreed sub-target
    SYSTEM = "system"  # the system's target, for want of either


@dataclass(frozen=True)
class GapGoal:
    """The rate the gap is counted against: the unit's own target or agreed sub-target first."""

    value: float
    period: str
    source: str


@dataclass(frozen=True)
class GapFindings:
    """Where the people needed to reach the target are ("where is the gap?")."""

    goal: GapGoal
    period: Period
    by_unit: GapLocation[UnitLabel]
    concentration: Concentration[UnitLabel]
    by_segment: GapLocation[Segment]
    subgroups: dict[str, Subgroup]

    @property
    def units_needing(self) -> int:
        return sum(1 for people in self.by_unit.people_needed.values() if people)

    def leading_units(self, count: int) -> list[tuple[UnitLabel, int]]:
        """The `count` local units needing most people (the mapping is ordered that way)."""
        needing = ((unit, people) for unit, people in self.by_unit.people_needed.items() if people)
        return list(itertools.islice(needing, count))

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
    own: Mapping[str, UnitFigure] = field(default_factory=dict)  # the unit's figures by period


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
    scope: Scope,
    access: Access,
    settings: DiagnosticSettings,
    levels: list[str],
    subgroups: list[Subgroup],
) -> Diagnostic:
    """Everything on the diagnostic page, in a fixed number of queries; `subgroups` are every
    subgroup, as the page has already read them."""
    metric, unit, subgroup = scope.metric, scope.unit, scope.subgroup
    own = load_series([metric], [unit.pk], subgroups)
    history = _history(own, scope)
    latest = history.latest[0] if history.latest else None
    peers = _visible(
        LocalUnit.objects.filter(type=unit.type, path__startswith=_root_path(unit)), access
    )
    inside = LocalUnit.objects.subtree(unit).filter(type=scope.level or "")
    periods = [latest, latest - scope.periods_back] if latest else []
    effective = {
        **figures_at(metric, [peers, inside], [subgroup], periods),
        **figures_at(metric, [inside], subgroups, periods[:1]),
        **_effective(own),
    }
    figures = _Figures(effective, subgroup)
    peer_units, inside_units = _units(peers), _units(inside)
    own_start = figures.value(unit.pk, periods[1]) if periods else None
    return Diagnostic(
        scope=scope,
        settings=settings,
        levels=levels,
        history=history,
        peers=_spread(figures, peer_units, unit.type, latest, scope, settings, own_start)
        if len(peer_units) > 1
        else None,
        inside=_spread(figures, inside_units, scope.level, latest, scope, settings, None),
        # Other systems are compared with the system, never with one of its districts.
        comparators=_comparators(metric, scope) if unit.parent_id is None else [],
        equity=_equity(metric, own, unit, subgroups),
        gap=_gap(
            effective, scope, inside_units or [UnitLabel.of(unit)], subgroups, latest, settings
        ),
        hypotheses=list(
            Hypothesis.objects.filter(priority=scope.priority).select_related(
                "author", "local_unit", "subgroup"
            )
        ),
        own=own.get((metric.pk, unit.pk, subgroup.pk), {}),
    )


def figures_at(
    metric: Metric,
    units: Sequence[QuerySet[LocalUnit]],
    subgroups: Sequence[Subgroup],
    periods: Sequence[Period],
) -> Effective:
    """The effective figures of many local units in a few periods: two queries, plain rows.

    `units` are queries, so that tens of thousands of local units make subqueries rather than
    as many parameters. As in `UnitFigure.effective`, a unit's own figure wins over its roll-up.
    """
    if not periods:
        return {}
    within = Q()
    for query in units:
        within |= Q(local_unit__in=query.order_by().values("pk"))
    wanted = {
        "metric": metric,
        "subgroup__in": list(subgroups),
        "period__in": [period.label for period in periods],
        "value__isnull": False,
    }
    fields = ("local_unit_id", "subgroup_id", "period", "numerator", "denominator", "value")
    threshold = load_method_config().coverage.partial_below
    reported: Effective = {
        (unit_id, subgroup_id, period): (numerator, denominator, value, False)
        for unit_id, subgroup_id, period, numerator, denominator, value in (
            Observation.objects.filter(within, **wanted).values_list(*fields)
        )
    }
    rolled_up: Effective = {
        (unit_id, subgroup_id, period): (numerator, denominator, value, coverage < threshold)
        for unit_id, subgroup_id, period, numerator, denominator, value, coverage in (
            Rollup.objects.filter(within, **wanted).values_list(*fields, "coverage")
        )
    }
    return {**rolled_up, **reported}


def _effective(series: Series) -> Effective:
    found: Effective = {}
    for (_, unit_id, subgroup_id), figures in series.items():
        for period, figure in figures.items():
            measure = figure.effective
            if measure is not None and measure.value is not None:
                found[(unit_id, subgroup_id, period)] = (
                    measure.numerator,
                    measure.denominator,
                    measure.value,
                    figure.is_partial,
                )
    return found


def _visible(units: QuerySet[LocalUnit], access: Access) -> QuerySet[LocalUnit]:
    if access.sees_everything:
        return units
    within = Q()
    for root in access.roots:
        within |= Q(path__startswith=root.path)
    return units.filter(within)


def _units(units: QuerySet[LocalUnit]) -> list[UnitLabel]:
    return [UnitLabel(*row) for row in units.order_by("name").values_list("pk", "code", "name")]


@dataclass(frozen=True)
class _Figures:
    """The effective figures of one subgroup, looked up by local unit and period."""

    effective: Effective
    subgroup: Subgroup

    def counts(self, unit_pk: int, period: Period) -> Counts | None:
        return self.effective.get((unit_pk, self.subgroup.pk, period.label))

    def value(self, unit_pk: int, period: Period) -> float | None:
        counts = self.counts(unit_pk, period)
        return None if counts is None else counts[2]

    def is_partial(self, unit_pk: int, period: Period) -> bool:
        counts = self.counts(unit_pk, period)
        return counts is not None and counts[3]

    def values(self, units: Iterable[UnitLabel], period: Period) -> dict[UnitLabel, float]:
        found = ((u, self.value(u.pk, period)) for u in units)
        return {u: v for u, v in found if v is not None}


@functools.lru_cache(maxsize=4096)
def _parse_label(kind: PeriodKind, label: str) -> Period:
    return parse_period(label, kind)


def _parse(metric: Metric, label: str) -> Period:
    return _parse_label(metric.period_kind, label)


def _history(own: Series, scope: Scope) -> HistoryFindings:
    figures = own.get((scope.metric.pk, scope.unit.pk, scope.subgroup.pk), {})
    known = [(_parse(scope.metric, label), f.value) for label, f in figures.items()]
    points = sorted(((p, v) for p, v in known if v is not None), key=lambda item: item[0])
    try:
        summary = improvement_summary(points, scope.periods_back, scope.metric.core_direction)
    except (TrajectoryError, BenchmarkError):
        summary = None  # too little history for this k: the page says so
    return HistoryFindings(points, summary)


def _spread(
    figures: _Figures,
    units: Sequence[UnitLabel],
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
            figures.is_partial(u.pk, period),
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
    widest = widest_gap(gaps, metric.core_direction)
    return Equity(
        periods,
        [(by_code[code], gap) for code, gap in gaps.items()],
        None if widest is None else (by_code[widest.subgroup], widest),
    )


def _gap(
    effective: Effective,
    scope: Scope,
    units: Sequence[UnitLabel],
    subgroups: Sequence[Subgroup],
    period: Period | None,
    settings: DiagnosticSettings,
) -> GapFindings | None:
    metric = scope.metric
    if metric.core_aggregation != Aggregation.RATE or period is None:
        return None
    goal = _goal(scope, subgroups)
    if goal is None:
        return None
    rate = (goal.value, metric.core_direction, metric.scale)
    keys, numerators, denominators = _rates(_Figures(effective, scope.subgroup), units, period)
    by_unit = where_is_the_gap_in_bulk(keys, numerators, denominators, *rate)
    segments: tuple[list[Segment], list[float], list[float], list[str]] = ([], [], [], [])
    for subgroup in subgroups:
        if subgroup.code == Subgroup.ALL:
            continue
        found = _rates(_Figures(effective, subgroup), units, period)
        segments[0].extend((unit, subgroup) for unit in found[0])
        segments[1].extend(found[1])
        segments[2].extend(found[2])
        segments[3].extend(subgroup.code for _ in found[0])
    return GapFindings(
        goal=goal,
        period=period,
        by_unit=by_unit,
        concentration=concentration_for_share(by_unit, settings.gap_share),
        by_segment=where_is_the_gap_in_bulk(
            segments[0], segments[1], segments[2], *rate, subgroups=segments[3]
        ),
        subgroups={s.code: s for s in subgroups},
    )


def _rates(
    figures: _Figures, units: Sequence[UnitLabel], period: Period
) -> tuple[list[UnitLabel], list[float], list[float]]:
    """The local units with a numerator and a denominator in `period`, as columns."""
    keys, numerators, denominators = [], [], []
    for unit in units:
        counts = figures.counts(unit.pk, period)
        if counts is not None and counts[0] is not None and counts[1] is not None:
            keys.append(unit)
            numerators.append(counts[0])
            denominators.append(counts[1])
    return keys, numerators, denominators


def _root_path(unit: LocalUnit) -> str:
    """The path of the system `unit` is in: peers are compared within one system."""
    return "/" + unit.path.strip("/").split("/")[0] + "/"


def _goal(scope: Scope, subgroups: Sequence[Subgroup]) -> GapGoal | None:
    """The unit's own target, else its agreed sub-target, else the system's target: one query."""
    everyone = next((s for s in subgroups if s.code == Subgroup.ALL), scope.subgroup)
    root_code = scope.unit.path.strip("/").split("/")[0]
    agreed = {
        name: Subquery(
            SubTarget.objects.filter(
                sub_target_set__target=OuterRef("pk"),
                sub_target_set__status=SubTargetSet.Status.AGREED,
                local_unit=scope.unit,
                subgroup=subgroup,
            ).values("value")[:1]
        )
        for name, subgroup in (("agreed_own", scope.subgroup), ("agreed_all", everyone))
    }
    candidates = (
        Target.objects.filter(
            metric=scope.metric,
            local_unit__code__in={scope.unit.code, root_code},
            subgroup__in={scope.subgroup, everyone},
        )
        .annotate(**agreed)
        .select_related("local_unit")
    )
    found = {(t.local_unit.code, t.subgroup_id): t for t in candidates}
    own = found.get((scope.unit.code, scope.subgroup.pk))
    if own is not None and scope.unit.code != root_code:
        return GapGoal(own.target_value, own.target_period, GoalSource.OWN)
    system = [
        t
        for t in (found.get((root_code, scope.subgroup.pk)), found.get((root_code, everyone.pk)))
        if t is not None
    ]
    for name in ("agreed_own", "agreed_all"):
        for target in system:
            value = getattr(target, name)
            if value is not None:
                return GapGoal(value, target.target_period, GoalSource.SUB_TARGET)
    if not system:
        return None
    source = GoalSource.OWN if scope.unit.code == root_code else GoalSource.SYSTEM
    return GapGoal(system[0].target_value, system[0].target_period, source)


@dataclass(frozen=True)
class Pattern:
    """A performance pattern written from the figures, so that its words match the tables."""

    statement: str
    subgroup: Subgroup | None


def pattern_from_figures(metric: Metric, unit: LocalUnit) -> Pattern | None:
    """Where the unit's figure stands against its first recorded one, and which group is
    furthest behind: only periods that have figures are named."""
    subgroups = list(Subgroup.objects.all())
    series = load_series([metric], [unit.pk], subgroups)
    everyone = next((s for s in subgroups if s.code == Subgroup.ALL), None)
    if everyone is None:
        return None
    figures = series.get((metric.pk, unit.pk, everyone.pk), {})
    known = sorted(
        (_parse(metric, label), f.value) for label, f in figures.items() if f.value is not None
    )
    if len(known) < 2:
        return None
    (first, start), (last, end) = known[0], known[-1]
    better = _better(end - start, metric)
    words = "above" if better > 0 else "below" if better < 0 else "level with"
    statement = (
        f"{metric.name} in {unit.name} was {end:,.1f}{_unit(metric)} in {last.label}, {words} "
        f"its first recorded figure of {start:,.1f}{_unit(metric)} ({first.label})."
    )
    equity = _equity(metric, series, unit, subgroups)
    widest = None if equity is None else equity.widest
    if widest is not None:
        group, gap = widest
        statement += (
            f" In {gap.period.label} the gap is widest for {group.name}: {gap.gap:+,.1f} "
            f"{'points' if metric.measure_unit == '%' else metric.measure_unit} from all students."
        )
    return Pattern(statement, widest[0] if widest else None)


def _better(change: float, metric: Metric) -> float:
    return -change if metric.core_direction == Direction.LOWER_IS_BETTER else change


def _unit(metric: Metric) -> str:
    return "%" if metric.measure_unit == "%" else f" {metric.measure_unit}"
