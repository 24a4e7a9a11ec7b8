"""`deliverology manage refresh_rollups`: rebuild every rolled-up figure and its coverage."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from deliverology.web.performance.actions import refresh_rollups


class Command(BaseCommand):
    help = (
        "Rebuild every rolled-up figure with its coverage (done after every import; needed "
        "once after upgrading, so roll-ups stored before coverage was kept get theirs)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        count = refresh_rollups()
        self.stdout.write(f"{count} rolled-up figures rebuilt")
