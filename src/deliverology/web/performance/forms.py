from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from deliverology.engine.mapping import ColumnMapping, mapping_from_json
from deliverology.web.performance.imports import file_too_large
from deliverology.web.performance.models import ImportRun, SavedMapping

FILE_NAME_CHARS = 200


class ImportForm(forms.Form):
    # Record-level files (millions of rows) are loaded from the command line, not uploaded.
    kind = forms.ChoiceField(
        label=_("What the file holds"),
        choices=[c for c in ImportRun.Kind.choices if c[0] != ImportRun.Kind.RECORDS],
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV, Excel (.xlsx) or Parquet, long or wide; or a DHIS2 data value set (JSON or CSV)."
        ),
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
        help_text=_(
            "Every key, with examples for real files, is in the documentation: "
            "docs/loading-data.md (Loading your own data)."
        ),
    )
    save_as = forms.CharField(
        label=_("Save this mapping as"),
        max_length=100,
        required=False,
        help_text=_("Give it a name to choose it again next time."),
    )

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        name = upload.name or ""
        if len(name) > FILE_NAME_CHARS:
            raise forms.ValidationError(
                _("The file's name is %(n)s characters long; rename it to at most %(most)s.")
                % {"n": f"{len(name):,}", "most": FILE_NAME_CHARS}
            )
        too_large = file_too_large(upload.size or 0)
        if too_large:
            raise forms.ValidationError(too_large)
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") != ImportRun.Kind.OBSERVATIONS:
            return data
        if data.get("saved_mapping"):
            data["mapping"] = ColumnMapping.from_dict(data["saved_mapping"].mapping)
        elif data.get("mapping_json"):
            data["mapping"] = self._mapping_from_json(data["mapping_json"])
            self._check_name(data.get("save_as", ""))
        else:
            raise forms.ValidationError(_("Choose a saved mapping or write one out."))
        return data

    def _check_name(self, name: str) -> None:
        if name and SavedMapping.objects.filter(name=name).exists():
            raise forms.ValidationError(
                {"save_as": _("A mapping called “%(name)s” exists already.") % {"name": name}}
            )

    def save_mapping(self) -> SavedMapping | None:
        """Keep the written-out mapping under the name given, if one was."""
        data = self.cleaned_data
        if not data.get("save_as") or not data.get("mapping_json"):
            return None
        return SavedMapping.objects.create(
            name=data["save_as"], kind=data["kind"], mapping=data["mapping"].to_dict()
        )

    def _mapping_from_json(self, text: str) -> ColumnMapping:
        try:
            return mapping_from_json(text)
        except (ValueError, TypeError, KeyError) as error:
            raise forms.ValidationError({"mapping_json": str(error)}) from error
