"""The momentum page's figures (docs/concepts.md, "Problems and momentum"): each priority's
streak on trajectory, each data feed's freshness and the days since the last data refresh, in
a fixed number of queries.

Waiting for the routines: days since each priority's last stocktake and the share of actions
closed on time use `core.momentum.days_since` and `core.momentum.on_time_share` once stocktakes
and actions are stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Max

from deliverology.configuration import load_method_config
from deliverology.core.momentum import days_since, streak_on_trajectory, target_met_early
from deliverology.core.periods import Period
from deliverology.core.status import is_stale
from deliverology.web.performance.models import ImportRun, LocalUnit, Metric, Subgroup
from deliverology.web.performance.series import load_series
from deliverology.web.priorities.models import Priority, Target
from deliverology.web.priorities.progress import Progress, plan_for, progress_of


@dataclass(frozen=True)
class PriorityMomentum:
    priority: Priority
    progress: Progress
    streak: int


@dataclass(frozen=True)
class Feed:
    metric: Metric
    latest: Period | None
    due_by: date | None
    stale: bool


@dataclass(frozen=True)
class Momentum:
    priorities: list[PriorityMomentum]
    feeds: list[Feed]
    last_refresh: date | None
    days_since_refresh: int | None
    refresh_lapsed: bool
    refresh_days: int


def momentum(today: date) -> Momentum:
    config = load_method_config()
    priorities = list(
        Priority.objects.filter(status=Priority.Status.ACTIVE)
        .select_related("goal_metric")
        .prefetch_related("progress_metrics")
        .order_by("order")
    )
    root = LocalUnit.objects.roots().order_by("path").first()
    everyone = Subgroup.objects.filter(code=Subgroup.ALL).first()
    rows: list[PriorityMomentum] = []
    feeds: dict[int, Feed] = {}
    if root is not None and everyone is not None and priorities:
        metrics = {m.pk: m for p in priorities for m in (p.goal_metric, *p.progress_metrics.all())}
        series = load_series(metrics.values(), [root.pk], [everyone])
        targets = {
            t.metric_id: t
            for t in Target.objects.filter(
                metric__in=list(metrics), local_unit=root, subgroup=everyone
            ).prefetch_related("trajectories__points")
        }
        for metric in metrics.values():
            figures = series.get((metric.pk, root.pk, everyone.pk), {})
            target = targets.get(metric.pk)
            if target is not None:
                target.metric = metric
            progress = progress_of(
                metric, figures, plan_for(metric, figures, target, None), config, today
            )
            feeds[metric.pk] = _feed(metric, progress, today)
            for priority in priorities:
                if priority.goal_metric_id == metric.pk:
                    statuses = [row.assessment.status for row in progress.rows]
                    rows.append(
                        PriorityMomentum(priority, progress, streak_on_trajectory(statuses))
                    )
    rows.sort(key=lambda row: row.priority.order)
    finished = ImportRun.objects.filter(outcome=ImportRun.Outcome.COMMITTED).aggregate(
        last=Max("finished_at")
    )["last"]
    last = finished.date() if finished else None
    since = days_since(last, today)
    limit = config.momentum.data_refresh_days
    return Momentum(
        priorities=rows,
        feeds=sorted(feeds.values(), key=lambda f: (not f.stale, f.metric.name)),
        last_refresh=last,
        days_since_refresh=since,
        refresh_lapsed=since is None or since > limit,
        refresh_days=limit,
    )


def _feed(metric: Metric, progress: Progress, today: date) -> Feed:
    latest = progress.latest
    if latest is None:
        return Feed(metric, None, None, False)
    lag = metric.lag_days or load_method_config().stale_lag_days[metric.period_kind]
    due = (latest.period + 1).end + timedelta(days=lag)
    return Feed(metric, latest.period, due, is_stale(latest.period, today, lag))


def met_early(progress: Progress) -> bool:
    """The unit's latest figure already meets its target before the target's period: the
    priority page offers to raise the bar."""
    latest = progress.latest
    if latest is None or progress.target_value is None or progress.target_period is None:
        return False
    return target_met_early(
        latest.actual,
        latest.period,
        progress.target_value,
        progress.target_period,
        progress.metric.core_direction,
    )
