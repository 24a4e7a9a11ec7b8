"""The parts of a column mapping that reshape a published file before it is read, so real
files load with no code: derived columns, rows to drop, and the precision of its figures.

A small, fixed vocabulary, read from JSON and checked key by key; no user text is evaluated.

- `derived_columns`: new columns made from the file's own, usable wherever the mapping names a
  column. Numbers: `{"name": "pupils", "add": ["cohort"], "subtract": ["transfers_out"]}`,
  optionally `"multiply_by": 0.5`. Text: `{"name": "school", "join": ["number", "type"],
  "separator": "-"}`.
- `drop_rows`: rows left out, each rule naming a column and one test:
  `{"column": "district", "starts_with": ["Source", "Note"]}`, `{"column": "year",
  "is_blank": true}` or `{"column": "type", "equals": ["Charter"]}`.
- `precision`: how the figures were published, `{"value_decimals": 0, "counts_rounded_to": 10}`
  (and `first_rounded_to_decimals` for a value rounded twice): see `core.precision`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from deliverology.core.precision import Precision


class RuleError(ValueError):
    """A derived column, drop rule or precision that cannot be used (the mapping says so)."""


@dataclass(frozen=True)
class DerivedColumn:
    """A column made from others: a sum and difference times a factor, or joined text."""

    name: str
    add: tuple[str, ...] = ()
    subtract: tuple[str, ...] = ()
    multiply_by: float = 1.0
    join: tuple[str, ...] = ()
    separator: str = ""

    def __post_init__(self) -> None:
        for name in ("add", "subtract", "join"):
            value = getattr(self, name)
            object.__setattr__(self, name, (value,) if isinstance(value, str) else tuple(value))
        numeric = bool(self.add or self.subtract)
        if numeric == bool(self.join):
            raise RuleError(
                f"derived column '{self.name}' needs either 'add' (and 'subtract') columns or "
                "'join' columns, not both"
            )
        if self.name in self.sources:
            raise RuleError(f"derived column '{self.name}' cannot be made from itself")
        if self.join and self.multiply_by != 1.0:
            raise RuleError(f"derived column '{self.name}' joins text, so it takes no multiply_by")

    @property
    def is_text(self) -> bool:
        return bool(self.join)

    @property
    def sources(self) -> tuple[str, ...]:
        return (*self.add, *self.subtract, *self.join)


class DropTest:
    EQUALS = "equals"
    STARTS_WITH = "starts_with"
    IS_BLANK = "is_blank"


@dataclass(frozen=True)
class DropRule:
    """Rows whose `column` equals one of `values`, starts with one of them, or is blank."""

    column: str
    test: str
    values: tuple[str, ...] = ()

    def drops(self, text: str) -> bool:
        folded = text.casefold()
        match self.test:
            case DropTest.IS_BLANK:
                return not text
            case DropTest.STARTS_WITH:
                return any(folded.startswith(value.casefold()) for value in self.values)
        return any(folded == value.casefold() for value in self.values)

    def to_data(self) -> dict[str, Any]:
        """The rule as JSON: `read_drop_rules` reads it back."""
        if self.test == DropTest.IS_BLANK:
            return {"column": self.column, self.test: True}
        return {"column": self.column, self.test: list(self.values)}


# ------------------------------------------------------------------------- from JSON

_DERIVED_KEYS = {"name", "add", "subtract", "multiply_by", "join", "separator"}
_DROP_TESTS = (DropTest.EQUALS, DropTest.STARTS_WITH, DropTest.IS_BLANK)
_PRECISION_KEYS = ("value_decimals", "counts_rounded_to", "first_rounded_to_decimals")


def read_derived_columns(value: Any) -> tuple[DerivedColumn, ...]:
    items = _list(value, "derived_columns")
    columns = tuple(_derived_column(item) for item in items)
    names = [column.name for column in columns]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise RuleError(f"'derived_columns' names {', '.join(repeated)} more than once")
    return columns


def _derived_column(value: Any) -> DerivedColumn:
    item = _object(value, "each of derived_columns")
    unknown = sorted(set(item) - _DERIVED_KEYS)
    if unknown or "name" not in item:
        raise RuleError(
            "each of derived_columns has a name and either add (and subtract, multiply_by) "
            f"or join (and separator) (found {', '.join(sorted(item)) or 'nothing'})"
        )
    name = _text(item["name"], "derived_columns: name")
    where = f"derived column '{name}'"
    factor = item.get("multiply_by", 1.0)
    if isinstance(factor, bool) or not isinstance(factor, int | float) or factor == 0:
        raise RuleError(f"{where}: 'multiply_by' must be a number other than 0")
    return DerivedColumn(
        name=name,
        add=_texts(item.get("add", []), f"{where}: add"),
        subtract=_texts(item.get("subtract", []), f"{where}: subtract"),
        multiply_by=float(factor),
        join=_texts(item.get("join", []), f"{where}: join"),
        separator=_text(item.get("separator", ""), f"{where}: separator", blank=True),
    )


def read_drop_rules(value: Any) -> tuple[DropRule, ...]:
    return tuple(_drop_rule(item) for item in _list(value, "drop_rows"))


def _drop_rule(value: Any) -> DropRule:
    item = _object(value, "each of drop_rows")
    tests = [key for key in _DROP_TESTS if key in item]
    unknown = sorted(set(item) - {"column", *_DROP_TESTS})
    if unknown or "column" not in item or len(tests) != 1:
        raise RuleError(
            "each of drop_rows has a column and one of equals, starts_with (a list of texts) "
            f"or is_blank (true) (found {', '.join(sorted(item)) or 'nothing'})"
        )
    column = _text(item["column"], "drop_rows: column")
    (test,) = tests
    if test == DropTest.IS_BLANK:
        if item[test] is not True:
            raise RuleError(f"drop_rows: 'is_blank' of column '{column}' must be true")
        return DropRule(column, test)
    values = _texts(item[test], f"drop_rows: {test}")
    if not values:
        raise RuleError(f"drop_rows: '{test}' of column '{column}' lists no text")
    return DropRule(column, test, values)


def read_precision(value: Any) -> Precision:
    item = _object(value, "precision")
    unknown = sorted(set(item) - set(_PRECISION_KEYS))
    if unknown:
        raise RuleError(
            f"unknown key{'s' if len(unknown) > 1 else ''} {', '.join(unknown)} in 'precision'; "
            f"the keys are {', '.join(_PRECISION_KEYS)}"
        )
    decimals = item.get("value_decimals")
    first = item.get("first_rounded_to_decimals")
    rounded_to = item.get("counts_rounded_to", 1)
    for key, number in (("value_decimals", decimals), ("first_rounded_to_decimals", first)):
        if number is not None and (not _is_whole(number) or number < 0):
            raise RuleError(f"precision: '{key}' must be a whole number of decimals (0, 1, 2...)")
    if not _is_whole(rounded_to) or rounded_to < 1:
        raise RuleError(
            "precision: 'counts_rounded_to' must be a whole number: 1 for exact counts, or the "
            "multiple they were rounded to (5, 10...)"
        )
    try:
        return Precision(decimals, rounded_to, first)
    except ValueError as error:
        raise RuleError(f"precision: {error}") from None


def precision_data(precision: Precision) -> dict[str, Any]:
    return {key: getattr(precision, key) for key in _PRECISION_KEYS}


def read_value_scale(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise RuleError(
            "'value_scale' must be a number above 0: 1 when the file gives rates as fractions "
            "(0 to 1), 100 when it gives percentages"
        )
    return float(value)


def read_footer_rows(value: Any) -> int:
    if not _is_whole(value) or value < 0:
        raise RuleError("'footer_rows' must be a whole number of rows (0 or more)")
    return int(value)


def _is_whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _text(value: Any, name: str, *, blank: bool = False) -> str:
    if not isinstance(value, str) or (not blank and not value.strip()):
        raise RuleError(f"'{name}' must be text")
    return value


def _texts(value: Any, name: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (_text(value, name),)
    return tuple(_text(item, name) for item in _list(value, name))


def _list(value: Any, name: str) -> list[Any]:
    if not isinstance(value, list | tuple):
        raise RuleError(f"'{name}' must be a list")
    return list(value)


def _object(value: Any, name: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise RuleError(f"'{name}' must be an object of names and values")
    return value
