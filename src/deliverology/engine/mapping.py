"""How a file's columns map to observations: saved as JSON and used again for the next file.

Two layouts:

- **long**: one row per figure. Columns give the local unit, the period, the subgroup, the metric
  (or the mapping fixes one metric code) and the numerator, denominator or value.
- **wide**: one row per local unit, period and subgroup, with several metrics side by side.
  `wide_columns` says which metric and which part of its measure (numerator, denominator or
  value) each column holds; one column may serve several metrics, as a shared denominator does.

Columns that say "this row is a total" (`total_markers`, such as ALL) are skipped when looking
for the local unit or the subgroup: a row of a national file with region "ALL" is England.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from deliverology.core.periods import PeriodKind
from deliverology.engine.cells import MISSING_REASONS


class MappingError(ValueError):
    """A column mapping that cannot be used, or JSON that is not a mapping."""


class Layout(StrEnum):
    LONG = "long"
    WIDE = "wide"


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
class ColumnMapping:
    """Where each part of an observation is in a file. See the module's docstring."""

    layout: Layout
    local_unit: tuple[str, ...]
    period: str
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

    def __post_init__(self) -> None:
        object.__setattr__(self, "layout", _enum(Layout, self.layout, "layout"))
        if self.period_kind is not None:
            kind = _enum(PeriodKind, self.period_kind, "period_kind")
            object.__setattr__(self, "period_kind", kind)
        for name in ("local_unit", "subgroup", "total_markers", "wide_columns"):
            value = getattr(self, name)
            object.__setattr__(self, name, (value,) if isinstance(value, str) else tuple(value))
        if not self.local_unit:
            raise MappingError("say which column (or columns) give the local unit")
        _require_text(self.period, "the period column")
        self._check_reasons()
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
        for required in ("layout", "local_unit", "period"):
            if required not in data:
                raise MappingError(f"the column mapping needs '{required}'")
        return cls(**{key: _read_key(key, value) for key, value in data.items()})


def _plain(value: Any) -> Any:
    if isinstance(value, StrEnum):
        return str(value)
    if isinstance(value, WideColumn | PlaceholderRule):
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


def _enum(kind: type[Any], value: Any, name: str) -> Any:
    try:
        return kind(value)
    except ValueError:
        choices = ", ".join(str(member) for member in kind)
        raise MappingError(f"'{value}' is not a {name}: use one of {choices}") from None


def _require_text(value: Any, name: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise MappingError(f"{name} must be a column name (text)")


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
