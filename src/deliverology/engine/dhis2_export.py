"""A DHIS2 export (a data value set as JSON or CSV, perhaps in a .zip or .gz) read into its
data values, with what is wrong with single values. Nothing here knows the mapping: checking
the values against it is `engine.dhis2`'s work.

Rows are counted as DHIS2 counts them: in JSON, row 1 is the first item of `dataValues`; in
CSV, the file's line.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import sys
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TextIO

from deliverology.engine.cells import shown
from deliverology.engine.problems import Problem
from deliverology.engine.reading import MAX_CELL_CHARS, MAX_FILE_BYTES, UNPACKED_RATIO, Cell

# A compressed export opened to more than this is refused, read as it opens (never held whole).
MAX_UNPACKED_BYTES = UNPACKED_RATIO * MAX_FILE_BYTES
_CHUNK_CHARS = 1 << 20
_MAX_VALUE_CHARS = 1 << 24  # one data value (or other field) of the JSON longer than this: refused
_EXPORT_EXPECTED = "a DHIS2 data value set exported as JSON or CSV"

# The fields of a data value as the JSON export names them, and the CSV export's names.
FIELDS = ("dataElement", "period", "orgUnit", "categoryOptionCombo", "attributeOptionCombo")
CSV_COLUMNS = (
    "dataelement",
    "period",
    "orgunit",
    "catoptcombo",
    "attroptcombo",
    "value",
    "storedby",
    "lastupdated",
    "comment",
    "followup",
    "deleted",
)
_CSV_NAMES = {
    "dataelement": "dataElement",
    "period": "period",
    "orgunit": "orgUnit",
    "catoptcombo": "categoryOptionCombo",
    "categoryoptioncombo": "categoryOptionCombo",
    "attroptcombo": "attributeOptionCombo",
    "attributeoptioncombo": "attributeOptionCombo",
    "value": "value",
    "deleted": "deleted",
}
_CSV_REQUIRED = ("dataElement", "period", "orgUnit", "value")


class Dhis2FileProblem(Exception):
    """A file that cannot be read as a data value set at all."""

    def __init__(self, message: str, expected: str | None = _EXPORT_EXPECTED) -> None:
        super().__init__(message)
        self.message = message
        self.expected = expected


@dataclass(frozen=True, slots=True)
class DataValue:
    """One value of the file: its row, its ids as written, and its value."""

    line: int
    ids: Mapping[str, str]
    value: Cell
    deleted: bool = False
    problems: tuple[Problem, ...] = ()  # what is wrong with it; its ids as far as read


@dataclass
class ValueSet:
    """The data values of a file, read as they are wanted (`values`, once), and the names its
    format gives each field. A value with `problems` is refused; its ids are kept so that its
    partners are not reported a second time. `rows` counts the values read so far; a problem
    with the whole file found while reading raises `Dhis2FileProblem` from `values`."""

    format: str
    values: Iterator[DataValue]
    field_names: Mapping[str, str]
    rows: int = 0
    encoding: str | None = None
    notes: list[str] = field(default_factory=list)


# ------------------------------------------------------------------------- the file's bytes


Opener = Callable[[], AbstractContextManager[IO[bytes]]]


def read_value_set(path: Path, name: str, *, max_unpacked: int = MAX_UNPACKED_BYTES) -> ValueSet:
    """The data values of a JSON or CSV export, also inside a .zip or .gz as DHIS2 writes.

    The file is read as it is wanted, a megabyte at a time; a compressed file that opens to
    more than `max_unpacked` bytes is refused when it gets there.
    """

    def opened() -> AbstractContextManager[IO[bytes]]:
        return _opened(path, max_unpacked)

    with opened() as stream:
        head = stream.read(4096)
    inner = _inner_name(path, name)
    kind = _content_kind(head)
    notes = ["the file is UTF-8 with a byte-order mark (BOM)"] if head[:3] == _BOM else []
    if kind == "json":
        return _json_value_set(opened, notes)
    if kind == "csv" and not inner.lower().endswith(".json"):
        return _csv_value_set(opened, notes)
    raise Dhis2FileProblem(_WRONG_CONTENT.get(kind, "the file is not JSON"))


_BOM = b"\xef\xbb\xbf"
_WRONG_CONTENT = {
    "empty": "the file is empty",
    "xml": "the file holds XML: DHIS2's XML export cannot be read",
    "binary": "the file holds binary data, not a DHIS2 export",
    "csv": "the file is named .json but does not hold JSON",
}


def _inner_name(path: Path, name: str) -> str:
    """The name of what the file holds: inside a .gz, the name without it; inside a zip, the
    name of its one file."""
    with _raw(path) as raw:
        magic = raw.read(4)
        if magic.startswith(b"\x1f\x8b"):
            return name.removesuffix(".gz")
        if magic.startswith(b"PK\x03\x04"):
            with _zip(raw) as archive:
                return _member(archive).filename
    return name


@contextmanager
def _raw(path: Path) -> Iterator[IO[bytes]]:
    try:
        stream = path.open("rb")
    except OSError as error:
        raise Dhis2FileProblem(f"the file cannot be opened ({error.strerror})") from None
    with stream:
        yield stream


@contextmanager
def _zip(raw: IO[bytes]) -> Iterator[zipfile.ZipFile]:
    try:
        archive = zipfile.ZipFile(raw)
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise Dhis2FileProblem(f"the zip file is damaged or cut short ({error})") from None
    with archive:
        yield archive


def _member(archive: zipfile.ZipFile) -> zipfile.ZipInfo:
    members = [info for info in archive.infolist() if not info.is_dir()]
    if len(members) != 1:
        raise Dhis2FileProblem(
            f"the zip file holds {len(members)} files",
            "a zip file holding one DHIS2 export, as DHIS2 writes it",
        )
    return members[0]


@contextmanager
def _opened(path: Path, limit: int) -> Iterator[IO[bytes]]:
    """The file's bytes, unpacked from a .gz or a .zip as they are read."""
    with _raw(path) as raw:
        magic = raw.read(4)
        raw.seek(0)
        if magic.startswith(b"\x1f\x8b"):
            with gzip.GzipFile(fileobj=raw) as inner:
                yield io.BufferedReader(_Unpacking(inner, "gzip", limit), _CHUNK_CHARS)
        elif magic.startswith(b"PK\x03\x04"):
            with _zip(raw) as archive, _open_member(archive) as member:
                yield io.BufferedReader(_Unpacking(member, "zip", limit), _CHUNK_CHARS)
        else:
            yield raw


