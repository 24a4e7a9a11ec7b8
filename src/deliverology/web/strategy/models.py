"""The reform strategy of a priority: its interventions and its stop list (docs/method.md)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from deliverology.configuration import load_method_config
from deliverology.core.config import InterventionRating
from deliverology.core.interventions import (
    Intervention as CoreIntervention,
)
from deliverology.core.interventions import (
    InterventionError,
    RampShape,
    Rollout,
    check_interventions,
)
from deliverology.core.periods import Period, PeriodError
from deliverology.web.performance.models import LocalUnit, Subgroup
from deliverology.web.priorities.models import Priority, Target

RATINGS = list(InterventionRating)


def rating_choices() -> list[tuple[str, str]]:
    labels = load_method_config().strategy.rating_labels
    return [(rating.value, labels[rating.value]) for rating in RATINGS]


def rating_position(rating: str) -> int:
    """1 for the lowest rating up to 4 for the highest."""
    return RATINGS.index(InterventionRating(rating)) + 1


class Intervention(models.Model):
    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        APPROVED = "approved", _("Approved")
        UNDER_WAY = "under_way", _("Under way")
        COMPLETE = "complete", _("Complete")
        DROPPED = "dropped", _("Dropped")

    class Ramp(models.TextChoices):
        STEP = RampShape.STEP.value, _("Step: full effect at once")
        LINEAR = RampShape.LINEAR.value, _("Linear")
        LOGISTIC = RampShape.LOGISTIC.value, _("S-shaped (logistic)")

    priority = models.ForeignKey(
        Priority,
        verbose_name=_("priority"),
        on_delete=models.CASCADE,
        related_name="interventions",
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    theory_of_action = models.TextField(
        _("theory of action"), blank=True, help_text=_("How it moves the goal metric.")
    )
    impact = models.CharField(_("impact"), max_length=16, default=InterventionRating.MEDIUM_HIGH)
    difficulty = models.CharField(
        _("difficulty"), max_length=16, default=InterventionRating.MEDIUM_LOW
    )
    effect_low = models.FloatField(_("effect, low estimate"))
    effect = models.FloatField(
        _("effect, central estimate"),
        help_text=_(
            "What it adds to the goal metric once it reaches everyone at full effect, in the "
            "metric's unit; positive means better, also for a lower-is-better metric."
        ),
    )
    effect_high = models.FloatField(_("effect, high estimate"))
    reach_units = models.ManyToManyField(
        LocalUnit,
        verbose_name=_("local units reached"),
        blank=True,
        related_name="+",
        help_text=_("Leave empty for the whole system."),
    )
    reach_share = models.FloatField(
        _("share reached"),
        default=1.0,
        help_text=_("The share of the target's population it reaches at full rollout, 0 to 1."),
    )
    rollout_start = models.CharField(
        _("rollout starts in"), max_length=16, help_text=_("A period, such as 2025-26.")
    )
    rollout_full = models.CharField(
        _("full reach in"), max_length=16, help_text=_("The period the rollout is complete.")
    )
    lag_periods = models.IntegerField(
        _("lag (periods)"), default=0, help_text=_("Periods before any effect shows.")
    )
    ramp = models.CharField(_("ramp shape"), max_length=16, choices=Ramp, default=Ramp.STEP)
    ramp_periods = models.IntegerField(
        _("ramp (periods)"), default=1, help_text=_("Periods from first effect to full effect.")
    )
    cost = models.DecimalField(_("cost"), max_digits=14, decimal_places=2, null=True, blank=True)
    dependencies = models.ManyToManyField(
        "self",
        verbose_name=_("depends on"),
        symmetrical=False,
        blank=True,
        related_name="dependants",
    )
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.PROPOSED)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("intervention")
        verbose_name_plural = _("interventions")
        ordering = ["priority", "title"]
        constraints = [
            models.UniqueConstraint(fields=["priority", "title"], name="one_intervention_title")
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def counts(self) -> bool:
        """Whether it is part of the bottom-up trajectory (not dropped)."""
        return self.status != self.Status.DROPPED

    def impact_label(self) -> str:
        return dict(rating_choices()).get(self.impact, self.impact)

    def difficulty_label(self) -> str:
        return dict(rating_choices()).get(self.difficulty, self.difficulty)

    def core(self, population_share: float = 1.0) -> CoreIntervention:
        """As the pure calculation sees it; InterventionError or PeriodError when impossible.

        `population_share` is the share of the target's population in the local units it
        reaches (1 for the whole system): its reach is that share of theirs.
        """
        kind = self.priority.goal_metric
        return CoreIntervention(
            key=self.title,
            effect=self.effect,
            effect_low=self.effect_low,
            effect_high=self.effect_high,
            reach=Rollout(
                kind.parse_period(self.rollout_start),
                kind.parse_period(self.rollout_full),
                self.reach_share * population_share,
            ),
            lag_periods=self.lag_periods,
            ramp=RampShape(self.ramp),
            ramp_periods=self.ramp_periods,
        )

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        for field in ("impact", "difficulty"):
            if getattr(self, field) not in {r.value for r in InterventionRating}:
                errors[field] = _("Choose a rating from the scale.")
        if self.reach_share is not None and not 0 <= self.reach_share <= 1:
            errors["reach_share"] = _(
                "A reach is a share of the population, from 0 to 1 (it is %(share)g)."
            ) % {"share": self.reach_share}
        if self.lag_periods is not None and self.lag_periods < 0:
            errors["lag_periods"] = _("The lag cannot be negative.")
        if errors or self.priority_id is None:
            if errors:
                raise ValidationError(errors)
            return
        errors.update(self._period_errors())
        if not errors:
            errors.update(self._core_errors())
        if errors:
            raise ValidationError(errors)

    def _period_errors(self) -> dict[str, Any]:
        errors: dict[str, Any] = {}
        for field in ("rollout_start", "rollout_full"):
            try:
                period = self.priority.goal_metric.parse_period(getattr(self, field))
                setattr(self, field, period.label)
            except PeriodError as error:
                errors[field] = str(error)
        return errors

    def _core_errors(self) -> dict[str, Any]:
        try:
            core = self.core()
        except InterventionError as error:
            return {NON_FIELD_ERRORS: str(error)}
        target = system_target(self.priority)
        if target is None:
            return {}
        if core.effects_appear > target.target():
            return {
                "lag_periods": _(
                    "With this lag the first effect would show in %(appears)s, after the target "
                    "period %(target)s: shorten the lag or start the rollout earlier."
                )
                % {"appears": core.effects_appear, "target": target.target_period}
            }
        try:
            check_interventions([core], target.target())
        except InterventionError as error:
            return {NON_FIELD_ERRORS: str(error)}
        return {}

    def first_period(self) -> Period:
        return self.priority.goal_metric.parse_period(self.rollout_start)


class StopListItem(models.Model):
    """An activity to drop, freeing capacity for the priority (docs/method.md)."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        AGREED = "agreed", _("Agreed")
        STOPPED = "stopped", _("Stopped")
        KEPT = "kept", _("Kept after all")

    priority = models.ForeignKey(
        Priority, verbose_name=_("priority"), on_delete=models.CASCADE, related_name="stop_list"
    )
    activity = models.CharField(_("activity to drop"), max_length=200)
    reason = models.TextField(_("reason"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.PROPOSED)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("stop-list item")
        verbose_name_plural = _("stop list")
        ordering = ["priority", "activity"]

    def __str__(self) -> str:
        return self.activity


def system_target(priority: Priority) -> Target | None:
    """The priority's target for the whole system and everyone, if it has one."""
    return (
        Target.objects.filter(
            metric_id=priority.goal_metric_id, local_unit__parent=None, subgroup__code=Subgroup.ALL
        )
        .select_related("metric", "local_unit", "subgroup")
        .first()
    )
