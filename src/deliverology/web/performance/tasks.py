"""Background work: checking and loading uploaded files outside the web request."""

from __future__ import annotations

from django_tasks import task

from deliverology.web.performance.imports import run_import
from deliverology.web.performance.models import ImportRun


@task()
def check_file(run_id: int) -> None:
    run_import(ImportRun.objects.get(pk=run_id), commit=False)


@task()
def load_file(run_id: int) -> None:
    run_import(ImportRun.objects.get(pk=run_id), commit=True)
