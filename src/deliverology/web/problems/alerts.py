"""Alerts of the momentum page: a priority whose stocktakes lapsed beyond their cadence, or a
data refresh overdue, is e-mailed to the delivery unit (and the priority's owner) once per lapse,
with the daily reminders (`deliverology manage send_reminders`)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from deliverology.web.problems.momentum import momentum
from deliverology.web.routines.notifications import delivery_unit, link, send_once


def send_lapse_alerts(today: date, **kwargs: Any) -> int:
    """Receives `routines.notifications.reminders_due`; how many e-mails went out."""
    found = momentum(today)
    unit = delivery_unit()
    body = _("See the momentum page: %(u)s") % {"u": link(reverse("momentum"))}
    sent = 0
    for row in found.priorities:
        routines = row.routines
        if not routines.stocktake_lapsed:
            continue
        last = routines.last_stocktake
        subject = (
            _("Lapsed: no stocktake of %(p)s since %(d)s")
            % {"p": row.priority.title, "d": last.isoformat()}
            if last
            else _("Lapsed: no stocktake of %(p)s held yet") % {"p": row.priority.title}
        )
        owner = [row.priority.owner] if row.priority.owner else []
        key = f"{row.priority.pk}@{last.isoformat() if last else 'never'}"
        sent += send_once("stocktake_lapsed", key, subject, body, [*unit, *owner], today)
    if found.refresh_lapsed:
        last_refresh = found.last_refresh
        subject = (
            _("Lapsed: no data refresh since %(d)s") % {"d": last_refresh.isoformat()}
            if last_refresh
            else _("Lapsed: no data refresh yet")
        )
        key = last_refresh.isoformat() if last_refresh else "never"
        sent += send_once("refresh_lapsed", key, subject, body, unit, today)
    return sent
