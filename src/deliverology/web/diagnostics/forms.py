from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.utils.translation import gettext_lazy as _

from deliverology.web.diagnostics.models import Comparator, Hypothesis
from deliverology.web.performance.models import Subgroup

MAX_PERIODS_BACK = 20


class DiagnosticOptions(forms.Form):
    """What the diagnostic shows: the subgroup, the local units compared and k."""

    subgroup = forms.ChoiceField(label=_("Students"), required=False)
    level = forms.ChoiceField(label=_("Compare"), required=False)
    k = forms.IntegerField(
        label=_("Periods back (k)"),
        min_value=1,
        max_value=MAX_PERIODS_BACK,
        required=False,
        help_text=_("The rate of improvement is measured over the last k periods."),
    )

    def __init__(
        self,
        data: object,
        *,
        subgroups: Sequence[Subgroup],
        levels: Sequence[tuple[str, str]],
    ) -> None:
        super().__init__(data)  # type: ignore[arg-type]
        self.fields["subgroup"].choices = [(s.code, s.name) for s in subgroups]  # type: ignore[attr-defined]
        self.fields["level"].choices = list(levels)  # type: ignore[attr-defined]


class HypothesisForm(forms.ModelForm[Hypothesis]):
    class Meta:
        model = Hypothesis
        fields = ("kind", "statement", "evidence", "status")
        widgets = {
            "statement": forms.Textarea(attrs={"rows": 3}),
            "evidence": forms.Textarea(attrs={"rows": 3}),
        }


class ComparatorForm(forms.ModelForm[Comparator]):
    class Meta:
        model = Comparator
        fields = (
            "name",
            "kind",
            "metric",
            "subgroup",
            "period",
            "value",
            "numerator",
            "denominator",
            "source",
        )


class ComparatorUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Columns: name, metric, period, value; optional: subgroup (default all), kind "
            "(external or international), numerator, denominator, source."
        ),
    )
