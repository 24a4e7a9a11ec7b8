"""Forms for scheduling stocktakes, writing follow-up notes, updating actions and the rubric."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from deliverology.configuration import load_method_config
from deliverology.web.performance.models import LocalUnit
from deliverology.web.priorities.models import Priority
from deliverology.web.routines.actions import ActionDraft
from deliverology.web.routines.models import Stocktake


class DateInput(forms.DateInput):
    input_type = "date"


class PersonChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.get_full_name() or obj.get_username())


class PeopleChoice(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.get_full_name() or obj.get_username())


def people() -> Any:
    return User.objects.filter(is_active=True).order_by("last_name", "first_name", "username")


class StocktakeForm(forms.ModelForm):  # type: ignore[type-arg]
    priorities = forms.ModelMultipleChoiceField(
        label=_("Priorities"),
        queryset=Priority.objects.filter(status=Priority.Status.ACTIVE),
        widget=forms.CheckboxSelectMultiple,
    )
    chair = PersonChoice(label=_("Chair"), queryset=people())
    attendees = PeopleChoice(
        label=_("Attendees"), queryset=people(), required=False, widget=forms.SelectMultiple
    )

    class Meta:
        model = Stocktake
        fields = ["priorities", "held_on", "chair", "attendees", "agenda", "issues_for_decision"]
        widgets = {"held_on": DateInput()}


class CancelStocktakeForm(forms.Form):
    """Cancelling a stocktake asks for a new date; dropping it outright needs a reason."""

    new_date = forms.DateField(
        label=_("New date"),
        required=False,
        widget=DateInput(),
        help_text=_("The stocktake moves there, with its pack and its carried actions."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed when there is no new date: the stocktake is dropped, a lapse."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_date") is None and not data.get("reason", "").strip():
            if "new_date" not in self.errors:
                raise forms.ValidationError(
                    _("Give the new date the stocktake moves to, or the reason it is dropped.")
                )
        return data


class ActionUpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=())
    evidence = forms.CharField(
        label=_("Evidence"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What shows it is done, or how far it has got."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        statuses = load_method_config().routines.action_statuses
        self.fields["status"].choices = list(statuses.items())  # type: ignore[attr-defined]


class FollowUpForm(forms.Form):
    summary = forms.CharField(
        label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    decisions = forms.CharField(
        label=_("Decisions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One decision a line."),
    )

    def decision_lines(self) -> list[str]:
        text: str = self.cleaned_data["decisions"]
        return [line.strip() for line in text.splitlines() if line.strip()]


class FollowUpActionForm(forms.Form):
    description = forms.CharField(label=_("Action"), required=False, max_length=500)
    owner = PersonChoice(label=_("Owner"), queryset=people(), required=False)
    due = forms.DateField(label=_("Due"), required=False, widget=DateInput())
    local_unit = forms.ModelChoiceField(
        label=_("Local unit (if any)"),
        queryset=LocalUnit.objects.filter(depth__lte=2).order_by("path"),
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        written = data.get("description", "").strip()
        if written and data.get("owner") is None:
            self.add_error("owner", _("Every action needs an owner."))
        if written and data.get("due") is None:
            self.add_error("due", _("Every action needs a due date."))
        if not written and (data.get("owner") or data.get("due")):
            self.add_error("description", _("Say what the action is."))
        return data

    def draft(self) -> ActionDraft | None:
        data = self.cleaned_data
        if not data.get("description", "").strip():
            return None
        return ActionDraft(data["description"], data["owner"], data["due"], data["local_unit"])


FollowUpActions = forms.formset_factory(FollowUpActionForm, extra=4)


class RubricForm(forms.Form):
    """One RAG4 rating and a note per category of the routines rubric."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        config = load_method_config()
        ratings = list(config.rag4_labels.items())
        for category, label in config.routines.rubric_labels.items():
            self.fields[category] = forms.ChoiceField(label=label, choices=ratings)
            self.fields[f"{category}_note"] = forms.CharField(
                label=_("Why"), required=False, max_length=500
            )

    def ratings(self) -> dict[str, tuple[str, str]]:
        categories = load_method_config().routines.rubric_labels
        return {c: (self.cleaned_data[c], self.cleaned_data[f"{c}_note"]) for c in categories}