@contextmanager
def _open_member(archive: zipfile.ZipFile) -> Iterator[IO[bytes]]:
    try:
        member = archive.open(_member(archive))
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as error:
        raise Dhis2FileProblem(f"the zip file is damaged or cut short ({error})") from None
    with member:
        yield member


class _Unpacking(io.RawIOBase):
    """A compressed file's content as it is unpacked, refused beyond `limit` bytes."""

    def __init__(self, inner: IO[bytes] | gzip.GzipFile, what: str, limit: int) -> None:
        self.inner, self.what, self.limit, self.size = inner, what, limit, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            data = self.inner.read(min(len(buffer), _CHUNK_CHARS))
        except (OSError, EOFError, zlib.error, zipfile.BadZipFile, NotImplementedError) as error:
            raise Dhis2FileProblem(
                f"the {self.what} file is damaged or cut short ({error})"
            ) from None
        self.size += len(data)
        if self.size > self.limit:
            raise Dhis2FileProblem(
                f"the compressed file opens to more than {_size(self.limit)}",
                "an export of at most that size, or several smaller exports",
            )
        buffer[: len(data)] = data
        return len(data)


def _size(count: int) -> str:
    return f"{count / 1e9:,.1f} GB" if count >= 1e9 else f"{count / 1e6:,.1f} MB"


@contextmanager
def _text(opened: Opener) -> Iterator[TextIO]:
    """The file's text, as UTF-8 (a byte-order mark left out)."""
    with opened() as stream, io.TextIOWrapper(stream, encoding="utf-8-sig", newline="") as text:
        yield text


