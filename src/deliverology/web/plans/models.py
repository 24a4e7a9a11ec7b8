"""Delivery plans (module 3C): a plan per priority, or per intervention, with its milestones,
accountability (RACI), stakeholders and risks; every change kept (docs/concepts.md)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from deliverology.configuration import load_method_config
from deliverology.core.periods import PeriodError
from deliverology.core.plans import (
    RISK_SCALE,
    MilestoneStatus,
    PlanStatus,
    RiskStatus,
    date_problem,
)
from deliverology.web.performance.models import LocalUnit
from deliverology.web.priorities.models import Priority
from deliverology.web.strategy.models import Intervention


def plan_status_choices() -> list[tuple[str, str]]:
    labels = load_method_config().plans.plan_status_labels
    return [(status.value, labels[status.value]) for status in PlanStatus]


def milestone_status_choices() -> list[tuple[str, str]]:
    labels = load_method_config().plans.milestone_status_labels
    return [(status.value, labels[status.value]) for status in MilestoneStatus]


def risk_status_choices() -> list[tuple[str, str]]:
    labels = load_method_config().plans.risk_status_labels
    return [(status.value, labels[status.value]) for status in RiskStatus]


def likelihood_choices() -> list[tuple[int, str]]:
    labels = load_method_config().plans.likelihood_labels
    return [(point, f"{point}: {label}") for point, label in zip(RISK_SCALE, labels, strict=True)]


def impact_choices() -> list[tuple[int, str]]:
    labels = load_method_config().plans.impact_labels
    return [(point, f"{point}: {label}") for point, label in zip(RISK_SCALE, labels, strict=True)]


def level_choices() -> list[tuple[str, str]]:
    return list(load_method_config().plans.stakeholder_level_labels.items())


def _person(verbose_name: Any, related_name: str, help_text: Any = "") -> Any:
    """A person who may be left empty (or whose account is removed): the checklist says so."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose_name,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name=related_name,
        help_text=help_text,
    )


