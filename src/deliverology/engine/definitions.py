"""Record-level metric definitions kept in a file (TOML or JSON), reusable like a saved mapping.

A definition names the metric (whose aggregation, frequency and scale the database knows) and
says, in the records' own column names, which records count, what each adds to the numerator and
denominator, where the local unit is at each level, the period and the subgroups::

    metric = "math-proficiency"
    period = "month"
    numerator = "proficient"      # a column; true counts as 1
    # denominator = "enrolled"    # left out: each record counts 1
    subgroups = ["subgroup"]

    [levels]                      # from the smallest unit up
    school = "school"
    district = "district"

    [filters]                     # keep only these records
    assessment = ["maths"]
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deliverology.engine.figures import MetricSpec
from deliverology.engine.metrics import RecordMetric, RecordMetricError

_KEYS = {"metric", "period", "numerator", "denominator", "subgroups", "levels", "filters"}


class DefinitionError(ValueError):
    """A definition file that cannot be used, with what is wrong in it."""


@dataclass(frozen=True)
class RecordDefinition:
    metric: str
    period: str
    levels: dict[str, str]
    numerator: str | None = None
    denominator: str | None = None
    subgroups: tuple[str, ...] = ()
    filters: dict[str, tuple[Any, ...]] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RecordDefinition:
        unknown = sorted(set(data) - _KEYS)
        if unknown:
            raise DefinitionError(
                f"unknown key(s) {', '.join(unknown)}; a definition has {', '.join(sorted(_KEYS))}"
            )
        for key in ("metric", "period"):
            if not isinstance(data.get(key), str) or not data[key]:
                raise DefinitionError(f"'{key}' must name a {_WHAT[key]}")
        return cls(
            metric=data["metric"],
            period=data["period"],
            levels=_levels(data.get("levels")),
            numerator=_column(data, "numerator"),
            denominator=_column(data, "denominator"),
            subgroups=tuple(_names(data.get("subgroups", []), "subgroups")),
            filters=_filters(data.get("filters", {})),
        )

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"metric": self.metric, "period": self.period}
        data["levels"] = dict(self.levels)
        for key in ("numerator", "denominator"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        if self.subgroups:
            data["subgroups"] = list(self.subgroups)
        if self.filters:
            data["filters"] = {column: list(values) for column, values in self.filters.items()}
        return data

    def record_metric(self, spec: MetricSpec) -> RecordMetric:
        """The engine's metric, with how it adds up taken from what the database knows."""
        try:
            return RecordMetric(
                code=self.metric,
                aggregation=spec.aggregation,
                period=self.period,
                period_kind=spec.frequency,
                levels=self.levels,
                numerator=self.numerator,
                denominator=self.denominator,
                subgroups=self.subgroups,
                filters=self.filters,
                scale=spec.scale,
            )
        except RecordMetricError as error:
            raise DefinitionError(f"metric '{self.metric}': {error}") from error


_WHAT = {"metric": "metric code", "period": "column of the records"}


def read_definition(path: Path) -> RecordDefinition:
    """A definition from a .toml or .json file; a clear `DefinitionError` if it is not one."""
    try:
        text = path.read_text(encoding="utf-8-sig")
        data = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise DefinitionError(f"{path.name}: cannot be read as a definition: {error}") from error
    if not isinstance(data, dict):
        raise DefinitionError(f"{path.name}: a definition is a table of keys, not a list")
    try:
        return RecordDefinition.from_dict(data)
    except DefinitionError as error:
        raise DefinitionError(f"{path.name}: {error}") from error


def _levels(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping) or not value:
        raise DefinitionError(
            "'levels' must say which column holds the local unit at each level, "
            'for example levels = { school = "school_code" }'
        )
    if not all(isinstance(v, str) and v for v in value.values()):
        raise DefinitionError("each level must name a column of the records")
    return {str(level): column for level, column in value.items()}


def _column(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is not None and (not isinstance(value, str) or not value):
        raise DefinitionError(f"'{key}' must name a column of the records")
    return value


def _names(value: Any, key: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise DefinitionError(f"'{key}' must be a list of column names")
    return value


def _filters(value: Any) -> dict[str, tuple[Any, ...]]:
    if not isinstance(value, Mapping):
        raise DefinitionError("'filters' must map a column to the values to keep")
    filters: dict[str, tuple[Any, ...]] = {}
    for column, kept in value.items():
        kept = kept if isinstance(kept, list) else [kept]
        if not kept or not all(isinstance(v, str | int | float | bool) for v in kept):
            raise DefinitionError(f"filter '{column}' must list the values to keep")
        filters[str(column)] = tuple(kept)
    return filters
