"""What the service knows of its own health: the background workers' heartbeats."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeat(models.Model):
    """A background worker saying it is alive: which one, where, and when it last said so."""

    worker_id = models.CharField(_("worker"), max_length=64, unique=True)
    runner = models.CharField(_("machine and process"), max_length=200)
    started_at = models.DateTimeField(_("started"))
    beat_at = models.DateTimeField(_("last heard from"), db_index=True)

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")
        ordering = ["-beat_at"]

    def __str__(self) -> str:
        return f"{self.runner} ({self.beat_at:%Y-%m-%d %H:%M:%S})"