def _not_utf8(error: UnicodeDecodeError) -> Dhis2FileProblem:
    byte = error.object[error.start]
    return Dhis2FileProblem(
        f"the file is not UTF-8 text (it has the byte 0x{byte:02X})",
        "the file as DHIS2 exported it, which is UTF-8",
    )


def _content_kind(data: bytes) -> str:
    opening = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not opening:
        return "empty"
    if opening.startswith((b"{", b"[")):
        return "json"
    if opening.startswith(b"<"):
        return "xml"
    if b"\x00" in data[:4096] or opening.startswith((b"%PDF", b"PAR1", b"\xd0\xcf\x11\xe0")):
        return "binary"
    return "csv"


# ---------------------------------------------------------------------------------- JSON


class _JsonNumber(str):
    """A number as written in the JSON, kept as text so that no size overflows reading it."""


_DECODER = json.JSONDecoder(
    parse_int=_JsonNumber, parse_float=_JsonNumber, parse_constant=_JsonNumber
)
_BLANKS = re.compile(r"[ \t\n\r]*")
_SHAPE = 'an object with a list of "dataValues", as DHIS2 exports a data value set'


def _json_value_set(opened: Opener, notes: list[str]) -> ValueSet:
    """The JSON read twice: once to check its shape and find the fields given for every value
    (they may follow the values), then value by value. Each value is parsed by the standard
    library's decoder; only one is held at a time."""
    outline = _Outline()
    with _text(opened) as text:
        for _ in _json_items(_JsonText(text), outline):
            pass
    outline.check()
    defaults = {name: outline.fields[name] for name in FIELDS if name in outline.fields}
    value_set = ValueSet("dhis2-json", iter(()), {name: name for name in (*FIELDS, "value")})
    value_set.encoding = "utf-8-sig" if notes else "utf-8"
    value_set.notes, value_set.rows = notes, outline.count

    def values() -> Iterator[DataValue]:
        with _text(opened) as text:
            for position, item in _json_items(_JsonText(text), _Outline()):
                yield _json_value(position, item, defaults)

    value_set.values = values()
    return value_set


@dataclass
class _Outline:
    """What the first reading found: the document's fields but its values, and their count."""

    fields: dict[str, Any] = field(default_factory=dict)
    count: int = 0
    listed: bool = False

    def check(self) -> None:
        if "dataValues" not in self.fields and not self.listed:
            keys = ", ".join(f"'{key}'" for key in list(self.fields)[:10]) or "none"
            what = " (it looks like a DHIS2 analytics table)" if "rows" in self.fields else ""
            raise Dhis2FileProblem(
                f"the JSON has no 'dataValues'{what}; its keys are {keys}",
                'a data value set: an object with a list of "dataValues"',
            )
        if not self.listed:
            given = _json_type(self.fields["dataValues"])
            raise Dhis2FileProblem(f"'dataValues' is {given}, not a list", "a list of data values")
        if not self.count:
            raise Dhis2FileProblem("'dataValues' is empty", "at least one data value")


def _json_items(text: _JsonText, outline: _Outline) -> Iterator[tuple[int, Any]]:
    """(position, item) for each item of the document's 'dataValues'; its other fields go in
    `outline`."""
    if text.next_char() != "{":
        raise Dhis2FileProblem("the JSON is a list, not a data value set", _SHAPE)
    text.take("{")
    while text.next_char() != "}":
        key = text.value()
        text.take(":")
        if key == "dataValues" and text.next_char() == "[":
            outline.listed = True
            yield from _list_items(text, outline)
        else:
            outline.fields[str(key)] = text.value()
        if text.next_char() != ",":
            break
        text.take(",")
    text.take("}")
    if text.next_char():
        raise text.incomplete("Extra data")


def _list_items(text: _JsonText, outline: _Outline) -> Iterator[tuple[int, Any]]:
    text.take("[")
    while text.next_char() != "]":
        item = text.value()
        outline.count += 1
        yield outline.count, item
        if text.next_char() != ",":
            break
        text.take(",")
    text.take("]")


