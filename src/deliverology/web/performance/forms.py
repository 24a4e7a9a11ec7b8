from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from deliverology.engine.mapping import ColumnMapping
from deliverology.web.performance.models import ImportRun, SavedMapping


class ImportForm(forms.Form):
    # Record-level files (millions of rows) are loaded from the command line, not uploaded.
    kind = forms.ChoiceField(
        label=_("What the file holds"),
        choices=[c for c in ImportRun.Kind.choices if c[0] != ImportRun.Kind.RECORDS],
    )
    file = forms.FileField(
        label=_("File"), help_text=_("CSV, Excel (.xlsx) or Parquet, long or wide.")
    )
    saved_mapping = forms.ModelChoiceField(
        label=_("Saved column mapping"),
        queryset=SavedMapping.objects.all(),
        required=False,
        help_text=_("How the file's columns map to local units, periods, metrics and figures."),
    )
    mapping_json = forms.CharField(
        label=_("Or a mapping written out (JSON)"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") != ImportRun.Kind.OBSERVATIONS:
            return data
        if data.get("saved_mapping"):
            data["mapping"] = ColumnMapping.from_dict(data["saved_mapping"].mapping)
        elif data.get("mapping_json"):
            data["mapping"] = self._mapping_from_json(data["mapping_json"])
        else:
            raise forms.ValidationError(_("Choose a saved mapping or write one out."))
        return data

    def _mapping_from_json(self, text: str) -> ColumnMapping:
        try:
            return ColumnMapping.from_dict(json.loads(text))
        except (ValueError, TypeError, KeyError) as error:
            raise forms.ValidationError({"mapping_json": str(error)}) from error
