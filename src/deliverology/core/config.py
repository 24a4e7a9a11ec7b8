"""The method's configuration: every label and threshold, checked as one value.

This module only validates plain data; `deliverology.configuration` reads the files.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from deliverology.core.aggregation import Aggregation
from deliverology.core.periods import PeriodKind
from deliverology.core.problems import Severity, TriggerKind, TriggerRules
from deliverology.core.status import Direction, StatusBands, TrajectoryStatus, Trend


class MetricKind(StrEnum):
    GOAL = "goal"
    PROGRESS = "progress"
    PERVERSE = "perverse"


class Rag4(StrEnum):
    """The four-point scale of docs/method.md; never mix it with a five-point scale."""

    RED = "red"
    AMBER_RED = "amber_red"
    AMBER_GREEN = "amber_green"
    GREEN = "green"


# Open vocabularies: these must have labels, and a configuration may add more.
MISSING_REASONS = ("suppressed", "not_collected", "not_yet_available")
LOCAL_UNIT_TYPES = ("state", "region", "district", "school", "campus")

WCAG_AA_TEXT_CONTRAST = 4.5
WHITE = "#ffffff"


class ConfigError(ValueError):
    """A configuration that cannot be used; the message names the file and the key."""

    def __init__(self, problem: str, key: str | None = None, source: str | None = None) -> None:
        self.problem, self.key, self.source = problem, key, source
        super().__init__(": ".join(part for part in (source, key, problem) if part))

    def in_source(self, source: str) -> ConfigError:
        return ConfigError(self.problem, self.key, source)


@dataclass(frozen=True)
class DiagnosticSettings:
    """The performance diagnostic's defaults (docs/method.md); see method_defaults.toml."""

    periods_back: int
    similar_start_within: float
    fastest_improvers: int
    gap_share: float


class InterventionRating(StrEnum):
    """The four-point scale an intervention's impact and difficulty are rated on (docs/method.md
    4.1); even, so that every rating falls on one side of the 2x2 chart's dividing lines."""

    LOW = "low"
    MEDIUM_LOW = "medium_low"
    MEDIUM_HIGH = "medium_high"
    HIGH = "high"


@dataclass(frozen=True)
class StrategySettings:
    """The reform strategy's and the SMART check's defaults (docs/method.md)."""

    ambition_threshold: float
    band_draws: int
    band_seed: int
    band_quantiles: tuple[float, float]
    rating_labels: Mapping[str, str]
    currency_format: str = "${amount}"  # how a cost is written; {amount} is "9,500,000"


@dataclass(frozen=True)
class CoverageSettings:
    """How a rolled-up figure says what it covers (see method_defaults.toml, [coverage])."""

    partial_below: float
    size_noun: str
    figure_labels: Mapping[str, str]
    local_unit_type_plurals: Mapping[str, str]

    def plural(self, local_unit_type: str) -> str:
        fallback = local_unit_type.replace("_", " ")
        return self.local_unit_type_plurals.get(local_unit_type, fallback)


class FigureSource(StrEnum):
    """Which figure is shown for a unit: its own, or one rolled up from its children."""

    REPORTED = "reported"
    ROLLED_UP = "rolled_up"
    PARTIAL = "partial"


@dataclass(frozen=True)
class MethodConfig:
    """Labels are keyed by the values of the method's enums (`status_labels["below"]`)."""

    status_bands: StatusBands
    status_labels: Mapping[str, str]
    status_colours: Mapping[str, str]
    trend_labels: Mapping[str, str]
    trend_flat_tolerance: float
    metric_kind_labels: Mapping[str, str]
    aggregation_labels: Mapping[str, str]
    direction_labels: Mapping[str, str]
    period_kind_labels: Mapping[str, str]
    rag4_labels: Mapping[str, str]
    rag4_colours: Mapping[str, str]
    missing_reason_labels: Mapping[str, str]
    local_unit_type_labels: Mapping[str, str]
    stale_lag_days: Mapping[PeriodKind, int]
    default_rate_scale: float
    diagnostic: DiagnosticSettings
    strategy: StrategySettings
    coverage: CoverageSettings
    problems: ProblemSettings
    momentum: MomentumSettings


