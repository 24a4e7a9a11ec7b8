"""Background work: checking and loading uploaded files outside the web request."""

from __future__ import annotations

from django_tasks import task

from deliverology.web.performance.imports import fail_import, run_import
from deliverology.web.performance.models import ImportRun


@task()
def check_file(run_id: int) -> None:
    _run(run_id, commit=False)


@task()
def load_file(run_id: int) -> None:
    _run(run_id, commit=True)


def _run(run_id: int, *, commit: bool) -> None:
    """Any error marks the import failed at once, with its reason, before the task fails."""
    run = ImportRun.objects.get(pk=run_id)
    try:
        run_import(run, commit=commit)
    except BaseException as error:
        fail_import(run, error)
        raise
