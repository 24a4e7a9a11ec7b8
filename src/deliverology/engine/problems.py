"""Problems found in a file, worded for the person who has to fix it.

A problem names the file, the row as a spreadsheet shows it (the header is row 1), the column,
what is wrong and what was expected: "scores.csv, row 14, column 'period': '12-Nov' looks like a
date a spreadsheet made from '2011-12'; expected an academic year like 2011-12".
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field, replace

PROBLEMS_LISTED = 200
LINES_NAMED = 5


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file (or a note about it). `line` and `column` may be unknown."""

    file: str
    line: int | None
    column: str | None
    message: str
    expected: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", row {self.line}"
        if self.column is not None:
            where += f", column '{self.column}'"
        text = f"{where}: {self.message}"
        return f"{text}; expected {self.expected}" if self.expected else text


@dataclass
class _Entry:
    problem: Problem
    more_lines: list[int] = field(default_factory=list)

    def also_on(self, line: int | None) -> None:
        if line is not None and line != self.problem.line and line not in self.more_lines[-1:]:
            self.more_lines.append(line)

    def final(self) -> Problem:
        if not self.more_lines:
            return self.problem
        message = f"{self.problem.message} ({_also_on(self.more_lines)})"
        return replace(self.problem, message=message)


def _also_on(lines: list[int]) -> str:
    named = ", ".join(str(line) for line in lines[:LINES_NAMED])
    rest = len(lines) - LINES_NAMED
    if rest > 0:
        return f"also on rows {named} and {rest:,} more"
    return f"also on row{'s' if len(lines) > 1 else ''} {named}"


class ProblemLog:
    """Collects every problem, lists the first `limit` and counts the rest.

    Problems given a `key` are told once: later rows with the same key are named in the
    first one's message ("unknown local unit 'X' (also on rows 7, 9)"), not listed again.
    """

    def __init__(self, file: str, limit: int = PROBLEMS_LISTED) -> None:
        self.file = file
        self.limit = limit
        self.count = 0
        self._entries: list[_Entry] = []
        self._keyed: dict[Hashable, _Entry] = {}
        # The keys of problems told after the first `limit`, by their hash: counted once each.
        self._unlisted: set[int] = set()

    def add(
        self,
        line: int | None,
        column: str | None,
        message: str,
        expected: str | None = None,
        *,
        key: Hashable | None = None,
    ) -> None:
        if key is not None and key in self._keyed:
            self._keyed[key].also_on(line)
            return
        if key is not None and hash(key) in self._unlisted:
            return
        self.count += 1
        if len(self._entries) >= self.limit:
            if key is not None:
                self._unlisted.add(hash(key))
            return
        entry = _Entry(Problem(self.file, line, column, message, expected))
        self._entries.append(entry)
        if key is not None:
            self._keyed[key] = entry

    def extend(self, problems: list[Problem]) -> None:
        for problem in problems:
            self.add(problem.line, problem.column, problem.message, problem.expected)

    def __bool__(self) -> bool:
        return self.count > 0

    def problems(self) -> list[Problem]:
        """The listed problems, then one line saying how many more there are."""
        listed = [entry.final() for entry in self._entries]
        rest = self.count - len(listed)
        if rest > 0:
            listed.append(
                Problem(
                    self.file,
                    None,
                    None,
                    f"{rest:,} more problems are not listed ({self.count:,} in all); "
                    "fix the ones above and check the file again",
                )
            )
        return listed
