"""Sub-targets that local units own, how they were negotiated, and their trajectories
(docs/method.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from deliverology.core.allocation import AllocationMethod, UnitBaseline
from deliverology.web.performance.models import LocalUnit, Subgroup
from deliverology.web.priorities.models import Target


class SubTargetSet(models.Model):
    """How a system target is shared out among the local units under it."""

    class Method(models.TextChoices):
        UNIFORM_UPLIFT = AllocationMethod.UNIFORM_UPLIFT.value, _("Uniform uplift")
        GAP_CLOSING = AllocationMethod.GAP_CLOSING.value, _("Gap closing toward a benchmark")
        FLOOR_PLUS_UPLIFT = AllocationMethod.FLOOR_PLUS_UPLIFT.value, _("Floor plus uplift")
        NEGOTIATED = AllocationMethod.NEGOTIATED.value, _("Negotiated (local units propose)")

    class Status(models.TextChoices):
        NEGOTIATING = "negotiating", _("Being negotiated")
        AGREED = "agreed", _("Agreed")

    class Breakdown(models.TextChoices):
        LOCAL_UNITS = "local_units", _("Local units")
        SUBGROUPS = "subgroups", _("Subgroups")

    target = models.OneToOneField(
        Target, verbose_name=_("target"), on_delete=models.CASCADE, related_name="sub_target_set"
    )
    breakdown = models.CharField(
        _("shared out among"),
        max_length=16,
        choices=Breakdown.choices,
        default=Breakdown.LOCAL_UNITS,
    )
    level = models.CharField(
        _("level"),
        max_length=32,
        blank=True,
        help_text=_("The type of local unit that gets sub-targets, for example district."),
    )
    method = models.CharField(_("method"), max_length=32, choices=Method.choices)
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.NEGOTIATING
    )
    trajectory_version = models.PositiveIntegerField(
        _("system trajectory version followed"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("The version of the system trajectory the sub-target trajectories follow."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    agreed_at = models.DateTimeField(_("agreed at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("sub-target set")
        verbose_name_plural = _("sub-target sets")

    def __str__(self) -> str:
        return f"{self.target} ({self.get_method_display()})"

    @property
    def core_method(self) -> AllocationMethod:
        return AllocationMethod(self.method)

    @property
    def is_agreed(self) -> bool:
        return self.status == self.Status.AGREED


class SubTarget(models.Model):
    """One local unit's share of a system target, as allocated, proposed, adjusted and agreed."""

    class Status(models.TextChoices):
        AWAITING_PROPOSAL = "awaiting_proposal", _("Awaiting a proposal")
        ALLOCATED = "allocated", _("Allocated")
        PROPOSED = "proposed", _("Proposed")
        ADJUSTED = "adjusted", _("Adjusted by the delivery unit")
        AGREED = "agreed", _("Agreed")

    sub_target_set = models.ForeignKey(
        SubTargetSet,
        verbose_name=_("sub-target set"),
        on_delete=models.CASCADE,
        related_name="sub_targets",
    )
    local_unit = models.ForeignKey(
        LocalUnit, verbose_name=_("local unit"), on_delete=models.PROTECT, related_name="+"
    )
    subgroup = models.ForeignKey(
        Subgroup, verbose_name=_("subgroup"), on_delete=models.PROTECT, related_name="+"
    )
    baseline_numerator = models.FloatField(_("baseline numerator"), null=True, blank=True)
    baseline_denominator = models.FloatField(_("baseline denominator"))
    baseline_value = models.FloatField(_("baseline value"))
    allocated_value = models.FloatField(_("allocated"), null=True, blank=True)
    proposed_value = models.FloatField(_("proposed"), null=True, blank=True)
    adjusted_value = models.FloatField(_("adjusted"), null=True, blank=True)
    agreed_value = models.FloatField(_("agreed"), null=True, blank=True)
    value = models.FloatField(
        _("sub-target"), help_text=_("The sub-target as it stands: the latest step of the four.")
    )
    status = models.CharField(_("status"), max_length=24, choices=Status.choices)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("sub-target")
        verbose_name_plural = _("sub-targets")
        ordering = ["local_unit__name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["sub_target_set", "local_unit", "subgroup"], name="one_sub_target_per_unit"
            )
        ]

    def __str__(self) -> str:
        return f"{self.local_unit}: {self.value:g}"

    @property
    def label(self) -> str:
        """Who the sub-target is for: the subgroup, in a set shared out among subgroups."""
        if self.sub_target_set.breakdown == SubTargetSet.Breakdown.SUBGROUPS:
            return self.subgroup.name
        return self.local_unit.name

    def unit_baseline(self) -> UnitBaseline[int]:
        return UnitBaseline(self.pk, self.baseline_value, self.baseline_denominator)


class NegotiationStep(models.Model):
    """One step of the negotiation of a sub-target: who proposed, adjusted or agreed what, when."""

    class Kind(models.TextChoices):
        ALLOCATED = "allocated", _("Allocated")
        PROPOSED = "proposed", _("Proposed")
        ADJUSTED = "adjusted", _("Adjusted")
        AGREED = "agreed", _("Agreed")

    sub_target = models.ForeignKey(
        SubTarget, verbose_name=_("sub-target"), on_delete=models.CASCADE, related_name="steps"
    )
    kind = models.CharField(_("step"), max_length=16, choices=Kind.choices)
    value = models.FloatField(_("value"))
    note = models.TextField(_("note"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("negotiation step")
        verbose_name_plural = _("negotiation steps")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value:g}"


class SubTargetPoint(models.Model):
    """A point of a sub-target's own trajectory: rebuilt whenever the sub-target changes."""

    sub_target = models.ForeignKey(
        SubTarget, verbose_name=_("sub-target"), on_delete=models.CASCADE, related_name="points"
    )
    period = models.CharField(_("period"), max_length=16)
    period_start = models.DateField()
    expected = models.FloatField(_("expected value"))

    class Meta:
        verbose_name = _("sub-target trajectory point")
        verbose_name_plural = _("sub-target trajectory points")
        ordering = ["period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["sub_target", "period"], name="one_sub_target_point_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.period}: {self.expected:g}"
