"""How a file's columns map to observations: saved as JSON and used again for the next file.

Two layouts:

- **long**: one row per figure. Columns give the local unit, the period, the subgroup, the metric
  (or the mapping fixes one metric code) and the numerator, denominator or value.
- **wide**: one row per local unit, period and subgroup, with several metrics side by side.
  `wide_columns` says which metric and which part of its measure (numerator, denominator or
  value) each column holds; one column may serve several metrics, as a shared denominator does.

- **dhis2**: a DHIS2 data value set (its JSON or CSV export). `dhis2` maps its org units to
  local units, its data elements to metrics (and the part of the measure each gives) and its
  category option combos to subgroups; there are no columns to name.

Columns that say "this row is a total" (`total_markers`, such as ALL) are skipped when looking
for the local unit or the subgroup: a row of a national file with region "ALL" is England.

Real files often need reshaping first: `derived_columns` (sums, differences, a factor, codes
joined from several columns), `drop_rows` and `footer_rows` (footnotes and trailer rows),
`value_scale` (rates given as fractions) and `precision` (rounded publications) are read by
`engine.mapping_rules`. Every key is documented in docs/loading-data.md.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from deliverology.core.periods import PeriodKind
from deliverology.core.precision import Precision
from deliverology.engine.cells import MISSING_REASONS
from deliverology.engine.mapping_rules import (
    DerivedColumn,
    DropRule,
    RuleError,
    precision_data,
    read_derived_columns,
    read_drop_rules,
    read_footer_rows,
    read_precision,
    read_value_scale,
)


class MappingError(ValueError):
    """A column mapping that cannot be used, or JSON that is not a mapping."""


def mapping_from_json(text: str) -> ColumnMapping:
    """A mapping written out as JSON; JSON nested too deeply to be one is a `MappingError`."""
    try:
        data = json.loads(text)
    except RecursionError:
        raise MappingError("the JSON is nested too deeply to be a column mapping") from None
    return ColumnMapping.from_dict(data)


class Layout(StrEnum):
    LONG = "long"
    WIDE = "wide"
    DHIS2 = "dhis2"


class Role(StrEnum):
    """The part of a measure a column holds."""

    NUMERATOR = "numerator"
    DENOMINATOR = "denominator"
    VALUE = "value"


DEFAULT_SUBGROUP = "all"

# Symbols statisticians write instead of a figure; each stands for a reason it is missing.
DEFAULT_SUPPRESSION_MARKERS: Mapping[str, str] = MappingProxyType(
    {
        "c": "suppressed",  # confidential (GSS)
        "x": "not_collected",  # not available (GSS)
        "z": "not_applicable",  # not applicable (GSS)
        "*": "suppressed",
        "..": "not_collected",
        ":": "not_collected",
        "<5": "suppressed",
        "~": "suppressed",
        "-": "not_applicable",
        "": "not_collected",
    }
)
DEFAULT_TOTAL_MARKERS = ("ALL", "Total")


@dataclass(frozen=True)
class WideColumn:
    """One column of a wide file: the metric it belongs to and the part of the measure it is."""

    column: str
    metric: str
    role: Role
    subgroup: str | None = None

    def __post_init__(self) -> None:
        _require_text(self.column, "a wide column's 'column'")
        _require_text(self.metric, f"the metric of wide column '{self.column}'")
        object.__setattr__(self, "role", _enum(Role, self.role, f"role of '{self.column}'"))
        if self.subgroup is not None:
            _require_text(self.subgroup, f"the subgroup of wide column '{self.column}'")


@dataclass(frozen=True)
class PlaceholderRule:
    """Rows whose outcome columns are all 0 while their denominator is positive are
    placeholders (figures not measured yet), reported and kept out rather than loaded as 0.

    Without `outcome_columns` every numerator column counts; without `denominator_column`
    every denominator column must be positive.
    """

    outcome_columns: tuple[str, ...] = ()
    denominator_column: str | None = None


@dataclass(frozen=True)
class Dhis2DataElement:
    """A DHIS2 data element (by the id the export uses: UID, code or name) and the part of a
    metric's measure its values are; `subgroup` fixes the subgroup whatever the combo."""

    data_element: str
    metric: str
    role: Role
    subgroup: str | None = None

    def __post_init__(self) -> None:
        _require_id(self.data_element, "a data element's 'data_element'")
        _require_id(self.metric, f"the metric of data element '{self.data_element}'")
        role = _enum(Role, self.role, f"role of data element '{self.data_element}'")
        object.__setattr__(self, "role", role)
        if self.subgroup is not None:
            _require_id(self.subgroup, f"the subgroup of data element '{self.data_element}'")


