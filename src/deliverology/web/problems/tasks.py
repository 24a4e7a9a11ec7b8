"""Evaluating the triggers in the background, after each data refresh."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from deliverology.web.priorities.clock import today
from deliverology.web.problems.actions import evaluate_triggers


@task()
def evaluate_triggers_task() -> None:
    evaluate_triggers(today())


def after_refresh(**kwargs: Any) -> None:
    """Receives `performance.actions.figures_refreshed`, once the new figures are committed."""
    evaluate_triggers_task.enqueue()
