"""The service's health, as /healthz reports it: the database answers, a background worker
has been heard from lately, and no queued job has waited too long."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Max, Min
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from deliverology.web.health.models import WorkerHeartbeat


@dataclass(frozen=True)
class Health:
    database: bool
    worker_needed: bool
    worker_silent_seconds: float | None  # since the last heartbeat; None: never heard from
    queued: int
    oldest_queued_seconds: float

    @property
    def worker_ok(self) -> bool:
        if not self.worker_needed:
            return True
        silent = self.worker_silent_seconds
        return silent is not None and silent <= settings.DELIVEROLOGY_WORKER_SILENT_SECONDS

    @property
    def queue_ok(self) -> bool:
        return self.oldest_queued_seconds <= settings.DELIVEROLOGY_QUEUE_WAIT_SECONDS

    @property
    def ok(self) -> bool:
        return self.database and self.worker_ok and self.queue_ok

    def as_json(self) -> dict[str, Any]:
        return {
            "status": "ok" if self.ok else "failing",
            **asdict(self),
            "worker_ok": self.worker_ok,
            "queue_ok": self.queue_ok,
        }


def health(now: datetime) -> Health:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return Health(False, True, None, 0, 0.0)
    worker_needed = isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend)
    last_beat = WorkerHeartbeat.objects.aggregate(last=Max("beat_at"))["last"]
    ready = DBTaskResult.objects.ready()
    oldest = ready.aggregate(oldest=Min("enqueued_at"))["oldest"]
    return Health(
        database=True,
        worker_needed=worker_needed,
        worker_silent_seconds=(now - last_beat).total_seconds() if last_beat else None,
        queued=ready.count(),
        oldest_queued_seconds=max(0.0, (now - oldest).total_seconds()) if oldest else 0.0,
    )
