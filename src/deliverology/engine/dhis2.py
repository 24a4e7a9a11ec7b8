"""Reading a DHIS2 data value set (its JSON or CSV export) into checked observations.

A data value set is a list of values, one per data element, period, org unit, category option
combo and attribute option combo. The mapping's `dhis2` part says which local unit each org
unit is, which metric (and which part of its measure) each data element gives and which
subgroup each category option combo is. The values of a metric's numerator and denominator
for the same local unit, period and subgroup are paired into one observation.

Rows are counted as DHIS2 counts them: in JSON, row 1 is the first item of `dataValues`; in
CSV, the file's line. The result is the same `ObservationsRead` as for any other file, so
the import's preview and its all-or-nothing load work unchanged.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import zipfile
from collections import Counter
from collections.abc import Collection, Hashable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deliverology.core.aggregation import Aggregation
from deliverology.core.periods import (
    DHIS2_EXAMPLES,
    Period,
    PeriodError,
    PeriodKind,
    kind_noun,
    parse_dhis2_period,
)
from deliverology.engine.cells import fold_markers, shown
from deliverology.engine.figures import Figures, MetricSpec, read_figures
from deliverology.engine.mapping import ColumnMapping, Dhis2DataElement, Dhis2Mapping, Role
from deliverology.engine.observations import ObservationRow, ObservationsRead, ReadStats
from deliverology.engine.problems import Problem, ProblemLog
from deliverology.engine.reading import MAX_CELL_CHARS, Cell

DEFAULT_COMBOS = frozenset({"default"})
MAX_UNPACKED_BYTES = 2 << 30  # a compressed export opened to more than this is refused
_UNIT_EXPECTED = (
    "the code of a local unit in the hierarchy, or an org unit listed in the mapping's "
    "dhis2 org_units"
)
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


@dataclass(frozen=True)
class DataValue:
    """One value of the file: its row, its ids as written, and its value."""

    line: int
    ids: Mapping[str, str]
    value: Cell
    deleted: bool = False


@dataclass
class ValueSet:
    """The data values of a file, the names its format gives each field, and what was found
    wrong with single values while reading them."""

    format: str
    values: list[DataValue]
    field_names: Mapping[str, str]
    problems: list[Problem] = field(default_factory=list)
    encoding: str | None = None
    notes: list[str] = field(default_factory=list)


def read_dhis2(
    path: str | Path,
    mapping: ColumnMapping,
    *,
    known_units: Collection[str] | None = None,
    known_metrics: Mapping[str, MetricSpec] | None = None,
    known_subgroups: Collection[str] | None = None,
    file_name: str | None = None,
) -> ObservationsRead:
    """Read and check every data value of a DHIS2 export; see `read_observations`."""
    name = file_name or Path(path).name
    if mapping.dhis2 is None:
        raise ValueError("read_dhis2 needs a mapping with the dhis2 layout")
    try:
        value_set = read_value_set(Path(path), name)
    except Dhis2FileProblem as problem:
        return _refused(name, Problem(name, None, None, problem.message, problem.expected))
    reader = _Dhis2Reader(
        name,
        value_set,
        mapping,
        mapping.dhis2,
        known_units=None if known_units is None else frozenset(known_units),
        known_metrics=known_metrics,
        known_subgroups=None if known_subgroups is None else frozenset(known_subgroups),
    )
    return reader.read()


def _refused(name: str, problem: Problem) -> ObservationsRead:
    stats = ReadStats("dhis2", None, None, 0, 0, 0, 0, {}, 0, 1)
    return ObservationsRead(name, [], [problem], [], [], [], stats)


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
            f"the file is not complete JSON ({error.msg} at line {error.lineno}, column "
            f"{error.colno} of the text): was the download cut short?",
        ) from None
    except RecursionError:
        raise Dhis2FileProblem("the JSON is nested too deeply to be a data value set") from None
    items, defaults = _data_values(document)
    value_set = ValueSet("dhis2-json", [], {name: name for name in (*FIELDS, "value")})
    value_set.encoding, value_set.notes = encoding, notes
    for position, item in enumerate(items, start=1):
        _json_value(position, item, defaults, value_set)
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
    def problem(column: str | None, message: str, expected: str) -> None:
        value_set.problems.append(Problem("", position, column, message, expected))

    if not isinstance(item, dict):
        problem(
            None, f"the data value is {_json_type(item)}", 'an object like {"dataElement": ...}'
        )
        return
    ids: dict[str, str] = {}
    for name in FIELDS:
        given = item.get(name, defaults.get(name))
        if given is None:
            given = ""
        if isinstance(given, str) and not isinstance(given, _JsonNumber):
            ids[name] = given.strip()
        else:
            problem(name, f"{name} is {_json_type(given)}", f"the {_FIELD_NOUNS[name]} as text")
    value = item.get("value")
    if isinstance(value, _JsonNumber):
        value = str(value)
    elif value is not None and not isinstance(value, str | bool):
        problem("value", f"the value is {_json_type(value)}", "a number, as text or a number")
        return
    deleted = item.get("deleted", False)
    if not isinstance(deleted, bool):
        problem("deleted", f"'deleted' is {_json_type(deleted)}", "true or false")
        return
    if len(ids) == len(FIELDS):
        value_set.values.append(DataValue(position, ids, value, deleted))


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
    records = list(_csv_records(text))
    header = [cell.strip().lower() for cell in records[0][1]] if records else []
    if "dataelement" in header:
        names = {place: _CSV_NAMES[cell] for place, cell in enumerate(header) if cell in _CSV_NAMES}
        _check_csv_header(records[0][1], names)
        field_names = {name: records[0][1][place].strip() for place, name in names.items()}
        body, width = records[1:], len(header)
    else:
        names = {
            place: _CSV_NAMES[column]
            for place, column in enumerate(CSV_COLUMNS)
            if column in _CSV_NAMES
        }
        field_names = {name: column for column, name in _CSV_NAMES.items() if column in CSV_COLUMNS}
        body, width = records, 0
        notes.append("the file has no header row, so its columns were read in DHIS2's order")
    if not body:
        raise Dhis2FileProblem("the file has a header row but no data values", "at least one row")
    value_set = ValueSet("dhis2-csv", [], field_names, encoding=encoding, notes=notes)
    for line, cells in body:
        _csv_value(line, cells, names, width, value_set)
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
        problem(None, f"the row has {len(cells)} cells", f"{said} cells on every row")
        return
    if any(len(cell) > MAX_CELL_CHARS for cell in cells):
        problem(None, f"a cell holds more than {MAX_CELL_CHARS:,} characters", "short values")
        return
    found = {name: cells[place].strip() for place, name in names.items() if place < len(cells)}
    deleted = found.get("deleted", "").lower()
    if deleted not in ("", "true", "false"):
        problem(value_set.field_names["deleted"], f"'deleted' is {shown(deleted)}", "true or false")
        return
    ids = {name: found.get(name, "") for name in FIELDS}
    value_set.values.append(DataValue(line, ids, found["value"], deleted == "true"))


# ------------------------------------------------------------------------------ checking


@dataclass
class _Pair:
    """The values that make one observation: by part of the measure, with their rows."""

    metric: str
    unit: str
    period: str
    subgroup: str
    values: dict[Role, DataValue] = field(default_factory=dict)
    elements: dict[Role, str] = field(default_factory=dict)


class _Dhis2Reader:
    def __init__(
        self,
        name: str,
        value_set: ValueSet,
        mapping: ColumnMapping,
        dhis2: Dhis2Mapping,
        *,
        known_units: frozenset[str] | None,
        known_metrics: Mapping[str, MetricSpec] | None,
        known_subgroups: frozenset[str] | None,
    ) -> None:
        self.name = name
        self.value_set = value_set
        self.mapping = mapping
        self.dhis2 = dhis2
        self.known_units = known_units
        self.known_metrics = known_metrics
        self.known_subgroups = known_subgroups
        self.log = ProblemLog(name)
        self.problem_lines: set[int] = set()
        self.filtered_out = 0
        self.elements: dict[str, list[Dhis2DataElement]] = {}
        for element in dhis2.data_elements:
            self.elements.setdefault(element.data_element, []).append(element)
        self.metric_roles: dict[str, set[Role]] = {}
        for element in dhis2.data_elements:
            self.metric_roles.setdefault(element.metric, set()).add(element.role)
        self.bad_metrics: set[str] = set()
        self.periods: dict[str, Period | str] = {}
        self.first_kind: dict[str, tuple[PeriodKind, int, str]] = {}
        self.pairs: dict[tuple[str, str, str, str], _Pair] = {}
        self.markers = fold_markers(mapping.suppression_markers)

    def read(self) -> ObservationsRead:
        for problem in self.value_set.problems:
            self._problem(problem.line, problem.column, problem.message, problem.expected)
        self._check_metrics()
        for value in self.value_set.values:
            self._read_value(value)
        rows = self._observations()
        return self._result(rows)

    def _result(self, rows: list[ObservationRow]) -> ObservationsRead:
        missing = Counter(row.missing_reason for row in rows if row.missing_reason)
        value_set = self.value_set
        stats = ReadStats(
            format=value_set.format,
            encoding=value_set.encoding,
            delimiter="," if value_set.format == "dhis2-csv" else None,
            file_rows=len(value_set.values) + len(value_set.problems),
            rows_filtered_out=self.filtered_out,
            rows_with_problems=len(self.problem_lines),
            observations=len(rows),
            missing=dict(missing),
            placeholders=0,
            problem_count=self.log.count,
        )
        notes = [Problem(self.name, None, None, note) for note in value_set.notes]
        return ObservationsRead(self.name, rows, self.log.problems(), [], [], notes, stats)

    def _problem(
        self,
        line: int | None,
        column: str | None,
        message: str,
        expected: str | None = None,
        *,
        key: Hashable | None = None,
    ) -> None:
        if line is not None:
            self.problem_lines.add(line)
        self.log.add(line, column, message, expected, key=key)

    def _field(self, name: str) -> str:
        return self.value_set.field_names.get(name, name)

    # -------------------------------------------------------------------------- the metrics

    def _check_metrics(self) -> None:
        if self.known_metrics is None:
            return
        for metric, given in self.metric_roles.items():
            spec = self.known_metrics.get(metric)
            message = _unknown_metric(metric) if spec is None else _fit(spec, given)
            if message is not None:
                self.bad_metrics.add(metric)
                expected = "the code of a metric already set up" if spec is None else None
                self._problem(None, None, message, expected)

    # ----------------------------------------------------------------------- one data value

    def _read_value(self, value: DataValue) -> None:
        ids = value.ids
        allowed = self.dhis2.attribute_option_combos
        if allowed and ids["attributeOptionCombo"] not in allowed:
            self.filtered_out += 1
            return
        if ids["dataElement"] in self.dhis2.ignored_data_elements:
            self.filtered_out += 1
            return
        if value.deleted:
            self._problem(
                value.line,
                self._field("deleted"),
                "the data value is marked deleted in DHIS2",
                "an export without deleted values (leave 'include deleted' off when exporting)",
            )
            return
        elements = self._elements(value)
        unit = self._local_unit(value)
        subgroup = self._subgroup(value)
        period = self._period(value)
        for element in elements:
            if element.metric in self.bad_metrics:
                continue
            code = element.subgroup or subgroup
            if unit is None or code is None or period is None:
                continue
            if self._is_of_kind(value, element.metric, period):
                self._pair(value, element, unit, period.label, code)

    def _elements(self, value: DataValue) -> list[Dhis2DataElement]:
        element = value.ids["dataElement"]
        found = self.elements.get(element)
        if found:
            return found
        column = self._field("dataElement")
        if not element:
            self._problem(value.line, column, "the data element is blank", "a data element id")
            return []
        self._problem(
            value.line,
            column,
            f"unknown data element '{element}'",
            "a data element listed in the mapping's dhis2 data_elements (or in "
            "ignored_data_elements, to leave it out)",
            key=("element", element),
        )
        return []

    def _local_unit(self, value: DataValue) -> str | None:
        org_unit = value.ids["orgUnit"]
        column = self._field("orgUnit")
        if not org_unit:
            self._problem(value.line, column, "the org unit is blank", _UNIT_EXPECTED)
            return None
        code = self.dhis2.org_units.get(org_unit, org_unit)
        if self.known_units is None or code in self.known_units:
            return code
        origin = f" (org unit '{org_unit}')" if code != org_unit else ""
        self._problem(
            value.line,
            column,
            f"unknown local unit '{code}'{origin}",
            _UNIT_EXPECTED,
            key=("unit", code),
        )
        return None

    def _subgroup(self, value: DataValue) -> str | None:
        combo = value.ids["categoryOptionCombo"]
        code = self.dhis2.category_option_combos.get(combo, combo)
        if not combo or combo.casefold() in DEFAULT_COMBOS:
            code = self.dhis2.category_option_combos.get(combo, self.mapping.default_subgroup)
        if self.known_subgroups is None or code in self.known_subgroups:
            return code
        self._problem(
            value.line,
            self._field("categoryOptionCombo"),
            f"unmapped category option combo '{combo}'",
            "a combo listed in the mapping's dhis2 category_option_combos, or the code of a "
            "subgroup already set up",
            key=("combo", combo),
        )
        return None

    def _period(self, value: DataValue) -> Period | None:
        text = value.ids["period"]
        if text not in self.periods:
            try:
                self.periods[text] = parse_dhis2_period(text)
            except PeriodError as error:
                self.periods[text] = str(error) if text else "the period is blank"
        found = self.periods[text]
        if isinstance(found, Period):
            return found
        self._problem(
            value.line,
            self._field("period"),
            found,
            f"a DHIS2 period id like {DHIS2_EXAMPLES}",
            key=("period", text),
        )
        return None

    def _is_of_kind(self, value: DataValue, metric: str, period: Period) -> bool:
        spec = self.known_metrics.get(metric) if self.known_metrics is not None else None
        kind = spec.frequency if spec is not None else self.mapping.period_kind
        if kind is not None:
            if period.kind == kind:
                return True
            self._problem(
                value.line,
                self._field("period"),
                f"'{value.ids['period']}' is {kind_noun(period.kind)}, but {metric} is "
                f"reported by {kind_noun(kind).split(' ', 1)[1]}",
                f"periods of {metric}'s kind ({_dhis2_example(kind)})",
                key=("kind", metric, period.kind),
            )
            return False
        first_kind, first_line, first_text = self.first_kind.setdefault(
            metric, (period.kind, value.line, value.ids["period"])
        )
        if period.kind == first_kind:
            return True
        self._problem(
            value.line,
            self._field("period"),
            f"'{value.ids['period']}' is {kind_noun(period.kind)}, but row {first_line} gives "
            f"{kind_noun(first_kind)} ('{first_text}') for {metric}",
            f"periods of one kind for a metric, like {first_text}",
            key=("kind", metric, period.kind),
        )
        return False

    def _pair(
        self, value: DataValue, element: Dhis2DataElement, unit: str, period: str, subgroup: str
    ) -> None:
        key = (element.metric, unit, period, subgroup)
        pair = self.pairs.setdefault(key, _Pair(*key))
        earlier = pair.values.get(element.role)
        if earlier is None:
            pair.values[element.role] = value
            pair.elements[element.role] = element.data_element
            return
        self._problem(
            value.line,
            None,
            f"this data value repeats row {earlier.line}: both give the {element.role} of "
            f"{element.metric} for {unit}, {period}, subgroup {subgroup}",
            "one value per data element, period, org unit and category option combo (if the "
            "file has several attribute option combos, choose one in the mapping)",
            key=("repeat", earlier.line, value.line),
        )

    # ---------------------------------------------------------------------- the observations

    def _observations(self) -> list[ObservationRow]:
        rows = []
        for pair in self.pairs.values():
            lines = {value.line for value in pair.values.values()}
            if lines & self.problem_lines:
                continue
            figures = self._figures(pair)
            if figures is not None:
                first = min(lines)
                rows.append(
                    ObservationRow(
                        first,
                        pair.metric,
                        pair.unit,
                        pair.period,
                        pair.subgroup,
                        figures.numerator,
                        figures.denominator,
                        figures.value,
                        missing_reason=figures.missing_reason,
                    )
                )
        return rows

    def _figures(self, pair: _Pair) -> Figures | None:
        spec = self.known_metrics.get(pair.metric) if self.known_metrics is not None else None
        cells: dict[Role, Cell] = {role: value.value for role, value in pair.values.items()}
        if not self._is_whole(pair, spec, cells):
            return None
        found = read_figures(cells, spec, self.markers)
        if isinstance(found, Figures):
            return found
        for problem in found:
            value = pair.values.get(problem.role) or next(iter(pair.values.values()))
            self._problem(value.line, self._field("value"), problem.message, problem.expected)
        return None

    def _is_whole(self, pair: _Pair, spec: MetricSpec | None, cells: dict[Role, Cell]) -> bool:
        """Every part the measure needs has its value; DHIS2 may have left out a zero."""
        needed = _needed(spec, self.metric_roles[pair.metric])
        if Role.NUMERATOR not in cells and Role.DENOMINATOR in cells:
            if self.dhis2.absent_numerator_is_zero:
                cells[Role.NUMERATOR] = 0
        absent = [role for role in Role if role in needed and role not in cells]
        if not absent:
            return True
        given = next(iter(pair.values))
        element = self._element_of(pair.metric, absent[0], pair.subgroup)
        zeros = (
            " (DHIS2 leaves out zeros unless the data element stores them: set "
            "absent_numerator_is_zero in the mapping if that is why)"
            if absent[0] is Role.NUMERATOR
            else ""
        )
        self._problem(
            pair.values[given].line,
            self._field("dataElement"),
            f"the {given} of {pair.metric} for {pair.unit}, {pair.period}, subgroup "
            f"{pair.subgroup} has no {absent[0]} in the file",
            f"a value of data element '{element}' for the same org unit, period and combo{zeros}",
        )
        return False

    def _element_of(self, metric: str, role: Role, subgroup: str) -> str:
        for element in self.dhis2.data_elements:
            if element.metric == metric and element.role is role:
                if element.subgroup in (None, subgroup):
                    return element.data_element
        return "?"


def _needed(spec: MetricSpec | None, mapped: set[Role]) -> set[Role]:
    ratio = {Role.NUMERATOR, Role.DENOMINATOR}
    if spec is not None:
        return ratio if spec.aggregation in (Aggregation.RATE, Aggregation.MEAN) else {Role.VALUE}
    if ratio <= mapped:
        return ratio
    return {Role.VALUE} if Role.VALUE in mapped else mapped


def _unknown_metric(metric: str) -> str:
    return f"the mapping sends data to metric '{metric}', which is not set up"


def _fit(spec: MetricSpec, roles: set[Role]) -> str | None:
    if spec.aggregation in (Aggregation.RATE, Aggregation.MEAN):
        if not {Role.NUMERATOR, Role.DENOMINATOR} <= roles:
            return (
                f"metric '{spec.code}' is a {spec.aggregation}, so the mapping must give the data "
                "elements of its numerator and its denominator"
            )
    elif Role.VALUE not in roles:
        return (
            f"metric '{spec.code}' is a {spec.aggregation}, so the mapping must give the data "
            "element of its value"
        )
    return None


def _dhis2_example(kind: PeriodKind) -> str:
    return {
        PeriodKind.CALENDAR_YEAR: "like 2024",
        PeriodKind.MONTH: "like 202403",
        PeriodKind.QUARTER: "like 2024Q1",
        PeriodKind.ACADEMIC_YEAR: "like 2024Sep, a DHIS2 financial year from September",
        PeriodKind.TERM: "which DHIS2 has no period type for",
    }[kind]