class _JsonText:
    """JSON text read a megabyte at a time, one value at a time."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.buffer = ""
        self.at = 0
        self.lines_before = 0
        self.ended = False

    def _more(self) -> bool:
        if self.ended:
            return False
        try:
            chunk = self.stream.read(_CHUNK_CHARS)
        except UnicodeDecodeError as error:
            raise _not_utf8(error) from None
        if not chunk:
            self.ended = True
            return False
        self.lines_before += self.buffer.count("\n", 0, self.at)
        self.buffer = self.buffer[self.at :] + chunk
        self.at = 0
        return True

    def next_char(self) -> str:
        """The next character that is not blank ("" at the end)."""
        while True:
            match = _BLANKS.match(self.buffer, self.at)
            self.at = match.end() if match else self.at
            if self.at < len(self.buffer):
                return self.buffer[self.at]
            if not self._more():
                return ""

    def take(self, char: str) -> None:
        if self.next_char() != char:
            raise self.incomplete(f"Expecting '{char}'")
        self.at += 1

    def value(self) -> Any:
        self.next_char()
        while True:
            try:
                found, end = _DECODER.raw_decode(self.buffer, self.at)
            except json.JSONDecodeError as error:
                if len(self.buffer) - self.at < _MAX_VALUE_CHARS and self._more():
                    continue
                raise self.incomplete(error.msg, error.pos) from None
            except RecursionError:
                raise Dhis2FileProblem(
                    "the JSON is nested too deeply to be a data value set"
                ) from None
            if end == len(self.buffer) and self._more():
                continue  # a number may go on in the next megabyte
            self.at = end
            return found

    def incomplete(self, message: str, at: int | None = None) -> Dhis2FileProblem:
        at = self.at if at is None else at
        line = self.lines_before + self.buffer.count("\n", 0, at) + 1
        return Dhis2FileProblem(
            f"the file is not complete JSON ({message}: line {line} of the text): was the "
            "download cut short?",
        )


def _json_value(position: int, item: Any, defaults: dict[str, Any]) -> DataValue:
    problems: list[Problem] = []

    def problem(column: str | None, message: str, expected: str) -> None:
        problems.append(Problem("", position, column, message, expected))

    if not isinstance(item, dict):
        expected = 'an object like {"dataElement": ..., "value": ...}'
        problem(None, f"the data value is {_json_type(item)}", expected)
        return DataValue(position, {}, None, problems=tuple(problems))
    ids: dict[str, str] = {}
    for name in FIELDS:
        given = item.get(name, defaults.get(name))
        # ids repeat across thousands of values: one copy of each keeps a large export small
        ids[name] = sys.intern(given.strip()) if isinstance(given, str) else ""
        if given is not None and (not isinstance(given, str) or isinstance(given, _JsonNumber)):
            problem(name, f"{name} is {_json_type(given)}", f"the {_FIELD_NOUNS[name]} as text")
    value = item.get("value")
    if isinstance(value, _JsonNumber):
        value = str(value)
    elif value is not None and not isinstance(value, str | bool):
        problem("value", f"the value is {_json_type(value)}", "a number, as text or a number")
    deleted = item.get("deleted", False)
    if not isinstance(deleted, bool):
        problem("deleted", f"'deleted' is {_json_type(deleted)}", "true or false")
    if problems:
        return DataValue(position, ids, None, problems=tuple(problems))
    return DataValue(position, ids, value, deleted is True)


def _json_type(value: Any) -> str:
    if isinstance(value, _JsonNumber):
        return f"a number ({shown(value)})"
    if isinstance(value, bool):
        return f"true/false ({str(value).lower()})"
    if isinstance(value, str):
        return f"text ({shown(value)})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "null"


_FIELD_NOUNS = {
    "dataElement": "id of a data element",
    "period": "period id",
    "orgUnit": "id of an org unit",
    "categoryOptionCombo": "id of a category option combo",
    "attributeOptionCombo": "id of an attribute option combo",
}


# ----------------------------------------------------------------------------------- CSV


def _csv_value_set(opened: Opener, notes: list[str]) -> ValueSet:
    with _text(opened) as text:
        first = next(_csv_records(text), None)
    if first is None:
        raise Dhis2FileProblem("the file is empty")
    if len(first[1]) == 1 and first[1][0].count(";") >= 3:
        raise Dhis2FileProblem(
            "the columns are separated by semicolons",
            "the CSV as DHIS2 exported it, separated by commas (was it saved again from a "
            "spreadsheet?)",
        )
    header = [cell.strip().lower() for cell in first[1]]
    if "dataelement" in header:
        names = {place: _CSV_NAMES[cell] for place, cell in enumerate(header) if cell in _CSV_NAMES}
        _check_csv_header(first[1], names)
        field_names = {name: first[1][place].strip() for place, name in names.items()}
        width = len(header)
    else:
        names = {
            place: _CSV_NAMES[column]
            for place, column in enumerate(CSV_COLUMNS)
            if column in _CSV_NAMES
        }
        field_names = {name: column for column, name in _CSV_NAMES.items() if column in CSV_COLUMNS}
        width = 0
        notes.append("the file has no header row, so its columns were read in DHIS2's order")
    encoding = "utf-8-sig" if notes and "byte-order" in notes[0] else "utf-8"
    value_set = ValueSet("dhis2-csv", iter(()), field_names, encoding=encoding, notes=notes)

    def values() -> Iterator[DataValue]:
        with _text(opened) as text:
            records = _csv_records(text)
            if width:
                next(records)  # the header
            for line, cells in records:
                value_set.rows += 1
                yield _csv_value(line, cells, names, width, field_names)
        if not value_set.rows:
            raise Dhis2FileProblem(
                "the file has a header row but no data values", "at least one row"
            )

    value_set.values = values()
    return value_set


def _csv_records(text: TextIO) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(text, strict=True)
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except UnicodeDecodeError as error:
            raise _not_utf8(error) from None
        except csv.Error as error:
            raise Dhis2FileProblem(
                f"line {reader.line_num} cannot be read as CSV ({error})",
                "cells separated by commas, quoted cells closed by a quote mark",
            ) from None
        if any(cell.strip() for cell in record):
            yield reader.line_num, record


def _check_csv_header(header: list[str], names: Mapping[int, str]) -> None:
    missing = [name for name in _CSV_REQUIRED if name not in names.values()]
    if missing:
        wanted = ", ".join(column for column, name in _CSV_NAMES.items() if name in missing)
        found = ", ".join(f"'{cell}'" for cell in header)
        raise Dhis2FileProblem(
            f"the header has no column {wanted}; its columns are {found}",
            f"DHIS2's CSV columns: {', '.join(CSV_COLUMNS)}",
        )


def _csv_value(
    line: int,
    cells: list[str],
    names: Mapping[int, str],
    width: int,
    field_names: Mapping[str, str],
) -> DataValue:
    def problem(column: str | None, message: str, expected: str) -> DataValue:
        return DataValue(line, {}, None, problems=(Problem("", line, column, message, expected),))

    needed = width or CSV_COLUMNS.index("value") + 1
    if (width and len(cells) != width) or len(cells) < needed:
        said = f"the header's {width}" if width else f"at least {needed} (up to the value)"
        count = f"{len(cells)} cell{'' if len(cells) == 1 else 's'}"
        return problem(None, f"the row has {count}", f"{said} cells on every row")
    if any(len(cell) > MAX_CELL_CHARS for cell in cells):
        return problem(
            None, f"a cell holds more than {MAX_CELL_CHARS:,} characters", "short values"
        )
    found = {name: cells[place].strip() for place, name in names.items() if place < len(cells)}
    deleted = found.get("deleted", "").lower()
    if deleted not in ("", "true", "false"):
        return problem(field_names["deleted"], f"'deleted' is {shown(deleted)}", "true or false")
    ids = {name: sys.intern(found.get(name, "")) for name in FIELDS}
    return DataValue(line, ids, found["value"], deleted == "true")
