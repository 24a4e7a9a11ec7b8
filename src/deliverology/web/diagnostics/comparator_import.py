"""Reading comparator figures from a CSV file: every row is checked before any is saved."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from deliverology.web.diagnostics.models import Comparator
from deliverology.web.performance.models import Metric, Subgroup

REQUIRED_COLUMNS = ("name", "metric", "period", "value")
OPTIONAL_COLUMNS = ("subgroup", "kind", "numerator", "denominator", "source")
MAX_BYTES = 5_000_000


class ComparatorFileError(ValueError):
    """A comparator file that cannot be loaded; `problems` lists each one with its line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


def read_comparators(content: bytes) -> list[Comparator]:
    """Checked, unsaved comparator figures; ComparatorFileError lists every problem found."""
    rows = _rows(content)
    metrics = {m.code: m for m in Metric.objects.all()}
    subgroups = {s.code: s for s in Subgroup.objects.all()}
    figures: list[Comparator] = []
    problems: list[str] = []
    seen: dict[tuple[str, str, str, str], int] = {}
    for line, row in rows:
        try:
            figure = _figure(row, metrics, subgroups)
            key = (figure.name, row["metric"], figure.subgroup.code, figure.period)
            if key in seen:
                raise ValidationError(_("the same figure as line %(line)d") % {"line": seen[key]})
            seen[key] = line
            figures.append(figure)
        except ValidationError as error:
            problems.extend(
                _("line %(line)d: %(problem)s") % {"line": line, "problem": p}
                for p in _messages(error)
            )
    if problems:
        raise ComparatorFileError(problems)
    return figures


@transaction.atomic
def save_comparators(figures: Iterable[Comparator]) -> tuple[int, int]:
    """Add new figures and replace those with the same name, metric, subgroup and period."""
    added = replaced = 0
    for figure in figures:
        existing = Comparator.objects.filter(
            name=figure.name, metric=figure.metric, subgroup=figure.subgroup, period=figure.period
        ).first()
        if existing is not None:
            figure.pk = existing.pk
            replaced += 1
        else:
            added += 1
        figure.save()
    return added, replaced


def _rows(content: bytes) -> list[tuple[int, dict[str, str]]]:
    if len(content) > MAX_BYTES:
        raise ComparatorFileError([_("The file is larger than 5 MB.")])
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ComparatorFileError(
            [_("The file is not UTF-8 text: save it as CSV UTF-8.")]
        ) from None
    reader = csv.DictReader(io.StringIO(text))
    columns = [c.strip().lower() for c in reader.fieldnames or []]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise ComparatorFileError(
            [_("The file has no column %(columns)s.") % {"columns": ", ".join(missing)}]
        )
    rows = [
        (number, {k.strip().lower(): (v or "").strip() for k, v in row.items() if k})
        for number, row in enumerate(reader, start=2)
    ]
    if not rows:
        raise ComparatorFileError([_("The file has no rows of figures.")])
    return rows


def _figure(
    row: Mapping[str, str], metrics: Mapping[str, Metric], subgroups: Mapping[str, Subgroup]
) -> Comparator:
    metric = metrics.get(row["metric"])
    if metric is None:
        raise ValidationError(_("unknown metric “%(code)s”") % {"code": row["metric"]})
    subgroup_code = row.get("subgroup") or Subgroup.ALL
    subgroup = subgroups.get(subgroup_code)
    if subgroup is None:
        raise ValidationError(_("unknown subgroup “%(code)s”") % {"code": subgroup_code})
    figure = Comparator(
        name=row["name"],
        kind=row.get("kind") or Comparator.Kind.EXTERNAL,
        metric=metric,
        subgroup=subgroup,
        period=row["period"],
        value=_required_number(row, "value"),
        numerator=_number(row, "numerator"),
        denominator=_number(row, "denominator"),
        source=row.get("source", ""),
    )
    figure.full_clean(validate_unique=False, validate_constraints=False)  # replaced, not refused
    return figure


def _required_number(row: Mapping[str, str], column: str) -> float:
    number = _number(row, column)
    if number is None:
        raise ValidationError(_("%(column)s is empty") % {"column": column})
    return number


def _number(row: Mapping[str, str], column: str) -> float | None:
    text = row.get(column, "")
    if not text:
        return None
    try:
        number = float(text.replace(",", ""))
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise ValidationError(
            _("%(column)s “%(text)s” is not a number") % {"column": column, "text": text}
        )
    return number


def _messages(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [
            message if field == NON_FIELD_ERRORS else f"{field}: {message}"
            for field, messages in error.message_dict.items()
            for message in messages
        ]
    return list(error.messages)
