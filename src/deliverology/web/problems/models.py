"""Problems (docs/concepts.md, "Problems and momentum"): suggested by the triggers, decided by
the delivery unit, with every step of their history."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from deliverology.configuration import load_method_config
from deliverology.core.config import ProblemStatus
from deliverology.core.problems import Severity
from deliverology.core.reviews import RootCauseKind
from deliverology.web.performance.models import LocalUnit, Metric, Subgroup
from deliverology.web.priorities.models import Priority

SEVERITY_CHOICES = [(s.value, s.value.replace("_", " ")) for s in Severity]
OPEN_STATUSES = (ProblemStatus.SUGGESTED, ProblemStatus.CONFIRMED)
RESOLVE = "resolve"  # a pending suggestion to close the problem


class Problem(models.Model):
    """A problem with a priority, at one place: a metric, a local unit and a subgroup.

    `severity` is where the problem stands on the ladder; `pending` is what the triggers now
    suggest for a confirmed problem (a severity, or "resolve"), awaiting the delivery unit.
    """

    class Status(models.TextChoices):
        SUGGESTED = ProblemStatus.SUGGESTED.value, _("suggested")
        CONFIRMED = ProblemStatus.CONFIRMED.value, _("confirmed")
        DISMISSED = ProblemStatus.DISMISSED.value, _("dismissed")
        RESOLVED = ProblemStatus.RESOLVED.value, _("resolved")

    priority = models.ForeignKey(
        Priority, verbose_name=_("priority"), on_delete=models.CASCADE, related_name="problems"
    )
    metric = models.ForeignKey(
        Metric, verbose_name=_("metric"), on_delete=models.PROTECT, null=True, blank=True
    )
    local_unit = models.ForeignKey(
        LocalUnit, verbose_name=_("local unit"), on_delete=models.PROTECT
    )
    subgroup = models.ForeignKey(
        Subgroup, verbose_name=_("subgroup"), on_delete=models.PROTECT, null=True, blank=True
    )
    severity = models.CharField(_("severity"), max_length=20, choices=SEVERITY_CHOICES)
    pending = models.CharField(
        _("suggested change"), max_length=20, blank=True, help_text=_("What the triggers suggest.")
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.SUGGESTED
    )
    trigger = models.CharField(_("main trigger"), max_length=32)
    evidence = models.JSONField(_("evidence"), default=dict)
    sentence = models.TextField(_("evidence in words"))
    latest_period = models.CharField(_("latest period"), max_length=16, blank=True)
    reason = models.TextField(_("reason for the latest decision"), blank=True)
    opened_on = models.DateField(_("suggested on"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("problem")
        ordering = ("-opened_on", "pk")
        constraints = [
            models.UniqueConstraint(
                fields=["priority", "metric", "local_unit", "subgroup"],
                condition=Q(status__in=[s.value for s in OPEN_STATUSES]),
                name="one_open_problem_per_place",
            )
        ]
        indexes = [models.Index(fields=["status", "severity"], name="problem_status_severity")]

    def __str__(self) -> str:
        return f"{self.priority.code}: {self.sentence[:60]}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def level(self) -> int:
        return Severity(self.severity).level

    def severity_label(self) -> str:
        return load_method_config().problems.severity_labels[self.severity]

    def status_label(self) -> str:
        return load_method_config().problems.status_labels[self.status]

    def pending_label(self) -> str:
        if not self.pending or self.pending == RESOLVE:
            return ""
        return load_method_config().problems.severity_labels[self.pending]

    def key(self) -> tuple[Any, ...]:
        return (self.priority_id, self.metric_id, self.local_unit_id, self.subgroup_id)


class ProblemEvent(models.Model):
    """One step of a problem's history: who (nobody: the triggers), when, what and why."""

    class Kind(models.TextChoices):
        SUGGESTED = "suggested", _("suggested by the triggers")
        ESCALATION_SUGGESTED = "escalation_suggested", _("escalation suggested")
        DE_ESCALATION_SUGGESTED = "de_escalation_suggested", _("de-escalation suggested")
        RESOLUTION_SUGGESTED = "resolution_suggested", _("resolution suggested")
        EVIDENCE = "evidence", _("new evidence")
        CONFIRMED = "confirmed", _("confirmed")
        ESCALATED = "escalated", _("escalated")
        DE_ESCALATED = "de_escalated", _("de-escalated")
        DISMISSED = "dismissed", _("dismissed")
        RESOLVED = "resolved", _("resolved")
        ROOT_CAUSE_ADDED = "root_cause_added", _("root cause linked")
        ROOT_CAUSE_REMOVED = "root_cause_removed", _("root cause removed")

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("what"), max_length=32, choices=Kind.choices)
    from_severity = models.CharField(_("from"), max_length=20, blank=True)
    to_severity = models.CharField(_("to"), max_length=20, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("when"), auto_now_add=True)
    reason = models.TextField(_("why"), blank=True)

    class Meta:
        verbose_name = _("problem history entry")
        verbose_name_plural = _("problem history")
        ordering = ("at", "pk")

    def __str__(self) -> str:
        return f"{self.problem_id}: {self.kind}"


