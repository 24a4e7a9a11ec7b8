"""Checking a local-unit hierarchy before it is stored: one parent at a time, no cycles.

Units merge and split over the years, so a unit may have several parent rows, but their
validity periods must not overlap: a unit assigned to two parents at once is an error.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

OPEN_START = date.min
OPEN_END = date.max


@dataclass(frozen=True)
class HierarchyRow:
    """One row of a hierarchy as entered: `line` is where it came from, for error messages."""

    line: int
    code: str
    parent_code: str | None
    valid_from: date | None = None
    valid_to: date | None = None


@dataclass(frozen=True)
class HierarchyProblem:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.line}, column {self.column}: {self.message}"


def hierarchy_problems(rows: Sequence[HierarchyRow]) -> list[HierarchyProblem]:
    """Every problem in the rows, in row order; an empty list means they can be stored."""
    known = {row.code for row in rows}
    problems = [p for row in rows for p in _row_problems(row, known)]
    problems += _overlapping_parents(rows)
    problems += _cycles(rows)
    return sorted(problems, key=lambda p: (p.line, p.column))


def _row_problems(row: HierarchyRow, known: set[str]) -> list[HierarchyProblem]:
    problems = []
    if row.parent_code is not None and row.parent_code not in known:
        problems.append(
            HierarchyProblem(row.line, "parent_code", f"unknown parent '{row.parent_code}'")
        )
    if row.parent_code == row.code:
        problems.append(
            HierarchyProblem(row.line, "parent_code", "a unit cannot be its own parent")
        )
    if row.valid_from and row.valid_to and row.valid_to < row.valid_from:
        problems.append(HierarchyProblem(row.line, "valid_to", "the unit closes before it opens"))
    return problems


def _overlapping_parents(rows: Sequence[HierarchyRow]) -> list[HierarchyProblem]:
    by_code: dict[str, list[HierarchyRow]] = defaultdict(list)
    for row in rows:
        by_code[row.code].append(row)
    problems = []
    for same_unit in by_code.values():
        ordered = sorted(same_unit, key=lambda r: r.valid_from or OPEN_START)
        for earlier, later in zip(ordered, ordered[1:], strict=False):
            if (earlier.valid_to or OPEN_END) >= (later.valid_from or OPEN_START):
                problems.append(_two_parents(earlier, later))
    return problems


def _two_parents(earlier: HierarchyRow, later: HierarchyRow) -> HierarchyProblem:
    if earlier.parent_code == later.parent_code:
        message = f"'{later.code}' is listed twice for the same dates (first on row {earlier.line})"
    else:
        message = (
            f"'{later.code}' would sit under '{earlier.parent_code}' (row {earlier.line}) and "
            f"'{later.parent_code}' at the same time; "
            "give the rows validity dates that do not overlap"
        )
    return HierarchyProblem(later.line, "parent_code", message)


def _cycles(rows: Sequence[HierarchyRow]) -> list[HierarchyProblem]:
    parent_of = {row.code: row.parent_code for row in rows}
    line_of = {row.code: row.line for row in rows}
    problems = []
    reported: set[str] = set()
    for start in parent_of:
        seen: list[str] = []
        code: str | None = start
        while code is not None and code in parent_of and code not in seen:
            seen.append(code)
            code = parent_of[code]
        if code is not None and code in seen and code not in reported:
            loop = seen[seen.index(code) :]
            reported.update(loop)
            chain = " → ".join([*loop, code])
            problems.append(
                HierarchyProblem(line_of[code], "parent_code", f"the units form a loop: {chain}")
            )
    return problems
