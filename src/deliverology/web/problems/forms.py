from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from deliverology.configuration import load_method_config
from deliverology.core.problems import Severity
from deliverology.web.priorities.models import Priority
from deliverology.web.problems.models import Problem


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
