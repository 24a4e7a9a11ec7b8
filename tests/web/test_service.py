"""A service that stays up: imports fail loudly, large re-imports fit SQLite's limits, the
background worker outlives a locked database and is restarted when it dies, /healthz tells."""

from __future__ import annotations

import os
import signal
import sqlite3
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from deliverology.engine.mapping import ColumnMapping
from deliverology.supervisor import Supervisor
from deliverology.web.health.models import WorkerHeartbeat
from deliverology.web.performance import imports, tasks
from deliverology.web.performance.imports import run_import, start_import
from deliverology.web.performance.models import ImportRun, LocalUnit, Metric, Subgroup

MAPPING = ColumnMapping.from_dict(
    {
        "layout": "long",
        "local_unit": ["school"],
        "period": "year",
        "metric_code": "reading",
        "numerator": "readers",
        "denominator": "pupils",
    }
)


def figures_file(path: Path, schools: int, readers: int) -> Path:
    rows = [f"X{n},2024-25,{readers},100" for n in range(schools)]
    path.write_text("school,year,readers,pupils\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def load(path: Path) -> ImportRun:
    run = start_import(ImportRun.Kind.OBSERVATIONS, path, mapping=MAPPING)
    return run_import(run, commit=True, say=lambda message: None)


@pytest.fixture
def many_schools(db):
    Metric.objects.create(code="reading", name="Reading")
    Subgroup.objects.create(code="all", name="All students")
    LocalUnit.objects.bulk_create(
        LocalUnit(code=f"X{n}", name=f"School {n}", type="school", path=f"/X{n}/")
        for n in range(1200)
    )


def test_it_marks_an_import_failed_at_once_when_its_task_raises(system, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the disk went away")

    monkeypatch.setattr(imports, "_compare_and_write", broken)
    path = tmp_path / "figures.csv"
    path.write_text("school,year,readers,pupils\nS1,2025-26,70,100\n", encoding="utf-8")
    run = start_import(ImportRun.Kind.OBSERVATIONS, path, mapping=MAPPING)
    result = tasks.load_file.enqueue(run.pk)
    run.refresh_from_db()
    assert result.status == "FAILED"
    assert run.outcome == ImportRun.Outcome.FAILED
    assert run.finished_at is not None
    assert "RuntimeError: the disk went away" in run.problems[0]


def test_it_re_imports_more_changed_figures_than_sqlite_takes_variables(
    many_schools, tmp_path, settings
):
    settings.DELIVEROLOGY_IMPORT_BATCH_SIZE = 500
    first = load(figures_file(tmp_path / "first.csv", 1200, 50))
    assert first.outcome == ImportRun.Outcome.COMMITTED, first.problems
    if connection.vendor == "sqlite":  # as Django assumes: 999 variables a statement
        connection.connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999)
    second = load(figures_file(tmp_path / "second.csv", 1200, 60))
    assert second.outcome == ImportRun.Outcome.COMMITTED, second.problems
    assert second.rows_changed == 1200


def test_healthz_reports_the_database_the_worker_and_the_queue(client, db, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    WorkerHeartbeat.objects.create(
        worker_id="w1", runner="here:1", started_at=timezone.now(), beat_at=timezone.now()
    )
    answer = client.get("/healthz")
    assert answer.status_code == 200
    report = answer.json()
    assert (report["status"], report["database"], report["worker_ok"]) == ("ok", True, True)
    assert (report["queued"], report["oldest_queued_seconds"]) == (0, 0.0)


def test_healthz_answers_503_when_the_worker_has_gone_silent(client, db, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.DELIVEROLOGY_WORKER_SILENT_SECONDS = 60
    long_ago = timezone.now() - timedelta(seconds=61)
    WorkerHeartbeat.objects.create(
        worker_id="w1", runner="here:1", started_at=long_ago, beat_at=long_ago
    )
    answer = client.get("/healthz")
    assert answer.status_code == 503
    assert answer.json()["worker_ok"] is False


def test_healthz_answers_503_when_a_job_has_waited_too_long(client, db, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.DELIVEROLOGY_QUEUE_WAIT_SECONDS = 300
    from django_tasks_db.models import DBTaskResult

    WorkerHeartbeat.objects.create(
        worker_id="w1", runner="here:1", started_at=timezone.now(), beat_at=timezone.now()
    )
    tasks.check_file.using(backend="default").enqueue(1)
    DBTaskResult.objects.update(enqueued_at=timezone.now() - timedelta(seconds=301))
    answer = client.get("/healthz")
    assert answer.status_code == 503
    assert (answer.json()["queued"], answer.json()["queue_ok"]) == (1, False)


def test_it_restarts_a_worker_that_dies(tmp_path):
    pids = tmp_path / "pids"
    record = f"import os,time; open({str(pids)!r},'a').write(f'{{os.getpid()}}\\n'); time.sleep(60)"
    supervisor = Supervisor(
        [sys.executable, "-c", record], say=lambda message: None, first_wait=0.1
    ).start()
    try:
        first = wait_for_lines(pids, 1)[0]
        os.kill(int(first), signal.SIGKILL)
        second = wait_for_lines(pids, 2)[1]
        assert second != first
        assert supervisor.starts == 2
    finally:
        supervisor.stop()


def wait_for_lines(path: Path, count: int, seconds: float = 20) -> list[str]:
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        lines = path.read_text().split() if path.exists() else []
        if len(lines) >= count:
            return lines
        time.sleep(0.05)
    raise AssertionError(f"{path} never had {count} lines")
