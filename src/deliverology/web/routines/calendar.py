"""The routine calendar: what is due, held and late, from the configured cadences and what the
database says was held; and the same as an iCalendar feed.

Which routines are tracked: the data refresh (finished imports), stocktakes per priority and
their follow-up notes. Monthly notes and delivery reports are shown on their cadence; another
app tells the calendar when they were held with `register_held_dates`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import icalendar
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from deliverology.core.config import MethodConfig
from deliverology.core.routines import Routine, RoutineState, due_dates, occurrences
from deliverology.web.performance.models import ImportRun
from deliverology.web.priorities.models import Priority
from deliverology.web.routines.models import Action, Stocktake

MONTHS_BACK = 12
MONTHS_AHEAD = 6

HeldDates = Callable[[], list[date]]
_HELD: dict[Routine, HeldDates] = {}


def register_held_dates(routine: Routine, held_dates: HeldDates) -> None:
    """Tell the calendar how to find the days a routine was held (e.g. monthly notes published)."""
    _HELD[routine] = held_dates


def _refreshes() -> list[date]:
    finished = ImportRun.objects.filter(outcome=ImportRun.Outcome.COMMITTED).values_list(
        "finished_at", flat=True
    )
    return [moment.date() for moment in finished if moment is not None]


@dataclass(frozen=True)
class Entry:
    routine: str
    subject: str
    due: date
    held_on: date | None
    state: RoutineState | None  # None: the calendar does not know when it was held
    path: str = ""


def window(today: date, config: MethodConfig) -> tuple[date, date]:
    start = max(config.routines.anchor, today - timedelta(days=30 * MONTHS_BACK))
    return start, today + timedelta(days=30 * MONTHS_AHEAD)


def calendar_entries(config: MethodConfig, today: date) -> list[Entry]:
    """Every routine's due dates in the window, with its state, soonest first."""
    routines = config.routines
    start, end = window(today, config)
    working = routines.working_calendar
    entries: list[Entry] = []

    def add(routine: Routine, subject: str, held: list[date] | None, path: str = "") -> None:
        dues = due_dates(routines.anchor, routines.cadences[routine], start, end, working)
        label = routines.routine_labels[routine]
        if held is None:
            for due in dues:
                entries.append(Entry(label, subject, due, None, None, path))
            return
        for found in occurrences(dues, held, today, routines.late_after_working_days, working):
            entries.append(Entry(label, subject, found.due, found.held_on, found.state, path))

    held_sources: dict[Routine, HeldDates] = {Routine.DATA_REFRESH: _refreshes, **_HELD}
    for routine in (Routine.DATA_REFRESH, Routine.MONTHLY_NOTE, Routine.DELIVERY_REPORT):
        source = held_sources.get(routine)
        add(routine, "", source() if source else None)
    held_by_priority = _stocktakes_held()
    for priority in Priority.objects.filter(status=Priority.Status.ACTIVE).order_by("order"):
        add(Routine.STOCKTAKE, priority.title, held_by_priority.get(priority.pk, []))
    entries.extend(_follow_ups(config, today, start, end))
    return sorted(entries, key=lambda e: (e.due, e.routine, e.subject))


def _stocktakes_held() -> dict[int, list[date]]:
    held: dict[int, list[date]] = {}
    through = Stocktake.priorities.through.objects.exclude(
        stocktake__status=Stocktake.Status.SCHEDULED
    ).values_list("priority_id", "stocktake__held_on")
    for priority_id, held_on in through:
        held.setdefault(priority_id, []).append(held_on)
    return held


def _follow_ups(config: MethodConfig, today: date, start: date, end: date) -> list[Entry]:
    routines = config.routines
    working = routines.working_calendar
    label = _("Follow-up note")
    found: list[Entry] = []
    for stocktake in Stocktake.objects.filter(held_on__range=(start, end)):
        due = working.add_working_days(stocktake.held_on, routines.follow_up_within_working_days)
        published = stocktake.follow_up_published_on
        if published is not None:
            state = RoutineState.HELD
        elif due >= today:
            state = RoutineState.UPCOMING if stocktake.held_on > today else RoutineState.DUE
        else:
            state = RoutineState.LATE
        path = reverse("stocktake", args=[stocktake.pk])
        found.append(Entry(label, str(stocktake), due, published, state, path))
    return found


def scheduled_stocktakes(start: date, end: date) -> Sequence[Stocktake]:
    return list(
        Stocktake.objects.filter(held_on__range=(start, end)).prefetch_related("priorities")
    )


def ical_feed(
    entries: Sequence[Entry],
    stocktakes: Sequence[Stocktake],
    actions: Sequence[Action],
    *,
    name: str,
    stamp: datetime,
) -> bytes:
    """The calendar as iCalendar: all-day events, each with a stable UID so that a subscribed
    calendar updates rather than duplicates them."""
    feed = icalendar.Calendar()
    feed.add("prodid", f"-//{settings.SITE_NAME}//routines//EN")
    feed.add("version", "2.0")
    feed.add("x-wr-calname", name)
    for entry in entries:
        uid = f"{entry.routine}-{entry.subject}-{entry.due.isoformat()}"
        summary = f"{entry.routine}: {entry.subject}" if entry.subject else entry.routine
        feed.add_component(_event(uid, summary, entry.due, stamp, entry.path))
    for stocktake in stocktakes:
        titles = ", ".join(p.title for p in stocktake.priorities.all())
        path = reverse("stocktake", args=[stocktake.pk])
        feed.add_component(
            _event(
                f"stocktake-{stocktake.pk}",
                f"{_('Stocktake')}: {titles}",
                stocktake.held_on,
                stamp,
                path,
            )
        )
    for action in actions:
        summary = _("Action due: %(a)s") % {"a": action.description[:80]}
        feed.add_component(
            _event(f"action-{action.pk}", summary, action.due, stamp, reverse("my_actions"))
        )
    return bytes(feed.to_ical())


def _event(uid: str, summary: str, day: date, stamp: datetime, path: str) -> icalendar.Event:
    event = icalendar.Event()
    host = settings.DELIVEROLOGY_SITE_URL
    event.add("uid", f"{uid.replace(' ', '-')}@{host.split('//')[-1]}")
    event.add("summary", summary)
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    event.add("dtstamp", stamp)
    if path:
        event.add("url", f"{host}{path}")
    return event
