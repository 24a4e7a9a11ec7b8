"""The routine calendar: what is due, held and late, from the configured cadences and what the
database says was held; and the same as an iCalendar feed.

Which routines are tracked: the data refresh (finished imports), stocktakes per priority and
their follow-up notes. Monthly notes and delivery reports are shown on their cadence; another
app tells the calendar when they were held with `register_held_dates`. Each stocktake still
scheduled is shown on its own date too, saying the date it was moved from; one cancelled
without a new date is shown as cancelled, with its reason, and has no follow-up note.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
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
from deliverology.web.routines.models import HELD_STATUSES, Action, Stocktake

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
    document: bool = False  # a document the unit publishes: its held date is its publishing
    moved_from: date | None = None
    cancelled: str = ""  # why a stocktake was cancelled without a new date
    booked: bool = False  # a stocktake as scheduled, beside its priority's cadence


def window(today: date, config: MethodConfig) -> tuple[date, date]:
    start = max(config.routines.anchor, today - timedelta(days=30 * MONTHS_BACK))
    return start, today + timedelta(days=30 * MONTHS_AHEAD)


def calendar_entries(config: MethodConfig, today: date) -> list[Entry]:
    """Every routine's due dates in the window, with its state, soonest first."""
    routines = config.routines
    start, end = window(today, config)
    working = routines.working_calendar
    entries: list[Entry] = []

    def add(
        routine: Routine, subject: str, held: list[date] | None, booked: Iterable[date] = ()
    ) -> None:
        dues = due_dates(routines.anchor, routines.cadences[routine], start, end, working)
        label = routines.routine_labels[routine]
        document = routine in DOCUMENTS
        if held is None:
            for due in dues:
                entries.append(Entry(label, subject, due, None, None, document=document))
            return
        # A booked stocktake takes its cadence's due date as a holding would; the calendar then
        # shows it once, on the date it is booked for (`_booked`).
        only_booked = set(booked).difference(held)
        taken = [*held, *only_booked]
        late_after = routines.late_after_working_days
        for found in occurrences(dues, taken, today, late_after, working):
            if found.held_on in only_booked:
                continue
            entries.append(
                Entry(label, subject, found.due, found.held_on, found.state, document=document)
            )

    held_sources: dict[Routine, HeldDates] = {Routine.DATA_REFRESH: _refreshes, **_HELD}
    for routine in (Routine.DATA_REFRESH, Routine.MONTHLY_NOTE, Routine.DELIVERY_REPORT):
        source = held_sources.get(routine)
        add(routine, "", source() if source else None)
    held_by_priority = _stocktakes_held()
    in_window = list(
        Stocktake.objects.filter(held_on__range=(start, end)).prefetch_related("priorities")
    )
    booked_by_priority = _stocktakes_booked(in_window)
    for priority in Priority.objects.filter(status=Priority.Status.ACTIVE).order_by("order"):
        held = held_by_priority.get(priority.pk, [])
        add(Routine.STOCKTAKE, priority.title, held, booked_by_priority.get(priority.pk, []))
    entries.extend(_follow_ups(config, today, in_window))
    entries.extend(_booked(config, today, in_window))
    return sorted(entries, key=lambda e: (e.due, e.routine, e.subject))


DOCUMENTS = (Routine.MONTHLY_NOTE, Routine.DELIVERY_REPORT)


def _stocktakes_held() -> dict[int, list[date]]:
    held: dict[int, list[date]] = {}
    through = Stocktake.priorities.through.objects.filter(
        stocktake__status__in=HELD_STATUSES
    ).values_list("priority_id", "stocktake__held_on")
    for priority_id, held_on in through:
        held.setdefault(priority_id, []).append(held_on)
    return held


def _stocktakes_booked(stocktakes: list[Stocktake]) -> dict[int, list[date]]:
    """Each priority's stocktakes booked and not held yet (cancelled ones leave the due date
    open: a lapse)."""
    booked: dict[int, list[date]] = {}
    for stocktake in stocktakes:
        if stocktake.status == Stocktake.Status.SCHEDULED:
            for priority in stocktake.priorities.all():
                booked.setdefault(priority.pk, []).append(stocktake.held_on)
    return booked


