"""Every local unit's place in a league table, worked out on arrays in a fixed number of queries.

The figures of all the units of a type are read as plain values (no model objects), laid out as
a units x periods matrix of effective values (the reported value, else the rolled-up one), and
each unit's score is worked out column-wise: its latest level, or the gap to its own trajectory
(its own target, its agreed sub-target, or the system trajectory moved to its baseline) with
`core.league.gap_ratios`. Only the rows a page shows are then built as full progress figures
(`builders.league_table`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import overload

import numpy as np
from django.db.models import Q

from deliverology.configuration import load_method_config
from deliverology.core.bounds import Bounds
from deliverology.core.league import (
    FloatArray,
    gap_ratios,
    level_scores,
    rank_arrays,
)
from deliverology.core.periods import Period
from deliverology.core.status import Direction
from deliverology.core.trajectories import TrajectoryPoint, expected_value
from deliverology.web.accounts.access import Access
from deliverology.web.assessments.league_cache import RANKINGS, data_version
from deliverology.web.assessments.models import LeagueSnapshot
from deliverology.web.performance.models import LocalUnit, Metric, Observation, Rollup, Subgroup
from deliverology.web.priorities.progress import Plan, TrajectorySource, plan_for
from deliverology.web.subtargets.models import SubTarget, SubTargetPoint, SubTargetSet


@dataclass(frozen=True)
class RankedUnit:
    """A local unit's place in the whole table (None: no score, listed last)."""

    pk: int
    code: str
    name: str
    path: str
    place: int | None
    tied: bool
    score: float | None


@dataclass(frozen=True)
class Matrix:
    """Effective values, one row per unit and one column per period (in order), NaN: none."""

    periods: list[Period]
    values: FloatArray

    def latest(self) -> tuple[np.ndarray, FloatArray]:
        """Each unit's latest column with a value (-1: none) and that value (NaN: none)."""
        present = ~np.isnan(self.values)
        if not self.periods:
            return np.full(len(self.values), -1), np.full(len(self.values), np.nan)
        last = len(self.periods) - 1 - np.argmax(present[:, ::-1], axis=1)
        last = np.where(present.any(axis=1), last, -1)
        rows = np.arange(len(self.values))
        value = np.where(last >= 0, self.values[rows, np.maximum(last, 0)], np.nan)
        return last, value


class Ranking(Sequence[RankedUnit]):
    """Units in table order, kept as arrays and tuples of text (a handful of objects, whatever
    the number of units, so a kept ranking costs the garbage collector nothing); a unit's
    `RankedUnit` is made when it is read. A slice, or the units `where` picks, is a Ranking.
    Places are 0 for a unit with no score, scores NaN."""

    def __init__(
        self,
        pks: np.ndarray,
        texts: tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]],
        places: np.ndarray,
        tied: np.ndarray,
        scores: FloatArray,
    ) -> None:
        self.pks, self.places, self.tied, self.scores = pks, places, tied, scores
        self.codes, self.names, self.paths = texts

    @classmethod
    def empty(cls) -> Ranking:
        nothing = np.zeros(0, dtype=np.int64)
        return cls(nothing, ((), (), ()), nothing, np.zeros(0, dtype=bool), np.zeros(0))

    def __len__(self) -> int:
        return len(self.pks)

    @overload
    def __getitem__(self, index: int) -> RankedUnit: ...

    @overload
    def __getitem__(self, index: slice) -> Ranking: ...

    def __getitem__(self, index: int | slice) -> RankedUnit | Ranking:
        if isinstance(index, slice):
            return self.where(np.arange(len(self))[index])
        place = int(self.places[index])
        score = float(self.scores[index])
        return RankedUnit(
            pk=int(self.pks[index]),
            code=self.codes[index],
            name=self.names[index],
            path=self.paths[index],
            place=place or None,
            tied=bool(self.tied[index]),
            score=None if math.isnan(score) else score,
        )

    def where(self, rows: np.ndarray) -> Ranking:
        """The units at these positions (in this order)."""
        picked = rows.tolist()
        return Ranking(
            self.pks[rows],
            (
                tuple(self.codes[i] for i in picked),
                tuple(self.names[i] for i in picked),
                tuple(self.paths[i] for i in picked),
            ),
            self.places[rows],
            self.tied[rows],
            self.scores[rows],
        )


def ranked_units(
    metric: Metric, local_unit_type: str, view: str, *, until: str | None = None
) -> Ranking:
    """Every unit of the type in table order, with its place and whether it is tied: worked
    out once for each version of the figures, targets and sub-targets (`league_cache`)."""
    decimals = load_method_config().assessment.league_tie_decimals
    key = (_metric_key(metric), local_unit_type, view, until, decimals)
    return RANKINGS.get_or_make(
        data_version(),
        key,
        lambda: worked_out_ranking(metric, local_unit_type, view, until=until),
    )


