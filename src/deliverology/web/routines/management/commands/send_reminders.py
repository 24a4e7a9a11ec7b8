"""`deliverology manage send_reminders`: the e-mails due today, each sent once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from deliverology.web.priorities.clock import today
from deliverology.web.routines.notifications import send_reminders


class Command(BaseCommand):
    help = (
        "Send the reminders due today (follow-up notes due, actions due soon or overdue); "
        "a reminder already sent is not sent again, so it is safe to run from cron."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        sent = send_reminders(today())
        self.stdout.write(f"Reminders sent: {sent}")