@dataclass(frozen=True)
class Dhis2Mapping:
    """How a DHIS2 data value set maps to observations.

    Org units and category option combos not listed are taken as local unit and subgroup
    codes themselves (as in an export with idScheme=CODE); the default combo is the mapping's
    default subgroup. Only the listed attribute option combos are read (all when none are).
    Data elements must be mapped or listed as ignored. DHIS2 leaves out zeros unless a data
    element stores them: `absent_numerator_is_zero` reads a missing numerator as 0.
    """

    data_elements: tuple[Dhis2DataElement, ...]
    org_units: Mapping[str, str] = field(default_factory=dict)
    category_option_combos: Mapping[str, str] = field(default_factory=dict)
    attribute_option_combos: tuple[str, ...] = ()
    ignored_data_elements: tuple[str, ...] = ()
    absent_numerator_is_zero: bool = False

    def __post_init__(self) -> None:
        for name in ("data_elements", "attribute_option_combos", "ignored_data_elements"):
            value = getattr(self, name)
            object.__setattr__(self, name, (value,) if isinstance(value, str) else tuple(value))
        if not self.data_elements:
            raise MappingError("say which metric each DHIS2 data element gives ('data_elements')")
        seen: dict[tuple[str, str | None, Role], str] = {}
        for element in self.data_elements:
            if element.data_element in self.ignored_data_elements:
                raise MappingError(
                    f"data element '{element.data_element}' is both mapped and ignored"
                )
            key = (element.metric, element.subgroup, element.role)
            if key in seen and seen[key] != element.data_element:
                raise MappingError(
                    f"data elements '{seen[key]}' and '{element.data_element}' both give the "
                    f"{element.role} of '{element.metric}'"
                )
            seen[key] = element.data_element


