"""Routines (docs/concepts.md, "Routines and actions"): stocktakes, their decisions, the one
`Action` model every routine raises, and the reminders already sent."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from deliverology.configuration import load_method_config
from deliverology.web.performance.models import LocalUnit
from deliverology.web.priorities.models import Priority


def action_status_choices() -> list[tuple[str, str]]:
    return list(load_method_config().routines.action_statuses.items())


def rag4_choices() -> list[tuple[str, str]]:
    return list(load_method_config().rag4_labels.items())


class Stocktake(models.Model):
    """A stocktake of one priority or a set of them, chaired by the system leader."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        HELD = "held", _("Held")
        FOLLOW_UP_PUBLISHED = "follow_up_published", _("Follow-up published")
        CANCELLED = "cancelled", _("Cancelled without a new date")

    priorities = models.ManyToManyField(
        Priority, verbose_name=_("priorities"), related_name="stocktakes"
    )
    held_on = models.DateField(_("date"))
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("chair"),
        on_delete=models.PROTECT,
        related_name="chaired_stocktakes",
    )
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("attendees"),
        blank=True,
        related_name="attended_stocktakes",
    )
    agenda = models.TextField(_("agenda"), blank=True)
    issues_for_decision = models.TextField(_("issues for decision"), blank=True)
    status = models.CharField(
        _("status"), max_length=24, choices=Status.choices, default=Status.SCHEDULED
    )
    follow_up_summary = models.TextField(_("follow-up summary"), blank=True)
    follow_up_published_on = models.DateField(_("follow-up published on"), null=True, blank=True)
    follow_up_published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("follow-up published by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    moved_from = models.DateField(
        _("moved from"),
        null=True,
        blank=True,
        help_text=_("The date it was scheduled for before it was last moved."),
    )
    cancelled_on = models.DateField(_("cancelled on"), null=True, blank=True)
    cancellation_reason = models.TextField(_("why it was cancelled or moved"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("scheduled by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("stocktake")
        verbose_name_plural = _("stocktakes")
        ordering = ["held_on", "pk"]

    def __str__(self) -> str:
        return f"{_('Stocktake')} {self.held_on.isoformat()}"

    @property
    def is_published(self) -> bool:
        return self.follow_up_published_on is not None

    @property
    def is_held(self) -> bool:
        return self.status in HELD_STATUSES


HELD_STATUSES = (Stocktake.Status.HELD, Stocktake.Status.FOLLOW_UP_PUBLISHED)


class Decision(models.Model):
    """A decision recorded in a stocktake's follow-up note."""

    stocktake = models.ForeignKey(
        Stocktake, verbose_name=_("stocktake"), on_delete=models.CASCADE, related_name="decisions"
    )
    text = models.TextField(_("decision"))

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.text[:80]


class RubricRating(models.Model):
    """The routines rubric's self-check after a stocktake: one RAG4 rating per category."""

    stocktake = models.ForeignKey(
        Stocktake,
        verbose_name=_("stocktake"),
        on_delete=models.CASCADE,
        related_name="rubric_ratings",
    )
    category = models.CharField(_("category"), max_length=32)
    rating = models.CharField(_("rating"), max_length=16, choices=rag4_choices)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("rubric rating")
        verbose_name_plural = _("rubric ratings")
        constraints = [
            models.UniqueConstraint(
                fields=["stocktake", "category"], name="one_rubric_rating_per_category"
            )
        ]

    def __str__(self) -> str:
        return f"{self.category}: {self.rating}"


class Action(models.Model):
    """Something a routine asked someone to do by a date: the one model for every routine.

    `source` is what raised it (a stocktake now; a monthly note, a problem or a review later),
    through Django's content types. Raise actions with `routines.actions.raise_action`.
    """

    description = models.TextField(_("description"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="routine_actions",
    )
    due = models.DateField(_("due"))
    status = models.CharField(_("status"), max_length=32, choices=action_status_choices)
    evidence = models.TextField(_("evidence"), blank=True)
    priority = models.ForeignKey(
        Priority,
        verbose_name=_("priority"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="routine_actions",
    )
    local_unit = models.ForeignKey(
        LocalUnit,
        verbose_name=_("local unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="routine_actions",
        help_text=_("The local unit the action concerns, if one: its users see it."),
    )
    source_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source_id = models.PositiveBigIntegerField(null=True, blank=True)
    source = GenericForeignKey("source_type", "source_id")
    raised_on = models.DateField(_("raised on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("raised by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        ordering = ["due", "pk"]
        indexes = [
            models.Index(fields=["owner", "closed_on"], name="action_owner_open"),
            models.Index(fields=["source_type", "source_id"], name="action_source"),
        ]

    def __str__(self) -> str:
        return self.description[:80]

    @property
    def is_closed(self) -> bool:
        return self.closed_on is not None


class Reminder(models.Model):
    """A notification already sent, so `send_reminders` sends each one once."""

    kind = models.CharField(_("kind"), max_length=32)
    subject_key = models.CharField(_("about"), max_length=64)
    sent_on = models.DateField(_("sent on"))

    class Meta:
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        constraints = [
            models.UniqueConstraint(fields=["kind", "subject_key"], name="one_reminder_each")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject_key}"