def _follow_ups(config: MethodConfig, today: date, stocktakes: list[Stocktake]) -> list[Entry]:
    routines = config.routines
    working = routines.working_calendar
    label = _("Follow-up note")
    found: list[Entry] = []
    for stocktake in stocktakes:
        if stocktake.status == Stocktake.Status.CANCELLED:
            continue
        due = working.add_working_days(stocktake.held_on, routines.follow_up_within_working_days)
        published = stocktake.follow_up_published_on
        if published is not None:
            state = RoutineState.HELD
        elif due >= today:
            state = RoutineState.UPCOMING if stocktake.held_on > today else RoutineState.DUE
        else:
            state = RoutineState.LATE
        path = reverse("stocktake", args=[stocktake.pk])
        found.append(
            Entry(
                label,
                str(stocktake),
                due,
                published,
                state,
                path,
                document=True,
                moved_from=stocktake.moved_from,
            )
        )
    return found


def _booked(config: MethodConfig, today: date, stocktakes: list[Stocktake]) -> list[Entry]:
    """The stocktakes not held yet, on the date they are booked for (saying the date they were
    moved from), and those cancelled without a new date, with the reason."""
    label = config.routines.routine_labels[Routine.STOCKTAKE]
    found: list[Entry] = []
    for stocktake in stocktakes:
        if stocktake.is_held:
            continue  # its priority's cadence shows it held
        titles = ", ".join(p.title for p in stocktake.priorities.all())
        cancelled = stocktake.status == Stocktake.Status.CANCELLED
        state = None if cancelled else _booked_state(stocktake.held_on, today, config)
        found.append(
            Entry(
                label,
                titles,
                stocktake.held_on,
                None,
                state,
                reverse("stocktake", args=[stocktake.pk]),
                moved_from=stocktake.moved_from,
                cancelled=stocktake.cancellation_reason if cancelled else "",
                booked=True,
            )
        )
    return found


def _booked_state(day: date, today: date, config: MethodConfig) -> RoutineState:
    routines = config.routines
    if day > today:
        return RoutineState.UPCOMING
    late_from = routines.working_calendar.add_working_days(day, routines.late_after_working_days)
    return RoutineState.LATE if today > late_from else RoutineState.DUE


UPCOMING_ROUTINES = (Routine.STOCKTAKE, Routine.DELIVERY_REPORT, Routine.DATA_REFRESH)
NOT_HELD_YET = (RoutineState.UPCOMING, RoutineState.DUE)


def upcoming(entries: Sequence[Entry], config: MethodConfig, today: date) -> list[Entry]:
    """The stocktakes, delivery reports and data refreshes not held yet and due from today to
    `[routines] note_upcoming_days` ahead, soonest first."""
    labels = {config.routines.routine_labels[r] for r in UPCOMING_ROUTINES}
    until = today + timedelta(days=config.routines.note_upcoming_days)
    return [
        e
        for e in entries
        if e.routine in labels and e.state in NOT_HELD_YET and today <= e.due <= until
    ]


def upcoming_in_words(config: MethodConfig, today: date) -> str:
    """The upcoming routines as a monthly note says them, on the dates the calendar shows."""
    until = today + timedelta(days=config.routines.note_upcoming_days)
    found = upcoming(calendar_entries(config, today), config, today)
    if not found:
        return _("No stocktake, delivery report or data refresh is due by %(d)s.") % {
            "d": until.isoformat()
        }
    return _("Due by %(d)s: %(items)s.") % {
        "d": until.isoformat(),
        "items": "; ".join(_in_words(entry) for entry in found),
    }


def _in_words(entry: Entry) -> str:
    what = f"{entry.routine} ({entry.subject})" if entry.subject else entry.routine
    said = _("%(what)s on %(d)s") % {"what": what, "d": entry.due.isoformat()}
    if entry.moved_from is not None:
        said += " " + _("(moved from %(d)s)") % {"d": entry.moved_from.isoformat()}
    return said


def scheduled_stocktakes(start: date, end: date) -> Sequence[Stocktake]:
    """The stocktakes booked in the window, but those cancelled without a new date."""
    return list(
        Stocktake.objects.filter(held_on__range=(start, end))
        .exclude(status=Stocktake.Status.CANCELLED)
        .prefetch_related("priorities")
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
        if entry.booked:
            continue  # the stocktakes below are their events
        uid = f"{entry.routine}-{entry.subject}-{entry.due.isoformat()}"
        summary = f"{entry.routine}: {entry.subject}" if entry.subject else entry.routine
        feed.add_component(_event(uid, summary, entry.due, stamp, entry.path))
    for stocktake in stocktakes:
        titles = ", ".join(p.title for p in stocktake.priorities.all())
        path = reverse("stocktake", args=[stocktake.pk])
        summary = f"{_('Stocktake')}: {titles}"
        if stocktake.moved_from is not None:
            summary += " " + _("(moved from %(d)s)") % {"d": stocktake.moved_from.isoformat()}
        feed.add_component(
            _event(
                f"stocktake-{stocktake.pk}",
                summary,
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