@dataclass(frozen=True)
class ColumnMapping:
    """Where each part of an observation is in a file. See the module's docstring."""

    layout: Layout
    local_unit: tuple[str, ...] = ()
    period: str = ""
    subgroup: tuple[str, ...] = ()
    metric: str | None = None
    metric_code: str | None = None
    numerator: str | None = None
    denominator: str | None = None
    value: str | None = None
    provisional: str | None = None
    missing_reason: str | None = None
    wide_columns: tuple[WideColumn, ...] = ()
    value_maps: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    total_markers: tuple[str, ...] = DEFAULT_TOTAL_MARKERS
    total_local_unit: str | None = None
    default_subgroup: str = DEFAULT_SUBGROUP
    suppression_markers: Mapping[str, str] = field(
        default_factory=lambda: dict(DEFAULT_SUPPRESSION_MARKERS)
    )
    placeholder_rule: PlaceholderRule | None = None
    period_kind: PeriodKind | None = None
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    sheet: str | None = None
    dhis2: Dhis2Mapping | None = None
    # Reshaping a published file (engine.mapping_rules).
    derived_columns: tuple[DerivedColumn, ...] = ()
    drop_rows: tuple[DropRule, ...] = ()
    footer_rows: int = 0
    value_scale: float | None = None
    precision: Precision | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "layout", _enum(Layout, self.layout, "layout"))
        if self.period_kind is not None:
            kind = _enum(PeriodKind, self.period_kind, "period_kind")
            object.__setattr__(self, "period_kind", kind)
        for name in ("local_unit", "subgroup", "total_markers", "wide_columns"):
            value = getattr(self, name)
            object.__setattr__(self, name, (value,) if isinstance(value, str) else tuple(value))
        self._check_reasons()
        self._check_reshaping()
        if self.layout is Layout.DHIS2:
            self._check_dhis2()
            return
        if self.dhis2 is not None:
            raise MappingError("'dhis2' is only for the dhis2 layout")
        if not self.local_unit:
            raise MappingError("say which column (or columns) give the local unit")
        _require_text(self.period, "the period column")
        if self.layout is Layout.LONG:
            self._check_long()
        else:
            self._check_wide()

    def _check_reasons(self) -> None:
        for marker, reason in self.suppression_markers.items():
            if reason not in MISSING_REASONS:
                raise MappingError(
                    f"the marker '{marker}' stands for '{reason}', which is not a reason a "
                    f"figure can be missing: use one of {', '.join(MISSING_REASONS)}"
                )

    def _check_reshaping(self) -> None:
        for name in ("derived_columns", "drop_rows"):
            value = getattr(self, name)
            object.__setattr__(self, name, tuple(value))
        made = {derived.name for derived in self.derived_columns}
        for derived in self.derived_columns:
            from_made = sorted(made & set(derived.sources))
            if from_made:
                raise MappingError(
                    f"derived column '{derived.name}' is made from another derived column "
                    f"({', '.join(from_made)}): make it from the file's own columns"
                )
        if self.layout is Layout.DHIS2:
            given = [
                name
                for name in ("derived_columns", "drop_rows", "footer_rows")
                if getattr(self, name)
            ]
            if given:
                raise MappingError(
                    f"a DHIS2 data value set has no columns to reshape, so a dhis2 mapping "
                    f"takes no {', '.join(given)}"
                )

    def _check_long(self) -> None:
        if (self.metric is None) == (self.metric_code is None):
            raise MappingError(
                "a long file needs either a metric column ('metric') or one fixed "
                "metric code ('metric_code'), not both"
            )
        if not (self.numerator or self.denominator or self.value):
            raise MappingError("say which column gives the value, or the numerator and denominator")
        if self.wide_columns:
            raise MappingError("'wide_columns' is only for the wide layout")

    def _check_wide(self) -> None:
        long_only = ("metric", "metric_code", "numerator", "denominator", "value")
        given = [name for name in long_only if getattr(self, name) is not None]
        if given:
            raise MappingError(
                f"a wide file takes its metrics from 'wide_columns', not {', '.join(given)}"
            )
        if not self.wide_columns:
            raise MappingError("a wide file needs 'wide_columns': which metric each column holds")
        seen: dict[tuple[str, str | None, Role], str] = {}
        for wide in self.wide_columns:
            if wide.subgroup is not None and self.subgroup:
                raise MappingError(
                    f"wide column '{wide.column}' names its own subgroup, so the mapping cannot "
                    "also take subgroups from columns"
                )
            key = (wide.metric, wide.subgroup, wide.role)
            if key in seen:
                raise MappingError(
                    f"columns '{seen[key]}' and '{wide.column}' both give the {wide.role} of "
                    f"'{wide.metric}'"
                )
            seen[key] = wide.column

    def _check_dhis2(self) -> None:
        if self.dhis2 is None:
            raise MappingError(
                "a dhis2 mapping needs 'dhis2': which metric each data element gives"
            )
        columns = ("local_unit", "period", "subgroup", "wide_columns", "filters")
        given = [name for name in columns if getattr(self, name)]
        given += [
            name
            for name in ("metric", "metric_code", "numerator", "denominator", "value")
            if getattr(self, name) is not None
        ]
        given += [
            name
            for name in ("provisional", "missing_reason", "placeholder_rule", "sheet")
            if getattr(self, name) is not None
        ]
        if given:
            raise MappingError(
                f"a DHIS2 data value set has no columns to name, so a dhis2 mapping takes no "
                f"{', '.join(given)}; put the maps in 'dhis2'"
            )

    def file_columns_used(self) -> dict[str, str]:
        """Every column of the file the mapping reads: `columns_used` with derived columns
        replaced by the columns they are made from, and the columns rows are dropped by."""
        made = {derived.name: derived for derived in self.derived_columns}
        used: dict[str, str] = {}
        for rule in self.drop_rows:
            used.setdefault(rule.column, "dropping rows")
        for column, purpose in self.columns_used().items():
            if column not in made:
                used.setdefault(column, purpose)
                continue
            for source in made[column].sources:
                used.setdefault(source, f"derived column '{column}' ({purpose})")
        return used

    def columns_used(self) -> dict[str, str]:
        """Every column the mapping reads, with what it is read for."""
        used: dict[str, str] = {}
        for column in self.local_unit:
            used.setdefault(column, "the local unit")
        used.setdefault(self.period, "the period")
        for column in self.subgroup:
            used.setdefault(column, "the subgroup")
        for role in ("metric", "numerator", "denominator", "value", "provisional"):
            column = getattr(self, role)
            if column is not None:
                used.setdefault(column, f"the {role}")
        if self.missing_reason is not None:
            used.setdefault(self.missing_reason, "the reason a figure is missing")
        for wide in self.wide_columns:
            used.setdefault(wide.column, f"the {wide.role} of {wide.metric}")
        for column in self.filters:
            used.setdefault(column, "a filter")
        if self.placeholder_rule is not None:
            rule = self.placeholder_rule
            for column in rule.outcome_columns:
                used.setdefault(column, "the placeholder rule")
            if rule.denominator_column is not None:
                used.setdefault(rule.denominator_column, "the placeholder rule")
        return used

    def placeholder_columns(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The outcome and denominator columns the placeholder rule looks at."""
        rule = self.placeholder_rule
        if rule is None:
            return (), ()
        outcomes = rule.outcome_columns or self._columns_of(Role.NUMERATOR)
        if rule.denominator_column is not None:
            return outcomes, (rule.denominator_column,)
        return outcomes, self._columns_of(Role.DENOMINATOR)

    def _columns_of(self, role: Role) -> tuple[str, ...]:
        if self.layout is Layout.LONG:
            column = getattr(self, role.value)
            return () if column is None else (column,)
        return tuple(dict.fromkeys(each.column for each in self.wide_columns if each.role is role))

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data; `ColumnMapping.from_dict` reads it back to an equal mapping."""
        data: dict[str, Any] = {}
        for each in fields(self):
            value = getattr(self, each.name)
            data[each.name] = _plain(value)
        data["drop_rows"] = [rule.to_data() for rule in self.drop_rows]
        if self.precision is not None:
            data["precision"] = precision_data(self.precision)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ColumnMapping:
        """A mapping from JSON data; unknown or mistyped keys raise MappingError."""
        if not isinstance(data, Mapping):
            raise MappingError("a column mapping must be a JSON object")
        known = {each.name for each in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise MappingError(
                f"unknown key{'s' if len(unknown) > 1 else ''} {', '.join(unknown)} in the "
                f"column mapping; the keys are {', '.join(sorted(known))}"
            )
        required_keys = ("layout", "dhis2") if data.get("layout") == Layout.DHIS2 else _REQUIRED
        for required in required_keys:
            if required not in data:
                raise MappingError(f"the column mapping needs '{required}'")
        try:
            return cls(**{key: _read_key(key, value) for key, value in data.items()})
        except RuleError as error:
            raise MappingError(str(error)) from None


_REQUIRED = ("layout", "local_unit", "period")


def _plain(value: Any) -> Any:
    if isinstance(value, StrEnum):
        return str(value)
    if is_dataclass(value) and not isinstance(value, type):
        return {each.name: _plain(getattr(value, each.name)) for each in fields(value)}
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    return value


_TEXT_KEYS = {
    "period",
    "metric",
    "metric_code",
    "numerator",
    "denominator",
    "value",
    "provisional",
    "missing_reason",
    "total_local_unit",
    "default_subgroup",
    "sheet",
}


def _read_key(key: str, value: Any) -> Any:
    match key:
        case "layout" | "period_kind":
            return value if value is None else _text(value, key)
        case "local_unit" | "subgroup":
            return (_text(value, key),) if isinstance(value, str) else _texts(value, key)
        case "total_markers":
            return _texts(value, key)
        case "wide_columns":
            return tuple(_wide_column(item) for item in _list(value, key))
        case "value_maps":
            return {
                _text(column, key): _text_map(table, f"value_maps['{column}']")
                for column, table in _object(value, key).items()
            }
        case "suppression_markers":
            return _text_map(value, key)
        case "filters":
            return {
                _text(column, key): _texts(allowed, f"filters['{column}']")
                for column, allowed in _object(value, key).items()
            }
        case "placeholder_rule":
            return None if value is None else _placeholder_rule(value)
        case "dhis2":
            return None if value is None else _dhis2_mapping(value)
        case "derived_columns":
            return read_derived_columns(value)
        case "drop_rows":
            return read_drop_rules(value)
        case "footer_rows":
            return read_footer_rows(value)
        case "value_scale":
            return read_value_scale(value)
        case "precision":
            return None if value is None else read_precision(value)
    if key in _TEXT_KEYS:
        return None if value is None else _text(value, key)
    raise AssertionError(key)


def _wide_column(value: Any) -> WideColumn:
    item = _object(value, "each of wide_columns")
    allowed = {"column", "metric", "role", "subgroup"}
    unknown = sorted(set(item) - allowed)
    missing = sorted({"column", "metric", "role"} - set(item))
    if unknown or missing:
        raise MappingError(
            f"each of wide_columns has column, metric, role and optionally subgroup "
            f"(found {', '.join(sorted(item)) or 'nothing'})"
        )
    subgroup = item.get("subgroup")
    return WideColumn(
        column=_text(item["column"], "column"),
        metric=_text(item["metric"], "metric"),
        role=Role(_enum(Role, item["role"], "role")),
        subgroup=None if subgroup is None else _text(subgroup, "subgroup"),
    )


def _placeholder_rule(value: Any) -> PlaceholderRule:
    item = _object(value, "placeholder_rule")
    unknown = sorted(set(item) - {"outcome_columns", "denominator_column"})
    if unknown:
        raise MappingError(
            "placeholder_rule has outcome_columns and denominator_column "
            f"(found {', '.join(unknown)})"
        )
    denominator = item.get("denominator_column")
    return PlaceholderRule(
        outcome_columns=_texts(item.get("outcome_columns", []), "outcome_columns"),
        denominator_column=None if denominator is None else _text(denominator, "denominator"),
    )


_DHIS2_KEYS = {
    "data_elements",
    "org_units",
    "category_option_combos",
    "attribute_option_combos",
    "ignored_data_elements",
    "absent_numerator_is_zero",
}


def _dhis2_mapping(value: Any) -> Dhis2Mapping:
    item = _object(value, "dhis2")
    unknown = sorted(set(item) - _DHIS2_KEYS)
    if unknown:
        raise MappingError(
            f"unknown key{'s' if len(unknown) > 1 else ''} {', '.join(unknown)} in 'dhis2'; "
            f"the keys are {', '.join(sorted(_DHIS2_KEYS))}"
        )
    if "data_elements" not in item:
        raise MappingError("'dhis2' needs 'data_elements': which metric each data element gives")
    zero = item.get("absent_numerator_is_zero", False)
    if not isinstance(zero, bool):
        raise MappingError("'absent_numerator_is_zero' must be true or false")
    return Dhis2Mapping(
        data_elements=tuple(
            _dhis2_element(each) for each in _list(item["data_elements"], "data_elements")
        ),
        org_units=_text_map(item.get("org_units", {}), "org_units"),
        category_option_combos=_text_map(
            item.get("category_option_combos", {}), "category_option_combos"
        ),
        attribute_option_combos=_texts(
            item.get("attribute_option_combos", []), "attribute_option_combos"
        ),
        ignored_data_elements=_texts(
            item.get("ignored_data_elements", []), "ignored_data_elements"
        ),
        absent_numerator_is_zero=zero,
    )


def _dhis2_element(value: Any) -> Dhis2DataElement:
    item = _object(value, "each of data_elements")
    unknown = sorted(set(item) - {"data_element", "metric", "role", "subgroup"})
    missing = sorted({"data_element", "metric", "role"} - set(item))
    if unknown or missing:
        raise MappingError(
            "each of data_elements has data_element, metric, role and optionally subgroup "
            f"(found {', '.join(sorted(item)) or 'nothing'})"
        )
    subgroup = item.get("subgroup")
    return Dhis2DataElement(
        data_element=_text(item["data_element"], "data_element"),
        metric=_text(item["metric"], "metric"),
        role=Role(_enum(Role, item["role"], "role")),
        subgroup=None if subgroup is None else _text(subgroup, "subgroup"),
    )


def _enum(kind: type[Any], value: Any, name: str) -> Any:
    try:
        return kind(value)
    except ValueError:
        choices = ", ".join(str(member) for member in kind)
        raise MappingError(f"'{value}' is not a {name}: use one of {choices}") from None


def _require_text(value: Any, name: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise MappingError(f"{name} must be a column name (text)")


def _require_id(value: Any, name: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise MappingError(f"{name} must be an id or a code (text)")


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise MappingError(f"'{name}' must be text, not {type(value).__name__}")
    return value


def _texts(value: Any, name: str) -> tuple[str, ...]:
    return tuple(_text(item, name) for item in _list(value, name))


def _list(value: Any, name: str) -> list[Any]:
    if not isinstance(value, list | tuple):
        raise MappingError(f"'{name}' must be a list")
    return list(value)


def _object(value: Any, name: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise MappingError(f"'{name}' must be an object of names and values")
    return value


def _text_map(value: Any, name: str) -> dict[str, str]:
    return {_text(key, name): _text(item, name) for key, item in _object(value, name).items()}
