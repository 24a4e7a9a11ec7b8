"""Reading CSV, Excel (.xlsx) and Parquet files into plain rows of cells.

A file must be what its name says: a workbook renamed .csv, a web page saved as .csv or a CSV
renamed .xlsx is refused with a message saying what the file really holds. Everything wrong with
the file as a whole (empty, a header and no data, cells too long to be data, formulas in a
workbook, rows that do not fit the header) is collected and raised together as a `FileProblem`.
"""

from __future__ import annotations

import codecs
import csv
import io
import warnings
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any, TextIO

import pyarrow as pa
import pyarrow.parquet as pq

from deliverology.engine.problems import Problem, ProblemLog

Cell = str | int | float | Decimal | bool | date | time | None

MAX_CELL_CHARS = 10_000
# The largest file read by default (200 MB; DELIVEROLOGY_MAX_UPLOAD_MB sets it in the app), and
# how many times that a compressed file (a DHIS2 .gz or .zip) may open to.
MAX_FILE_BYTES = 200_000_000
UNPACKED_RATIO = 10
_CHUNK_BYTES = 1 << 20
DELIMITERS = (",", ";", "\t", "|")
_SNIFF_BYTES = 8192
_CONTROL_SHARE = 0.01


class FileFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"
    PARQUET = "parquet"


EXTENSIONS = {
    ".csv": FileFormat.CSV,
    ".tsv": FileFormat.CSV,
    ".txt": FileFormat.CSV,
    ".xlsx": FileFormat.XLSX,
    ".xlsm": FileFormat.XLSX,
    ".parquet": FileFormat.PARQUET,
    ".pq": FileFormat.PARQUET,
}


class FileProblem(Exception):
    """A file that cannot be read as a table; `problems` says every reason found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


@dataclass(frozen=True)
class TableRow:
    """The cells of one row, in the order of the columns; `line` is the spreadsheet row."""

    line: int
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Table:
    """A file's header and rows. Rows are as long as the header; blank rows are left out."""

    file: str
    format: FileFormat
    columns: tuple[str, ...]
    rows: tuple[TableRow, ...]
    encoding: str | None = None
    delimiter: str | None = None
    notes: tuple[str, ...] = ()

    def records(self) -> Iterator[tuple[int, dict[str, Cell]]]:
        """(row number, {column: cell}) for each row; a repeated column name keeps its first."""
        for row in self.rows:
            record: dict[str, Cell] = {}
            for column, cell in zip(self.columns, row.cells, strict=True):
                record.setdefault(column, cell)
            yield row.line, record


Records = Iterator[tuple[int, list[Cell]]]


@dataclass(frozen=True)
class TableStream:
    """A file checked as a table, its rows read again from the file as they are wanted.

    `open_table` reads the file once to check its shape (every problem with the file as a
    whole is found then), keeping nothing but the header and a count; `rows()` reads it again,
    a row at a time, so a large file never sits in memory.
    """

    file: str
    format: FileFormat
    columns: tuple[str, ...]
    row_count: int
    records: Callable[[ProblemLog], Records]
    encoding: str | None = None
    delimiter: str | None = None
    notes: tuple[str, ...] = ()

    def rows(self) -> Iterator[TableRow]:
        records = self.records(ProblemLog(self.file))
        _first_filled(records)
        width = len(self.columns)
        for line, cells in records:
            if any(_filled(cell) for cell in cells):
                yield TableRow(line, _fitted(cells, width))


def read_table(
    path: str | Path,
    *,
    sheet: str | None = None,
    file_name: str | None = None,
    footer_rows: int = 0,
) -> Table:
    """Read a CSV, XLSX or Parquet file (chosen by its extension) into a `Table`.

    `sheet` names the worksheet of a workbook (the first one otherwise). `file_name` is the name
    shown in problems (the uploaded file's name), by default the path's own. `footer_rows`
    rows with values at the end (a source line, footnotes) are left out before anything else.
    """
    stream = open_table(path, sheet=sheet, file_name=file_name, footer_rows=footer_rows)
    return Table(
        stream.file,
        stream.format,
        stream.columns,
        tuple(stream.rows()),
        stream.encoding,
        stream.delimiter,
        stream.notes,
    )


