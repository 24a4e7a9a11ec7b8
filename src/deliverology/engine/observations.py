"""Reading a file of observations through a column mapping, checking every row.

Nothing is written anywhere: the result is the rows that passed, every problem found (the whole
file is checked; nothing stops at the first problem), the placeholder rows kept out, and counts.
A caller loads the rows only when there are no problems, so a file goes in whole or not at all.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, time
from pathlib import Path

from deliverology.core.aggregation import Aggregation
from deliverology.core.periods import Period, PeriodKind, kind_noun
from deliverology.engine.cells import (
    CellError,
    MangledPeriod,
    cell_text,
    fold_markers,
    is_blank,
    missing_marker,
    read_flag,
    read_number,
    read_period,
    shown,
)
from deliverology.engine.figures import Figures, MetricSpec, read_figures
from deliverology.engine.mapping import ColumnMapping, Layout, Role
from deliverology.engine.mapping_rules import DerivedColumn
from deliverology.engine.problems import Problem, ProblemLog
from deliverology.engine.reading import (
    MAX_FILE_BYTES,
    UNPACKED_RATIO,
    Cell,
    FileProblem,
    TableRow,
    TableStream,
    open_table,
)
from deliverology.engine.rows import ObservationRow, ObservationRows

__all__ = [
    "MetricSpec",
    "ObservationRow",
    "ObservationRows",
    "ObservationsRead",
    "ReadStats",
    "read_observations",
]

_UNIT_EXPECTED = "the code of a local unit in the hierarchy (load the hierarchy first)"
_VALIDITY_EXPECTED = (
    "figures only for periods in which the local unit existed (its valid-from and valid-to "
    "dates in the hierarchy); for other periods, the unit that existed then"
)

Validity = tuple[date | None, date | None]  # a local unit's valid-from and valid-to dates
_MISSING_WORDS = {"suppressed", "not applicable", "not collected", "not yet available"}


@dataclass(frozen=True)
class ReadStats:
    format: str
    encoding: str | None
    delimiter: str | None
    file_rows: int
    rows_filtered_out: int
    rows_with_problems: int
    observations: int
    missing: Mapping[str, int]
    placeholders: int
    problem_count: int


@dataclass(frozen=True)
class ObservationsRead:
    """What a file holds. Load `rows` only if `problems` is empty."""

    file: str
    rows: Sequence[ObservationRow]
    problems: list[Problem]
    placeholders: list[Problem]
    mangled_periods: list[Problem]
    notes: list[Problem]
    stats: ReadStats

    @property
    def is_clean(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class _Source:
    """Where one metric's measure is in a row: a fixed metric (wide) or the metric column."""

    metric: str | None
    subgroup: str | None
    columns: Mapping[Role, int]


def read_observations(
    path: str | Path,
    mapping: ColumnMapping,
    *,
    known_units: Collection[str] | None = None,
    known_metrics: Mapping[str, MetricSpec] | None = None,
    known_subgroups: Collection[str] | None = None,
    file_name: str | None = None,
    max_unpacked: int = UNPACKED_RATIO * MAX_FILE_BYTES,
    unit_validity: Mapping[str, Validity] | None = None,
) -> ObservationsRead:
    """Read and check every row of a file. `known_*` are what the database holds (None: not
    checked); `file_name` is the name to show in problems (the upload's name); a compressed
    DHIS2 export may open to at most `max_unpacked` bytes; `unit_validity` the valid-from and
    valid-to dates of local units that have them: a figure for a period wholly outside them is
    a problem."""
    name = file_name or Path(path).name
    if mapping.layout is Layout.DHIS2:
        # Imported here: the DHIS2 reader builds on this module's rows and results.
        from deliverology.engine.dhis2 import read_dhis2

        return read_dhis2(
            path,
            mapping,
            known_units=known_units,
            known_metrics=known_metrics,
            known_subgroups=known_subgroups,
            file_name=name,
            max_unpacked=max_unpacked,
        )
    try:
        table = open_table(
            path, sheet=mapping.sheet, file_name=name, footer_rows=mapping.footer_rows
        )
    except FileProblem as problem:
        return _refused(name, problem.problems)
    reader = _ObservationReader(
        table,
        mapping,
        known_units=None if known_units is None else frozenset(known_units),
        known_metrics=known_metrics,
        known_subgroups=None if known_subgroups is None else frozenset(known_subgroups),
        unit_validity=unit_validity or {},
    )
    return reader.read()