class DeliveryPlan(models.Model):
    """How a priority (or one of its interventions) will be delivered, and by whom.

    Its target and trajectory are the priority's own, shown from where they are kept, never
    copied; its delivery chain is described here until chains are linked.
    """

    priority = models.ForeignKey(
        Priority, verbose_name=_("priority"), on_delete=models.CASCADE, related_name="plans"
    )
    intervention = models.ForeignKey(
        Intervention,
        verbose_name=_("intervention"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="plans",
        help_text=_("Leave empty for the plan of the whole priority."),
    )
    owner = _person(
        _("plan owner"), "owned_plans", _("Who is accountable for the plan as a whole.")
    )
    delivery_unit_contact = _person(_("delivery unit contact"), "+")
    status = models.CharField(
        _("status"), max_length=16, choices=plan_status_choices, default=PlanStatus.DRAFT.value
    )
    approved_by = _person(_("approved by"), "+")
    approved_on = models.DateField(_("approved on"), null=True, blank=True)
    starts_on = models.DateField(_("plan starts on"), null=True, blank=True)
    ends_on = models.DateField(_("plan ends on"), null=True, blank=True)
    strategy = models.TextField(
        _("strategy"),
        blank=True,
        help_text=_("The theory of action: how the interventions lead to the outcome."),
    )
    delivery_chain = models.TextField(
        _("delivery chain"),
        blank=True,
        help_text=_(
            "The chain from the system leader to the front line, its weak links and how "
            "they are addressed."
        ),
    )
    performance_management = models.TextField(
        _("performance management"),
        blank=True,
        help_text=_(
            "Leading indicators, data sources, how often they are looked at, and the "
            "perverse effects to watch."
        ),
    )
    benchmarks = models.TextField(
        _("benchmarks"),
        blank=True,
        help_text=_(
            "Historical, internal and external comparisons; where good practice is shared."
        ),
    )
    resources_people = models.TextField(_("people"), blank=True)
    budget = models.DecimalField(
        _("budget"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    resources_technology = models.TextField(_("technology and support"), blank=True)
    resource_gap = models.TextField(_("resource gap"), blank=True)
    gap_closure = models.TextField(_("how the gap will be closed"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("delivery plan")
        verbose_name_plural = _("delivery plans")
        ordering = ["priority", "intervention"]
        constraints = [
            models.UniqueConstraint(
                fields=["priority"],
                condition=Q(intervention=None),
                name="one_plan_per_priority",
            ),
            models.UniqueConstraint(
                fields=["priority", "intervention"], name="one_plan_per_intervention"
            ),
        ]

    def __str__(self) -> str:
        if self.intervention_id is not None:
            return gettext("Delivery plan: %(name)s") % {"name": self.intervention}
        return gettext("Delivery plan: %(name)s") % {"name": self.priority}

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.starts_on and self.ends_on and self.ends_on <= self.starts_on:
            errors["ends_on"] = _("The plan must end after it starts.")
        if (
            self.intervention is not None
            and self.priority_id is not None
            and self.intervention.priority_id != self.priority_id
        ):
            errors["intervention"] = _("Choose one of this priority's interventions.")
        if errors:
            raise ValidationError(errors)


class Milestone(models.Model):
    """A key action with an owner and a due date: what stocktakes review (docs/concepts.md)."""

    plan = models.ForeignKey(
        DeliveryPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="milestones"
    )
    title = models.CharField(_("milestone"), max_length=200)
    owner = _person(_("owner"), "milestones")
    starts_on = models.DateField(_("work starts on"), null=True, blank=True)
    due = models.DateField(_("due"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=milestone_status_choices,
        default=MilestoneStatus.NOT_STARTED.value,
    )
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    evidence = models.TextField(_("evidence"), blank=True)
    trajectory_period = models.CharField(
        _("trajectory period it supports"),
        max_length=16,
        blank=True,
        help_text=_("The period of the trajectory this milestone helps reach, such as 2026-27."),
    )
    local_unit = models.ForeignKey(
        LocalUnit,
        verbose_name=_("local unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["due", "title"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "title"], name="one_milestone_title_per_plan")
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.plan_id is not None:
            errors.update(self._date_errors())
            errors.update(self._period_errors())
        if self.starts_on and self.due and self.starts_on > self.due:
            errors["starts_on"] = _("Work cannot start after the milestone is due.")
        if self.status == MilestoneStatus.DONE and self.completed_on is None:
            self.completed_on = self.due
        if errors:
            raise ValidationError(errors)

    def _date_errors(self) -> dict[str, Any]:
        if self.due is None:
            return {}
        problem = date_problem(self.due, self.plan.starts_on, self.plan.ends_on)
        if problem == "before_start":
            return {
                "due": _("Due %(due)s, before the plan starts on %(start)s.")
                % {"due": self.due, "start": self.plan.starts_on}
            }
        if problem == "after_end":
            return {
                "due": _("Due %(due)s, after the plan ends on %(end)s.")
                % {"due": self.due, "end": self.plan.ends_on}
            }
        return {}

    def _period_errors(self) -> dict[str, Any]:
        if not self.trajectory_period:
            return {}
        try:
            period = self.plan.priority.goal_metric.parse_period(self.trajectory_period)
        except PeriodError as error:
            return {"trajectory_period": str(error)}
        self.trajectory_period = period.label
        return {}


class Accountability(models.Model):
    """Who is responsible, accountable, consulted and informed for one activity (RACI)."""

    plan = models.ForeignKey(
        DeliveryPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="raci"
    )
    activity = models.CharField(_("activity"), max_length=200)
    responsible = _person(_("responsible"), "+")
    accountable = _person(_("accountable"), "+")
    consulted = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("consulted"), blank=True, related_name="+"
    )
    informed = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("informed"), blank=True, related_name="+"
    )
    history = HistoricalRecords(m2m_fields=[consulted, informed])

    class Meta:
        verbose_name = _("accountability (RACI)")
        verbose_name_plural = _("accountability (RACI)")
        ordering = ["activity"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "activity"], name="one_raci_per_activity")
        ]

    def __str__(self) -> str:
        return self.activity


class Stakeholder(models.Model):
    plan = models.ForeignKey(
        DeliveryPlan,
        verbose_name=_("plan"),
        on_delete=models.CASCADE,
        related_name="stakeholders",
    )
    name = models.CharField(_("who"), max_length=200)
    interest = models.CharField(_("interest"), max_length=16, choices=level_choices)
    influence = models.CharField(_("influence"), max_length=16, choices=level_choices)
    engagement = models.TextField(
        _("engagement"), blank=True, help_text=_("How they are engaged and kept informed.")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("stakeholder")
        verbose_name_plural = _("stakeholders")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Risk(models.Model):
    plan = models.ForeignKey(
        DeliveryPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="risks"
    )
    description = models.CharField(_("risk"), max_length=300)
    likelihood = models.PositiveSmallIntegerField(
        _("likelihood"),
        choices=likelihood_choices,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
    )
    impact = models.PositiveSmallIntegerField(
        _("impact"),
        choices=impact_choices,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
    )
    owner = _person(_("owner"), "+")
    mitigation = models.TextField(_("mitigation"), blank=True)
    trigger = models.TextField(
        _("trigger"), blank=True, help_text=_("The sign that the risk is happening.")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=risk_status_choices, default=RiskStatus.OPEN.value
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("risk")
        verbose_name_plural = _("risks")
        ordering = ["-likelihood", "-impact", "description"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "description"], name="one_risk_per_plan")
        ]

    def __str__(self) -> str:
        return self.description

    @property
    def score(self) -> int:
        return int(self.likelihood) * int(self.impact)