def open_table(
    path: str | Path,
    *,
    sheet: str | None = None,
    file_name: str | None = None,
    footer_rows: int = 0,
) -> TableStream:
    """Check a file as `read_table` does, without keeping its rows: see `TableStream`."""
    path = Path(path)
    name = file_name or path.name
    file_format = _format_of(path, name)
    try:
        with path.open("rb") as stream:
            head = stream.read(_SNIFF_BYTES)
    except OSError as error:
        raise _problem(name, f"the file cannot be opened ({error.strerror})") from None
    _check_content(head, file_format, name)
    match file_format:
        case FileFormat.CSV:
            return _open_csv(path, name, footer_rows)
        case FileFormat.XLSX:
            return _open_xlsx(path, name, sheet, footer_rows)
        case FileFormat.PARQUET:
            return _open_parquet(path, name, footer_rows)


def _checked(
    name: str,
    file_format: FileFormat,
    records: Callable[[ProblemLog], Records],
    *,
    exact: bool = False,
    footer_rows: int = 0,
    **extra: Any,
) -> TableStream:
    """The first reading: the header and a count of the rows, every shape problem raised.
    The last `footer_rows` rows with values (a source line, footnotes) are left out of both
    readings."""

    def kept(log: ProblemLog) -> Records:
        return _without_footer(records(log), footer_rows)

    log = ProblemLog(name)
    columns, count = _shape(kept(log), name, log, exact=exact)
    return TableStream(name, file_format, columns, count, kept, **extra)


def said(error: BaseException, path: Path, name: str) -> str:
    """An error's message as a person may see it: the file's own name, never where the server
    keeps it."""
    text = str(error)
    for place in (str(path.resolve()), str(path), str(path.parent.resolve()), str(path.parent)):
        if place not in ("", "."):
            text = text.replace(place, name if place.endswith(path.name) else "")
    return text


def _problem(name: str, message: str, expected: str | None = None) -> FileProblem:
    return FileProblem([Problem(name, None, None, message, expected)])


def _format_of(path: Path, name: str) -> FileFormat:
    suffix = Path(name).suffix.lower() or path.suffix.lower()
    if suffix in EXTENSIONS:
        return EXTENSIONS[suffix]
    if suffix == ".xls":
        raise _problem(
            name,
            "this is an old-format Excel workbook (.xls, Excel 97-2003), which cannot be read",
            "a .xlsx workbook, a CSV or a Parquet file: open it in Excel and save it as .xlsx",
        )
    shown = f"'{suffix}'" if suffix else "no extension"
    raise _problem(
        name,
        f"files with {shown} cannot be read",
        "a .csv, .xlsx or .parquet file",
    )


# What a file's first bytes say it holds, and how to say so.
_HOLDS = {
    "empty": "nothing",
    "zip": "an Excel workbook or another zip archive",
    "ole2": "an old-format (.xls) or password-protected Excel workbook",
    "parquet": "a Parquet file",
    "pdf": "a PDF document",
    "gzip": "a gzip-compressed file",
    "markup": "a web page or XML document, perhaps an error page saved instead of the data",
    "binary": "binary data, not text",
    "text": "text (a CSV file?)",
    "utf16": "UTF-16 text",
}
_ACCEPTS = {
    FileFormat.CSV: ("text", "utf16"),
    FileFormat.XLSX: ("zip",),
    FileFormat.PARQUET: ("parquet",),
}
_EXPECTED = {
    FileFormat.CSV: "a CSV file (text with a header row); rename the file to match what it holds, "
    "or export the data again as 'CSV UTF-8'",
    FileFormat.XLSX: "an Excel .xlsx workbook; rename the file to match what it holds, "
    "or open it in Excel and save it as .xlsx without a password",
    FileFormat.PARQUET: "a Parquet file; rename the file to match what it holds",
}


