"""Every e-mail the product sends goes out from here, through Django's mail framework.

- `notify_document_published(kind, key, title, path, readers)`: a document published to its
  readers (a follow-up note here; the monthly note and delivery report call it too).
- `send_reminders(today)`: follow-up notes due, actions due soon or overdue, and whatever else
  listens to `reminders_due` (the lapsed routines of the momentum page); each reminder is
  recorded in `Reminder`, so running it again sends nothing new.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import send_mass_mail
from django.db import IntegrityError, transaction
from django.dispatch import Signal
from django.urls import reverse
from django.utils.translation import gettext as _

from deliverology.configuration import load_method_config
from deliverology.web.accounts.models import Profile
from deliverology.web.routines.actions import raised_by_stocktake
from deliverology.web.routines.models import Action, Reminder, Stocktake

# Sent by `send_reminders` with `today`: each receiver sends its own reminders through
# `send_once` and returns how many e-mails went out.
reminders_due = Signal()


def notify_document_published(
    kind: str, key: str, title: str, path: str, readers: Iterable[User], *, today: date
) -> int:
    """Tell a published document's readers where to read it; once per document."""
    subject = _("Published: %(t)s") % {"t": title}
    body = _("%(t)s has been published. Read it at %(u)s") % {"t": title, "u": link(path)}
    return send_once(kind, key, subject, body, readers, today)


def notify_published(stocktake: Stocktake, *, today: date) -> int:
    """A stocktake's follow-up note, to its chair, attendees, the priorities' owners and every
    action's owner."""
    readers = {stocktake.chair, *stocktake.attendees.all()}
    readers |= {p.owner for p in stocktake.priorities.all() if p.owner is not None}
    readers |= {action.owner for action in raised_by_stocktake(stocktake)}
    return notify_document_published(
        "follow_up_published",
        str(stocktake.pk),
        _("Follow-up note of the stocktake of %(d)s") % {"d": stocktake.held_on.isoformat()},
        reverse("stocktake_follow_up", args=[stocktake.pk]),
        readers,
        today=today,
    )


def send_reminders(today: date) -> int:
    """Every reminder due today and not yet sent; how many e-mails went out."""
    sent = 0
    settings_ = load_method_config().routines
    working = settings_.working_calendar
    for stocktake in (
        Stocktake.objects.filter(held_on__lte=today, follow_up_published_on__isnull=True)
        .exclude(status=Stocktake.Status.CANCELLED)
        .select_related("created_by")
    ):
        due = working.add_working_days(stocktake.held_on, settings_.follow_up_within_working_days)
        subject = _("Follow-up note due %(d)s: the stocktake of %(s)s") % {
            "d": due.isoformat(),
            "s": stocktake.held_on.isoformat(),
        }
        body = _("Write and publish it at %(u)s") % {
            "u": link(reverse("stocktake_follow_up_edit", args=[stocktake.pk]))
        }
        # a moved stocktake is reminded of again, for its new date
        key = (
            str(stocktake.pk)
            if stocktake.moved_from is None
            else f"{stocktake.pk}@{stocktake.held_on}"
        )
        sent += send_once("follow_up_due", key, subject, body, _preparers(stocktake), today)
    remind_from = today
    for _i in range(settings_.remind_before_working_days):
        remind_from = working.add_working_days(remind_from, 1)
    for action in Action.objects.filter(
        closed_on__isnull=True, due__lte=remind_from
    ).select_related("owner"):
        overdue = action.due < today
        kind = "action_overdue" if overdue else "action_due"
        subject = (_("Overdue since %(d)s: %(a)s") if overdue else _("Due %(d)s: %(a)s")) % {
            "d": action.due.isoformat(),
            "a": action.description[:60],
        }
        body = _("Update it, with its evidence, at %(u)s") % {"u": link(reverse("my_actions"))}
        sent += send_once(kind, str(action.pk), subject, body, [action.owner], today)
    for _receiver, count in reminders_due.send(sender=Reminder, today=today):
        sent += count if isinstance(count, int) else 0
    return sent


def _preparers(stocktake: Stocktake) -> list[User]:
    """The delivery unit prepares routines: its staff, and whoever scheduled the stocktake."""
    staff = delivery_unit()
    return staff + ([stocktake.created_by] if stocktake.created_by else [])


def delivery_unit() -> list[User]:
    """The delivery unit's active staff."""
    return list(User.objects.filter(profile__role=Profile.Role.DELIVERY_UNIT, is_active=True))


def send_once(
    kind: str, key: str, subject: str, body: str, readers: Iterable[User], today: date
) -> int:
    """Send one e-mail to each reader with an address, unless this one was sent before."""
    addresses = sorted({r.email for r in readers if r.email})
    messages = [(subject, body, settings.DEFAULT_FROM_EMAIL, [address]) for address in addresses]
    try:
        with transaction.atomic():  # a failed send records nothing, so it is tried again
            Reminder.objects.create(kind=kind, subject_key=key, sent_on=today)
            return send_mass_mail(messages, fail_silently=False) if messages else 0
    except IntegrityError:
        return 0  # sent before


def link(path: str) -> str:
    """The full address of a page of the product."""
    return f"{settings.DELIVEROLOGY_SITE_URL}{path}"
