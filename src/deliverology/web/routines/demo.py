"""Installing the demo's year of routines (`deliverology.demo.routines`)."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib.auth.models import User

from deliverology.demo.routines import demo_routines
from deliverology.web.priorities.models import Priority
from deliverology.web.routines.actions import (
    cancel_stocktake,
    raise_action,
    record_rubric,
    schedule_stocktake,
)
from deliverology.web.routines.models import Action, Decision, Stocktake


def install_demo_routines(people: dict[str, User], today: date) -> None:
    """Stocktakes, follow-up notes and actions for every active priority, as of `today`."""
    priorities = {p.code: p for p in Priority.objects.filter(status=Priority.Status.ACTIVE)}
    plan = demo_routines([(p.code, p.title) for p in priorities.values()], today)
    closed = "done"
    for demo in plan:
        priority = priorities[demo.priority_code]
        stocktake = schedule_stocktake(
            [priority],
            demo.held_on,
            people["leader"],
            attendees=[people["owner"], people["analyst"]],
            agenda=demo.agenda,
            issues_for_decision=demo.issues_for_decision,
            by=people["analyst"],
        )
        if demo.published_on is None:
            continue
        for text in demo.decisions:
            Decision.objects.create(stocktake=stocktake, text=text)
        for item in demo.actions:
            action = raise_action(
                stocktake,
                item.description,
                people[item.owner],
                item.due,
                priority=priority,
                by=people["analyst"],
                today=demo.held_on,
            )
            if item.done_on is not None:
                Action.objects.filter(pk=action.pk).update(status=closed, closed_on=item.done_on)
        Stocktake.objects.filter(pk=stocktake.pk).update(
            status=Stocktake.Status.FOLLOW_UP_PUBLISHED,
            follow_up_published_on=demo.published_on,
            follow_up_published_by=people["analyst"],
            follow_up_summary="Decisions and actions agreed at the stocktake.",
        )
        record_rubric(stocktake, {c: (rating, note) for c, rating, note in demo.rubric})
    _move_the_first_stocktake_ahead(today)


# The demo's one moved stocktake: the first one ahead, a week later.
MOVED_BECAUSE = "The leader gives evidence to the legislature's budget hearing that day."


def _move_the_first_stocktake_ahead(today: date) -> None:
    ahead = Stocktake.objects.filter(held_on__gt=today).order_by("held_on", "pk").first()
    if ahead is not None:
        cancel_stocktake(
            ahead, new_date=ahead.held_on + timedelta(days=7), reason=MOVED_BECAUSE, today=today
        )