def _metric_key(metric: Metric) -> str:
    """The metric as it is now (its direction, bounds and periods rank the units)."""
    return repr(tuple(getattr(metric, field.attname) for field in Metric._meta.concrete_fields))


def worked_out_ranking(
    metric: Metric, local_unit_type: str, view: str, *, until: str | None = None
) -> Ranking:
    """Every unit of the type in table order, worked out from the database now."""
    root = LocalUnit.objects.roots().order_by("path").first()
    everyone = Subgroup.objects.filter(code=Subgroup.ALL).first()
    if root is None or everyone is None:
        return Ranking.empty()
    units = list(
        LocalUnit.objects.filter(type=local_unit_type)
        .order_by("name")
        .values_list("pk", "code", "name", "path")
    )
    if not units:
        return Ranking.empty()
    index = {pk: i for i, (pk, *_) in enumerate(units)}
    matrix = figure_matrix(metric, local_unit_type, everyone, index, until)
    last, value = matrix.latest()
    lower = metric.core_direction is Direction.LOWER_IS_BETTER
    if view == LeagueSnapshot.View.PROGRESS:
        expected, baseline, target = _plans(
            metric, local_unit_type, root, everyone, index, matrix, last
        )
        scores = gap_ratios(value, expected, baseline, target, lower)
    else:
        scores = level_scores(value, lower)
    _, codes, names, paths = (tuple(column) for column in zip(*units, strict=True))
    order, places, tied = rank_arrays(
        codes, names, scores, load_method_config().assessment.league_tie_decimals
    )
    at = order.tolist()
    return Ranking(
        np.array([units[i][0] for i in at], dtype=np.int64),
        (tuple(codes[i] for i in at), tuple(names[i] for i in at), tuple(paths[i] for i in at)),
        places,
        tied,
        scores[order],
    )


def visible_units(ranked: Ranking, access: Access) -> Ranking:
    """The units a person may see (their own subtrees), keeping their places in the whole table."""
    if access.sees_everything:
        return ranked
    roots = tuple(root.path for root in access.roots)
    return ranked.where(np.flatnonzero([path.startswith(roots) for path in ranked.paths]))


def figure_matrix(
    metric: Metric,
    local_unit_type: str,
    everyone: Subgroup,
    index: Mapping[int, int],
    until: str | None,
) -> Matrix:
    """The effective values of the units of a type, everyone's figures: two queries."""
    where = {"metric": metric, "subgroup": everyone, "local_unit__type": local_unit_type}
    fields = ("local_unit_id", "period", "value")
    reported = Observation.objects.filter(**where, value__isnull=False).values_list(*fields)
    rolled = Rollup.objects.filter(**where, value__isnull=False).values_list(*fields)
    found = [_columns(list(rows), index) for rows in (rolled, reported)]
    every_label: set[str] = set().union(*(set(labels) for _, labels, _ in found))
    parsed = {label: metric.parse_period(label) for label in every_label}
    if until is not None:
        cut = metric.parse_period(until)
        parsed = {label: period for label, period in parsed.items() if period <= cut}
    periods = sorted(set(parsed.values()))
    column_of = {period: j for j, period in enumerate(periods)}
    column_of_label = {label: column_of[period] for label, period in parsed.items()}
    values = np.full((len(index), len(periods)), np.nan)
    for rows, labels, value in found:  # the rolled-up value first: a reported one wins
        at_column = np.fromiter(
            (column_of_label.get(label, -1) for label in labels), dtype=np.int64, count=len(labels)
        )
        kept = at_column >= 0
        values[rows[kept], at_column[kept]] = value[kept]
    return Matrix(periods, values)


def _columns(
    rows: list[tuple[int, str, float]], index: Mapping[int, int]
) -> tuple[np.ndarray, tuple[str, ...], FloatArray]:
    """Figures as the unit's row (an array), the period labels and the values (an array)."""
    if not rows:
        return np.zeros(0, dtype=int), (), np.zeros(0)
    units, labels, values = zip(*rows, strict=True)
    pks = np.fromiter(index.keys(), dtype=np.int64, count=len(index))
    positions = np.fromiter(index.values(), dtype=np.int64, count=len(index))
    order = np.argsort(pks)
    at = np.searchsorted(pks[order], np.array(units, dtype=np.int64))
    return positions[order][at], labels, np.array(values, dtype=float)


