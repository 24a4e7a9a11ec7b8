"""Module 2B (docs/concepts.md, "Delivery chains, activities and drivers"): the system's existing
activities aimed at a priority, the drivers of its performance, and its delivery chains, each
link rated on the RAG4 scale with its history kept (one `LinkRating` row per rating)."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from deliverology.configuration import load_method_config
from deliverology.core.chains import LinkState
from deliverology.core.config import Confidence, EvidenceOfImpact, Rag4
from deliverology.web.diagnostics.models import Hypothesis
from deliverology.web.performance.models import LocalUnit
from deliverology.web.priorities.models import Priority
from deliverology.web.strategy.models import Intervention


def rag4_choices() -> list[tuple[str, str]]:
    labels = load_method_config().rag4_labels
    return [(rating.value, labels[rating.value]) for rating in Rag4]


def actor_kind_choices() -> list[tuple[str, str]]:
    return list(load_method_config().chains.actor_kind_labels.items())


def activity_kind_choices() -> list[tuple[str, str]]:
    return list(load_method_config().chains.activity_kind_labels.items())


def evidence_choices() -> list[tuple[str, str]]:
    labels = load_method_config().chains.evidence_labels
    return [(level.value, labels[level.value]) for level in EvidenceOfImpact]


def confidence_choices() -> list[tuple[str, str]]:
    labels = load_method_config().chains.confidence_labels
    return [(level.value, labels[level.value]) for level in Confidence]


def _not_in(value: str, choices: list[tuple[str, str]]) -> bool:
    return value not in {key for key, _label in choices}


class Activity(models.Model):
    """One of the system's existing activities aimed at a priority's goal (the activity profile):
    what it costs, whom it reaches, who owns it, and what evidence says it works."""

    priority = models.ForeignKey(
        Priority, verbose_name=_("priority"), on_delete=models.CASCADE, related_name="activities"
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, default="programme")
    owner_name = models.CharField(
        _("owner"), max_length=200, help_text=_("The person or office that runs it.")
    )
    cost = models.DecimalField(
        _("cost a year"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    reach = models.PositiveIntegerField(
        _("reach"), null=True, blank=True, help_text=_("How many students it reaches.")
    )
    intended_effect = models.TextField(_("intended effect"), blank=True)
    evidence_of_impact = models.CharField(
        _("evidence of impact"), max_length=16, default=EvidenceOfImpact.NONE
    )
    evidence_notes = models.TextField(
        _("evidence"), blank=True, help_text=_("The evaluations or figures behind the rating.")
    )
    stop_candidate = models.BooleanField(
        _("stop-list candidate"),
        default=False,
        help_text=_("A candidate for the stop list: it costs capacity the priority needs."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activity profile")
        ordering = ["priority", "name"]
        constraints = [
            models.UniqueConstraint(fields=["priority", "name"], name="one_activity_name")
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if _not_in(self.kind, activity_kind_choices()):
            errors["kind"] = _("Choose a kind from the configured list.")
        if _not_in(self.evidence_of_impact, evidence_choices()):
            errors["evidence_of_impact"] = _("Choose a rating from the evidence scale.")
        if errors:
            raise ValidationError(errors)

    @property
    def works(self) -> bool:
        """Whether its evidence of impact reaches the configured "what works" level."""
        levels = list(EvidenceOfImpact)
        works_from = load_method_config().chains.works_from
        return levels.index(EvidenceOfImpact(self.evidence_of_impact)) >= levels.index(works_from)

    def kind_label(self) -> str:
        return dict(activity_kind_choices()).get(self.kind, self.kind)

    def evidence_label(self) -> str:
        return dict(evidence_choices()).get(self.evidence_of_impact, self.evidence_of_impact)


class Driver(models.Model):
    """A driver of performance (a root cause), often a diagnostic's hypothesis promoted once the
    evidence supports it, with how confident the delivery unit is."""

    priority = models.ForeignKey(
        Priority, verbose_name=_("priority"), on_delete=models.CASCADE, related_name="drivers"
    )
    hypothesis = models.OneToOneField(
        Hypothesis,
        verbose_name=_("from the hypothesis"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="driver",
    )
    statement = models.TextField(_("driver"))
    evidence = models.TextField(_("evidence"))
    confidence = models.CharField(_("confidence"), max_length=16, default=Confidence.MEDIUM)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("driver of performance")
        verbose_name_plural = _("drivers of performance")
        ordering = ["priority", "-created_at", "-pk"]

    def __str__(self) -> str:
        return self.statement[:80]

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if _not_in(self.confidence, confidence_choices()):
            errors["confidence"] = _("Choose a confidence from the configured scale.")
        if not (self.evidence or "").strip():
            errors["evidence"] = _("A driver needs the evidence that supports it.")
        if self.hypothesis is not None and self.priority_id is not None:
            if self.hypothesis.priority_id != self.priority_id:
                errors["hypothesis"] = _("The hypothesis belongs to another priority.")
        if errors:
            raise ValidationError(errors)

    def confidence_label(self) -> str:
        return dict(confidence_choices()).get(self.confidence, self.confidence)


class DeliveryChain(models.Model):
    """The actors through whom a priority's strategy (or one intervention) reaches the front
    line, as ordered links from the system leader down."""

    priority = models.ForeignKey(
        Priority, verbose_name=_("priority"), on_delete=models.CASCADE, related_name="chains"
    )
    intervention = models.ForeignKey(
        Intervention,
        verbose_name=_("intervention"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="chains",
        help_text=_("Blank: the chain of the priority's strategy as a whole."),
    )
    title = models.CharField(_("title"), max_length=200)
    front_line_change = models.TextField(
        _("change at the front line"),
        blank=True,
        help_text=_("The behaviour that has to change, and who performs it."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("delivery chain")
        verbose_name_plural = _("delivery chains")
        ordering = ["priority", "title"]
        constraints = [
            models.UniqueConstraint(fields=["priority", "title"], name="one_chain_title")
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.intervention is not None and self.priority_id is not None:
            if self.intervention.priority_id != self.priority_id:
                raise ValidationError(
                    {"intervention": _("The intervention belongs to another priority.")}
                )


class ChainLink(models.Model):
    """One actor of a chain and its link to the actor above it; position 1 is the system
    leader, the highest position the front line."""

    chain = models.ForeignKey(
        DeliveryChain, verbose_name=_("chain"), on_delete=models.CASCADE, related_name="links"
    )
    position = models.PositiveSmallIntegerField(
        _("position"), help_text=_("1 for the system leader, counting down to the front line.")
    )
    actor_kind = models.CharField(_("kind of actor"), max_length=32)
    actor = models.CharField(_("actor"), max_length=200, help_text=_("Such as Regional offices."))
    owner_name = models.CharField(
        _("named owner"), max_length=200, help_text=_("The person or role answerable for it.")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner's account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    local_units = models.ManyToManyField(
        LocalUnit, verbose_name=_("local units"), blank=True, related_name="+"
    )
    levers = models.TextField(
        _("levers"),
        blank=True,
        help_text=_("How the actor above influences it: funding, regulation, data, training."),
    )
    mitigation = models.TextField(
        _("mitigation"), blank=True, help_text=_("What is being done to strengthen the link.")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("chain link")
        verbose_name_plural = _("chain links")
        ordering = ["chain", "position"]
        constraints = [
            models.UniqueConstraint(fields=["chain", "position"], name="one_link_per_position")
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.actor}"

    def clean(self) -> None:
        if _not_in(self.actor_kind, actor_kind_choices()):
            raise ValidationError({"actor_kind": _("Choose a kind of actor from the list.")})

    def actor_kind_label(self) -> str:
        return dict(actor_kind_choices()).get(self.actor_kind, self.actor_kind)

    @property
    def has_mitigation(self) -> bool:
        return bool(self.mitigation.strip())

    def latest_rating(self) -> LinkRating | None:
        """The latest rating, from `ratings` prefetched newest first (see queries.py)."""
        ratings = list(self.ratings.all())
        return ratings[0] if ratings else None

    def state(self) -> LinkState:
        latest = self.latest_rating()
        rating = Rag4(latest.rating) if latest else None
        return LinkState(self.position, rating, mitigated=self.has_mitigation)


class LinkRating(models.Model):
    """One rating of a link, kept for good: a link's history is its ratings, newest first."""

    link = models.ForeignKey(
        ChainLink, verbose_name=_("link"), on_delete=models.CASCADE, related_name="ratings"
    )
    rating = models.CharField(_("rating"), max_length=16)
    evidence = models.TextField(_("evidence"))
    rated_on = models.DateField(_("rated on"))
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rated by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("link rating")
        verbose_name_plural = _("link ratings")
        ordering = ["link", "-rated_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.link}: {self.rating_label()} on {self.rated_on}"

    def rating_label(self) -> str:
        return dict(rag4_choices()).get(self.rating, self.rating)

    def colour(self) -> str:
        return load_method_config().rag4_colours.get(self.rating, "")

    def clean(self) -> None:
        self.check_against(timezone.localdate())

    def check_against(self, today: datetime.date) -> None:
        """ValidationError for a rating off the scale, no evidence, or a date after today."""
        errors: dict[str, Any] = {}
        if _not_in(self.rating, rag4_choices()):
            errors["rating"] = _("%(rating)s is not on the RAG4 scale (%(scale)s).") % {
                "rating": self.rating,
                "scale": ", ".join(label for _key, label in rag4_choices()),
            }
        if not (self.evidence or "").strip():
            errors["evidence"] = _("Give the evidence for the rating.")
        if self.rated_on is not None and self.rated_on > today:
            errors["rated_on"] = _("A rating cannot be dated after today (%(today)s).") % {
                "today": today.isoformat()
            }
        if errors:
            raise ValidationError(errors)
