"""Aspiration, priorities, targets and trajectories (docs/method.md)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from deliverology.core.periods import Period, PeriodError
from deliverology.core.smart import SmartError, check_target
from deliverology.core.trajectories import TrajectoryMethod
from deliverology.core.trajectories import TrajectoryPoint as CorePoint
from deliverology.web.performance.models import LocalUnit, Metric, Subgroup, code_validator


class Aspiration(models.Model):
    """What the system is trying to do, stated as ambitious outcomes (module 1A)."""

    statement = models.TextField(_("statement"))
    outcome_focus = models.CharField(_("outcome focus"), max_length=200, blank=True)
    horizon_year = models.PositiveSmallIntegerField(_("horizon year"))
    approved_by = models.CharField(_("approved by"), max_length=200, blank=True)
    approved_on = models.DateField(_("approved on"), null=True, blank=True)

    class Meta:
        verbose_name = _("aspiration")
        verbose_name_plural = _("aspirations")

    def __str__(self) -> str:
        return self.statement[:80]


class Priority(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        CLOSED = "closed", _("Closed")

    aspiration = models.ForeignKey(
        Aspiration,
        verbose_name=_("aspiration"),
        on_delete=models.PROTECT,
        related_name="priorities",
    )
    code = models.CharField(_("code"), max_length=64, unique=True, validators=[code_validator])
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    goal_metric = models.ForeignKey(
        Metric, verbose_name=_("goal metric"), on_delete=models.PROTECT, related_name="+"
    )
    progress_metrics = models.ManyToManyField(
        Metric, verbose_name=_("progress metrics"), blank=True, related_name="+"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("priority owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_priorities",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("priority")
        verbose_name_plural = _("priorities")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.title


class Target(models.Model):
    """A SMART target for a metric, for one local unit (the root is the system) and subgroup."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        AGREED = "agreed", _("Agreed")
        LOCKED = "locked", _("Locked")

    metric = models.ForeignKey(Metric, verbose_name=_("metric"), on_delete=models.PROTECT)
    local_unit = models.ForeignKey(
        LocalUnit, verbose_name=_("local unit"), on_delete=models.PROTECT
    )
    subgroup = models.ForeignKey(Subgroup, verbose_name=_("subgroup"), on_delete=models.PROTECT)
    baseline_period = models.CharField(_("baseline period"), max_length=16)
    baseline_value = models.FloatField(_("baseline value"))
    target_period = models.CharField(_("target period"), max_length=16)
    target_value = models.FloatField(_("target value"))
    statement = models.TextField(_("statement"), blank=True)
    data_source = models.CharField(_("data source"), max_length=200, blank=True)
    relevance = models.TextField(_("how it serves the aspiration"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    smart_check = models.JSONField(
        _("SMART check"),
        default=dict,
        blank=True,
        editable=False,
        help_text=_("The last SMART check: each criterion, passed or not, and why."),
    )
    change_reason = models.TextField(_("reason for the last change"), blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("last change approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    history = HistoricalRecords()

    # Once locked, these change only through priorities.actions.revise_target.
    LOCKED_FIELDS = (
        "metric",
        "local_unit",
        "subgroup",
        "baseline_period",
        "baseline_value",
        "target_period",
        "target_value",
    )

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [
            models.UniqueConstraint(
                fields=["metric", "local_unit", "subgroup"], name="one_target_per_metric_unit"
            )
        ]

    def __str__(self) -> str:
        return f"{self.metric}: {self.target_value:g} by {self.target_period}"

    @property
    def is_locked(self) -> bool:
        return self.status == self.Status.LOCKED

    def baseline(self) -> Period:
        return self.metric.parse_period(self.baseline_period)

    def target(self) -> Period:
        return self.metric.parse_period(self.target_period)

    def clean(self) -> None:
        if self.metric_id is None:
            return
        errors: dict[str, Any] = {}
        periods: dict[str, Period] = {}
        for field in ("baseline_period", "target_period"):
            try:
                periods[field] = self.metric.parse_period(getattr(self, field))
                setattr(self, field, periods[field].label)
            except PeriodError as error:
                errors[field] = str(error)
        if len(periods) == 2 and periods["target_period"] <= periods["baseline_period"]:
            errors["target_period"] = _("The target period must come after the baseline period.")
        errors.update(self._value_errors())
        if not errors and len(periods) == 2:
            errors.update(self._direction_errors())
        if errors:
            raise ValidationError(errors)

    def _value_errors(self) -> dict[str, Any]:
        errors: dict[str, Any] = {}
        bounds = self.metric.bounds
        for field in ("baseline_value", "target_value"):
            value = getattr(self, field)
            if value is not None and not bounds.contains(value):
                if self.metric.aggregation == Metric.AggregationChoice.RATE:
                    errors[field] = _("A rate lies between 0 and %(scale)g.") % {
                        "scale": self.metric.scale
                    }
                else:
                    errors[field] = _("A count or a sum is never below zero.")
        return errors

    def _direction_errors(self) -> dict[str, Any]:
        try:
            check_target(
                self.baseline(),
                self.baseline_value,
                self.target(),
                self.target_value,
                self.metric.core_direction,
            )
        except SmartError:
            better = self.metric.get_direction_display().lower()
            message = _(
                "The target %(target)g would be worse than the baseline %(baseline)g, but for "
                "this metric %(better)s."
            ) % {"target": self.target_value, "baseline": self.baseline_value, "better": better}
            return {"target_value": message}
        return {}

    def current_trajectory(self) -> Trajectory | None:
        # Uses the prefetch cache when views prefetch "trajectories__points".
        trajectories = sorted(self.trajectories.all(), key=lambda t: t.version)
        return trajectories[-1] if trajectories else None


class Trajectory(models.Model):
    """The expected path from baseline to target; every version is kept (docs/method.md)."""

    class Method(models.TextChoices):
        LINEAR = TrajectoryMethod.LINEAR.value, _("Linear")
        S_CURVE = TrajectoryMethod.S_CURVE.value, _("S-curve")
        HISTORICAL_RATE = TrajectoryMethod.HISTORICAL_RATE.value, _("Historical rate")
        BENCHMARK_RATE = TrajectoryMethod.BENCHMARK_RATE.value, _("Benchmark rate")
        BACK_LOADED = TrajectoryMethod.BACK_LOADED.value, _("Back-loaded")
        FRONT_LOADED = TrajectoryMethod.FRONT_LOADED.value, _("Front-loaded")
        DIP_THEN_RISE = TrajectoryMethod.DIP_THEN_RISE.value, _("Dip then rise")
        BOTTOM_UP = "bottom_up", _("Bottom-up from the interventions")
        SPREADSHEET = "spreadsheet", _("Edited in a spreadsheet")

    target = models.ForeignKey(
        Target, verbose_name=_("target"), on_delete=models.CASCADE, related_name="trajectories"
    )
    method = models.CharField(_("method"), max_length=32, choices=Method.choices)
    version = models.PositiveIntegerField(_("version"), default=1)
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    assumptions = models.TextField(_("assumptions"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(_("reason for the change"), blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("trajectory")
        verbose_name_plural = _("trajectories")
        constraints = [
            models.UniqueConstraint(fields=["target", "version"], name="one_trajectory_version")
        ]

    def __str__(self) -> str:
        return f"{self.target} v{self.version} ({self.get_method_display()})"

    def core_points(self) -> list[CorePoint]:
        metric = self.target.metric
        return [
            CorePoint(metric.parse_period(p.period), p.expected, p.lower, p.upper)
            for p in sorted(self.points.all(), key=lambda p: p.period_start)
        ]


class TrajectoryPoint(models.Model):
    trajectory = models.ForeignKey(
        Trajectory, verbose_name=_("trajectory"), on_delete=models.CASCADE, related_name="points"
    )
    period = models.CharField(_("period"), max_length=16)
    period_start = models.DateField()
    expected = models.FloatField(_("expected value"))
    lower = models.FloatField(_("lower bound"), null=True, blank=True)
    upper = models.FloatField(_("upper bound"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("trajectory point")
        verbose_name_plural = _("trajectory points")
        ordering = ["period_start"]
        constraints = [
            models.UniqueConstraint(fields=["trajectory", "period"], name="one_point_per_period")
        ]

    def __str__(self) -> str:
        return f"{self.period}: {self.expected:g}"


class Proposal(models.Model):
    """A change to a locked target (a revised baseline or target) or to its trajectory (a new
    version), proposed by one person and approved or rejected by another in their own session;
    only an approved proposal changes a locked target (`priorities.proposals`)."""

    class Kind(models.TextChoices):
        REVISION = "revision", _("Revise the target")
        TRAJECTORY = "trajectory", _("New trajectory version")

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn by the proposer")

    target = models.ForeignKey(
        Target, verbose_name=_("target"), on_delete=models.CASCADE, related_name="proposals"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    reason = models.TextField(_("reason for the change"))
    changes = models.JSONField(
        _("proposed values"),
        default=dict,
        blank=True,
        help_text=_("For a revision: the proposed baseline and target, period and value."),
    )
    method = models.CharField(_("method"), max_length=32, blank=True)
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    assumptions = models.TextField(_("assumptions"), blank=True)
    points = models.JSONField(
        _("proposed trajectory"),
        default=list,
        blank=True,
        help_text=_("For a new trajectory version: its points, period by period."),
    )
    basis = models.JSONField(
        _("target when proposed"),
        default=dict,
        help_text=_("The target's values and trajectory version it was proposed against."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    proposed_at = models.DateTimeField(_("proposed at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    comment = models.TextField(_("approver's comment"), blank=True)
    trajectory = models.ForeignKey(
        Trajectory,
        verbose_name=_("trajectory version made"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("proposed change")
        verbose_name_plural = _("proposed changes")
        ordering = ["-proposed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.target} ({self.get_status_display()})"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING

    def final_value(self) -> float | None:
        """Where the proposed trajectory, or the revised target, ends."""
        if self.points:
            return float(self.points[-1]["expected"])
        value = self.changes.get("target_value")
        return None if value is None else float(value)
