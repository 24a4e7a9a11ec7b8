"""The momentum page's figures (docs/concepts.md, "Problems and momentum"): each priority's
streak on trajectory, each data feed's freshness and the days since the last data refresh, in
a fixed number of queries.

The routines too: days since each priority's last stocktake held (lapsed beyond the stocktake's
cadence and `[momentum] grace_days`), and the share of its actions closed on time, over all
actions due so far and over those due in the last 90 days, so the trend shows. A stocktake
cancelled without a new date counts as a lapse of its priorities' stocktakes (one moved to a
new date does not).

And the documents late against the routine calendar: the monthly notes, delivery reports and
follow-up notes it says were due and were not published by their due date, in the calendar's
own fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Max, Q

from deliverology.configuration import load_method_config
from deliverology.core.config import MethodConfig
from deliverology.core.momentum import (
    ActionDates,
    DocumentDue,
    LateDocument,
    days_since,
    has_lapsed,
    late_documents,
    on_time_share,
    streak_on_trajectory,
    target_met_early,
)
from deliverology.core.periods import Period
from deliverology.core.routines import Routine
from deliverology.core.status import is_stale
from deliverology.web.performance.models import ImportRun, LocalUnit, Metric, Subgroup
from deliverology.web.performance.series import load_series
from deliverology.web.priorities.models import Priority, Target
from deliverology.web.priorities.progress import Progress, plan_for, progress_of
from deliverology.web.routines.calendar import calendar_entries
from deliverology.web.routines.models import HELD_STATUSES, Action, Stocktake

RECENT_DAYS = 90  # the recent window of the on-time share, beside the share over all time


@dataclass(frozen=True)
class RoutineMomentum:
    last_stocktake: date | None = None
    days_since_stocktake: int | None = None
    stocktake_lapsed: bool = True
    on_time: float | None = None
    on_time_recent: float | None = None
    lapses: int = 0  # stocktakes cancelled without a new date


@dataclass(frozen=True)
class PriorityMomentum:
    priority: Priority
    progress: Progress
    streak: int
    routines: RoutineMomentum = RoutineMomentum()


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
    late_documents: list[LateDocument]


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
    routines = _routines([row.priority for row in rows], config, today)
    rows = [
        PriorityMomentum(r.priority, r.progress, r.streak, routines[r.priority.pk]) for r in rows
    ]
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
        late_documents=documents_late(config, today),
    )


def documents_late(config: MethodConfig, today: date) -> list[LateDocument]:
    """The documents the routine calendar says were due and were not published by then."""
    dues = [
        DocumentDue(entry.routine, entry.subject, entry.due, entry.held_on)
        for entry in calendar_entries(config, today)
        if entry.document and entry.state is not None and entry.due <= today
    ]
    return late_documents(dues, today)


def _routines(
    priorities: list[Priority], config: MethodConfig, today: date
) -> dict[int, RoutineMomentum]:
    """Each priority's stocktakes and actions, in two queries."""
    wanted = [p.pk for p in priorities]
    last_held: dict[int, date] = {}
    lapses: dict[int, int] = defaultdict(int)
    for priority_id, held_on, status in Stocktake.objects.filter(
        Q(held_on__lte=today) | Q(status=Stocktake.Status.CANCELLED), priorities__in=wanted
    ).values_list("priorities", "held_on", "status"):
        if status in HELD_STATUSES:
            last_held[priority_id] = max(held_on, last_held.get(priority_id, held_on))
        elif status == Stocktake.Status.CANCELLED:
            lapses[priority_id] += 1
    actions: dict[int, list[ActionDates]] = defaultdict(list)
    for priority_id, due, closed_on in Action.objects.filter(priority__in=wanted).values_list(
        "priority_id", "due", "closed_on"
    ):
        actions[priority_id].append(ActionDates(due, closed_on))
    cadence = config.routines.cadences[Routine.STOCKTAKE].longest_days
    recent_from = today - timedelta(days=RECENT_DAYS)
    found = {}
    for pk in wanted:
        last = last_held.get(pk)
        dates = actions.get(pk, [])
        found[pk] = RoutineMomentum(
            last_stocktake=last,
            days_since_stocktake=days_since(last, today),
            stocktake_lapsed=has_lapsed(last, cadence, config.momentum.grace_days, today),
            on_time=on_time_share(dates, today),
            on_time_recent=on_time_share([a for a in dates if a.due > recent_from], today),
            lapses=lapses[pk],
        )
    return found


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