_SETTINGS = (
    "status_bands",
    "status_labels",
    "status_colours",
    "trend_labels",
    "trend_flat_tolerance",
    "metric_kind_labels",
    "aggregation_labels",
    "direction_labels",
    "period_kind_labels",
    "rag4_labels",
    "rag4_colours",
    "missing_reason_labels",
    "local_unit_type_labels",
    "stale_lag_days",
    "default_rate_scale",
    "diagnostic",
    "strategy",
    "coverage",
    "problems",
    "momentum",
)


def method_config_from_mapping(data: Mapping[str, Any]) -> MethodConfig:
    """Check every setting and build the configuration; ConfigError names the first bad key."""
    _check_keys(data, "", _SETTINGS, closed=True)
    return MethodConfig(
        status_bands=_status_bands(data),
        status_labels=_labels(data, "status_labels", TrajectoryStatus),
        status_colours=_colours(data, "status_colours", TrajectoryStatus),
        trend_labels=_labels(data, "trend_labels", Trend),
        trend_flat_tolerance=_number(data, "trend_flat_tolerance", minimum=0),
        metric_kind_labels=_labels(data, "metric_kind_labels", MetricKind),
        aggregation_labels=_labels(data, "aggregation_labels", Aggregation),
        direction_labels=_labels(data, "direction_labels", Direction),
        period_kind_labels=_labels(data, "period_kind_labels", PeriodKind),
        rag4_labels=_labels(data, "rag4_labels", Rag4),
        rag4_colours=_colours(data, "rag4_colours", Rag4),
        missing_reason_labels=_labels(data, "missing_reason_labels", MISSING_REASONS, closed=False),
        local_unit_type_labels=_labels(
            data, "local_unit_type_labels", LOCAL_UNIT_TYPES, closed=False
        ),
        stale_lag_days=_stale_lag_days(data),
        default_rate_scale=_number(data, "default_rate_scale", above=0),
        diagnostic=_diagnostic(data),
        strategy=_strategy(data),
        coverage=_coverage(data),
        problems=_problems(data),
        momentum=_momentum(data),
    )


def contrast_ratio(colour: str, background: str = WHITE) -> float:
    """The WCAG contrast ratio of two "#rrggbb" colours, from 1 (none) to 21."""
    lighter, darker = sorted((_luminance(colour), _luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _luminance(colour: str) -> float:
    channels = [int(colour[start : start + 2], 16) / 255 for start in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _status_bands(data: Mapping[str, Any]) -> StatusBands:
    key = "status_bands"
    fields = ("slightly_below", "below", "consecutive_below_for_well_below")
    table = _table(data, key)
    _check_keys(table, key, fields, closed=True)
    slightly_below = _number(table, "slightly_below", key, maximum=0)
    below = _number(table, "below", key)
    if below > slightly_below:
        raise ConfigError(
            f"{below:g} is above status_bands.slightly_below ({slightly_below:g}); "
            "'below' must start further from the trajectory than 'slightly below'",
            f"{key}.below",
        )
    consecutive = _whole_number(table, "consecutive_below_for_well_below", key)
    return StatusBands(slightly_below, below, consecutive)


def _diagnostic(data: Mapping[str, Any]) -> DiagnosticSettings:
    key = "diagnostic"
    fields = ("periods_back", "similar_start_within", "fastest_improvers", "gap_share")
    table = _table(data, key)
    _check_keys(table, key, fields, closed=True)
    periods_back = _whole_number(table, "periods_back", key)
    improvers = _whole_number(table, "fastest_improvers", key)
    for name, count in (("periods_back", periods_back), ("fastest_improvers", improvers)):
        if count < 1:
            raise ConfigError(f"must be 1 or more (it is {count})", f"{key}.{name}")
    return DiagnosticSettings(
        periods_back=periods_back,
        similar_start_within=_number(table, "similar_start_within", key, minimum=0),
        fastest_improvers=improvers,
        gap_share=_number(table, "gap_share", key, above=0, maximum=1),
    )


def _strategy(data: Mapping[str, Any]) -> StrategySettings:
    key = "strategy"
    fields = (
        "ambition_threshold",
        "band_draws",
        "band_seed",
        "band_low_quantile",
        "band_high_quantile",
        "rating_labels",
        "currency_format",
    )
    table = _table(data, key)
    _check_keys(table, key, fields, closed=True)
    draws = _whole_number(table, "band_draws", key)
    if draws < 1:
        raise ConfigError(f"must be 1 or more (it is {draws})", f"{key}.band_draws")
    low = _number(table, "band_low_quantile", key, minimum=0, maximum=1)
    high = _number(table, "band_high_quantile", key, minimum=low, maximum=1)
    return StrategySettings(
        ambition_threshold=_number(table, "ambition_threshold", key, above=0),
        band_draws=draws,
        band_seed=_whole_number(table, "band_seed", key),
        band_quantiles=(low, high),
        rating_labels=_labels(table, "rating_labels", InterventionRating),
        currency_format=_currency_format(table, key),
    )


def _coverage(data: Mapping[str, Any]) -> CoverageSettings:
    key = "coverage"
    fields = ("partial_below", "size_noun", "figure_labels", "local_unit_type_plurals")
    table = _table(data, key)
    _check_keys(table, key, fields, closed=True)
    noun = table["size_noun"]
    if not isinstance(noun, str) or not noun.strip():
        raise ConfigError("must be a non-empty text", f"{key}.size_noun")
    return CoverageSettings(
        partial_below=_number(table, "partial_below", key, minimum=0, maximum=1),
        size_noun=noun,
        figure_labels=_labels(table, "figure_labels", FigureSource),
        local_unit_type_plurals=_labels(
            table, "local_unit_type_plurals", LOCAL_UNIT_TYPES, closed=False
        ),
    )


def _currency_format(table: Mapping[str, Any], key: str) -> str:
    pattern = table.get("currency_format")
    if not isinstance(pattern, str) or pattern.count("{amount}") != 1:
        raise ConfigError(
            'must be text with "{amount}" once, such as "${amount}"', f"{key}.currency_format"
        )
    return pattern


def _stale_lag_days(data: Mapping[str, Any]) -> Mapping[PeriodKind, int]:
    key = "stale_lag_days"
    table = _table(data, key)
    _check_keys(table, key, PeriodKind, closed=True)
    return MappingProxyType({PeriodKind(kind): _whole_number(table, kind, key) for kind in table})


def _labels(
    data: Mapping[str, Any], key: str, names: Iterable[str], *, closed: bool = True
) -> Mapping[str, str]:
    table = _table(data, key)
    _check_keys(table, key, names, closed=closed)
    for name, label in table.items():
        if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            raise ConfigError("a key must be lower case letters, digits and _", f"{key}.{name}")
        if not isinstance(label, str) or not label.strip():
            raise ConfigError("must be a non-empty text", f"{key}.{name}")
    return MappingProxyType(dict(table))


def _colours(data: Mapping[str, Any], key: str, names: Iterable[str]) -> Mapping[str, str]:
    colours = _labels(data, key, names)
    for name, colour in colours.items():
        if not re.fullmatch(r"#[0-9a-fA-F]{6}", colour):
            raise ConfigError(f"'{colour}' is not a colour written like #1a7f37", f"{key}.{name}")
        ratio = contrast_ratio(colour)
        if ratio < WCAG_AA_TEXT_CONTRAST:
            raise ConfigError(
                f"{colour} has a contrast of {ratio:.2f}:1 against white; text needs at least "
                f"{WCAG_AA_TEXT_CONTRAST}:1 (WCAG AA)",
                f"{key}.{name}",
            )
    return colours


def _table(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    table = data[key]
    if not isinstance(table, Mapping):
        raise ConfigError("must be a table of settings", key)
    return table


def _check_keys(
    table: Mapping[str, Any], prefix: str, names: Iterable[str], *, closed: bool
) -> None:
    expected = [str(name) for name in names]
    dot = f"{prefix}." if prefix else ""
    for name in expected:
        if name not in table:
            raise ConfigError("this setting is missing", f"{dot}{name}")
    if closed:
        for name in table:
            if name not in expected:
                known = ", ".join(expected)
                raise ConfigError(f"unknown setting (expected {known})", f"{dot}{name}")


def _number(
    table: Mapping[str, Any],
    name: str,
    prefix: str = "",
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    above: float | None = None,
) -> float:
    key = f"{prefix}.{name}" if prefix else name
    value = table[name]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ConfigError(f"must be a number, not {value!r}", key)
    if minimum is not None and value < minimum:
        raise ConfigError(f"must be {minimum:g} or more (it is {value:g})", key)
    if maximum is not None and value > maximum:
        raise ConfigError(f"must be {maximum:g} or less (it is {value:g})", key)
    if above is not None and value <= above:
        raise ConfigError(f"must be above {above:g} (it is {value:g})", key)
    return float(value)


def _whole_number(table: Mapping[str, Any], name: str, prefix: str) -> int:
    key = f"{prefix}.{name}"
    value = table[name]
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(f"must be a whole number, 0 or more, not {value!r}", key)
    return int(value)


class ProblemStatus(StrEnum):
    """Where a problem stands: suggested by the triggers, then the delivery unit's decision."""

    SUGGESTED = "suggested"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"
    RESOLVED = "resolved"


@dataclass(frozen=True)
class ProblemSettings:
    """The triggers, the severity ladder and their words (see method_defaults.toml, [problems])."""

    rules: TriggerRules
    not_suggested_for: frozenset[str]
    severity_labels: Mapping[str, str]
    severity_responses: Mapping[str, str]
    status_labels: Mapping[str, str]
    trigger_labels: Mapping[str, str]
    evidence_sentences: Mapping[str, str]


@dataclass(frozen=True)
class MomentumSettings:
    """The momentum page's thresholds (see method_defaults.toml, [momentum])."""

    data_refresh_days: int
    grace_days: int


_PROBLEM_COUNTS = (
    "slightly_below_periods",
    "below_periods",
    "well_below_periods",
    "sustained_well_below_periods",
    "progress_falling_periods",
    "several_missed_milestones",
    "on_track_periods_to_de_escalate",
)


def _problems(data: Mapping[str, Any]) -> ProblemSettings:
    key = "problems"
    tables = (
        "trigger_severity",
        "severity_labels",
        "severity_responses",
        "status_labels",
        "trigger_labels",
        "evidence_sentences",
    )
    table = _table(data, key)
    names = (*_PROBLEM_COUNTS, "far_below_sub_target", "not_suggested_for", *tables)
    _check_keys(table, key, names, closed=True)
    leave_out = table["not_suggested_for"]
    if not isinstance(leave_out, list) or not all(isinstance(t, str) for t in leave_out):
        raise ConfigError("must be a list of local unit types", f"{key}.not_suggested_for")
    counts = {name: _whole_number(table, name, key) for name in _PROBLEM_COUNTS}
    for name, count in counts.items():
        if count < 1:
            raise ConfigError(f"must be 1 or more (it is {count})", f"{key}.{name}")
    far_below = _number(table, "far_below_sub_target", key)
    if far_below >= 0:
        raise ConfigError(f"must be below 0 (it is {far_below:g})", f"{key}.far_below_sub_target")
    severity_table = _table(table, "trigger_severity")
    _check_keys(severity_table, f"{key}.trigger_severity", TriggerKind, closed=True)
    severities = {}
    for kind, level in severity_table.items():
        if level not in set(Severity):
            known = ", ".join(Severity)
            raise ConfigError(f"must be one of {known}", f"{key}.trigger_severity.{kind}")
        severities[TriggerKind(kind)] = Severity(level)
    sentences = _labels(table, "evidence_sentences", TriggerKind)
    return ProblemSettings(
        rules=TriggerRules(
            **counts, far_below_sub_target=far_below, severities=MappingProxyType(severities)
        ),
        not_suggested_for=frozenset(leave_out),
        severity_labels=_labels(table, "severity_labels", Severity),
        severity_responses=_labels(table, "severity_responses", Severity),
        status_labels=_labels(table, "status_labels", ProblemStatus),
        trigger_labels=_labels(table, "trigger_labels", TriggerKind),
        evidence_sentences=sentences,
    )


def _momentum(data: Mapping[str, Any]) -> MomentumSettings:
    key = "momentum"
    table = _table(data, key)
    _check_keys(table, key, ("data_refresh_days", "grace_days"), closed=True)
    return MomentumSettings(
        data_refresh_days=_whole_number(table, "data_refresh_days", key),
        grace_days=_whole_number(table, "grace_days", key),
    )
