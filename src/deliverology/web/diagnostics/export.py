"""The diagnostic as an Excel workbook: one sheet per section, plain values (no formulas;
text people typed is written as text, see web/workbooks.py).

Written in openpyxl's write-only mode: a state with tens of thousands of schools gives sheets
of over a hundred thousand rows, which the normal mode holds in memory cell by cell.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet as Worksheet

from deliverology.configuration import load_method_config
from deliverology.core.config import FigureSource
from deliverology.web.diagnostics.diagnosis import Diagnostic, Spread
from deliverology.web.workbooks import append_row, new_workbook

Cell = str | float | int | None


def diagnostic_workbook(found: Diagnostic) -> Workbook:
    book = new_workbook(write_only=True)
    _summary(book.create_sheet(_("Summary")), found)
    _history(book.create_sheet(_("History")), found)
    for title, spread in ((_("Peers"), found.peers), (_("Local units"), found.inside)):
        _spread(book.create_sheet(title), spread)
    _improvers(book.create_sheet(_("Fastest improvers")), found)
    _comparators(book.create_sheet(_("Comparators")), found)
    _equity(book.create_sheet(_("Equity")), found)
    _gap(book.create_sheet(_("Where is the gap")), found)
    _hypotheses(book.create_sheet(_("Hypotheses")), found)
    return book


def workbook_bytes(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _table(sheet: Worksheet, header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> None:
    sheet.freeze_panes = "A2"
    append_row(sheet, [_bold(sheet, title) for title in header])
    for row in rows:
        append_row(sheet, list(row))


def _bold(sheet: Worksheet, text: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=text)
    cell.font = Font(bold=True)
    return cell


def _summary(sheet: Worksheet, found: Diagnostic) -> None:
    scope, summary = found.scope, found.history.summary
    latest = found.history.latest
    rows: list[tuple[str, Cell]] = [
        (_("Priority"), scope.priority.title),
        (_("Metric"), scope.metric.name),
        (_("Local unit"), scope.unit.name),
        (_("Students"), scope.subgroup.name),
        (_("Latest period"), latest[0].label if latest else None),
        (_("Latest value"), latest[1] if latest else None),
        (_("Latest value is"), _source_label(found, latest[0].label) if latest else None),
        (_("Periods back (k)"), scope.periods_back),
        (_("Average change per period"), summary.average_change if summary else None),
        (_("Compound rate per period"), summary.compound_rate if summary else None),
        (_("Best run from"), summary.best_run.first_period.label if summary else None),
        (_("Best run to"), summary.best_run.last_period.label if summary else None),
        (_("Best run change per period"), summary.best_run.change_per_period if summary else None),
    ]
    _table(sheet, [_("Item"), _("Value")], rows)


def _source_label(found: Diagnostic, period: str) -> str | None:
    """Which figure the value is, with a roll-up's coverage, as on the page."""
    figure = found.own.get(period)
    source = None if figure is None else figure.source
    if figure is None or source is None:
        return None
    config = load_method_config().coverage
    label = config.figure_labels[source]
    coverage = figure.coverage
    if source is FigureSource.REPORTED or coverage is None:
        return label
    parts = [
        _("%(reporting)s of %(expected)s %(units)s")
        % {
            "reporting": coverage.reporting,
            "expected": coverage.expected,
            "units": config.plural(figure.children_type),
        }
    ]
    if coverage.share is not None:
        share = f"{100 * coverage.share:,.0f}"
        parts.append(_("%(share)s%% of %(noun)s") % {"share": share, "noun": config.size_noun})
    if coverage.suppressed:
        parts.append(_("%(count)s suppressed") % {"count": coverage.suppressed})
    if coverage.uncounted:
        parts.append(_("%(count)s reported without counts") % {"count": coverage.uncounted})
    return f"{label}: {', '.join(parts)}"


def _history(sheet: Worksheet, found: Diagnostic) -> None:
    _table(sheet, [_("Period"), _("Value")], [(p.label, v) for p, v in found.history.points])


def _spread(sheet: Worksheet, spread: Spread | None) -> None:
    header = [
        _("Local unit"),
        _("Code"),
        _("Period"),
        _("Value"),
        _("Percentile"),
        _("Gap to top quartile"),
        _("Gap to top decile"),
        _("Figure"),
    ]
    partial = load_method_config().coverage.figure_labels[FigureSource.PARTIAL]
    rows = (
        [
            (
                s.unit.name,
                s.unit.code,
                spread.period.label,
                s.value,
                s.percentile,
                s.gap_to_top_quartile,
                s.gap_to_top_decile,
                partial if s.partial else "",
            )
            for s in spread.standings
        ]
        if spread
        else []
    )
    _table(sheet, header, rows)
    if spread:
        append_row(sheet, [])
        append_row(sheet, [_("Top quartile"), spread.distribution.top_quartile])
        append_row(sheet, [_("Top decile"), spread.distribution.top_decile])


def _improvers(sheet: Worksheet, found: Diagnostic) -> None:
    header = [
        _("Compared"),
        _("Local unit"),
        _("From"),
        _("To"),
        _("Start"),
        _("End"),
        _("Improvement"),
    ]
    rows = [
        (
            label,
            i.key.name,
            spread.start_period.label,
            spread.period.label,
            i.start,
            i.end,
            i.improvement,
        )
        for label, spread in ((_("Peers"), found.peers), (_("Local units"), found.inside))
        if spread
        for i in spread.improvers
    ]
    _table(sheet, header, rows)


def _comparators(sheet: Worksheet, found: Diagnostic) -> None:
    header = [_("Comparator"), _("Kind"), _("Period"), _("Value"), _("Source")]
    rows = [
        (line.name, line.kind, period.label, value, ", ".join(line.sources))
        for line in found.comparators
        for period, value in line.points
    ]
    _table(sheet, header, rows)


def _equity(sheet: Worksheet, found: Diagnostic) -> None:
    header = [_("Students"), _("Period"), _("Gap to all students")]
    rows = (
        [
            (subgroup.name, period.label, gap)
            for subgroup, found_gap in found.equity.gaps
            for period, gap in found_gap.gaps
        ]
        if found.equity
        else []
    )
    _table(sheet, header, rows)


def _gap(sheet: Worksheet, found: Diagnostic) -> None:
    gap = found.gap
    header = [_("Local unit"), _("Students"), _("People needed")]
    if gap is None:
        _table(sheet, header, [])
        return
    by_unit = [
        (unit.name, found.scope.subgroup.name, people)
        for unit, people in gap.by_unit.people_needed.items()
    ]
    by_segment = [
        (unit.name, subgroup.name, people)
        for (unit, subgroup), people in gap.by_segment.people_needed.items()
    ]
    _table(sheet, header, [*by_unit, *by_segment])
    append_row(sheet, [])
    append_row(sheet, [_("Target"), gap.goal.value, gap.goal.period])
    append_row(sheet, [_("Total people needed"), gap.by_unit.total])


def _hypotheses(sheet: Worksheet, found: Diagnostic) -> None:
    header = [_("Kind"), _("Statement"), _("Evidence"), _("Status"), _("Author"), _("Recorded")]
    rows = [
        (
            h.get_kind_display(),
            h.statement,
            h.evidence,
            h.get_status_display(),
            h.author.get_username() if h.author else None,
            h.created_at.strftime("%Y-%m-%d"),
        )
        for h in found.hypotheses
    ]
    _table(sheet, header, rows)
