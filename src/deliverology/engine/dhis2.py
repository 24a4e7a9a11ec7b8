"""Reading a DHIS2 data value set (its JSON or CSV export) into checked observations.

A data value set is a list of values, one per data element, period, org unit, category option
combo and attribute option combo. The mapping's `dhis2` part says which local unit each org
unit is, which metric (and which part of its measure) each data element gives and which
subgroup each category option combo is. The values of a metric's numerator and denominator
for the same local unit, period and subgroup are paired into one observation.

The result is the same `ObservationsRead` as for any other file, so the import's preview and
its all-or-nothing load work unchanged. `engine.dhis2_export` reads the file itself.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Hashable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from deliverology.core.aggregation import Aggregation
from deliverology.core.periods import (
    DHIS2_EXAMPLES,
    Period,
    PeriodError,
    PeriodKind,
    kind_noun,
    parse_dhis2_period,
)
from deliverology.engine.cells import fold_markers
from deliverology.engine.dhis2_export import (
    MAX_UNPACKED_BYTES,
    DataValue,
    Dhis2FileProblem,
    ValueSet,
    read_value_set,
)
from deliverology.engine.figures import Figures, MetricSpec, read_figures
from deliverology.engine.mapping import ColumnMapping, Dhis2DataElement, Dhis2Mapping, Role
from deliverology.engine.observations import ObservationRow, ObservationsRead, ReadStats
from deliverology.engine.problems import Problem, ProblemLog
from deliverology.engine.reading import Cell

DEFAULT_COMBOS = frozenset({"default"})
_UNIT_EXPECTED = (
    "the code of a local unit in the hierarchy, or an org unit listed in the mapping's "
    "dhis2 org_units"
)


def read_dhis2(
    path: str | Path,
    mapping: ColumnMapping,
    *,
    known_units: Collection[str] | None = None,
    known_metrics: Mapping[str, MetricSpec] | None = None,
    known_subgroups: Collection[str] | None = None,
    file_name: str | None = None,
    max_unpacked: int = MAX_UNPACKED_BYTES,
) -> ObservationsRead:
    """Read and check every data value of a DHIS2 export; see `read_observations`.
    A compressed export may open to at most `max_unpacked` bytes."""
    name = file_name or Path(path).name
    if mapping.dhis2 is None:
        raise ValueError("read_dhis2 needs a mapping with the dhis2 layout")
    try:
        value_set = read_value_set(Path(path), name, max_unpacked=max_unpacked)
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
    except Dhis2FileProblem as problem:
        return _refused(name, Problem(name, None, None, problem.message, problem.expected))


def _refused(name: str, problem: Problem) -> ObservationsRead:
    stats = ReadStats("dhis2", None, None, 0, 0, 0, 0, {}, 0, 1)
    return ObservationsRead(name, [], [problem], [], [], [], stats)


# ------------------------------------------------------------------------------ checking


@dataclass
class _Pair:
    """The values that make one observation: by part of the measure, with their rows."""

    metric: str
    unit: str
    period: str
    subgroup: str
    values: dict[Role, DataValue] = field(default_factory=dict)


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
        self.refused_near: set[tuple[int, str, str]] = set()
        self.markers = fold_markers(mapping.suppression_markers)
        self.ignored = frozenset(dhis2.ignored_data_elements)
        self.attribute_combos = frozenset(dhis2.attribute_option_combos)

    def read(self) -> ObservationsRead:
        self._check_metrics()
        for value in self.value_set.values:
            if value.problems:
                self._refuse(value)
                continue
            self._read_value(value)
            if value.line in self.problem_lines:
                self.refused_near.update(_near(value))
        rows = self._observations()
        return self._result(rows)

    def _refuse(self, value: DataValue) -> None:
        """A value that could not be read: its problems; its ids, to leave its partners be."""
        for problem in value.problems:
            self._problem(problem.line, problem.column, problem.message, problem.expected)
        if value.ids:
            self.refused_near.update(_near(value))

    def _result(self, rows: list[ObservationRow]) -> ObservationsRead:
        missing = Counter(row.missing_reason for row in rows if row.missing_reason)
        value_set = self.value_set
        stats = ReadStats(
            format=value_set.format,
            encoding=value_set.encoding,
            delimiter="," if value_set.format == "dhis2-csv" else None,
            file_rows=value_set.rows,
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
        allowed = self.attribute_combos
        if allowed and ids["attributeOptionCombo"] not in allowed:
            self.filtered_out += 1
            return
        if ids["dataElement"] in self.ignored:
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
        pair = self.pairs.get(key) or self.pairs.setdefault(key, _Pair(*key))
        earlier = pair.values.get(element.role)
        if earlier is None:
            pair.values[element.role] = value
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
        if self.refused_near.intersection(_near(pair.values[given])):
            return False  # its partner is probably a row already refused: no second problem
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


def _near(value: DataValue) -> set[tuple[int, str, str]]:
    """Where a value belongs (org unit, period, combo as written), with any one left out:
    a partner with one of them mistyped is still near."""
    ids = value.ids
    org_unit, period, combo = ids["orgUnit"], ids["period"], ids["categoryOptionCombo"]
    return {(0, period, combo), (1, org_unit, combo), (2, org_unit, period)}


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
