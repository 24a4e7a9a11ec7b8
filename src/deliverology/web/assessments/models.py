"""Assessments of the likelihood of delivery, monthly notes, delivery reports and league-table
snapshots (docs/concepts.md, "Assessing delivery" and "Documents").

A published document keeps the figures it was published with (`frozen`, the builder's output
as JSON) and is never changed again.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from deliverology.configuration import load_method_config
from deliverology.core.assessment import (
    RAG4_ORDER,
    STAGES,
    Challenge,
    JudgementDirection,
    SubCriterion,
)
from deliverology.web.performance.models import Metric
from deliverology.web.priorities.models import Priority


def rag4_choices() -> list[tuple[str, str]]:
    labels = load_method_config().rag4_labels
    return [(value, labels[value]) for value in reversed(RAG4_ORDER)]


def challenge_choices() -> list[tuple[str, str]]:
    labels = load_method_config().assessment.challenge_labels
    return [(value.value, labels[value.value]) for value in Challenge]


def stage_choices() -> list[tuple[str, str]]:
    labels = load_method_config().assessment.stage_labels
    return [(value, labels[value]) for value in STAGES]


def direction_choices() -> list[tuple[str, str]]:
    labels = load_method_config().assessment.direction_labels
    return [(value.value, labels[value.value]) for value in JudgementDirection]


class Published(models.Model):
    """Something that is drafted, then published once with its figures frozen."""

    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    frozen = models.JSONField(
        _("figures as published"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("What the document showed when it was published; never changed after."),
    )

    class Meta:
        abstract = True

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class ReportingRound(Published):
    """One delivery report's round of assessments, such as "July 2026"."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    as_of = models.DateField(_("as of"), help_text=_("The date the round assesses delivery at."))
    cross_cutting_themes = models.TextField(_("cross-cutting themes"), blank=True)

    class Meta:
        verbose_name = _("reporting round")
        verbose_name_plural = _("reporting rounds")
        ordering = ["-as_of"]

    def __str__(self) -> str:
        return self.name


def _rag4_field(label: Any) -> models.CharField:  # type: ignore[type-arg]
    return models.CharField(label, max_length=16, choices=rag4_choices, blank=True)


class Assessment(models.Model):
    """One priority's assessment in one round, on the scales of the assessment framework."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft: shared with the owner")
        FINAL = "final", _("Final")

    reporting_round = models.ForeignKey(
        ReportingRound,
        verbose_name=_("reporting round"),
        on_delete=models.CASCADE,
        related_name="assessments",
    )
    priority = models.ForeignKey(
        Priority, verbose_name=_("priority"), on_delete=models.PROTECT, related_name="+"
    )
    challenge = models.CharField(
        _("degree of challenge"), max_length=16, choices=challenge_choices, blank=True
    )
    understanding_the_challenge = _rag4_field(_("understanding the challenge"))
    governance = _rag4_field(_("governance, programme and project management"))
    managing_performance = _rag4_field(_("managing performance"))
    structuring_the_chain = _rag4_field(_("understanding and structuring the delivery chain"))
    engaging_the_chain = _rag4_field(_("engaging the delivery chain"))
    leadership_and_culture = _rag4_field(_("leadership and culture"))
    stage = models.CharField(
        _("stage of delivery"), max_length=16, choices=stage_choices, blank=True
    )
    suggested_likelihood = models.CharField(
        _("suggested likelihood"), max_length=16, choices=rag4_choices, blank=True
    )
    suggestion_reasons = models.JSONField(_("why it was suggested"), default=list, blank=True)
    likelihood = _rag4_field(_("likelihood of delivery"))
    is_override = models.BooleanField(
        _("overrides the suggestion"),
        default=False,
        help_text=_("The final rating differs from the one the product suggested."),
    )
    rationale = models.TextField(_("rationale"), blank=True)
    to_move_up = models.TextField(_("what it would take to move the rating up"), blank=True)
    narrative = models.TextField(_("narrative"), blank=True)
    key_actions = models.TextField(_("key actions"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["reporting_round", "priority__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["reporting_round", "priority"], name="one_assessment_per_priority_round"
            )
        ]

    def __str__(self) -> str:
        return f"{self.priority} ({self.reporting_round})"

    def sub_ratings(self) -> dict[SubCriterion, str | None]:
        return {c: getattr(self, c.value) or None for c in SubCriterion}


class AssessmentComment(models.Model):
    """The owner's (or the leader's) comment on an assessment, or a challenge to it, made
    before it is final: no surprises."""

    class Kind(models.TextChoices):
        COMMENT = "comment", _("Comment")
        CHALLENGE = "challenge", _("Challenge the rating")

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="comments")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.COMMENT)
    text = models.TextField(_("comment"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("made at"), auto_now_add=True)

    class Meta:
        verbose_name = _("comment on an assessment")
        verbose_name_plural = _("comments on assessments")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.author} on {self.assessment}"


class Moderation(models.Model):
    """A change to a final likelihood when ratings are moderated across priorities."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="moderations")
    from_likelihood = models.CharField(_("from"), max_length=16, choices=rag4_choices)
    to_likelihood = models.CharField(_("to"), max_length=16, choices=rag4_choices)
    reason = models.TextField(_("reason"))
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    moderated_at = models.DateTimeField(_("moderated at"), auto_now_add=True)

    class Meta:
        verbose_name = _("moderation")
        verbose_name_plural = _("moderations")
        ordering = ["moderated_at"]

    def __str__(self) -> str:
        return f"{self.assessment}: {self.from_likelihood} to {self.to_likelihood}"


