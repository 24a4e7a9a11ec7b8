"""The only place the web app reads the clock, so demos and tests can fix "today"."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.utils import timezone


def today() -> date:
    fixed: str = settings.DELIVEROLOGY_TODAY
    if fixed:
        return date.fromisoformat(fixed)
    return timezone.localdate()
