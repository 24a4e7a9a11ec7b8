"""Comparators from other systems, and hypotheses and patterns about performance (docs/method.md,
module 2A)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from deliverology.core.benchmarking import BenchmarkType
from deliverology.core.periods import Period, PeriodError
from deliverology.web.performance.models import LocalUnit, Metric, Subgroup
from deliverology.web.priorities.models import Priority


class ComparatorQuerySet(models.QuerySet["Comparator"]):
    def for_figures(self, metric: Metric, subgroup: Subgroup) -> ComparatorQuerySet:
        return self.filter(metric=metric, subgroup=subgroup).order_by("name", "period_start")


class Comparator(models.Model):
    """One figure of another system on the same metric: a peer state, the nation, a country."""

    class Kind(models.TextChoices):
        EXTERNAL = BenchmarkType.EXTERNAL.value, _("External (a peer system)")
        INTERNATIONAL = BenchmarkType.INTERNATIONAL.value, _("International")

    name = models.CharField(
        _("name"), max_length=120, help_text=_("The other system, such as National.")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.EXTERNAL)
    metric = models.ForeignKey(Metric, verbose_name=_("metric"), on_delete=models.PROTECT)
    subgroup = models.ForeignKey(Subgroup, verbose_name=_("subgroup"), on_delete=models.PROTECT)
    period = models.CharField(_("period"), max_length=16)
    period_start = models.DateField(editable=False)
    value = models.FloatField(_("value"))
    numerator = models.FloatField(_("numerator"), null=True, blank=True)
    denominator = models.FloatField(_("denominator"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)
    history = HistoricalRecords()

    objects = ComparatorQuerySet.as_manager()

    class Meta:
        verbose_name = _("comparator figure")
        verbose_name_plural = _("comparator figures")
        ordering = ["metric", "name", "period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["name", "metric", "subgroup", "period"], name="one_comparator_figure"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.metric} {self.period} = {self.value:g}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.period_start = self.core_period().start
        super().save(*args, **kwargs)

    def core_period(self) -> Period:
        return self.metric.parse_period(self.period)

    def clean(self) -> None:
        if self.metric_id is None:
            return
        errors: dict[str, Any] = {}
        try:
            parsed = self.core_period()
            self.period, self.period_start = parsed.label, parsed.start
        except PeriodError as error:
            errors["period"] = str(error)
        errors.update(self._value_errors())
        if errors:
            raise ValidationError(errors)

    def _value_errors(self) -> dict[str, Any]:
        if self.metric.aggregation != Metric.AggregationChoice.RATE or self.value is None:
            return {}
        if not 0 <= self.value <= self.metric.scale:
            return {
                "value": _("A rate lies between 0 and %(scale)g.") % {"scale": self.metric.scale}
            }
        if (self.numerator is None) != (self.denominator is None):
            return {"denominator": _("Give both the numerator and the denominator, or neither.")}
        if self.numerator is not None and self.denominator is not None:
            if self.denominator <= 0 or not 0 <= self.numerator <= self.denominator:
                return {"numerator": _("The numerator must lie between 0 and the denominator.")}
            expected = self.metric.scale * self.numerator / self.denominator
            if abs(expected - self.value) > 0.05:
                return {
                    "value": _("The numerator and denominator give %(expected).1f, not %(value)g.")
                    % {"expected": expected, "value": self.value}
                }
        return {}


class Hypothesis(models.Model):
    """A hypothesis about performance, or a pattern found, recorded against a priority's diagnostic.

    Performance patterns are the output of module 2A: themes that recur across analyses.
    """

    class Kind(models.TextChoices):
        HYPOTHESIS = "hypothesis", _("Hypothesis")
        PATTERN = "pattern", _("Performance pattern")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        SUPPORTED = "supported", _("Supported by the evidence")
        REJECTED = "rejected", _("Rejected by the evidence")

    priority = models.ForeignKey(
        Priority, verbose_name=_("priority"), on_delete=models.CASCADE, related_name="hypotheses"
    )
    local_unit = models.ForeignKey(
        LocalUnit,
        verbose_name=_("local unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        help_text=_("Blank: the whole system."),
    )
    subgroup = models.ForeignKey(
        Subgroup, verbose_name=_("subgroup"), null=True, blank=True, on_delete=models.SET_NULL
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.HYPOTHESIS)
    statement = models.TextField(_("statement"))
    evidence = models.TextField(
        _("evidence"), blank=True, help_text=_("The analyses that support or test it.")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("hypothesis or pattern")
        verbose_name_plural = _("hypotheses and patterns")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.statement[:80]}"
