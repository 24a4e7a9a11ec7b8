"""A corpus of malformed and hostile files. Each must give one clear problem that names the row,
the column, what is wrong and what was expected, and none may crash the reader."""

from __future__ import annotations

import gzip
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from deliverology.engine.mapping import ColumnMapping
from tests.engine.conftest import GOOD_ROWS, HEADER, MAPPING, csv_text, read

GOOD = csv_text(GOOD_ROWS)


@dataclass
class Files:
    tmp_path: Path

    def write(self, name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
        path = self.tmp_path / name
        data = content if isinstance(content, bytes) else content.encode(encoding)
        path.write_bytes(data)
        return path

    def rows(self, *rows: tuple[object, ...], name: str = "scores.csv") -> Path:
        """The good file with some rows replaced: rows are (index, row) pairs or extra rows."""
        return self.write(name, csv_text([*GOOD_ROWS, *rows]))

    def xlsx(self, rows: list[list[object]], name: str = "scores.xlsx") -> Path:
        path = self.tmp_path / name
        path.write_bytes(xlsx_bytes(rows))
        return path


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def parquet_bytes(columns: dict[str, list[object]]) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(pa.table(columns), buffer)
    return buffer.getvalue()


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("scores.csv", GOOD)
    return buffer.getvalue()


GOOD_SHEET: list[list[object]] = [list(HEADER), *[list(row) for row in GOOD_ROWS]]


@dataclass
class Case:
    make: Callable[[Files], Path]
    line: int | None
    column: str | None
    says: str
    expects: str | None = None
    mapping: ColumnMapping = MAPPING
    checked: bool = True


CASES = {
    # ------------------------------------------------------------ not what the name says
    "empty file": Case(
        lambda f: f.write("scores.csv", b""),
        None,
        None,
        "the file is empty",
        "a header row and at least one row of data",
    ),
    "only blank lines": Case(
        lambda f: f.write("scores.csv", "\n \n\r\n"), None, None, "the file is empty"
    ),
    "header only": Case(
        lambda f: f.write("scores.csv", ",".join(HEADER) + "\n"),
        None,
        None,
        "a header row (row 1) but no rows of data",
        "at least one row of data",
    ),
    "header then blank lines": Case(
        lambda f: f.write("scores.csv", ",".join(HEADER) + "\n,,,,,,\n\n"),
        None,
        None,
        "no rows of data",
    ),
    "a workbook named .csv": Case(
        lambda f: f.write("scores.csv", xlsx_bytes(GOOD_SHEET)),
        None,
        None,
        "named as a CSV file but holds an Excel workbook or another zip archive",
        "a CSV file",
    ),
    "binary junk named .csv": Case(
        lambda f: f.write("scores.csv", bytes(range(256)) * 40),
        None,
        None,
        "holds binary data, not text",
    ),
    "control characters named .csv": Case(
        lambda f: f.write("scores.csv", "district\x01\x02\x03\x04,\x05\x06\x07\x08\n" * 30),
        None,
        None,
        "holds binary data",
    ),
    "a CSV named .xlsx": Case(
        lambda f: f.write("scores.xlsx", GOOD),
        None,
        None,
        "named as an Excel workbook but holds text (a CSV file?)",
        "an Excel .xlsx workbook",
    ),
    "a PDF named .csv": Case(
        lambda f: f.write("scores.csv", b"%PDF-1.7\n..."), None, None, "holds a PDF document"
    ),
    "an error page named .csv": Case(
        lambda f: f.write("scores.csv", "<!DOCTYPE html><html><body>404</body></html>"),
        None,
        None,
        "holds a web page or XML document",
    ),
    "a gzip named .csv": Case(
        lambda f: f.write("scores.csv", gzip.compress(GOOD.encode())),
        None,
        None,
        "holds a gzip-compressed file",
    ),
    "a parquet file named .csv": Case(
        lambda f: f.write("scores.csv", parquet_bytes({"district": ["D1"]})),
        None,
        None,
        "holds a Parquet file",
    ),
    "a CSV named .parquet": Case(
        lambda f: f.write("scores.parquet", GOOD),
        None,
        None,
        "named as a Parquet file but holds text",
        "a Parquet file",
    ),
    "a truncated parquet file": Case(
        lambda f: f.write("scores.parquet", parquet_bytes({"district": ["D1"]})[:40]),
        None,
        None,
        "the Parquet file cannot be read",
    ),
    "an old .xls workbook": Case(
        lambda f: f.write("scores.xls", b"\xd0\xcf\x11\xe0"),
        None,
        None,
        "old-format Excel workbook (.xls",
        "save it as .xlsx",
    ),
    "an encrypted workbook": Case(
        lambda f: f.write("scores.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600)),
        None,
        None,
        "old-format (.xls) or password-protected Excel workbook",
    ),
    "an unknown extension": Case(
        lambda f: f.write("scores.json", "{}"),
        None,
        None,
        "files with '.json' cannot be read",
        "a .csv, .xlsx or .parquet file",
    ),
    "no extension": Case(
        lambda f: f.write("scores", GOOD), None, None, "files with no extension cannot be read"
    ),
    "a damaged workbook": Case(
        lambda f: f.write("scores.xlsx", xlsx_bytes(GOOD_SHEET)[:300]),
        None,
        None,
        "the workbook cannot be opened",
    ),
    "a plain zip named .xlsx": Case(
        lambda f: f.write("scores.xlsx", zip_bytes()), None, None, "the workbook cannot be opened"
    ),
    # ---------------------------------------------------------------------- encodings
    "a Windows file with an accented unknown unit": Case(
        lambda f: f.write(
            "scores.csv", GOOD + "Saint-Étienne,2023-24,all,reading,1,2,\n", "cp1252"
        ),
        6,
        "district",
        "unknown local unit 'Saint-Étienne'",
    ),
    "a BOM before a header missing a column": Case(
        lambda f: f.write("scores.csv", "\ufeff" + GOOD.replace("period", "periode")),
        None,
        None,
        "its columns are 'district', 'periode', 'subgroup'",
    ),
    "a UTF-16 file with a bad number": Case(
        lambda f: f.write("scores.csv", GOOD + "D3,2023-24,all,reading,one,2,\n", "utf-16"),
        6,
        "numerator",
        "'one' is not a number",
    ),
    "a Latin-1 file with undefined cp1252 bytes": Case(
        lambda f: f.write("scores.csv", GOOD.encode() + b"D\x81,2023-24,all,reading,1,2,\n"),
        6,
        "district",
        "unknown local unit 'D\x81'",
    ),
    # ------------------------------------------------------------------------- shape
    "a huge cell": Case(
        lambda f: f.rows(("D3", "2023-24", "all", "reading", "1", "2", "x" * 12_000)),
        6,
        "value",
        "a cell holds 12,000 characters, more than the 10,000",
        "is this the right file?",
    ),
    "a cell past the CSV limit": Case(
        lambda f: f.rows(("D3", "2023-24", "all", "reading", "1", "2", "x" * 200_000)),
        6,
        None,
        "longer than 131,072 characters",
    ),
    "a row with too many cells": Case(
        lambda f: f.rows(("D3", "2023-24", "all", "reading", "1,000", "2", "", "")),
        6,
        None,
        "the row has 9 cells but the header names 7 columns",
        "a cell holding the separator must be quoted",
    ),
    "a row with too few cells": Case(
        lambda f: f.rows(("D3", "2023-24", "all")),
        6,
        None,
        "the row has 3 cells but the header names 7 columns",
    ),
    "an unclosed quote": Case(
        lambda f: f.write("scores.csv", GOOD + 'D3,"2023-24,all,reading,1,2,\n'),
        6,
        None,
        "look for a stray quote mark",
    ),
    "a formula in a workbook": Case(
        lambda f: f.xlsx([*GOOD_SHEET, ["D3", "2023-24", "all", "reading", 10, 20, "=E6/F6*100"]]),
        6,
        None,
        "cell G6 holds a formula (=E6/F6*100), whose value cannot be read",
        "paste it as values only",
    ),
    "a missing sheet": Case(
        lambda f: f.xlsx(GOOD_SHEET),
        None,
        None,
        "the workbook has no sheet named 'Data'",
        "one of 'Sheet'",
        mapping=ColumnMapping.from_dict({**MAPPING.to_dict(), "sheet": "Data"}),
    ),
    "an empty worksheet": Case(lambda f: f.xlsx([]), None, None, "the file holds no rows"),
    "a worksheet with a header only": Case(
        lambda f: f.xlsx([list(HEADER)]), None, None, "no rows of data"
    ),
    "a huge cell in a workbook": Case(
        lambda f: f.xlsx([*GOOD_SHEET, ["D3", "2023-24", "all", "x" * 10_001, 1, 2, None]]),
        6,
        "metric",
        "a cell holds 10,001 characters",
    ),
    "a parquet file with no rows": Case(
        lambda f: f.write(
            "scores.parquet", parquet_bytes({c: pa.array([], pa.string()) for c in HEADER})
        ),
        None,
        None,
        "no rows of data",
    ),
    # --------------------------------------------------------------------- columns
    "missing columns": Case(
        lambda f: f.write(
            "scores.csv",
            csv_text(
                [r[:2] + r[3:6] for r in GOOD_ROWS],
                ("district", "Period", "metric", "num", "denominator"),
            ),
        ),
        None,
        None,
        "the file has no column 'subgroup' (the subgroup) or 'numerator' (the numerator) "
        "or 'value' (the value); its columns are 'district', 'Period', 'metric', 'num', "
        "'denominator'",
        "the columns the column mapping names",
    ),
    "a misspelt column": Case(
        lambda f: f.write("scores.csv", csv_text(GOOD_ROWS, (*HEADER[:3], "metrik", *HEADER[4:]))),
        None,
        None,
        "no column 'metric' (the metric) (did you mean 'metrik'?)",
    ),
    "a repeated column": Case(
        lambda f: f.write(
            "scores.csv", csv_text([(*r, "x") for r in GOOD_ROWS], (*HEADER, "metric"))
        ),
        None,
        "metric",
        "the header names column 'metric' more than once (columns 4 and 8)",
    ),
    # ------------------------------------------------------------------ bad values
    "a word for a number": Case(
        lambda f: f.rows(("D3", "2023-24", "all", "reading", "fifty", "100", "")),
        6,
        "numerator",
        "'fifty' is not a number",
        "a number like 1234 or 56.7",
    ),
    "a decimal comma": Case(
        lambda f: f.write(
            "scores.csv",
            csv_text([*GOOD_ROWS, ("D3", "2023-24", "all", "reading", "12,5", "100", "")], sep=";"),
        ),
        6,
        "numerator",
        "'12,5' is not a number (a decimal comma?)",
    ),
    "a spreadsheet error": Case(
        lambda f: f.rows(("D3", "2023-24", "all", "reading", "#DIV/0!", "100", "")),
        6,
        "numerator",
        "'#DIV/0!' is a spreadsheet error, not a number",
    ),
    "a percentage": Case(
        lambda f: f.rows(("D3", "2023-24", "all", "enrolment", "", "", "45%")),
        6,
        "value",
        "'45%' is a percentage",
    ),
    "infinity": Case(
        lambda f: f.rows(("D3", "2023-24", "all", "reading", "1", "inf", "")),
        6,
        "denominator",
        "'inf' is not a number",
    ),
    "a date for a number": Case(
        lambda f: f.xlsx(
            [*GOOD_SHEET, ["D3", "2023-24", "all", "enrolment", None, None, datetime(2024, 1, 5)]]
        ),
        6,
        "value",
        "'2024-01-05' is a date or time, not a number",
    ),
    "an unknown local unit": Case(
        lambda f: f.rows(("D9", "2023-24", "all", "reading", "1", "2", "")),
        6,
        "district",
        "unknown local unit 'D9'",
        "load the hierarchy first",
    ),
    "a blank local unit": Case(
        lambda f: f.rows(("", "2023-24", "all", "reading", "1", "2", "")),
        6,
        "district",
        "the local unit is missing: 'district' is blank",
    ),
    "an unknown metric": Case(
        lambda f: f.rows(("D3", "2023-24", "all", "reeding", "1", "2", "")),
        6,
        "metric",
        "unknown metric 'reeding' (did you mean 'reading'?)",
        "the code of a metric already set up",
    ),
    "an unknown subgroup": Case(
        lambda f: f.rows(("D3", "2023-24", "FSM", "reading", "1", "2", "")),
        6,
        "subgroup",
        "unknown subgroup 'FSM' (did you mean 'fsm'?)",
    ),
    # ---------------------------------------------------------------------- periods
    "a mangled academic year": Case(
        lambda f: f.rows(("D3", "12-Nov", "all", "reading", "1", "2", "")),
        6,
        "period",
        "'12-Nov' looks like a date a spreadsheet made from '2011-12'",
        "an academic year like 2011-12",
    ),
    "a mangled year in a workbook": Case(
        lambda f: f.xlsx(
            [*GOOD_SHEET, ["D3", datetime(2011, 12, 1), "all", "reading", 1, 2, None]]
        ),
        6,
        "period",
        "'2011-12-01' looks like a date a spreadsheet made from '2011-12'",
        "an academic year like 2011-12",
    ),
    "an impossible academic year": Case(
        lambda f: f.rows(("D3", "2023-25", "all", "reading", "1", "2", "")),
        6,
        "period",
        "'2023-25' is not an academic year",
        "an academic year like 2024-25",
    ),
    "a quarter for a yearly metric": Case(
        lambda f: f.rows(("D3", "2024-Q1", "all", "reading", "1", "2", "")),
        6,
        "period",
        "'2024-Q1' is a quarter, not an academic year",
    ),
    "a blank period": Case(
        lambda f: f.rows(("D3", "", "all", "reading", "1", "2", "")),
        6,
        "period",
        "the period is blank",
    ),
    "mixed kinds of period": Case(
        lambda f: f.rows(("D3", "2024-Q1", "all", "reading", "1", "2", "")),
        6,
        "period",
        "'2024-Q1' is a quarter, but row 2 gives an academic year ('2023-24') for reading",
        "periods of one kind for a metric",
        checked=False,
    ),
    # ---------------------------------------------------------------------- measures
    "a negative count": Case(
        lambda f: f.rows(("D3", "2023-24", "all", "enrolment", "", "", "-5")),
        6,
        "value",
        "a count cannot be negative (it is -5)",
        "a count of 0 or more",
    ),
    "a numerator above its denominator": Case(
        lambda f: f.rows(("D3", "2023-24", "all", "reading", "120", "100", "")),
        6,
        "numerator",
        "the numerator (120) is larger than the denominator (100)",
        "a numerator between 0 and the denominator",
    ),
    "a zero denominator": Case(
        lambda f: f.rows(("D3", "2023-24", "all", "reading", "0", "0", "")),
        6,
        "denominator",
        "the denominator is zero",
        "mark the figure suppressed",
    ),
    "a negative denominator": Case(
        lambda f: f.rows(("D3", "2023-24", "all", "reading", "1", "-2", "")),
        6,
        "denominator",
        "the denominator cannot be negative",
    ),
    "a rate above 100": Case(
        lambda f: f.rows(("D3", "2023-24", "all", "reading", "1", "2", "150")),
        6,
        "value",
        "a rate of 150 is outside 0 to 100",
        "a rate between 0 and 100",
    ),
    "a rate that does not match": Case(
        lambda f: f.rows(("D3", "2023-24", "all", "reading", "1", "4", "30")),
        6,
        "value",
        "published 30% but its counts 1/4 give 25.0%; at whole-number precision with exact "
        "counts that allows 24.5% to 25.5%",
    ),
    "a numerator for a count": Case(
        lambda f: f.rows(("D3", "2023-24", "all", "enrolment", "5", "", "9")),
        6,
        "numerator",
        "metric 'enrolment' is a count, so it has no numerator",
    ),
    "a zero denominator of an unknown metric": Case(
        lambda f: f.rows(("D3", "2023-24", "all", "reading", "0", "0", "")),
        6,
        "denominator",
        "the denominator is zero",
        checked=False,
    ),
    "a repeated key": Case(
        lambda f: f.rows(("D1", "2023/24", "all", "reading", "1", "2", "")),
        6,
        None,
        "this row repeats row 2: both give reading for D1, 2023-24, subgroup all",
        "one row per metric, local unit, period and subgroup",
    ),
    # --------------------------------------------------------------------- missing
    "a missing reason with figures": Case(
        lambda f: f.write(
            "scores.csv",
            csv_text(
                [
                    (*GOOD_ROWS[0], ""),
                    ("D2", "2023-24", "all", "reading", "5", "9", "", "suppressed"),
                ],
                (*HEADER, "why"),
            ),
        ),
        3,
        "numerator",
        "the row says the figure is missing (suppressed) but gives '5'",
        mapping=ColumnMapping.from_dict({**MAPPING.to_dict(), "missing_reason": "why"}),
    ),
    "an unknown missing reason": Case(
        lambda f: f.write(
            "scores.csv",
            csv_text(
                [(*GOOD_ROWS[0], ""), ("D2", "2023-24", "all", "reading", "", "", "", "lost")],
                (*HEADER, "why"),
            ),
        ),
        3,
        "why",
        "'lost' is not a reason a figure can be missing",
        mapping=ColumnMapping.from_dict({**MAPPING.to_dict(), "missing_reason": "why"}),
    ),
    "a flag that is not yes or no": Case(
        lambda f: f.write(
            "scores.csv", csv_text([(*GOOD_ROWS[0], "maybe")], (*HEADER, "provisional"))
        ),
        2,
        "provisional",
        "'maybe' is not a yes or no",
        "yes/no, true/false, 1/0 or blank",
        mapping=ColumnMapping.from_dict({**MAPPING.to_dict(), "provisional": "provisional"}),
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_each_bad_file_gets_one_clear_problem(case, tmp_path):
    path = case.make(Files(tmp_path))
    result = read(path, case.mapping, checked=case.checked)
    assert len(result.problems) == 1, [str(p) for p in result.problems]
    problem = result.problems[0]
    assert (problem.line, problem.column) == (case.line, case.column), str(problem)
    assert case.says in problem.message
    if case.expects is not None:
        assert case.expects in (problem.expected or "")
    where = path.name + (f", row {case.line}" if case.line else "")
    where += f", column '{case.column}'" if case.column else ""
    assert str(problem).startswith(f"{where}: {problem.message}")


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 40
