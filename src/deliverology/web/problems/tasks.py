"""Evaluating the triggers in the background, after each data refresh and each routine."""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction
from django_tasks import task

from deliverology.web.priorities.clock import today
from deliverology.web.problems.actions import evaluate_triggers


@task()
def evaluate_triggers_task() -> None:
    evaluate_triggers(today())


def after_refresh(**kwargs: Any) -> None:
    """Receives `performance.actions.figures_refreshed`, once the new figures are committed."""
    evaluate_triggers_task.enqueue()


def after_routine(**kwargs: Any) -> None:
    """Receives the saves that change a delivery trigger's evidence (a stocktake, an assessment,
    a milestone, a chain link or its rating): the triggers are evaluated once the change is
    committed, once however many such saves the transaction holds."""
    if not _queued_in_this_transaction():
        transaction.on_commit(_enqueue)


def _enqueue() -> None:
    evaluate_triggers_task.enqueue()


def _queued_in_this_transaction() -> bool:
    return any(entry[1] is _enqueue for entry in connection.run_on_commit)