def _content_kind(head: bytes) -> str:
    if not head.strip():
        return "empty"
    signatures = (
        (b"PK\x03\x04", "zip"),
        (b"PK\x05\x06", "zip"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole2"),
        (b"PAR1", "parquet"),
        (b"%PDF", "pdf"),
        (b"\x1f\x8b", "gzip"),
        (b"\xff\xfe", "utf16"),
        (b"\xfe\xff", "utf16"),
    )
    for signature, kind in signatures:
        if head.startswith(signature):
            return kind
    opening = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if opening.startswith((b"<!doctype", b"<html", b"<?xml")):
        return "markup"
    return "binary" if b"\x00" in head else "text"


def _check_content(head: bytes, file_format: FileFormat, name: str) -> None:
    kind = _content_kind(head)
    if kind == "empty":
        raise _problem(name, "the file is empty", "a header row and at least one row of data")
    if kind not in _ACCEPTS[file_format]:
        raise _problem(
            name,
            f"the file is named as {_article(file_format)} but holds {_HOLDS[kind]}",
            _EXPECTED[file_format],
        )


def _article(file_format: FileFormat) -> str:
    return {
        FileFormat.CSV: "a CSV file",
        FileFormat.XLSX: "an Excel workbook",
        FileFormat.PARQUET: "a Parquet file",
    }[file_format]


# ---------------------------------------------------------------------------------------- CSV


def _open_csv(path: Path, name: str, footer_rows: int = 0) -> TableStream:
    encoding, notes = _encoding(path, name)
    sample = _sample(path, encoding)
    _check_is_text(sample, name)
    sample, delimiter, declared = _declared_delimiter(sample)
    delimiter = delimiter or _sniff_delimiter(sample, path)
    if not declared and delimiter != ",":
        notes.append(f"the columns are separated by {_delimiter_name(delimiter)}")

    def records(log: ProblemLog) -> Records:
        with path.open(encoding=encoding, newline="") as stream:
            if declared:
                stream.readline()
            yield from _csv_records(stream, delimiter, log)

    return _checked(
        name,
        FileFormat.CSV,
        records,
        exact=True,
        footer_rows=footer_rows,
        encoding=encoding,
        delimiter=delimiter,
        notes=tuple(notes),
    )


def _sample(path: Path, encoding: str) -> str:
    with path.open(encoding=encoding, newline="") as stream:
        return stream.read(65536)


def _encoding(path: Path, name: str) -> tuple[str, list[str]]:
    """The file's encoding, found by decoding it a megabyte at a time."""
    with path.open("rb") as stream:
        head = stream.read(4)
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            return _utf16(path, name), ["the file is UTF-16 text"]
        stream.seek(0)
        bad = _first_bad_utf8(stream)
    if bad is None:
        if head.startswith(b"\xef\xbb\xbf"):
            return "utf-8-sig", ["the file is UTF-8 with a byte-order mark (BOM)"]
        return "utf-8", []
    line, byte = bad
    for encoding, label in (("cp1252", "Windows-1252 (cp1252)"), ("latin-1", "Latin-1")):
        if encoding == "latin-1" or _decodes(path, encoding):
            note = (
                f"the file is not UTF-8 (row {line} has the byte 0x{byte:02X}), so it was read "
                f"as {label}: check that accented letters look right"
            )
            return encoding, [note]
    raise AssertionError("Latin-1 decodes any bytes")


def _utf16(path: Path, name: str) -> str:
    if not _decodes(path, "utf-16"):
        raise _problem(name, "the file starts like UTF-16 text but is not")
    return "utf-16"


def _first_bad_utf8(stream: Any) -> tuple[int, int] | None:
    """(line, byte) of the first byte that is not UTF-8, or None."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    lines = 0
    while True:
        chunk = stream.read(_CHUNK_BYTES)
        pending = decoder.getstate()[0]
        try:
            decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as error:
            data = pending + chunk
            return lines + data[: error.start].count(b"\n") + 1, data[error.start]
        if not chunk:
            return None
        lines += chunk.count(b"\n")


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    with path.open("rb") as stream:
        try:
            while chunk := stream.read(_CHUNK_BYTES):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def _check_is_text(text: str, name: str) -> None:
    sample = text[:65536]
    controls = sum(1 for char in sample if _is_control(char))
    if "\x00" in sample or controls > max(_CONTROL_SHARE * len(sample), 8):
        raise _problem(
            name,
            f"the file is named as a CSV file but holds {_HOLDS['binary']}",
            _EXPECTED[FileFormat.CSV],
        )


def _is_control(char: str) -> bool:
    code = ord(char)
    return (code < 32 and char not in "\t\r\n") or code == 127


def _declared_delimiter(text: str) -> tuple[str, str | None, bool]:
    """Excel may write 'sep=;' as the first line; it then hides that line from the user."""
    first, _, rest = text.partition("\n")
    first = first.rstrip("\r")
    if first.lower().startswith("sep=") and len(first) == 5:
        return rest, first[4], True
    return text, None, False


def _sniff_delimiter(text: str, path: Path) -> str:
    sample = "\n".join(line for line in text[:65536].splitlines()[:50] if line.strip())
    candidates = ("\t", *DELIMITERS) if path.suffix.lower() == ".tsv" else DELIMITERS
    return max(candidates, key=lambda d: _delimiter_score(sample, d))


def _delimiter_score(sample: str, delimiter: str) -> tuple[bool, int, int]:
    try:
        counts = [len(record) for record in csv.reader(io.StringIO(sample), delimiter=delimiter)]
    except csv.Error:
        return (False, 0, 0)
    if not counts:
        return (False, 0, 0)
    header = counts[0]
    steady = sum(1 for count in counts if count == header)
    return (header > 1, steady, header)


def _delimiter_name(delimiter: str) -> str:
    return {";": "semicolons", "\t": "tabs", "|": "vertical bars", ",": "commas"}[delimiter]


def _csv_records(stream: TextIO, delimiter: str, log: ProblemLog) -> Records:
    reader = csv.reader(stream, delimiter=delimiter, strict=True)
    line = 0
    while True:
        line += 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            log.add(
                line,
                None,
                _csv_error(error),
                "cells separated by the same character on "
                "every row, with quoted cells closed by a quote mark",
            )
            return
        yield line, list(record)


def _csv_error(error: csv.Error) -> str:
    text = str(error)
    if "field larger than field limit" in text:
        return (
            f"a cell is longer than {csv.field_size_limit():,} characters, so the file cannot be "
            "read from here on"
        )
    return f'the file cannot be read from here on ({text}): look for a stray quote mark (")'


# ----------------------------------------------------------------------------------- shaping


def _shape(
    records: Records, name: str, log: ProblemLog, *, exact: bool = False
) -> tuple[tuple[str, ...], int]:
    """The header and how many data rows there are, every row checked for fit and for cells
    too long to be data; nothing else is kept."""
    header_line, header = _first_filled(records)
    if header is None:
        if log:
            raise FileProblem(log.problems())
        raise _problem(name, "the file holds no rows", "a header row and at least one row of data")
    columns = _column_names(header)
    _check_cells(header_line, header, columns, log)
    count = 0
    for line, cells in records:
        if not any(_filled(cell) for cell in cells):
            continue
        _check_fit(line, cells, len(header) if exact else 0, columns, log)
        _check_cells(line, cells, columns, log)
        count += 1
    if log:
        raise FileProblem(log.problems())
    if not count:
        raise _problem(
            name,
            f"the file has a header row (row {header_line}) but no rows of data",
            "at least one row of data under the header",
        )
    return columns, count


def _without_footer(records: Records, footer_rows: int) -> Records:
    """The records less the last `footer_rows` with values (blank rows do not count), held
    back only as far as needed; a file of nothing but a header and its footer keeps the header
    so that its shape check can say so."""
    if footer_rows <= 0:
        yield from records
        return
    held: deque[tuple[int, list[Cell]]] = deque()
    filled = 0
    given = False
    for record in records:
        held.append(record)
        filled += any(_filled(cell) for cell in record[1])
        while filled > footer_rows:
            line, cells = held.popleft()
            filled -= any(_filled(cell) for cell in cells)
            given = True
            yield line, cells
    if not given:
        yield from _header_of(held)


def _header_of(held: deque[tuple[int, list[Cell]]]) -> Records:
    for line, cells in held:
        if any(_filled(cell) for cell in cells):
            yield line, cells
            return


def _first_filled(records: Records) -> tuple[int, list[Cell] | None]:
    for line, cells in records:
        if any(_filled(cell) for cell in cells):
            return line, cells
    return 0, None


def _filled(cell: Cell) -> bool:
    return cell is not None and (not isinstance(cell, str) or cell.strip() != "")


def _column_names(header: list[Cell]) -> tuple[str, ...]:
    names = ["" if cell is None else str(cell).strip() for cell in header]
    while names and not names[-1]:
        names.pop()
    return tuple(names)


def _check_fit(
    line: int, cells: list[Cell], width: int, columns: tuple[str, ...], log: ProblemLog
) -> None:
    """A CSV row has as many cells as its header (`width`, 0 for a sheet, whose rows end at
    their last value); no row may have values beyond the named columns."""
    too_long = any(_filled(cell) for cell in cells[len(columns) :])
    if not too_long and not (width and len(cells) != width):
        return
    if width:
        named = _columns(width)
        expected = "one cell per column on every row (a cell holding the separator must be quoted)"
    else:
        named = _columns(len(columns))
        expected = "values only under named columns (the header is the first row with values)"
    message = f"the row has {len(cells)} cells but the header names {named}"
    log.add(line, None, message, expected, key=("fit", len(cells)))


def _columns(count: int) -> str:
    return f"{count} column{'' if count == 1 else 's'}"


def _check_cells(line: int, cells: list[Cell], columns: tuple[str, ...], log: ProblemLog) -> None:
    for index, cell in enumerate(cells):
        if isinstance(cell, str) and len(cell) > MAX_CELL_CHARS:
            column = columns[index] if index < len(columns) else None
            log.add(
                line,
                column,
                f"a cell holds {len(cell):,} characters, more than the {MAX_CELL_CHARS:,} a cell "
                "may hold",
                "short values: is this the right file?",
            )


def _fitted(cells: list[Cell], width: int) -> tuple[Cell, ...]:
    if len(cells) >= width:
        return tuple(cells[:width])
    return (*cells, *([None] * (width - len(cells))))


# ---------------------------------------------------------------------------------- Excel


def _open_xlsx(path: Path, name: str, sheet: str | None, footer_rows: int = 0) -> TableStream:
    title: list[str] = []

    def records(log: ProblemLog) -> Records:
        # Workbooks from other programs trigger openpyxl's warnings about unsupported extras
        # (data validation, conditional formats); they do not affect the values read.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = _workbook(path, name)
            try:
                worksheet = _worksheet(workbook, sheet, name)
                title[:] = [worksheet.title]
                yield from _sheet_records(worksheet, log)
            finally:
                workbook.close()

    try:
        stream = _checked(name, FileFormat.XLSX, records, footer_rows=footer_rows)
    except FileProblem:
        raise
    except Exception as error:  # a damaged sheet fails while it is read
        said_error = said(error, path, name)
        raise _problem(name, f"the workbook cannot be read: it is damaged ({said_error})") from None
    notes = () if sheet else (f"read the first sheet, '{title[0]}'",)
    return TableStream(
        name, FileFormat.XLSX, stream.columns, stream.row_count, stream.records, notes=notes
    )


def _workbook(path: Path, name: str) -> Any:
    # Imported here: the engine reads records without it, and it takes a while to load.
    import openpyxl

    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception as error:  # a damaged archive raises any of a dozen types
        raise _problem(
            name,
            "the workbook cannot be opened: it is damaged or not an .xlsx workbook "
            f"({said(error, path, name)})",
            _EXPECTED[FileFormat.XLSX],
        ) from None


def _worksheet(workbook: Any, sheet: str | None, name: str) -> Any:
    titles = [each.title for each in workbook.worksheets]
    if not titles:
        raise _problem(name, "the workbook has no worksheets")
    if sheet is None:
        return workbook.worksheets[0]
    if sheet not in titles:
        shown = ", ".join(f"'{title}'" for title in titles)
        raise _problem(name, f"the workbook has no sheet named '{sheet}'", f"one of {shown}")
    return workbook[sheet]


def _sheet_records(worksheet: Any, log: ProblemLog) -> Iterator[tuple[int, list[Cell]]]:
    worksheet.reset_dimensions()
    for row in worksheet.iter_rows():
        cells = [cell for cell in row if cell.value is not None]
        if not cells:
            continue
        line = cells[0].row
        values: list[Cell] = [None] * max(cell.column for cell in cells)
        for cell in cells:
            if cell.data_type == "f":
                _formula(cell, log)
            values[cell.column - 1] = _excel_value(cell.value)
        yield line, values


def _formula(cell: Any, log: ProblemLog) -> None:
    coordinate = f"{column_letter(cell.column - 1)}{cell.row}"
    formula = str(cell.value)
    shown = formula if len(formula) <= 40 else formula[:37] + "..."
    log.add(
        cell.row,
        None,
        f"cell {coordinate} holds a formula ({shown}), whose value cannot be read",
        "values, not formulas: copy the sheet and paste it as values only",
        key=("formula",),
    )


def _excel_value(value: object) -> Cell:
    if value is None or isinstance(value, str | int | float | Decimal | bool | date | time):
        return value
    return str(value)


# -------------------------------------------------------------------------------- Parquet


def _open_parquet(path: Path, name: str, footer_rows: int = 0) -> TableStream:
    try:
        columns = tuple(str(column) for column in pq.ParquetFile(path).schema_arrow.names)
    except (pa.ArrowException, OSError, ValueError) as error:
        raise _problem(
            name,
            f"the Parquet file cannot be read: it is damaged or incomplete "
            f"({said(error, path, name)})",
            _EXPECTED[FileFormat.PARQUET],
        ) from None

    def records(log: ProblemLog) -> Records:
        yield 1, list(columns)
        yield from _arrow_records(path)

    try:
        return _checked(name, FileFormat.PARQUET, records, footer_rows=footer_rows)
    except (pa.ArrowException, OSError, ValueError) as error:
        raise _problem(
            name,
            f"the Parquet file cannot be read: it is damaged or incomplete "
            f"({said(error, path, name)})",
            _EXPECTED[FileFormat.PARQUET],
        ) from None


def _arrow_records(path: Path) -> Records:
    line = 1
    for batch in pq.ParquetFile(path).iter_batches(batch_size=10_000):
        columns = [column.to_pylist() for column in batch.columns]
        for values in zip(*columns, strict=True):
            line += 1
            yield line, [_excel_value(value) for value in values]


def column_letter(index: int) -> str:
    """The spreadsheet letter of a 0-based column position: 0 → A, 27 → AB."""
    letters = ""
    number = index + 1
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters
