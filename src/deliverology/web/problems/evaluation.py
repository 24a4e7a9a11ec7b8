"""Evaluating the triggers for every priority, metric, local unit and subgroup at once.

Set-based: a fixed number of queries (figures, targets, sub-targets, units), whatever the number
of local units; every series of a metric is a row of a numpy matrix and the core's array rules
(`status_codes`, `trailing_runs`, `falling_runs`) judge them all together. A local unit is
measured as the priority pages measure it: against its own target, its agreed sub-target, or
the system trajectory moved to its own baseline (docs/concepts.md).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import numpy.typing as npt
from django.db import connection

from deliverology.configuration import load_method_config
from deliverology.core.config import MethodConfig
from deliverology.core.periods import Period
from deliverology.core.plans import MilestoneStatus
from deliverology.core.problems import (
    BELOW,
    ON_OR_ABOVE,
    SLIGHTLY_BELOW,
    STATUS_CODES,
    WELL_BELOW,
    Figure,
    Fired,
    FloatArray,
    IntArray,
    LinkRating,
    MilestoneDates,
    Rating,
    TriggerKind,
    chain_link_trigger,
    falling_runs,
    far_below_sub_target,
    likelihood_trigger,
    missed_milestones,
    progress_falling,
    stale_feed,
    status_codes,
    steady_run,
    trailing_runs,
    trajectory_trigger,
)
from deliverology.web.assessments.models import Assessment
from deliverology.web.chains.queries import weak_links
from deliverology.web.performance.models import LocalUnit, Metric, Observation, Rollup, Subgroup
from deliverology.web.plans.models import Milestone
from deliverology.web.priorities.models import Priority, Target
from deliverology.web.subtargets.models import SubTargetPoint, SubTargetSet

BoolArray = npt.NDArray[np.bool_]
Key = tuple[int, int | None, int, int | None]  # priority, metric, local unit, subgroup


@dataclass
class Finding:
    """What the triggers say about one place: what fired, the latest run on trajectory, and the
    figures the evidence sentence is built from."""

    key: Key
    fired: list[Fired] = field(default_factory=list)
    on_track: int = 0
    latest_period: str = ""
    context: dict[str, Figure] = field(default_factory=dict)


@dataclass(frozen=True)
class Matrix:
    """Every series of one metric: a row per (local unit, subgroup), a column per period."""

    periods: tuple[Period, ...]
    unit_ids: IntArray
    subgroup_ids: IntArray
    values: FloatArray

    def column(self, period: Period) -> int | None:
        return self.periods.index(period) if period in self.periods else None


@dataclass(frozen=True)
class Plans:
    """Expected values, baselines and targets for every row of a goal metric's matrix."""

    expected: FloatArray
    baseline: FloatArray
    target: FloatArray
    sub_target: BoolArray


@dataclass(frozen=True)
class Names:
    units: Mapping[int, str]
    root_of: IntArray  # each local unit's top unit, at the index of its id
    subgroups: Mapping[int, str]
    roots: frozenset[int]
    everyone: int | None
    suggested_for: IntArray  # the local units problems are suggested for, sorted


@dataclass(frozen=True)
class Context:
    """Everything read once for an evaluation."""

    config: MethodConfig
    names: Names
    targets: Mapping[tuple[int, int, int], Target]
    sub_targets: SubTargetPlans
    wanted: set[Key]
    today: date


def evaluate(today: date, open_keys: Iterable[Key] = ()) -> list[Finding]:
    """Every place where a trigger fires, and every place with an open problem (so that it can
    come down the ladder), in a fixed number of queries."""
    priorities = list(
        Priority.objects.filter(status=Priority.Status.ACTIVE)
        .select_related("goal_metric")
        .prefetch_related("progress_metrics")
        .order_by("order", "pk")
    )
    if not priorities:
        return []
    config = load_method_config()
    names = _names(config)
    goal_metrics = _unique(p.goal_metric for p in priorities)
    progress_metrics = _unique(m for p in priorities for m in p.progress_metrics.all())
    latest = _system_periods([*goal_metrics, *progress_metrics], names.roots)
    targets = _targets(goal_metrics)
    context = Context(
        config, names, targets, _sub_target_points(goal_metrics), set(open_keys), today
    )
    falling = config.problems.rules.progress_falling_periods + 1
    periods = {m.pk: latest.get(m.pk, [])[-falling:] for m in progress_metrics}
    periods.update({m.pk: _goal_periods(m, context, latest) for m in goal_metrics})
    matrices = _matrices([*goal_metrics, *progress_metrics], periods)
    findings: dict[Key, Finding] = {}
    for priority in priorities:
        goal = priority.goal_metric
        _judge_goal(priority, goal, matrices[goal.pk], context, findings)
        for progress in priority.progress_metrics.all():
            _judge_progress(priority, progress, matrices[progress.pk], context, findings)
        for watched in (goal, *priority.progress_metrics.all()):
            _judge_feed(priority, watched, latest.get(watched.pk, []), context, findings)
    _judge_delivery(priorities, context, findings)
    return sorted(findings.values(), key=lambda f: tuple(-1 if k is None else k for k in f.key))


def _unique(metrics: Iterable[Metric]) -> list[Metric]:
    found: dict[int, Metric] = {}
    for metric in metrics:
        found.setdefault(metric.pk, metric)
    return list(found.values())


def _names(config: MethodConfig) -> Names:
    rows = list(LocalUnit.objects.values_list("pk", "name", "path", "type"))
    root_codes = {path: pk for pk, _, path, _ in rows if path.count("/") == 2}
    root_of = np.zeros(max((pk for pk, _, _, _ in rows), default=0) + 1, np.int64)
    for pk, _, path, _ in rows:
        root_of[pk] = root_codes["/" + path.split("/")[1] + "/"]
    left_out = config.problems.not_suggested_for
    suggested_for = np.array(sorted(pk for pk, _, _, kind in rows if kind not in left_out))
    subgroups = {
        pk: (code, name) for pk, code, name in Subgroup.objects.values_list("pk", "code", "name")
    }
    everyone = next((pk for pk, (code, _) in subgroups.items() if code == Subgroup.ALL), None)
    return Names(
        units={pk: name for pk, name, _, _ in rows},
        root_of=root_of,
        subgroups={pk: name for pk, (_, name) in subgroups.items()},
        roots=frozenset(root_codes.values()),
        everyone=everyone,
        suggested_for=suggested_for.astype(np.int64),
    )


def _system_periods(metrics: Sequence[Metric], roots: frozenset[int]) -> dict[int, list[Period]]:
    """Each metric's periods with a figure for the system (its top local units), oldest first."""
    by_metric = {m.pk: m for m in metrics}
    found: dict[int, set[Period]] = defaultdict(set)
    for model in (Rollup, Observation):
        rows = (
            model.objects.filter(metric__in=list(by_metric), local_unit__in=roots)
            .exclude(value=None)
            .values_list("metric_id", "period")
            .distinct()
        )
        for metric_id, label in rows:
            found[metric_id].add(by_metric[metric_id].parse_period(label))
    return {pk: sorted(periods) for pk, periods in found.items()}


def _targets(metrics: Sequence[Metric]) -> dict[tuple[int, int, int], Target]:
    by_pk = {m.pk: m for m in metrics}
    found = {}
    for target in Target.objects.filter(metric__in=metrics).prefetch_related(
        "trajectories__points"
    ):
        target.metric = by_pk[target.metric_id]
        found[(target.metric_id, target.local_unit_id, target.subgroup_id)] = target
    return found


# (metric, unit, subgroup) -> (baseline, target, {period label: expected})
SubTargetPlans = dict[tuple[int, int, int], tuple[float, float, dict[str, float]]]


def _sub_target_points(metrics: Sequence[Metric]) -> SubTargetPlans:
    rows = SubTargetPoint.objects.filter(
        sub_target__sub_target_set__status=SubTargetSet.Status.AGREED,
        sub_target__sub_target_set__target__metric__in=metrics,
    ).values_list(
        "sub_target__sub_target_set__target__metric_id",
        "sub_target__local_unit_id",
        "sub_target__subgroup_id",
        "sub_target__baseline_value",
        "sub_target__value",
        "period",
        "expected",
    )
    plans: SubTargetPlans = {}
    for metric_id, unit_id, subgroup_id, baseline, value, period, expected in rows:
        plan = plans.setdefault((metric_id, unit_id, subgroup_id), (baseline, value, {}))
        plan[2][period] = expected
    return plans


