"""Forms for assessments, monthly notes and league tables; labels from configuration."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from deliverology.web.assessments.models import (
    Assessment,
    AssessmentComment,
    LeagueSnapshot,
    MonthlyNote,
    NoteEntry,
    ReportingRound,
    rag4_choices,
)
from deliverology.web.performance.models import Metric

SUB_CRITERIA_FIELDS = [
    "understanding_the_challenge",
    "governance",
    "managing_performance",
    "structuring_the_chain",
    "engaging_the_chain",
    "leadership_and_culture",
]


class RoundForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = ReportingRound
        fields = ["name", "as_of"]
        widgets = {"as_of": forms.DateInput(attrs={"type": "date"})}


class AssessmentForm(forms.ModelForm):  # type: ignore[type-arg]
    finalise = forms.BooleanField(
        label=_("Make it final (after the owner has seen it)"), required=False
    )

    class Meta:
        model = Assessment
        fields = [
            "challenge",
            *SUB_CRITERIA_FIELDS,
            "stage",
            "likelihood",
            "rationale",
            "to_move_up",
            "narrative",
            "key_actions",
        ]
        widgets = {
            name: forms.Textarea(attrs={"rows": 3})
            for name in ("rationale", "to_move_up", "narrative", "key_actions")
        }

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        if cleaned.get("likelihood"):
            if not (cleaned.get("rationale") or "").strip():
                self.add_error("rationale", _("A likelihood of delivery needs a rationale."))
            if not (cleaned.get("to_move_up") or "").strip():
                self.add_error("to_move_up", _("Say what it would take to move the rating up."))
        if cleaned.get("finalise") and not cleaned.get("likelihood"):
            self.add_error("likelihood", _("Enter the likelihood before making it final."))
        return cleaned


class CommentForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = AssessmentComment
        fields = ["kind", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}


class ModerationForm(forms.Form):
    to = forms.ChoiceField(label=_("Moderated likelihood"), choices=rag4_choices)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class NoteForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = MonthlyNote
        fields = ["cross_cutting", "upcoming"]
        widgets = {name: forms.Textarea(attrs={"rows": 3}) for name in fields}


class EntryForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = NoteEntry
        fields = ["headline", "judgement", "direction", "judgement_text", "asks"]
        widgets = {
            "headline": forms.Textarea(attrs={"rows": 2}),
            "judgement_text": forms.Textarea(attrs={"rows": 3}),
            "asks": forms.Textarea(attrs={"rows": 2}),
        }


EntryFormSet = forms.modelformset_factory(NoteEntry, form=EntryForm, extra=0)


class LeagueForm(forms.Form):
    metric = forms.ModelChoiceField(
        label=_("Metric"), queryset=Metric.objects.all(), to_field_name="code"
    )
    level = forms.ChoiceField(label=_("Level"))
    view = forms.ChoiceField(label=_("Rank by"), choices=LeagueSnapshot.View.choices)

    def __init__(self, *args: Any, levels: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        level = self.fields["level"]
        if isinstance(level, forms.ChoiceField):
            level.choices = [(each, each) for each in levels]