def _plans(
    metric: Metric,
    local_unit_type: str,
    root: LocalUnit,
    everyone: Subgroup,
    index: Mapping[int, int],
    matrix: Matrix,
    last: np.ndarray,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Each unit's expected value at its latest period, baseline and target (NaN: no plan), from
    `progress.plan_for`'s order: its own target, its agreed sub-target, the system's moved."""
    count = len(index)
    expected, baseline, target = (np.full(count, np.nan) for _ in range(3))
    targets = {
        t.local_unit_id: t
        for t in metric.target_set.filter(
            Q(local_unit=root) | Q(local_unit__type=local_unit_type), subgroup=everyone
        ).prefetch_related("trajectories__points")
    }
    for found in targets.values():
        found.metric = metric  # saves a query per target
    system_target = targets.pop(root.pk, None)
    planned = np.zeros(count, dtype=bool)
    own = {unit: plan_for(metric, {}, t, None) for unit, t in targets.items() if unit in index}
    agreed = agreed_plans(metric, everyone, Q(local_unit__type=local_unit_type))
    for unit, plan in [*agreed.items(), *own.items()]:  # own targets win
        row = index[unit]
        planned[row] = True
        expected[row], baseline[row], target[row] = _at_latest(plan, matrix, int(last[row]))
    system_plan = plan_for(metric, {}, system_target, None)
    if system_plan is None or system_plan.baseline_period not in matrix.periods:
        return expected, baseline, target  # no plan for the others
    # The system trajectory moved to each other unit's own baseline, kept in the bounds.
    bounds = metric.bounds
    own_baseline = matrix.values[:, matrix.periods.index(system_plan.baseline_period)]
    offset = own_baseline - system_plan.baseline_value
    system_expected = np.array(
        [_or_nan(expected_value(system_plan.points, period)) for period in matrix.periods]
    )
    moved = _clamp(system_expected[np.maximum(last, 0)] + offset, bounds)
    moved = np.where(last >= 0, moved, np.nan)
    uplift = ~planned
    expected[uplift] = moved[uplift]
    baseline[uplift] = own_baseline[uplift]
    target[uplift] = _clamp(system_plan.target_value + offset, bounds)[uplift]
    return expected, baseline, target


def _at_latest(plan: Plan | None, matrix: Matrix, last: int) -> tuple[float, float, float]:
    if plan is None:
        return np.nan, np.nan, np.nan
    at = expected_value(plan.points, matrix.periods[last]) if last >= 0 else None
    return _or_nan(at), _or_nan(plan.baseline_value), _or_nan(plan.target_value)


def agreed_plans(metric: Metric, everyone: Subgroup, units: Q) -> dict[int, Plan]:
    """Each unit's agreed sub-target with its own trajectory, by unit: as
    `subtargets.plans.agreed_sub_targets` for one metric and subgroup (the same plans) from plain
    values, two queries. `units` picks the units (a condition on `local_unit`). A sub-target with
    no trajectory points is left out."""
    agreed = SubTarget.objects.filter(
        units,
        sub_target_set__status=SubTargetSet.Status.AGREED,
        sub_target_set__target__metric=metric,
        subgroup=everyone,
    )
    points: dict[int, list[tuple[str, float]]] = {}
    for sub_target, period, value in (
        SubTargetPoint.objects.filter(sub_target__in=agreed)
        .order_by("sub_target_id", "period_start")
        .values_list("sub_target_id", "period", "expected")
    ):
        points.setdefault(sub_target, []).append((period, value))
    parse = _Parser(metric)
    plans: dict[int, Plan] = {}
    for pk, unit, baseline, value, baseline_period, target_period in agreed.values_list(
        "pk",
        "local_unit_id",
        "baseline_value",
        "value",
        "sub_target_set__target__baseline_period",
        "sub_target_set__target__target_period",
    ):
        if pk not in points:
            continue
        plans[unit] = Plan(
            points=tuple(TrajectoryPoint(parse(p), e) for p, e in points[pk]),
            baseline_period=parse(baseline_period),
            baseline_value=baseline,
            target_period=parse(target_period),
            target_value=value,
            source=TrajectorySource.SUB_TARGET,
        )
    return plans


class _Parser:
    """`metric.parse_period`, each label parsed once."""

    def __init__(self, metric: Metric) -> None:
        self.metric = metric
        self.seen: dict[str, Period] = {}

    def __call__(self, label: str) -> Period:
        if label not in self.seen:
            self.seen[label] = self.metric.parse_period(label)
        return self.seen[label]


def _clamp(values: FloatArray, bounds: Bounds) -> FloatArray:
    """`Bounds.clamp` element by element (NaN stays NaN)."""
    with np.errstate(invalid="ignore"):
        if bounds.low is not None:
            values = np.where(values < bounds.low, bounds.low, values)
        if bounds.high is not None:
            values = np.where(values > bounds.high, bounds.high, values)
    return values


def _or_nan(value: float | None) -> float:
    return np.nan if value is None else value
