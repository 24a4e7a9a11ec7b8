"""Reading a file of local units (code, name, type, parent, validity dates), checking every row.

Each cell is checked here (blank or malformed codes, dates); the tree as a whole (a unit under
two parents at once, loops, unknown parents) by `core.hierarchy.hierarchy_problems`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path

from deliverology.core.hierarchy import HierarchyRow, hierarchy_problems
from deliverology.engine.cells import CellError, cell_text, read_date, shown
from deliverology.engine.problems import Problem, ProblemLog
from deliverology.engine.reading import Cell, FileProblem, Table, read_table

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
CODE_EXPECTED = "letters, digits, dots, dashes and underscores, starting with a letter or digit"
MAX_CODE = 64
MAX_NAME = 200
MAX_TYPE = 32
_REQUIRED = ("code", "name", "type", "parent_code")

_Say = Callable[[str, str, str], None]  # (field, message, expected)


@dataclass(frozen=True)
class HierarchyColumns:
    """The file's column for each field; the defaults are the field names themselves."""

    code: str = "code"
    name: str = "name"
    type: str = "type"
    parent_code: str = "parent_code"
    valid_from: str = "valid_from"
    valid_to: str = "valid_to"


@dataclass(frozen=True)
class UnitRow:
    """One checked row. A unit that moved between parents has a row for each, with dates."""

    line: int
    code: str
    name: str
    type: str
    parent_code: str | None
    valid_from: date | None = None
    valid_to: date | None = None


@dataclass(frozen=True)
class HierarchyRead:
    file: str
    rows: list[UnitRow]
    problems: list[Problem]
    notes: list[Problem]

    @property
    def is_clean(self) -> bool:
        return not self.problems


def read_hierarchy(
    path: str | Path,
    columns: HierarchyColumns | Mapping[str, str] | None = None,
    *,
    known_units: Collection[str] | None = None,
    sheet: str | None = None,
    file_name: str | None = None,
) -> HierarchyRead:
    """Read and check a hierarchy file. Parents in `known_units` (already loaded) may be
    left out of the file; any other parent must be in it."""
    names = _columns(columns)
    name = file_name or Path(path).name
    try:
        table = read_table(path, sheet=sheet, file_name=name)
    except FileProblem as problem:
        return HierarchyRead(name, [], problem.problems, [])
    notes = [Problem(name, None, None, note) for note in table.notes]
    log = ProblemLog(name)
    index = _column_index(table, names, log)
    if index is None:
        return HierarchyRead(name, [], log.problems(), notes)
    rows = [row for row in _unit_rows(table, names, index, log) if row is not None]
    checked = [row for row in rows if CODE_PATTERN.match(row.code)]
    _tree_problems(checked, names, known_units or (), log)
    return HierarchyRead(name, rows, log.problems(), notes)


def _columns(columns: HierarchyColumns | Mapping[str, str] | None) -> HierarchyColumns:
    if columns is None or isinstance(columns, HierarchyColumns):
        return columns or HierarchyColumns()
    allowed = {each.name for each in fields(HierarchyColumns)}
    unknown = sorted(set(columns) - allowed)
    if unknown:
        raise ValueError(
            f"unknown hierarchy field {', '.join(unknown)}: the fields are {', '.join(allowed)}"
        )
    return HierarchyColumns(**columns)


def _column_index(table: Table, names: HierarchyColumns, log: ProblemLog) -> dict[str, int] | None:
    index: dict[str, int] = {}
    missing = []
    for field in (each.name for each in fields(HierarchyColumns)):
        column = getattr(names, field)
        if column in table.columns:
            index[field] = table.columns.index(column)
        elif field in _REQUIRED:
            missing.append(f"'{column}'")
    if missing:
        listed = ", ".join(f"'{column}'" for column in table.columns if column)
        log.add(
            None,
            None,
            f"the file has no column {' or '.join(missing)}; its columns are {listed}",
            "columns code, name, type and parent_code (valid_from and valid_to may be added)",
        )
        return None
    return index


def _unit_rows(
    table: Table, names: HierarchyColumns, index: dict[str, int], log: ProblemLog
) -> list[UnitRow | None]:
    return [_unit_row(row.line, row.cells, names, index, log) for row in table.rows]


def _unit_row(
    line: int,
    cells: tuple[Cell, ...],
    names: HierarchyColumns,
    index: dict[str, int],
    log: ProblemLog,
) -> UnitRow | None:
    before = log.count

    def text(field: str) -> str:
        return cell_text(cells[index[field]]) if field in index else ""

    def problem(field: str, message: str, expected: str) -> None:
        log.add(line, getattr(names, field), message, expected)

    code, parent = text("code"), text("parent_code")
    _check_code(code, "code", problem, blank_allowed=False)
    _check_code(parent, "parent_code", problem, blank_allowed=True)
    _check_text(text("name"), "name", MAX_NAME, problem)
    _check_text(text("type"), "type", MAX_TYPE, problem)
    valid_from = _date(cells, index, "valid_from", problem)
    valid_to = _date(cells, index, "valid_to", problem)
    if log.count > before and not CODE_PATTERN.match(code):
        return None
    return UnitRow(line, code, text("name"), text("type"), parent or None, valid_from, valid_to)


def _check_code(code: str, field: str, problem: _Say, *, blank_allowed: bool) -> None:
    if not code:
        if not blank_allowed:
            problem(field, "the code is blank", f"a code of {CODE_EXPECTED}")
        return
    if len(code) > MAX_CODE:
        problem(field, f"the code has {len(code)} characters", f"at most {MAX_CODE}")
    elif not CODE_PATTERN.match(code):
        bad = sorted({char for char in code if not re.match(r"[A-Za-z0-9_.\-]", char)})
        said = "".join(bad) if bad else code[0]
        problem(field, f"{shown(code)} has characters a code cannot have ('{said}')", CODE_EXPECTED)


def _check_text(value: str, field: str, longest: int, problem: _Say) -> None:
    if not value:
        problem(field, f"the {field} is blank", f"a {field} for every local unit")
    elif len(value) > longest:
        problem(field, f"the {field} has {len(value):,} characters", f"at most {longest}")


def _date(cells: tuple[Cell, ...], index: dict[str, int], field: str, problem: _Say) -> date | None:
    if field not in index:
        return None
    try:
        return read_date(cells[index[field]])
    except CellError as error:
        problem(field, error.message, error.expected or "")
        return None


def _tree_problems(
    rows: list[UnitRow], names: HierarchyColumns, known: Collection[str], log: ProblemLog
) -> None:
    in_file = {row.code for row in rows}
    tree = [HierarchyRow(r.line, r.code, _parent(r), r.valid_from, r.valid_to) for r in rows]
    # Parents already loaded stand in as roots, so only parents found nowhere are unknown.
    parents = {parent for row in rows if (parent := _parent(row)) is not None}
    tree += [HierarchyRow(0, code, None) for code in sorted((parents - in_file) & set(known))]
    for found in hierarchy_problems(tree):
        column = getattr(names, found.column, found.column)
        expected = None
        if found.message.startswith("unknown parent"):
            expected = "the code of a unit in the file or already loaded"
        log.add(found.line, column, found.message, expected)


def _parent(row: UnitRow) -> str | None:
    """The parent for the tree checks; a malformed one is reported already."""
    parent = row.parent_code
    return parent if parent is not None and CODE_PATTERN.match(parent) else None
