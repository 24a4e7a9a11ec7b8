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
import itertools
import json
import sys
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deliverology.engine.cells import shown
from deliverology.engine.problems import Problem
from deliverology.engine.reading import MAX_CELL_CHARS, Cell

MAX_UNPACKED_BYTES = 2 << 30  # a compressed export opened to more than this is refused
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


@dataclass
class ValueSet:
    """The data values of a file, the names its format gives each field, and what was found
    wrong with single values while reading them (`refused` keeps those values' ids as far as
    they could be read, so that their partners are not reported a second time)."""

    format: str
    values: list[DataValue]
    field_names: Mapping[str, str]
    problems: list[Problem] = field(default_factory=list)
    refused: list[DataValue] = field(default_factory=list)
    rows: int = 0
    encoding: str | None = None
    notes: list[str] = field(default_factory=list)


# ------------------------------------------------------------------------- the file's bytes


def read_value_set(path: Path, name: str) -> ValueSet:
    """The data values of a JSON or CSV export, also inside a .zip or .gz as DHIS2 writes."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise Dhis2FileProblem(f"the file cannot be opened ({error.strerror})") from None
    data, inner = _unpacked(data, name)
    kind = _content_kind(data)
    if kind == "json":
        return _json_value_set(data)
    if kind == "csv" and not inner.lower().endswith(".json"):
        return _csv_value_set(data)
    raise Dhis2FileProblem(_WRONG_CONTENT.get(kind, "the file is not JSON"))


_WRONG_CONTENT = {
    "empty": "the file is empty",
    "xml": "the file holds XML: DHIS2's XML export cannot be read",
    "binary": "the file holds binary data, not a DHIS2 export",
    "csv": "the file is named .json but does not hold JSON",
}


def _unpacked(data: bytes, name: str) -> tuple[bytes, str]:
    if data.startswith(b"\x1f\x8b"):
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
                return _limited(stream.read(MAX_UNPACKED_BYTES + 1)), name.removesuffix(".gz")
        except (OSError, EOFError) as error:
            raise Dhis2FileProblem(f"the gzip file is damaged or cut short ({error})") from None
    if data.startswith(b"PK\x03\x04"):
        return _zip_member(data)
    return data, name


def _zip_member(data: bytes) -> tuple[bytes, str]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [info for info in archive.infolist() if not info.is_dir()]
            if len(members) != 1:
                raise Dhis2FileProblem(
                    f"the zip file holds {len(members)} files",
                    "a zip file holding one DHIS2 export, as DHIS2 writes it",
                )
            with archive.open(members[0]) as stream:
                return _limited(stream.read(MAX_UNPACKED_BYTES + 1)), members[0].filename
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as error:
        raise Dhis2FileProblem(f"the zip file is damaged or cut short ({error})") from None


def _limited(data: bytes) -> bytes:
    if len(data) > MAX_UNPACKED_BYTES:
        raise Dhis2FileProblem(
            f"the compressed file opens to more than {MAX_UNPACKED_BYTES >> 30} GiB",
            "an export of at most that size, or several smaller exports",
        )
    return data


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


def _decoded(data: bytes) -> tuple[str, str, list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise Dhis2FileProblem(
            f"the file is not UTF-8 text (line {line} has the byte 0x{data[error.start]:02X})",
            "the file as DHIS2 exported it, which is UTF-8",
        ) from None
    if data.startswith(b"\xef\xbb\xbf"):
        return text, "utf-8-sig", ["the file is UTF-8 with a byte-order mark (BOM)"]
    return text, "utf-8", []


# ---------------------------------------------------------------------------------- JSON


class _JsonNumber(str):
    """A number as written in the JSON, kept as text so that no size overflows reading it."""


def _json_value_set(data: bytes) -> ValueSet:
    text, encoding, notes = _decoded(data)
    try:
        document = json.loads(
            text, parse_int=_JsonNumber, parse_float=_JsonNumber, parse_constant=_JsonNumber
        )
    except json.JSONDecodeError as error:
        raise Dhis2FileProblem(
            f"the file is not complete JSON ({error.msg}: line {error.lineno}, column "
            f"{error.colno} of the text): was the download cut short?",
        ) from None
    except RecursionError:
        raise Dhis2FileProblem("the JSON is nested too deeply to be a data value set") from None
    items, defaults = _data_values(document)
    value_set = ValueSet("dhis2-json", [], {name: name for name in (*FIELDS, "value")})
    value_set.encoding, value_set.notes = encoding, notes
    value_set.rows = len(items)
    for place, item in enumerate(items):
        items[place] = None  # let each parsed item go once read: a national export is large
        _json_value(place + 1, item, defaults, value_set)
    return value_set


def _data_values(document: Any) -> tuple[list[Any], dict[str, Any]]:
    if not isinstance(document, dict):
        raise Dhis2FileProblem(
            f"the JSON is {_json_type(document)}, not a data value set",
            'an object with a list of "dataValues", as DHIS2 exports a data value set',
        )
    if "dataValues" not in document:
        keys = ", ".join(f"'{key}'" for key in list(document)[:10]) or "none"
        what = " (it looks like a DHIS2 analytics table)" if "rows" in document else ""
        raise Dhis2FileProblem(
            f"the JSON has no 'dataValues'{what}; its keys are {keys}",
            'a data value set: an object with a list of "dataValues"',
        )
    items = document["dataValues"]
    if not isinstance(items, list):
        raise Dhis2FileProblem(
            f"'dataValues' is {_json_type(items)}, not a list", "a list of data values"
        )
    if not items:
        raise Dhis2FileProblem("'dataValues' is empty", "at least one data value")
    defaults = {name: document[name] for name in FIELDS if name in document}
    return items, defaults


def _json_value(position: int, item: Any, defaults: dict[str, Any], value_set: ValueSet) -> None:
    problems: list[Problem] = []

    def problem(column: str | None, message: str, expected: str) -> None:
        problems.append(Problem("", position, column, message, expected))

    if not isinstance(item, dict):
        expected = 'an object like {"dataElement": ..., "value": ...}'
        value_set.problems.append(
            Problem("", position, None, f"the data value is {_json_type(item)}", expected)
        )
        return
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
        value_set.problems.extend(problems)
        value_set.refused.append(DataValue(position, ids, None))
    else:
        value_set.values.append(DataValue(position, ids, value, deleted is True))


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


def _csv_value_set(data: bytes) -> ValueSet:
    text, encoding, notes = _decoded(data)
    records = _csv_records(text)
    first = next(records, None)
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
        records = itertools.chain([first], records)
        notes.append("the file has no header row, so its columns were read in DHIS2's order")
    value_set = ValueSet("dhis2-csv", [], field_names, encoding=encoding, notes=notes)
    for line, cells in records:
        value_set.rows += 1
        _csv_value(line, cells, names, width, value_set)
    if not value_set.values and not value_set.problems:
        raise Dhis2FileProblem("the file has a header row but no data values", "at least one row")
    return value_set


def _csv_records(text: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
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
    line: int, cells: list[str], names: Mapping[int, str], width: int, value_set: ValueSet
) -> None:
    def problem(column: str | None, message: str, expected: str) -> None:
        value_set.problems.append(Problem("", line, column, message, expected))

    needed = width or CSV_COLUMNS.index("value") + 1
    if (width and len(cells) != width) or len(cells) < needed:
        said = f"the header's {width}" if width else f"at least {needed} (up to the value)"
        count = f"{len(cells)} cell{'' if len(cells) == 1 else 's'}"
        problem(None, f"the row has {count}", f"{said} cells on every row")
        return
    if any(len(cell) > MAX_CELL_CHARS for cell in cells):
        problem(None, f"a cell holds more than {MAX_CELL_CHARS:,} characters", "short values")
        return
    found = {name: cells[place].strip() for place, name in names.items() if place < len(cells)}
    deleted = found.get("deleted", "").lower()
    if deleted not in ("", "true", "false"):
        problem(value_set.field_names["deleted"], f"'deleted' is {shown(deleted)}", "true or false")
        return
    ids = {name: sys.intern(found.get(name, "")) for name in FIELDS}
    value_set.values.append(DataValue(line, ids, found["value"], deleted == "true"))
