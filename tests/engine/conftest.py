"""Files for the engine tests, written into tmp_path: a small long-format file of district
figures and the mapping, metrics, local units and subgroups that read it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from deliverology.core.aggregation import Aggregation
from deliverology.core.periods import PeriodKind
from deliverology.engine.mapping import ColumnMapping, Layout
from deliverology.engine.observations import MetricSpec, ObservationsRead, read_observations
from deliverology.engine.problems import Problem

HEADER = ("district", "period", "subgroup", "metric", "numerator", "denominator", "value")
GOOD_ROWS = (
    ("D1", "2023-24", "all", "reading", "50", "100", ""),
    ("D2", "2023-24", "all", "reading", "30", "60", ""),
    ("D1", "2023-24", "fsm", "reading", "10", "40", ""),
    ("D1", "2023-24", "all", "enrolment", "", "", "400"),
)
UNITS = frozenset({"ST", "D1", "D2", "D3"})
SUBGROUPS = frozenset({"all", "fsm"})
METRICS = {
    "reading": MetricSpec("reading", Aggregation.RATE, PeriodKind.ACADEMIC_YEAR, 100.0),
    "enrolment": MetricSpec("enrolment", Aggregation.COUNT, PeriodKind.ACADEMIC_YEAR, 1.0),
    "attendance": MetricSpec("attendance", Aggregation.RATE, PeriodKind.QUARTER, 100.0),
}
MAPPING = ColumnMapping(
    layout=Layout.LONG,
    local_unit=("district",),
    period="period",
    subgroup=("subgroup",),
    metric="metric",
    numerator="numerator",
    denominator="denominator",
    value="value",
)


def csv_text(rows: Sequence[Sequence[Any]], header: Sequence[str] = HEADER, sep: str = ",") -> str:
    lines = [sep.join(header), *(sep.join(str(cell) for cell in row) for row in rows)]
    return "\n".join(lines) + "\n"


def read(path: Path, mapping: ColumnMapping = MAPPING, *, checked: bool = True) -> ObservationsRead:
    if not checked:
        return read_observations(path, mapping)
    return read_observations(
        path, mapping, known_units=UNITS, known_metrics=METRICS, known_subgroups=SUBGROUPS
    )


def only_problem(result: ObservationsRead) -> Problem:
    assert len(result.problems) == 1, [str(p) for p in result.problems]
    return result.problems[0]


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str | bytes], Path]:
    def write(name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding=encoding, newline="")
        return path

    return write


@pytest.fixture
def scores(write: Callable[..., Path]) -> Callable[..., Path]:
    """A CSV of the good rows with changes: scores(rows=..., header=..., name=...)."""

    def scores(
        rows: Sequence[Sequence[Any]] = GOOD_ROWS,
        header: Sequence[str] = HEADER,
        name: str = "scores.csv",
        sep: str = ",",
    ) -> Path:
        return write(name, csv_text(rows, header, sep))

    return scores


@pytest.fixture
def xlsx(tmp_path: Path) -> Callable[..., Path]:
    """A workbook made with openpyxl: xlsx(rows including the header, name=, sheet=)."""

    def xlsx(
        rows: Sequence[Sequence[Any]], name: str = "scores.xlsx", sheet: str | None = None
    ) -> Path:
        workbook = openpyxl.Workbook()
        worksheet = workbook.active
        if sheet:
            worksheet.title = sheet
        for row in rows:
            worksheet.append(list(row))
        path = tmp_path / name
        workbook.save(path)
        return path

    return xlsx


@pytest.fixture
def parquet(tmp_path: Path) -> Callable[..., Path]:
    def parquet(columns: dict[str, list[Any]], name: str = "scores.parquet") -> Path:
        path = tmp_path / name
        pq.write_table(pa.table(columns), path)
        return path

    return parquet
