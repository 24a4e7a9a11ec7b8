from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from deliverology.configuration import load_method_config
from deliverology.core.allocation import AllocationMethod
from deliverology.web.performance.models import Subgroup
from deliverology.web.subtargets.actions import PARAMETERS
from deliverology.web.subtargets.models import SubTargetSet


class BuildForm(forms.Form):
    """How to share a target out: the level of local unit, the method and its parameters."""

    level = forms.ChoiceField(label=_("Local units that get sub-targets"), required=False)
    subgroups = forms.ModelMultipleChoiceField(
        label=_("Or subgroups that get sub-targets"),
        queryset=Subgroup.objects.all(),
        required=False,
        help_text=_("Subgroups that together make up everyone, for example female and male."),
    )
    method = forms.ChoiceField(label=_("Method"), choices=SubTargetSet.Method.choices)
    uplift = forms.FloatField(
        label=_("Uplift"),
        required=False,
        min_value=0,
        help_text=_("In the metric's own unit; for a lower-is-better metric, the reduction."),
    )
    benchmark = forms.FloatField(
        label=_("Benchmark"), required=False, help_text=_("For example the top quartile.")
    )
    share = forms.FloatField(
        label=_("Share of each gap to close"),
        required=False,
        min_value=0,
        max_value=1,
        help_text=_("From 0 to 1: 0.5 closes half of each local unit's gap to the benchmark."),
    )
    floor = forms.FloatField(
        label=_("Floor"), required=False, help_text=_("No local unit worse than this.")
    )

    def __init__(self, *args: Any, levels: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = load_method_config().local_unit_type_labels
        choices = [(level, labels.get(level, level)) for level in levels]
        self.fields["level"].choices = [("", "—"), *choices]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("level")) == bool(data.get("subgroups")):
            self.add_error(
                "level", _("Choose a level of local unit, or subgroups: one of the two.")
            )
        method = data.get("method")
        if method:
            for name in PARAMETERS[AllocationMethod(method)]:
                if data.get(name) is None:
                    self.add_error(name, _("This method needs it."))
        return data

    def parameters(self) -> dict[str, Any]:
        method = AllocationMethod(self.cleaned_data["method"])
        return {name: self.cleaned_data[name] for name in PARAMETERS[method]}


class ValueForm(forms.Form):
    """A proposed or adjusted sub-target, with a note saying why."""

    value = forms.FloatField(label=_("Sub-target"))
    note = forms.CharField(label=_("Note"), required=False, max_length=500)


class SpreadsheetForm(forms.Form):
    file = forms.FileField(
        label=_("Edited spreadsheet (.xlsx)"),
        help_text=_(
            "The workbook exported from this page, with its trajectory or sub-targets edited."
        ),
    )


class TableForm(forms.Form):
    """How to show a long table of sub-targets: filter by name and area, sort, group by area.

    Read from the page's query string, so every view of the table is a link to share."""

    SORTS = (
        ("name", _("Name")),
        ("baseline", _("Baseline")),
        ("denominator", _("Denominator")),
        ("value", _("Sub-target")),
        ("improvement", _("Improvement asked")),
        ("status", _("Status")),
    )

    q = forms.CharField(label=_("Name or code contains"), required=False, max_length=100)
    area = forms.ChoiceField(label=_("Area"), required=False)
    sort = forms.ChoiceField(label=_("Sort by"), choices=SORTS, required=False)
    descending = forms.BooleanField(label=_("Largest first"), required=False)
    group = forms.BooleanField(label=_("Group by area"), required=False)

    def __init__(self, *args: Any, areas: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", _("All areas")), *areas]  # type: ignore[attr-defined]