def _goal_periods(
    metric: Metric, context: Context, latest: Mapping[int, list[Period]]
) -> list[Period]:
    """The periods a goal metric is judged in: those of its trajectories with figures."""
    periods: set[Period] = set()
    for (metric_id, _, _), target in context.targets.items():
        trajectory = target.current_trajectory() if metric_id == metric.pk else None
        if trajectory is not None:
            periods.update(metric.parse_period(p.period) for p in trajectory.points.all())
    for (metric_id, _, _), (_, _, points) in context.sub_targets.items():
        if metric_id == metric.pk:
            periods.update(metric.parse_period(label) for label in points)
    with_figures = set(latest.get(metric.pk, []))
    return sorted(periods & with_figures)


def _matrices(
    metrics: Sequence[Metric], periods: Mapping[int, Sequence[Period]]
) -> dict[int, Matrix]:
    """One query for every metric and period, rolled-up figures and reported ones."""
    wanted = sorted({p.label for found in periods.values() for p in found})
    by_metric: dict[int, list[Group]] = defaultdict(list)
    for group in _figures([m.pk for m in metrics], wanted):
        by_metric[group[0]].append(group)
    return {m.pk: _matrix(list(periods.get(m.pk, [])), by_metric[m.pk]) for m in metrics}


Group = tuple[int, str, IntArray, FloatArray]  # metric, period label, row keys, values
FIGURES = (Rollup, Observation)  # in this order: reported figures are written over rolled-up ones


def _figures(metric_ids: list[int], wanted: list[str]) -> list[Group]:
    """Every figure of these metrics and periods, a group of arrays per metric and period, the
    groups of each model of FIGURES in turn. At 40,000 schools that is millions of figures
    (benchmarks/triggers.py): rather than handing Python a row at a time, the database joins
    each group's figures into two texts numpy parses, their units and subgroups as one number
    (`_row_keys`), then their values in the same order. Each table answers from its covering
    index (`observation_figures`, `rollup_figures`): no table lookups, already grouped."""
    if not metric_ids or not wanted:
        return []
    if connection.vendor == "postgresql":  # in the same order for both texts, guaranteed
        joined = "string_agg({}, ',' ORDER BY local_unit_id, subgroup_id)"
    else:  # one pass over the group's rows feeds both texts, in the same order
        joined = "group_concat({}, ',')"
    keys = joined.format(f"CAST(local_unit_id * {KEY_WIDTH} + subgroup_id AS TEXT)")
    values = joined.format("CAST(value AS TEXT)")
    metrics = ", ".join(["%s"] * len(metric_ids))
    periods = ", ".join(["%s"] * len(wanted))
    sql = " UNION ALL ".join(
        f"SELECT {source}, metric_id, period, {keys}, {values} "  # noqa: S608 (names from models)
        f"FROM {model._meta.db_table} WHERE value IS NOT NULL AND metric_id IN ({metrics}) "
        f"AND period IN ({periods}) GROUP BY metric_id, period"
        for source, model in enumerate(FIGURES)
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*metric_ids, *wanted] * len(FIGURES))
        rows = sorted(cursor.fetchall(), key=lambda row: int(row[0]))  # stable: FIGURES' order
    groups = []
    for _, metric_id, label, key_text, value_text in rows:
        key = np.fromstring(key_text, np.int64, sep=",")
        value = np.fromstring(value_text, np.float64, sep=",")
        if len(key) != len(value):
            raise ValueError(f"The figures of metric {metric_id} in {label} could not be read.")
        groups.append((int(metric_id), str(label), key, value))
    return groups


