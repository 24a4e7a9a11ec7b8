from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from deliverology.configuration import load_method_config
from deliverology.core.problems import Severity
from deliverology.web.chains.models import ChainLink, Driver, rag4_choices
from deliverology.web.diagnostics.models import Hypothesis
from deliverology.web.performance.models import LocalUnit
from deliverology.web.priorities.models import Priority
from deliverology.web.problems.models import Problem
from deliverology.web.problems.root_causes import refusal
from deliverology.web.routines.forms import DateInput, PeopleChoice, PersonChoice, people


def _severity_choices() -> list[tuple[str, str]]:
    labels = load_method_config().problems.severity_labels
    return [(s.value, labels[s.value]) for s in Severity]


def _status_choices() -> list[tuple[str, str]]:
    labels = load_method_config().problems.status_labels
    return [(s.value, labels[s.value]) for s in Problem.Status]


def _any_severity() -> list[tuple[str, str]]:
    return [("", str(_("Every severity"))), *_severity_choices()]


def _any_status() -> list[tuple[str, str]]:
    return [("", str(_("Open (suggested or confirmed)"))), *_status_choices()]


class RegisterFilterForm(forms.Form):
    severity = forms.ChoiceField(label=_("Severity"), required=False, choices=_any_severity)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=_any_status)
    priority = forms.ModelChoiceField(
        label=_("Priority"),
        queryset=Priority.objects.order_by("order"),
        to_field_name="code",
        required=False,
        empty_label=_("Every priority"),
    )


class ConfirmForm(forms.Form):
    severity = forms.ChoiceField(label=_("Severity"), choices=_severity_choices)
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Why this severity: kept in the problem's history."),
    )


class CloseForm(forms.Form):
    DISMISS, RESOLVE = "dismiss", "resolve"
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(DISMISS, _("Dismiss: not a problem")), (RESOLVE, _("Resolve: fixed"))],
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


# --- Priority reviews and crisis groups --------------------------------------------------------


class ReviewForm(forms.Form):
    scope = forms.CharField(label=_("Scope"), widget=forms.Textarea(attrs={"rows": 3}))
    team = PeopleChoice(label=_("Team"), queryset=people(), widget=forms.CheckboxSelectMultiple)
    follow_up_on = forms.DateField(label=_("Follow-up on"), required=False, widget=DateInput())


def _local_unit_by_code() -> forms.ModelChoiceField:  # type: ignore[type-arg]
    """A local unit typed by its code: a list of every school would be too long to choose from."""
    return forms.ModelChoiceField(
        label=_("Local unit (code)"),
        queryset=LocalUnit.objects.all(),
        to_field_name="code",
        widget=forms.TextInput,
        error_messages={"invalid_choice": _("No local unit has this code.")},
    )


class SiteForm(forms.Form):
    local_unit = _local_unit_by_code()
    rationale = forms.CharField(label=_("Why this site"), max_length=500)


class FindingForm(forms.Form):
    def __init__(self, *args: Any, links: QuerySet[ChainLink], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["link"] = forms.ModelChoiceField(label=_("Chain link"), queryset=links)
        self.fields["finding"] = forms.CharField(
            label=_("Finding"), widget=forms.Textarea(attrs={"rows": 2})
        )
        self.fields["rating"] = forms.ChoiceField(label=_("Rating"), choices=rag4_choices)


class FollowUpOutcomeForm(forms.Form):
    follow_up_on = forms.DateField(label=_("Follow-up on"), widget=DateInput())
    outcome = forms.CharField(label=_("Outcome"), widget=forms.Textarea(attrs={"rows": 2}))


def _cadence_choices() -> list[tuple[str, str]]:
    return list(load_method_config().problems.crisis_cadence_labels.items())


class CrisisGroupForm(forms.Form):
    chair = PersonChoice(label=_("Chair"), queryset=people())
    members = PeopleChoice(
        label=_("Members"), queryset=people(), widget=forms.CheckboxSelectMultiple
    )
    cadence = forms.ChoiceField(label=_("Cadence"), choices=_cadence_choices)
    exit_value = forms.FloatField(
        label=_("Exit value"),
        help_text=_("The goal metric's value the problem's local unit must reach to exit."),
    )


class ScopeForm(forms.Form):
    local_unit = _local_unit_by_code()
    owner = PersonChoice(label=_("Accountable owner"), queryset=people())


class MeetingForm(forms.Form):
    held_on = forms.DateField(label=_("Held on"), widget=DateInput())
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}))


# --- Root causes ---------------------------------------------------------------------------------


class _AnyCause(forms.ChoiceField):
    """The choices offered are the problem's priority's; any other value is looked up so that
    the form can say what is wrong with it, not only that it is not offered."""

    def validate(self, value: Any) -> None:
        forms.Field.validate(self, value)


def _cause_choices(problem: Problem) -> list[tuple[str, list[tuple[str, str]]]]:
    """The problem's priority's hypotheses, drivers and chain links, grouped: three queries."""
    labels = load_method_config().problems.root_cause_labels
    priority = problem.priority_id
    hypotheses = Hypothesis.objects.filter(priority_id=priority).order_by("pk")
    drivers = Driver.objects.filter(priority_id=priority).order_by("pk")
    links = ChainLink.objects.filter(chain__priority_id=priority).select_related("chain")
    groups = [
        (labels["hypothesis"], [(f"hypothesis:{h.pk}", h.statement[:120]) for h in hypotheses]),
        (labels["driver"], [(f"driver:{d.pk}", d.statement[:120]) for d in drivers]),
        (
            labels["link"],
            [(f"link:{k.pk}", f"{k.chain.title}: {k.position}. {k.actor}") for k in links],
        ),
    ]
    return [(label, choices) for label, choices in groups if choices]


CAUSE_MODELS: dict[str, type[Hypothesis | Driver | ChainLink]] = {
    "hypothesis": Hypothesis,
    "driver": Driver,
    "link": ChainLink,
}


class RootCauseForm(forms.Form):
    note = forms.CharField(
        label=_("Why"),
        max_length=500,
        help_text=_("A short note of why it explains the problem: kept in its history."),
    )

    def __init__(self, *args: Any, problem: Problem, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.problem = problem
        self.causes = _cause_choices(problem)
        self.fields["cause"] = _AnyCause(label=_("Root cause"), choices=self.causes)
        self.order_fields(["cause", "note"])

    @property
    def has_causes(self) -> bool:
        """Whether the priority has anything to link: hypotheses, drivers or chain links."""
        return bool(self.causes)

    def clean_cause(self) -> Hypothesis | Driver | ChainLink:
        kind, _sep, pk = str(self.cleaned_data["cause"]).partition(":")
        model = CAUSE_MODELS.get(kind)
        found = model.objects.filter(pk=pk).first() if model and pk.isdigit() else None
        if found is None:
            raise forms.ValidationError(_("Choose a hypothesis, a driver or a chain link."))
        reason = refusal(self.problem, found)
        if reason:
            raise forms.ValidationError(reason)
        return found