def _refused(name: str, problems: list[Problem]) -> ObservationsRead:
    stats = ReadStats("", None, None, 0, 0, 0, 0, {}, 0, len(problems))
    return ObservationsRead(name, [], problems, [], [], [], stats)


class _ObservationReader:
    def __init__(
        self,
        table: TableStream,
        mapping: ColumnMapping,
        *,
        known_units: frozenset[str] | None,
        known_metrics: Mapping[str, MetricSpec] | None,
        known_subgroups: frozenset[str] | None,
        unit_validity: Mapping[str, Validity],
    ) -> None:
        self.table = table
        self.unit_validity = unit_validity
        self.mapping = mapping
        self.known_units = known_units
        self.known_metrics = known_metrics
        self.known_subgroups = known_subgroups
        self.log = ProblemLog(table.file)
        self.rows = ObservationRows()
        self.placeholders: list[Problem] = []
        self.mangled: list[Problem] = []
        self.first_kind: dict[str, tuple[PeriodKind, int, str]] = {}
        self.periods: dict[tuple[str, bool, PeriodKind | None], Period | CellError] = {}
        self.problem_lines: set[int] = set()
        self.filtered_out = 0
        self.index: dict[str, int] = {}
        self.bad_metrics: set[str] = set()
        self.checked_metrics: set[str] = set()
        self.totals = {marker.casefold() for marker in mapping.total_markers}
        self.markers = fold_markers(mapping.suppression_markers)
        self.placeholder_columns = mapping.placeholder_columns()

    # ---------------------------------------------------------------------- the whole file

    def read(self) -> ObservationsRead:
        index = self._column_index()
        if index is not None:
            self.index = index
            self._derive_columns()
            sources = self._sources()
            self._check_fixed_metrics(sources)
            for row in self.table.rows():
                self._read_row(self._with_derived(row), sources)
            self._drop_repeats()
        return self._result()

    def _drop_repeats(self) -> None:
        for repeat in self.rows.drop_repeats():
            self._problem(
                repeat.line,
                None,
                f"this row repeats row {repeat.first}: both give {repeat.metric_code} for "
                f"{repeat.local_unit_code}, {repeat.period}, subgroup {repeat.subgroup_code}",
                "one row per metric, local unit, period and subgroup",
                key=("repeat", repeat.first, repeat.line),
            )

    def _result(self) -> ObservationsRead:
        missing = self.rows.missing_reasons()
        stats = ReadStats(
            format=str(self.table.format),
            encoding=self.table.encoding,
            delimiter=self.table.delimiter,
            file_rows=self.table.row_count,
            rows_filtered_out=self.filtered_out,
            rows_with_problems=len(self.problem_lines),
            observations=len(self.rows),
            missing=dict(missing),
            placeholders=len(self.placeholders),
            problem_count=self.log.count,
        )
        notes = [Problem(self.table.file, None, None, note) for note in self.table.notes]
        return ObservationsRead(
            self.table.file,
            self.rows,
            self.log.problems(),
            self.placeholders,
            self.mangled,
            notes,
            stats,
        )

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

    # ------------------------------------------------------------------------ the columns

    def _column_index(self) -> dict[str, int] | None:
        """Where each mapped column is; None (and a problem) when any is missing."""
        columns = self.table.columns
        index: dict[str, int] = {}
        missing: list[str] = []
        for column, purpose in self.mapping.file_columns_used().items():
            found = _find_column(columns, column)
            if found is None:
                missing.append(f"'{column}' ({purpose}){_suggestion(column, columns)}")
            elif isinstance(found, list):
                places = " and ".join(str(place + 1) for place in found)
                self._problem(
                    None,
                    column,
                    f"the header names column '{column}' more than once (columns {places})",
                    "each column name once",
                )
            else:
                index[column] = found
        if missing:
            listed = ", ".join(f"'{column}'" for column in columns if column)
            self._problem(
                None,
                None,
                f"the file has no column {' or '.join(missing)}; its columns are {listed}",
                "the columns the column mapping names (check the mapping or the header row)",
            )
        return None if self.log else index

    # ---------------------------------------------------------------- derived columns

    def _derive_columns(self) -> None:
        """Add the mapping's derived columns to the table, after the file's own."""
        derived = self.mapping.derived_columns
        if not derived:
            return
        clashes = [each.name for each in derived if _find_column(self.table.columns, each.name)]
        for name in clashes:
            self._problem(
                None,
                name,
                f"the file has a column '{name}' already, and the mapping derives one so named",
                "a derived column with a name the file does not use",
            )
        width = len(self.table.columns)
        for place, each in enumerate(derived):
            self.index[each.name] = width + place
        self.file_width = width
        columns = (*self.table.columns, *(each.name for each in derived))
        self.table = replace(self.table, columns=columns)

    def _with_derived(self, row: TableRow) -> TableRow:
        """The row with the mapping's derived columns worked out after the file's own."""
        derived = self.mapping.derived_columns
        if not derived:
            return row
        own = row.cells[: self.file_width]
        return replace(row, cells=(*own, *(self._derived(row, each) for each in derived)))

    def _derived(self, row: TableRow, derived: DerivedColumn) -> Cell:
        if derived.is_text:
            texts = [cell_text(self._cell(row, column)) for column in derived.join]
            return derived.separator.join(texts) if all(texts) else ""
        total = 0.0
        for sign, columns in ((1.0, derived.add), (-1.0, derived.subtract)):
            for column in columns:
                cell = self._cell(row, column)
                if is_blank(cell) or missing_marker(cell, self.markers) is not None:
                    return cell  # the figure is missing, for the marker's reason
                try:
                    total += sign * read_number(cell)
                except CellError as error:
                    message = f"{error.message} (needed for '{derived.name}')"
                    self._problem(row.line, column, message, error.expected)
                    return None
        return total * derived.multiply_by

    def _dropped(self, row: TableRow) -> bool:
        return any(
            rule.drops(cell_text(self._cell(row, rule.column))) for rule in self.mapping.drop_rows
        )

    def _sources(self) -> list[_Source]:
        mapping = self.mapping
        if mapping.layout is Layout.LONG:
            roles = {
                role: self.index[column]
                for role in Role
                if (column := getattr(mapping, role.value)) is not None
            }
            return [_Source(mapping.metric_code, None, roles)]
        grouped: dict[tuple[str, str | None], dict[Role, int]] = {}
        for wide in mapping.wide_columns:
            group = grouped.setdefault((wide.metric, wide.subgroup), {})
            group[wide.role] = self.index[wide.column]
        return [_Source(metric, sub, roles) for (metric, sub), roles in grouped.items()]

    def _check_fixed_metrics(self, sources: list[_Source]) -> None:
        for source in sources:
            if source.metric is not None:
                column = self.table.columns[next(iter(source.columns.values()))]
                self._check_metric(source.metric, source, None, column)

    def _check_metric(
        self, code: str, source: _Source, line: int | None, column: str | None
    ) -> MetricSpec | None:
        """The metric's spec, or None when it is unknown or the mapping cannot feed it."""
        if self.known_metrics is None:
            return None
        if code in self.checked_metrics:
            if code not in self.known_metrics and line is not None:
                self._problem(line, column, "", key=("metric", code))  # names one more row
            return self.known_metrics.get(code)
        self.checked_metrics.add(code)
        spec = self.known_metrics.get(code)
        if spec is None:
            self.bad_metrics.add(code)
            self._problem(
                line,
                column,
                f"unknown metric '{code}'{_suggestion(code, list(self.known_metrics))}",
                "the code of a metric already set up",
                key=("metric", code),
            )
            return None
        message = self._mapping_fits(spec, source)
        if message is not None:
            self.bad_metrics.add(code)
            self._problem(None, None, message, key=("fit", code))
        return spec

    def _mapping_fits(self, spec: MetricSpec, source: _Source) -> str | None:
        noun = {Aggregation.RATE: "a rate", Aggregation.MEAN: "a mean"}.get(spec.aggregation)
        roles = set(source.columns)
        if noun and not ({Role.NUMERATOR, Role.DENOMINATOR} <= roles or roles == {Role.VALUE}):
            return (
                f"metric '{spec.code}' is {noun}, so the mapping must give its numerator and "
                "denominator columns (or only its value column, for a figure published alone)"
            )
        if noun is None and Role.VALUE not in roles:
            return (
                f"metric '{spec.code}' is a {spec.aggregation}, so the mapping must give its "
                "value column"
            )
        kind = self.mapping.period_kind
        if kind is not None and kind != spec.frequency:
            every = str(spec.frequency).replace("_", " ")
            return (
                f"metric '{spec.code}' is reported by {every}, but the mapping expects "
                f"{kind_noun(kind)} in '{self.mapping.period}'"
            )
        return None

    # -------------------------------------------------------------------------- one row

    def _cell(self, row: TableRow, column: str) -> Cell:
        return row.cells[self.index[column]]

    def _text(self, row: TableRow, column: str) -> str:
        """The cell's text after the mapping's value map for its column."""
        text = cell_text(self._cell(row, column))
        return self.mapping.value_maps.get(column, {}).get(text, text)

    def _read_row(self, row: TableRow, sources: list[_Source]) -> None:
        if not self._passes_filters(row) or self._dropped(row):
            self.filtered_out += 1
            return
        if self._is_placeholder(row):
            return
        unit = self._local_unit(row)
        subgroup = self._subgroup(row)
        provisional = self._provisional(row)
        reason = self._row_missing_reason(row)
        for source in sources:
            metric = self._metric(row, source)
            if metric is None:
                continue
            spec = self.known_metrics.get(metric) if self.known_metrics is not None else None
            period = self._period(row, metric, spec)
            figures = self._figures(row, source, spec, reason)
            code = source.subgroup or subgroup
            if unit is None or code is None or period is None or figures is None:
                continue
            if not self._within_validity(row.line, unit, period):
                continue
            if row.line not in self.problem_lines:
                self._add(row.line, metric, unit, period.label, code, figures, provisional)

    def _passes_filters(self, row: TableRow) -> bool:
        return all(
            cell_text(self._cell(row, column)) in allowed
            for column, allowed in self.mapping.filters.items()
        )

    def _is_placeholder(self, row: TableRow) -> bool:
        outcomes, denominators = self.placeholder_columns
        if not outcomes or not denominators:
            return False
        try:
            zeros = all(read_number(self._cell(row, column)) == 0 for column in outcomes)
            sizes = [read_number(self._cell(row, column)) for column in denominators]
        except CellError:
            return False
        if not zeros or not all(size > 0 for size in sizes):
            return False
        self._note_placeholder(row, outcomes, denominators, sizes)
        return True

    def _note_placeholder(
        self,
        row: TableRow,
        outcomes: tuple[str, ...],
        denominators: tuple[str, ...],
        sizes: list[float],
    ) -> None:
        period = cell_text(self._cell(row, self.mapping.period))
        named = ", ".join(outcomes)
        sized = ", ".join(f"{c} is {_number(n)}" for c, n in zip(denominators, sizes, strict=True))
        every = "all of " if len(outcomes) > 1 else ""
        self.placeholders.append(
            Problem(
                self.table.file,
                row.line,
                None,
                f"{every}{named} {'are' if len(outcomes) > 1 else 'is'} 0 while {sized} "
                f"(period {period}): a placeholder for figures not measured yet, kept out",
            )
        )

    def _local_unit(self, row: TableRow) -> str | None:
        columns = self.mapping.local_unit
        for column in columns:
            raw = cell_text(self._cell(row, column))
            if not raw or self._is_total(raw):
                continue
            return self._known_unit(row.line, column, raw, self._text(row, column))
        if self.mapping.total_local_unit is not None:
            return self._known_unit(row.line, None, "", self.mapping.total_local_unit)
        said = "blank" if len(columns) == 1 else "blank or a total"
        names = ", ".join(f"'{column}'" for column in columns)
        self._problem(
            row.line,
            columns[0] if len(columns) == 1 else None,
            f"the local unit is missing: {names} {'is' if len(columns) == 1 else 'are'} {said}",
            _UNIT_EXPECTED,
        )
        return None

    def _known_unit(self, line: int, column: str | None, raw: str, code: str) -> str | None:
        if self.known_units is None or code in self.known_units:
            return code
        origin = f" (from '{raw}')" if raw and raw != code else ""
        self._problem(
            line,
            column,
            f"unknown local unit '{code}'{origin}",
            _UNIT_EXPECTED,
            key=("unit", code),
        )
        return None

    def _is_total(self, text: str) -> bool:
        return text.casefold() in self.totals

    def _subgroup(self, row: TableRow) -> str | None:
        given = [
            (column, self._text(row, column))
            for column in self.mapping.subgroup
            if not is_blank(self._cell(row, column))
            and not self._is_total(cell_text(self._cell(row, column)))
        ]
        if len(given) > 1:
            shown_given = " and ".join(f"{column} ('{text}')" for column, text in given)
            self._problem(
                row.line,
                None,
                f"the row breaks down by {shown_given} at once",
                "one breakdown per row, the other subgroup columns saying "
                f"{self.mapping.total_markers[0] if self.mapping.total_markers else 'ALL'}",
            )
            return None
        if not given:
            return self.mapping.default_subgroup
        column, code = given[0]
        if self.known_subgroups is not None and code not in self.known_subgroups:
            self._problem(
                row.line,
                column,
                f"unknown subgroup '{code}'{_suggestion(code, list(self.known_subgroups))}",
                "the code of a subgroup already set up (or a value map from this label to one)",
                key=("subgroup", code),
            )
            return None
        return code

    def _provisional(self, row: TableRow) -> bool:
        column = self.mapping.provisional
        if column is None:
            return False
        try:
            return read_flag(self._cell(row, column))
        except CellError as error:
            self._problem(row.line, column, error.message, error.expected)
            return False

    def _row_missing_reason(self, row: TableRow) -> str | None:
        column = self.mapping.missing_reason
        if column is None:
            return None
        text = self._text(row, column)
        if not text:
            return None
        if text.lower() in _MISSING_WORDS:
            return text.lower().replace(" ", "_")
        reason = missing_marker(text, self.markers)
        if reason is None and text in self.mapping.suppression_markers.values():
            reason = text
        if reason is None:
            self._problem(
                row.line,
                column,
                f"{shown(text)} is not a reason a figure can be missing",
                "blank, or suppressed, not_applicable, not_collected or not_yet_available",
                key=("reason", text),
            )
        return reason

    def _metric(self, row: TableRow, source: _Source) -> str | None:
        if source.metric is not None:
            return None if source.metric in self.bad_metrics else source.metric
        column = self.mapping.metric or ""  # a long mapping has one or a fixed metric
        code = self._text(row, column)
        if not code:
            self._problem(row.line, column, "the metric is blank", "a metric code")
            return None
        if self.known_metrics is not None:
            self._check_metric(code, source, row.line, column)
        return None if code in self.bad_metrics else code

    # ------------------------------------------------------------------------- periods

    def _within_validity(self, line: int, unit: str, period: Period) -> bool:
        """A figure's period must overlap its local unit's validity (a council merged away
        or not yet created has no figures)."""
        valid_from, valid_to = self.unit_validity.get(unit, (None, None))
        before = valid_from is not None and period.end < valid_from
        after = valid_to is not None and period.start > valid_to
        if not (before or after):
            return True
        since = f"from {valid_from.isoformat()}" if valid_from else ""
        until = f"to {valid_to.isoformat()}" if valid_to else ""
        self._problem(
            line,
            self.mapping.local_unit[0] if len(self.mapping.local_unit) == 1 else None,
            f"the figure is for {period.label} ({period.start.isoformat()} to "
            f"{period.end.isoformat()}), but local unit '{unit}' is valid only "
            f"{' '.join(part for part in (since, until) if part)}",
            _VALIDITY_EXPECTED,
            key=("validity", unit, before),
        )
        return False

    def _period(self, row: TableRow, metric: str, spec: MetricSpec | None) -> Period | None:
        column = self.mapping.period
        kind = spec.frequency if spec is not None else self.mapping.period_kind
        cell = self._cell(row, column)
        is_date = isinstance(cell, date | time)
        text = cell_text(cell) if is_date else self._text(row, column)
        cache_key = (text, is_date, kind)
        if cache_key not in self.periods:
            try:
                self.periods[cache_key] = read_period(cell if is_date else text, kind)
            except CellError as error:
                self.periods[cache_key] = error
        found = self.periods[cache_key]
        if isinstance(found, CellError):
            self._period_problem(row.line, column, found, text)
            return None
        if kind is None and not self._same_kind(row.line, column, metric, found, text):
            return None
        return found

    def _period_problem(self, line: int, column: str, error: CellError, text: str) -> None:
        before = self.log.count
        self._problem(line, column, error.message, error.expected, key=("period", text))
        if isinstance(error, MangledPeriod) and self.log.count > before:
            problem = Problem(self.table.file, line, column, error.message, error.expected)
            self.mangled.append(problem)

    def _same_kind(self, line: int, column: str, metric: str, period: Period, text: str) -> bool:
        first = self.first_kind.setdefault(metric, (period.kind, line, text))
        first_kind, first_line, first_text = first
        if period.kind == first_kind:
            return True
        self._problem(
            line,
            column,
            f"'{text}' is {kind_noun(period.kind)}, but row {first_line} gives "
            f"{kind_noun(first_kind)} ('{first_text}') for {metric}",
            f"periods of one kind for a metric, like {first_text}",
            key=("kind", metric, period.kind),
        )
        return False

    # ------------------------------------------------------------------------- figures

    def _figures(
        self, row: TableRow, source: _Source, spec: MetricSpec | None, reason: str | None
    ) -> Figures | None:
        """The figures, or a missing reason; None (with problems) when they are wrong."""
        cells = {role: row.cells[place] for role, place in source.columns.items()}
        found = read_figures(
            cells,
            spec,
            self.markers,
            reason,
            precision=self.mapping.precision,
            value_scale=self.mapping.value_scale,
        )
        if isinstance(found, Figures):
            return found
        for problem in found:
            column = self._column_of(source, problem.role)
            key = None if problem.same_text is None else ("number", column, problem.same_text)
            self._problem(row.line, column, problem.message, problem.expected, key=key)
        return None

    def _column_of(self, source: _Source, role: Role) -> str:
        return self.table.columns[source.columns[role]]

    # ------------------------------------------------------------------------ keeping

    def _add(
        self,
        line: int,
        metric: str,
        unit: str,
        period: str,
        subgroup: str,
        figures: Figures,
        provisional: bool,
    ) -> None:
        self.rows.append(
            ObservationRow(
                line,
                metric,
                unit,
                period,
                subgroup,
                figures.numerator,
                figures.denominator,
                figures.value,
                provisional,
                figures.missing_reason,
            )
        )


def _number(figure: float) -> str:
    return f"{int(figure):,}" if figure.is_integer() else f"{figure:,}"


def _find_column(columns: tuple[str, ...], wanted: str) -> int | list[int] | None:
    """The position of a column; a list when the name is repeated. Falls back to ignoring
    case and spacing, as people retype headers."""
    exact = [place for place, column in enumerate(columns) if column == wanted]
    if not exact:
        folded = _fold(wanted)
        exact = [place for place, column in enumerate(columns) if _fold(column) == folded]
    if not exact:
        return None
    return exact[0] if len(exact) == 1 else exact


def _fold(name: str) -> str:
    return " ".join(name.split()).casefold()


def _suggestion(wanted: str, choices: Collection[str]) -> str:
    folded = {choice.casefold(): choice for choice in choices if choice}
    close = difflib.get_close_matches(wanted.casefold(), list(folded), n=1, cutoff=0.75)
    return f" (did you mean '{folded[close[0]]}'?)" if close else ""
