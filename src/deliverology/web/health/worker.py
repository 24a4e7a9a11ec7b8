"""The background worker, made to last: it says it is alive, and a locked database makes it
wait and try again (with back-off) instead of ending it."""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from django.db import OperationalError, close_old_connections, connection
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks_db.compat import DEFAULT_TASK_BACKEND_ALIAS, DEFAULT_TASK_QUEUE_NAME
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.utils import is_locked_database_exception

from deliverology.web.health.models import WorkerHeartbeat
from deliverology.web.performance.imports import this_runner

logger = logging.getLogger(__name__)
FIRST_WAIT, LONGEST_WAIT = 1.0, 60.0  # seconds between tries while the database is locked


class SteadyWorker(Worker):
    """django-tasks-db's worker, which ends on a locked database; this one waits it out."""

    def run(self) -> None:
        wait = FIRST_WAIT
        while self.running:
            began = time.monotonic()
            try:
                super().run()
                return
            except OperationalError as error:
                if not is_locked_database_exception(error):
                    raise
                if time.monotonic() - began > LONGEST_WAIT:
                    wait = FIRST_WAIT  # it had been working: a fresh lock, a fresh back-off
                logger.warning("The database is locked (%s); trying again in %.0f s", error, wait)
                close_old_connections()
                time.sleep(wait)
                wait = min(wait * 2, LONGEST_WAIT)


def beat(worker_id: str, started_at: object) -> None:
    """Record that the worker is alive now; a locked database only delays it."""
    try:
        WorkerHeartbeat.objects.update_or_create(
            worker_id=worker_id,
            defaults={"runner": this_runner(), "beat_at": timezone.now()},
            create_defaults={
                "runner": this_runner(),
                "beat_at": timezone.now(),
                "started_at": started_at,
            },
        )
    except OperationalError as error:
        logger.warning("The worker could not record its heartbeat: %s", error)


def _keep_beating(worker_id: str, stop: threading.Event) -> None:
    started_at = timezone.now()
    try:
        while True:
            beat(worker_id, started_at)
            if stop.wait(settings.DELIVEROLOGY_WORKER_HEARTBEAT_SECONDS):
                return
    finally:
        connection.close()  # this thread's own connection


def run_worker(*, interval: float = 1.0) -> None:
    """Run queued background work until stopped, saying it is alive as it goes."""
    worker = SteadyWorker(
        queue_names=[DEFAULT_TASK_QUEUE_NAME],
        interval=interval,
        batch=False,
        backend_name=DEFAULT_TASK_BACKEND_ALIAS,
        startup_delay=True,
        max_tasks=None,
        worker_id=get_random_string(32),
        excluded_queue_names=[],
    )
    stop = threading.Event()
    heart = threading.Thread(target=_keep_beating, args=(worker.worker_id, stop), daemon=True)
    heart.start()
    worker.configure_signals()
    try:
        worker.run()
    finally:
        stop.set()
        try:  # a worker that stops says so: it is not merely silent
            WorkerHeartbeat.objects.filter(worker_id=worker.worker_id).delete()
        except OperationalError:
            logger.warning("The worker stopped without clearing its heartbeat")
