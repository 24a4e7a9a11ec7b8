"""Every spreadsheet the app writes goes through here, so that text people typed stays text.

A cell of text starting with "=", "+", "-", "@", a tab or a carriage return would be taken by a
spreadsheet program as a formula (formula injection: ``=HYPERLINK(...)`` in a hypothesis, a unit
named ``=cmd|...``). In a workbook such text is written as a string cell with Excel's "quote
prefix" (what typing a leading apostrophe does): the value is unchanged, so reading the
workbook back gives exactly what was written, and editing the cell in Excel keeps it text. In a
CSV, which has no cell types, such text gets a leading apostrophe. Numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from openpyxl import Workbook  # type: ignore[import-untyped,unused-ignore]
from openpyxl.cell import Cell, WriteOnlyCell  # type: ignore[import-untyped,unused-ignore]

# What a spreadsheet program reads as the start of a formula (OWASP's "CSV injection" list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def new_workbook(*, write_only: bool = False) -> Any:
    """An empty workbook; fill its sheets with `append_row` only."""
    return Workbook(write_only=write_only)


def append_row(sheet: Any, values: Iterable[Any]) -> None:
    """Append one row to a sheet (normal or write-only), every text cell written as text."""
    sheet.append([sheet_cell(sheet, value) for value in values])


def sheet_cell(sheet: Any, value: Any) -> Any:
    """The value to append: itself, or a text cell when it would otherwise be a formula."""
    if isinstance(value, Cell) or not is_formula_like(value):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"  # openpyxl takes a leading "=" for a formula: force a string
    cell.quotePrefix = True
    return cell


def csv_row(values: Iterable[Any]) -> list[Any]:
    """A row for `csv.writer`: text that would be a formula gets a leading apostrophe."""
    return [f"'{value}" if is_formula_like(value) else value for value in values]


def csv_text(rows: Iterable[Iterable[Any]]) -> str:
    """Rows written out as CSV text, each through `csv_row`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(csv_row(row))
    return buffer.getvalue()


def is_formula_like(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)