class MonthlyNote(Published):
    """The delivery unit's short note to the system leader for one month."""

    month = models.DateField(_("month"), unique=True, help_text=_("The first day of the month."))
    cross_cutting = models.TextField(_("cross-cutting issues"), blank=True)
    upcoming = models.TextField(_("upcoming routines"), blank=True)

    class Meta:
        verbose_name = _("monthly note")
        verbose_name_plural = _("monthly notes")
        ordering = ["-month"]

    def __str__(self) -> str:
        return self.month.strftime("%B %Y")


class NoteEntry(models.Model):
    """What the unit wrote about one priority in a monthly note."""

    note = models.ForeignKey(MonthlyNote, on_delete=models.CASCADE, related_name="entries")
    priority = models.ForeignKey(Priority, on_delete=models.PROTECT, related_name="+")
    headline = models.CharField(_("headline"), max_length=400, blank=True)
    judgement = _rag4_field(_("judgement"))
    direction = models.CharField(
        _("direction"), max_length=16, choices=direction_choices, blank=True
    )
    judgement_text = models.TextField(_("judgement and direction"), blank=True)
    asks = models.TextField(_("asks of the leader"), blank=True)

    class Meta:
        verbose_name = _("monthly note entry")
        verbose_name_plural = _("monthly note entries")
        constraints = [
            models.UniqueConstraint(fields=["note", "priority"], name="one_entry_per_priority")
        ]

    def __str__(self) -> str:
        return f"{self.priority} in {self.note}"


class LeagueSnapshot(models.Model):
    """A league table of local units as it stood in one quarter, kept to show movement."""

    class View(models.TextChoices):
        LEVEL = "level", _("Level")
        PROGRESS = "progress", _("Progress against own trajectory")

    quarter = models.CharField(_("quarter"), max_length=16)
    metric = models.ForeignKey(Metric, on_delete=models.PROTECT, related_name="+")
    local_unit_type = models.CharField(_("local-unit type"), max_length=32)
    view = models.CharField(_("view"), max_length=16, choices=View.choices)
    taken_at = models.DateTimeField(_("taken at"), auto_now_add=True)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    frozen = models.JSONField(_("the table as kept"), editable=False)

    class Meta:
        verbose_name = _("league-table snapshot")
        verbose_name_plural = _("league-table snapshots")
        ordering = ["-quarter"]
        constraints = [
            models.UniqueConstraint(
                fields=["quarter", "metric", "local_unit_type", "view"],
                name="one_league_snapshot_per_quarter",
            )
        ]

    def __str__(self) -> str:
        return f"{self.metric} by {self.local_unit_type}, {self.quarter} ({self.view})"
