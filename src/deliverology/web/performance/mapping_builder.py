"""Building a column mapping by picking columns from a file's header, instead of writing JSON.

The file is uploaded once and kept in the upload folder under a random name (its token); the
page then offers the file's columns in select lists and turns the choices into the same JSON
mapping a user could write, shown to be edited and saved.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.text import get_valid_filename
from django.utils.translation import gettext_lazy as _

from deliverology.core.periods import PeriodKind
from deliverology.engine.mapping import ColumnMapping, Layout, MappingError
from deliverology.engine.reading import FileProblem, read_table
from deliverology.web.performance.models import Metric, SavedMapping

_TOKEN = re.compile(r"^[0-9a-f]{32}-[A-Za-z0-9_.\-]{1,200}$")
SAMPLE_ROWS = 3
MAX_FOOTER_ROWS = 3  # trailer rows looked for at the end of a file that does not fit its header


def store_upload(upload: UploadedFile) -> Path:
    """Keep an uploaded file in the upload folder under a name no one can guess."""
    folder = Path(settings.UPLOAD_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}-{get_valid_filename(upload.name or 'upload')}"
    with path.open("wb") as stream:
        for chunk in upload.chunks():
            stream.write(chunk)
    return path


def stored_file(token: str) -> Path | None:
    """The uploaded file a token names, or None (a token is never a path)."""
    if not _TOKEN.match(token):
        return None
    path = Path(settings.UPLOAD_DIR) / token
    return path if path.is_file() else None


def original_name(token: str) -> str:
    return token.split("-", 1)[1]


@dataclass(frozen=True)
class Preview:
    """A file's columns, its first rows, and the rows at its end that are not data."""

    columns: tuple[str, ...]
    sample: list[tuple[Any, ...]]
    footer_rows: int


def file_preview(path: Path, name: str) -> Preview:
    """The file's columns and first rows. A file whose last rows do not fit its header (a
    source line, footnotes) is read again without them, and says how many there were;
    FileProblem when it still cannot be read."""
    for footer_rows in range(MAX_FOOTER_ROWS + 1):
        try:
            table = read_table(path, file_name=name, footer_rows=footer_rows)
        except FileProblem:
            if footer_rows == MAX_FOOTER_ROWS:
                raise
            continue
        sample = [row.cells for row in table.rows[:SAMPLE_ROWS]]
        return Preview(table.columns, sample, footer_rows)
    raise AssertionError("the last attempt raises or returns")


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV, Excel (.xlsx) or Parquet, one row per figure."),
    )


_NONE: list[tuple[str, str]] = [("", "—")]
_PERIOD_KINDS = [("", _("as each metric is reported"))] + [
    (str(kind), str(kind).replace("_", " ")) for kind in PeriodKind
]
_VALUE_SCALES = [
    ("", _("on the metric's own scale")),
    ("1", _("as fractions, 0 to 1")),
    ("100", _("as percentages, 0 to 100")),
]


class MappingBuilderForm(forms.Form):
    """One select list per part of an observation, listing the file's columns."""

    token = forms.CharField(widget=forms.HiddenInput)
    footer_rows = forms.IntegerField(widget=forms.HiddenInput, min_value=0, required=False)
    local_unit = forms.ChoiceField(label=_("Local unit code"))
    period = forms.ChoiceField(label=_("Period"))
    period_kind = forms.ChoiceField(
        label=_("Kind of period"), choices=_PERIOD_KINDS, required=False
    )
    subgroup = forms.ChoiceField(label=_("Subgroup"), required=False)
    metric = forms.ChoiceField(label=_("Metric code column"), required=False)
    metric_code = forms.ModelChoiceField(
        label=_("Or one metric for the whole file"),
        queryset=Metric.objects.all(),
        to_field_name="code",
        required=False,
    )
    numerator = forms.ChoiceField(label=_("Numerator"), required=False)
    denominator = forms.ChoiceField(label=_("Denominator"), required=False)
    value = forms.ChoiceField(label=_("Value"), required=False)
    value_scale = forms.ChoiceField(
        label=_("Values are written"), choices=_VALUE_SCALES, required=False
    )

    COLUMN_FIELDS = ("local_unit", "period", "subgroup", "metric", "numerator", "denominator")

    def __init__(self, *args: Any, columns: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(column, column) for column in columns if column]
        for name in (*self.COLUMN_FIELDS, "value"):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)  # noqa: S101  (declared above)
            field.choices = choices if field.required else _NONE + choices

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            data["mapping"] = ColumnMapping.from_dict(self.mapping_data(data))
        except MappingError as error:
            raise forms.ValidationError(str(error)) from None
        return data

    @staticmethod
    def mapping_data(data: dict[str, Any]) -> dict[str, Any]:
        """The JSON mapping the choices make: only the keys chosen."""
        mapping: dict[str, Any] = {"layout": str(Layout.LONG)}
        for name in ("local_unit", "period", "period_kind", "subgroup", "metric"):
            if data.get(name):
                mapping[name] = data[name]
        if data.get("metric_code"):
            mapping["metric_code"] = data["metric_code"].code
        for name in ("numerator", "denominator", "value"):
            if data.get(name):
                mapping[name] = data[name]
        if data.get("value_scale"):
            mapping["value_scale"] = int(data["value_scale"])
        if data.get("footer_rows"):
            mapping["footer_rows"] = data["footer_rows"]
        return mapping


class MappingCheckForm(forms.Form):
    """The mapping as JSON (built, then perhaps edited), a name to save it under, and the file."""

    token = forms.CharField(widget=forms.HiddenInput)
    mapping_json = forms.CharField(
        label=_("The mapping (JSON): edit it if you need keys the lists do not offer"),
        widget=forms.Textarea(attrs={"rows": 14}),
    )
    save_as = forms.CharField(
        label=_("Save this mapping as"),
        max_length=100,
        required=False,
        help_text=_("Give it a name to choose it again next time."),
    )

    def clean_mapping_json(self) -> ColumnMapping:
        try:
            return ColumnMapping.from_dict(json.loads(self.cleaned_data["mapping_json"]))
        except (ValueError, TypeError) as error:
            raise forms.ValidationError(str(error)) from None

    def clean_save_as(self) -> str:
        name: str = self.cleaned_data["save_as"]
        if name and SavedMapping.objects.filter(name=name).exists():
            raise forms.ValidationError(
                _("A mapping called “%(name)s” exists already.") % {"name": name}
            )
        return name


def pretty(mapping: dict[str, Any]) -> str:
    return json.dumps(mapping, indent=2, ensure_ascii=False)
