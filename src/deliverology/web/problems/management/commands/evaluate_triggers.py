"""`deliverology manage evaluate_triggers`: suggest problems from the triggers."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from deliverology.web.priorities.clock import today
from deliverology.web.problems.actions import evaluate_triggers


class Command(BaseCommand):
    help = (
        "Evaluate every trigger for every priority, metric, local unit and subgroup, and "
        "suggest problems, escalations and de-escalations (done after every import; running it "
        "again on unchanged figures changes nothing)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--today", type=date.fromisoformat, help="evaluate as on this date (YYYY-MM-DD)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = evaluate_triggers(options["today"] or today())
        self.stdout.write(
            f"{result.findings} places with a trigger or an open problem; "
            f"{result.suggested} problems suggested, {result.changed} brought up to date"
        )