class RootCause(models.Model):
    """One finding of a problem's root-cause analysis: a diagnostic hypothesis, a driver of
    performance or a delivery chain link of the problem's own priority, with a note of why.

    Exactly one of `hypothesis`, `driver` and `link` is set; each is linked at most once.
    """

    problem = models.ForeignKey(
        Problem, verbose_name=_("problem"), on_delete=models.CASCADE, related_name="root_causes"
    )
    hypothesis = models.ForeignKey(
        "diagnostics.Hypothesis",
        verbose_name=_("hypothesis"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    driver = models.ForeignKey(
        "chains.Driver",
        verbose_name=_("driver"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    link = models.ForeignKey(
        "chains.ChainLink",
        verbose_name=_("chain link"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.CharField(_("why"), max_length=500)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("linked by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    added_at = models.DateTimeField(_("linked at"), auto_now_add=True)

    class Meta:
        verbose_name = _("root cause")
        ordering = ("problem", "added_at", "pk")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(hypothesis__isnull=False, driver__isnull=True, link__isnull=True)
                    | Q(hypothesis__isnull=True, driver__isnull=False, link__isnull=True)
                    | Q(hypothesis__isnull=True, driver__isnull=True, link__isnull=False)
                ),
                name="root_cause_is_one_item",
            ),
            models.UniqueConstraint(
                fields=["problem", "hypothesis"], name="one_root_cause_per_hypothesis"
            ),
            models.UniqueConstraint(fields=["problem", "driver"], name="one_root_cause_per_driver"),
            models.UniqueConstraint(fields=["problem", "link"], name="one_root_cause_per_link"),
        ]

    def __str__(self) -> str:
        return f"{self.problem_id}: {self.item_text()[:60]}"

    @property
    def kind(self) -> RootCauseKind:
        if self.hypothesis_id is not None:
            return RootCauseKind.HYPOTHESIS
        if self.driver_id is not None:
            return RootCauseKind.DRIVER
        return RootCauseKind.LINK

    def kind_label(self) -> str:
        return load_method_config().problems.root_cause_labels[self.kind]

    def item_text(self) -> str:
        """The linked item in words: the statement, or the chain and the link's actor."""
        if self.hypothesis is not None:
            return self.hypothesis.statement
        if self.driver is not None:
            return self.driver.statement
        if self.link is not None:
            return f"{self.link.chain.title}: {self.link.position}. {self.link.actor}"
        return ""


class PriorityReview(models.Model):
    """A joint review of a problem at priority-review level or above: its scope and team, the
    sites visited, findings along the delivery chain, recommendations (actions raised with the
    review as their source) and a follow-up."""

    problem = models.ForeignKey(
        Problem, verbose_name=_("problem"), on_delete=models.CASCADE, related_name="reviews"
    )
    scope = models.TextField(_("scope"))
    team = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("team"), related_name="+", blank=True
    )
    opened_on = models.DateField(_("opened on"))
    follow_up_on = models.DateField(_("follow-up on"), null=True, blank=True)
    follow_up_outcome = models.TextField(_("follow-up outcome"), blank=True)

    class Meta:
        verbose_name = _("priority review")
        ordering = ("-opened_on", "-pk")

    def __str__(self) -> str:
        return f"{self.problem}: review of {self.opened_on}"


class ReviewSite(models.Model):
    """A local unit the review visits, and why it was chosen."""

    review = models.ForeignKey(PriorityReview, on_delete=models.CASCADE, related_name="sites")
    local_unit = models.ForeignKey(
        LocalUnit, verbose_name=_("local unit"), on_delete=models.PROTECT
    )
    rationale = models.TextField(_("rationale"))

    class Meta:
        verbose_name = _("review site")
        ordering = ("review", "local_unit__path")
        constraints = [
            models.UniqueConstraint(fields=["review", "local_unit"], name="one_visit_per_site")
        ]

    def __str__(self) -> str:
        return f"{self.review_id}: {self.local_unit_id}"


class ReviewFinding(models.Model):
    """What the review found at one link of the delivery chain; its rating is kept as a new
    rating of that link."""

    review = models.ForeignKey(PriorityReview, on_delete=models.CASCADE, related_name="findings")
    link = models.ForeignKey(
        "chains.ChainLink", verbose_name=_("chain link"), on_delete=models.CASCADE
    )
    finding = models.TextField(_("finding"))
    link_rating = models.OneToOneField(
        "chains.LinkRating", verbose_name=_("rating"), on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = _("review finding")
        ordering = ("review", "link__position", "pk")

    def __str__(self) -> str:
        return f"{self.review_id}: {self.finding[:40]}"


class CrisisGroup(models.Model):
    """The leader's action group for a problem in crisis: chair, members, cadence, meetings,
    an accountable owner per local unit in scope, and exit criteria checked against the data."""

    problem = models.ForeignKey(
        Problem, verbose_name=_("problem"), on_delete=models.CASCADE, related_name="crisis_groups"
    )
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("chair"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("members"), related_name="+", blank=True
    )
    cadence = models.CharField(_("cadence"), max_length=20)
    exit_value = models.FloatField(
        _("exit value"), help_text=_("The goal metric's value the problem's local unit must reach.")
    )
    opened_on = models.DateField(_("opened on"))

    class Meta:
        verbose_name = _("crisis group")
        ordering = ("-opened_on", "-pk")

    def __str__(self) -> str:
        return f"{self.problem}: crisis group of {self.opened_on}"

    def cadence_label(self) -> str:
        return load_method_config().problems.crisis_cadence_labels.get(self.cadence, self.cadence)


class CrisisMeeting(models.Model):
    group = models.ForeignKey(CrisisGroup, on_delete=models.CASCADE, related_name="meetings")
    held_on = models.DateField(_("held on"))
    notes = models.TextField(_("notes"))

    class Meta:
        verbose_name = _("crisis group meeting")
        ordering = ("group", "held_on", "pk")

    def __str__(self) -> str:
        return f"{self.group_id}: {self.held_on}"


class CrisisScope(models.Model):
    """A local unit in the crisis group's scope, with the person accountable for it."""

    group = models.ForeignKey(CrisisGroup, on_delete=models.CASCADE, related_name="scope")
    local_unit = models.ForeignKey(
        LocalUnit, verbose_name=_("local unit"), on_delete=models.PROTECT
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accountable owner"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("local unit in scope")
        ordering = ("group", "local_unit__path")
        constraints = [
            models.UniqueConstraint(fields=["group", "local_unit"], name="one_owner_per_unit")
        ]

    def __str__(self) -> str:
        return f"{self.group_id}: {self.local_unit_id}"
