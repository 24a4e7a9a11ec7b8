"""Checked figures, one per metric, local unit, period and subgroup, held as columns.

A file of a million rows gives a million figures; as Python objects they take about 400 bytes
each, as columns of numbers (codes as small integers into one list of texts) about 50. A figure
is made into an `ObservationRow` only when it is read.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, overload

import numpy as np


@dataclass(frozen=True, slots=True)
class ObservationRow:
    """One checked figure. `line` is the file's row; `period` the canonical label (2011-12).

    A missing figure has a `missing_reason` and no numbers; it is never a zero.
    """

    line: int
    metric_code: str
    local_unit_code: str
    period: str
    subgroup_code: str
    numerator: float | None
    denominator: float | None
    value: float | None
    provisional: bool = False
    missing_reason: str | None = None


@dataclass(frozen=True)
class Repeat:
    """A figure given again: the row that repeats and the row it repeats."""

    line: int
    first: int
    metric_code: str
    local_unit_code: str
    period: str
    subgroup_code: str


def _number(figure: float | None) -> float:
    return math.nan if figure is None else figure


def _figure(number: float) -> float | None:
    return None if math.isnan(number) else number


class ObservationRows(Sequence[ObservationRow]):
    """Figures appended as they are checked; read back as `ObservationRow`s."""

    def __init__(self) -> None:
        self._ids: dict[str, int] = {"": 0}
        self._texts: list[str] = [""]
        self._lines = array("q")
        self._codes = array("i")  # metric, local unit, period, subgroup, missing reason
        self._figures = array("d")  # numerator, denominator, value (NaN: none)
        self._provisional = array("b")

    def _id(self, text: str | None) -> int:
        text = text or ""
        found = self._ids.get(text)
        if found is None:
            found = self._ids[text] = len(self._texts)
            self._texts.append(text)
        return found

    def append(self, row: ObservationRow) -> None:
        self._lines.append(row.line)
        codes = (row.metric_code, row.local_unit_code, row.period, row.subgroup_code)
        self._codes.extend(self._id(code) for code in (*codes, row.missing_reason))
        self._figures.extend(_number(f) for f in (row.numerator, row.denominator, row.value))
        self._provisional.append(row.provisional)

    def __len__(self) -> int:
        return len(self._lines)

    @overload
    def __getitem__(self, index: int) -> ObservationRow: ...
    @overload
    def __getitem__(self, index: slice) -> list[ObservationRow]: ...
    def __getitem__(self, index: int | slice) -> ObservationRow | list[ObservationRow]:
        if isinstance(index, slice):
            return [self[place] for place in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        texts = self._texts
        metric, unit, period, subgroup, missing = self._codes[index * 5 : index * 5 + 5]
        numerator, denominator, value = self._figures[index * 3 : index * 3 + 3]
        return ObservationRow(
            self._lines[index],
            texts[metric],
            texts[unit],
            texts[period],
            texts[subgroup],
            _figure(numerator),
            _figure(denominator),
            _figure(value),
            bool(self._provisional[index]),
            texts[missing] or None,
        )

    def __iter__(self) -> Iterator[ObservationRow]:
        return (self[place] for place in range(len(self)))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]  # mutable, like a list

    def missing_reasons(self) -> dict[str, int]:
        """How many figures are missing, by reason."""
        reasons = np.frombuffer(self._codes, dtype=np.int32)[4::5]
        ids, counts = np.unique(reasons[reasons > 0], return_counts=True)
        return {self._texts[int(i)]: int(n) for i, n in zip(ids, counts, strict=True)}

    def drop_repeats(self) -> list[Repeat]:
        """Keep the first figure of each metric, local unit, period and subgroup; return the
        others, in the order of their rows."""
        if not len(self):
            return []
        codes = np.frombuffer(self._codes, dtype=np.int32).reshape(-1, 5)
        lines = np.frombuffer(self._lines, dtype=np.int64)
        order = np.lexsort((lines, codes[:, 3], codes[:, 2], codes[:, 1], codes[:, 0]))
        key = codes[order, :4]
        same = np.concatenate(([False], (key[1:] == key[:-1]).all(axis=1)))
        if not same.any():
            return []
        group_start = np.maximum.accumulate(np.where(same, 0, np.arange(len(order))))
        repeated = order[same]
        firsts = lines[order[group_start[same]]]
        repeats = sorted(
            (int(lines[place]), int(first), place)
            for place, first in zip(repeated, firsts, strict=True)
        )
        found = [
            Repeat(line, first, *(self._texts[int(c)] for c in codes[place, :4]))
            for line, first, place in repeats
        ]
        self._keep(np.setdiff1d(np.arange(len(self)), repeated, assume_unique=True))
        return found

    def _keep(self, places: Any) -> None:
        codes = np.frombuffer(self._codes, dtype=np.int32).reshape(-1, 5)[places]
        figures = np.frombuffer(self._figures, dtype=np.float64).reshape(-1, 3)[places]
        self._lines = array("q", np.frombuffer(self._lines, dtype=np.int64)[places].tobytes())
        self._codes = array("i", codes.tobytes())
        self._figures = array("d", figures.tobytes())
        provisional = np.frombuffer(self._provisional, dtype=np.int8)[places]
        self._provisional = array("b", provisional.tobytes())