def _matrix(periods: list[Period], groups: Sequence[Group]) -> Matrix:
    """One metric's series from its groups of figures, in the order read."""
    column_of = {period.label: column for column, period in enumerate(periods)}
    pieces = [(k, column_of[label], v) for _, label, k, v in groups if label in column_of]
    every_key = np.concatenate([p[0] for p in pieces]) if pieces else np.empty(0, np.int64)
    keys, rows = np.unique(every_key, return_inverse=True)
    values = np.full((len(keys), len(periods)), np.nan)
    start = 0
    for piece_keys, column, piece_values in pieces:  # reported figures last, over rolled-up ones
        end = start + len(piece_keys)
        values[rows[start:end], column] = piece_values
        start = end
    return Matrix(tuple(periods), keys // KEY_WIDTH, keys % KEY_WIDTH, values)


KEY_WIDTH = 1 << 32


def _row_keys(matrix: Matrix) -> IntArray:
    return matrix.unit_ids * KEY_WIDTH + matrix.subgroup_ids


def _suggested_for(matrix: Matrix, context: Context) -> BoolArray:
    return np.isin(matrix.unit_ids, context.names.suggested_for)


def _open_rows(matrix: Matrix, wanted: set[Key], priority: int, metric: int) -> BoolArray:
    codes = [u * KEY_WIDTH + s for p, m, u, s in wanted if p == priority and m == metric and s]
    return np.isin(_row_keys(matrix), np.array(codes, np.int64))


# --- Goal metrics: against the trajectory ---------------------------------------------------


def _judge_goal(
    priority: Priority,
    metric: Metric,
    matrix: Matrix,
    context: Context,
    findings: dict[Key, Finding],
) -> None:
    rules = context.config.problems.rules
    plans = _plans(metric, matrix, context)
    codes, ratios = status_codes(
        matrix.values,
        plans.expected,
        plans.baseline,
        plans.target,
        metric.core_direction,
        context.config.status_bands,
    )
    well = trailing_runs(codes, [WELL_BELOW])
    below = trailing_runs(codes, [BELOW, WELL_BELOW])
    slightly = trailing_runs(codes, [SLIGHTLY_BELOW, BELOW, WELL_BELOW])
    on_track = trailing_runs(codes, [ON_OR_ABOVE])
    system = np.isin(matrix.unit_ids, list(context.names.roots)) & (
        matrix.subgroup_ids == (context.names.everyone or -1)
    )
    last = _last_with_data(codes)
    rows = np.arange(len(codes))
    latest_ratio = np.where(last >= 0, ratios[rows, np.maximum(last, 0)], np.nan)
    fires = (
        (well >= rules.well_below_periods)
        | (below >= rules.below_periods)
        | (slightly >= rules.slightly_below_periods)
        | (system & (well >= rules.sustained_well_below_periods))
        | (plans.sub_target & (latest_ratio <= rules.far_below_sub_target))
    )
    chosen = (fires & _suggested_for(matrix, context)) | _open_rows(
        matrix, context.wanted, priority.pk, metric.pk
    )
    for row in (int(r) for r in np.nonzero(chosen)[0]):
        statuses = [STATUS_CODES[code] for code in codes[row]]
        fired = [trajectory_trigger(statuses, rules, system_level=bool(system[row]))]
        if plans.sub_target[row]:
            fired.append(far_below_sub_target(_number(latest_ratio[row]), rules))
        finding = _finding(findings, priority, metric, matrix, row, context)
        finding.fired += [f for f in fired if f is not None]
        finding.on_track = int(on_track[row])
        column = int(last[row])
        if column >= 0:
            finding.latest_period = matrix.periods[column].label
            finding.context.update(
                period=matrix.periods[column].label,
                actual=_shown(matrix.values[row, column]),
                expected=_shown(plans.expected[row, column]),
                gap_percent=_shown(abs(latest_ratio[row]) * 100, 0),
            )


def _last_with_data(codes: IntArray) -> IntArray:
    """Each row's last column with a status (-1 when none)."""
    has = codes != 0
    last = codes.shape[1] - 1 - np.argmax(has[:, ::-1], axis=1)
    return np.where(has.any(axis=1), last, -1)


def _number(value: float) -> float | None:
    return None if np.isnan(value) else float(value)


def _shown(value: float, decimals: int = 1) -> str:
    return "" if np.isnan(value) else f"{value:.{decimals}f}"


def _plans(metric: Metric, matrix: Matrix, context: Context) -> Plans:
    """Each row's trajectory, as `priorities.progress.plan_for` chooses it: the unit's own
    target, else its agreed sub-target, else the system's trajectory moved to its baseline."""
    size, width = matrix.values.shape
    plans = Plans(
        expected=np.full((size, width), np.nan),
        baseline=np.full(size, np.nan),
        target=np.full(size, np.nan),
        sub_target=np.zeros(size, bool),
    )
    roots = context.names.root_of[matrix.unit_ids]
    for pair in np.unique(roots * KEY_WIDTH + matrix.subgroup_ids).tolist():
        root, subgroup = divmod(pair, KEY_WIDTH)
        system = context.targets.get((metric.pk, root, subgroup)) or context.targets.get(
            (metric.pk, root, context.names.everyone or -1)
        )
        if system is not None:
            _shift(
                metric, matrix, plans, (roots == root) & (matrix.subgroup_ids == subgroup), system
            )
    _own_plans(metric, matrix, plans, context)
    return plans


def _trajectory(
    metric: Metric, matrix: Matrix, target: Target
) -> tuple[FloatArray, float, float, int | None] | None:
    trajectory = target.current_trajectory()
    if trajectory is None:
        return None
    expected = np.full(len(matrix.periods), np.nan)
    for point in trajectory.points.all():
        column = matrix.column(metric.parse_period(point.period))
        if column is not None:
            expected[column] = point.expected
    baseline_column = matrix.column(target.baseline())
    return expected, target.baseline_value, target.target_value, baseline_column


def _shift(metric: Metric, matrix: Matrix, plans: Plans, rows: BoolArray, target: Target) -> None:
    found = _trajectory(metric, matrix, target)
    if found is None:
        return
    expected, baseline, target_value, baseline_column = found
    if baseline_column is None:
        return
    bounds = metric.bounds
    low = -np.inf if bounds.low is None else bounds.low
    high = np.inf if bounds.high is None else bounds.high
    offset = matrix.values[rows, baseline_column] - baseline
    plans.expected[rows] = np.clip(expected[None, :] + offset[:, None], low, high)
    plans.baseline[rows] = baseline + offset
    plans.target[rows] = np.clip(target_value + offset, low, high)


def _own_plans(metric: Metric, matrix: Matrix, plans: Plans, context: Context) -> None:
    """Rows with a target of their own, then rows with an agreed sub-target."""
    keys = _row_keys(matrix)  # sorted (`_matrix`)
    owned = set()
    for (metric_id, unit_id, subgroup_id), target in context.targets.items():
        row = _row_of(keys, unit_id, subgroup_id)
        found = _trajectory(metric, matrix, target) if metric_id == metric.pk else None
        if row is None or found is None:
            continue
        plans.expected[row], plans.baseline[row], plans.target[row] = found[0], found[1], found[2]
        owned.add(row)
    for (metric_id, unit_id, subgroup_id), (baseline, value, points) in context.sub_targets.items():
        row = _row_of(keys, unit_id, subgroup_id) if metric_id == metric.pk else None
        if row is None or row in owned:
            continue
        plans.expected[row] = np.nan
        for label, expected in points.items():
            column = matrix.column(metric.parse_period(label))
            if column is not None:
                plans.expected[row, column] = expected
        plans.baseline[row], plans.target[row] = baseline, value
        plans.sub_target[row] = True


def _row_of(keys: IntArray, unit_id: int, subgroup_id: int) -> int | None:
    """The row of a local unit's and subgroup's series in a matrix's sorted row keys."""
    key = unit_id * KEY_WIDTH + subgroup_id
    row = int(np.searchsorted(keys, key))
    return row if row < len(keys) and keys[row] == key else None


# --- Progress metrics and data feeds --------------------------------------------------------


def _judge_progress(
    priority: Priority,
    metric: Metric,
    matrix: Matrix,
    context: Context,
    findings: dict[Key, Finding],
) -> None:
    rules = context.config.problems.rules
    tolerance = context.config.trend_flat_tolerance
    direction = metric.core_direction
    runs = falling_runs(matrix.values, direction, tolerance)
    fires = runs >= rules.progress_falling_periods
    chosen = (fires & _suggested_for(matrix, context)) | _open_rows(
        matrix, context.wanted, priority.pk, metric.pk
    )
    for row in (int(r) for r in np.nonzero(chosen)[0]):
        values = [_number(v) for v in matrix.values[row]]
        finding = _finding(findings, priority, metric, matrix, row, context)
        fired = progress_falling(values, direction, tolerance, rules)
        if fired is not None:
            finding.fired.append(fired)
        finding.on_track = steady_run(values, direction, tolerance)
        present = [i for i, v in enumerate(values) if v is not None]
        if present:
            finding.latest_period = matrix.periods[present[-1]].label
            finding.context.update(
                period=finding.latest_period,
                actual=_shown(matrix.values[row, present[-1]]),
            )


def _judge_feed(
    priority: Priority,
    metric: Metric,
    periods: Sequence[Period],
    context: Context,
    findings: dict[Key, Finding],
) -> None:
    """A stale feed is the system's: it is raised on the top unit, for all students."""
    lag = metric.lag_days or context.config.stale_lag_days[metric.period_kind]
    fired = stale_feed(
        periods[-1] if periods else None, context.today, lag, context.config.problems.rules
    )
    if fired is None or context.names.everyone is None:
        return
    for root in sorted(context.names.roots):
        key: Key = (priority.pk, metric.pk, root, context.names.everyone)
        finding = findings.get(key) or _new_finding(key, metric, context)
        findings[key] = finding
        if all(f.kind is not TriggerKind.STALE_FEED for f in finding.fired):
            finding.fired.append(fired)
        finding.latest_period = finding.latest_period or periods[-1].label


def _judge_delivery(
    priorities: Sequence[Priority], context: Context, findings: dict[Key, Finding]
) -> None:
    """The triggers about how a priority is delivered rather than its figures: its plans'
    missed milestones, its delivery chains' weak links with no mitigation and its latest
    likelihood of delivery. Raised on the top unit, for the priority as a whole (no metric, no
    subgroup). Three queries whatever the number of priorities."""
    rules = context.config.problems.rules
    evidence = _delivery_evidence(priorities)
    for priority in priorities:
        milestones, links, likelihood = evidence.get(priority.pk, ([], [], None))
        fired = [
            rule
            for rule in (
                missed_milestones(milestones, context.today, rules),
                chain_link_trigger(links, rules),
                likelihood_trigger(likelihood, rules),
            )
            if rule is not None
        ]
        for root in sorted(context.names.roots):
            key: Key = (priority.pk, None, root, None)
            if not fired and key not in context.wanted:
                continue
            finding = findings.get(key) or _new_finding(key, priority.goal_metric, context)
            findings[key] = finding
            finding.fired.extend(fired)


def _delivery_evidence(
    priorities: Sequence[Priority],
) -> dict[int, tuple[list[MilestoneDates], list[LinkRating], str | None]]:
    wanted = [p.pk for p in priorities]
    milestones: dict[int, list[MilestoneDates]] = defaultdict(list)
    for priority_id, due, status, completed_on in Milestone.objects.filter(
        plan__priority__in=wanted, due__isnull=False
    ).values_list("plan__priority_id", "due", "status", "completed_on"):
        if due is None:
            continue
        met_on = (completed_on or due) if status == MilestoneStatus.DONE else None
        milestones[priority_id].append(MilestoneDates(due, met_on))
    links: dict[int, list[LinkRating]] = defaultdict(list)
    for weak in weak_links():
        links[weak.priority.pk].append(
            LinkRating(
                f"{weak.link.actor} ({weak.chain.title})",
                Rating(weak.latest.rating),
                weak.has_mitigation,
            )
        )
    likelihood: dict[int, str] = {}
    for priority_id, rating in (
        Assessment.objects.filter(priority__in=wanted, status=Assessment.Status.FINAL)
        .exclude(likelihood="")
        .order_by("reporting_round__as_of")
        .values_list("priority_id", "likelihood")
    ):
        likelihood[priority_id] = rating  # the latest round's rating is read last
    return {pk: (milestones.get(pk, []), links.get(pk, []), likelihood.get(pk)) for pk in wanted}


def _finding(
    findings: dict[Key, Finding],
    priority: Priority,
    metric: Metric,
    matrix: Matrix,
    row: int,
    context: Context,
) -> Finding:
    key: Key = (priority.pk, metric.pk, int(matrix.unit_ids[row]), int(matrix.subgroup_ids[row]))
    if key not in findings:
        findings[key] = _new_finding(key, metric, context)
    return findings[key]


def _new_finding(key: Key, metric: Metric, context: Context) -> Finding:
    _, _, unit_id, subgroup_id = key
    return Finding(
        key=key,
        context={
            "unit": context.names.units.get(unit_id, ""),
            "metric": metric.name,
            "subgroup": context.names.subgroups.get(subgroup_id or -1, ""),
            "measure_unit": metric.measure_unit,
            "period": "",
            "actual": "",
            "expected": "",
            "gap_percent": "",
        },
    )
