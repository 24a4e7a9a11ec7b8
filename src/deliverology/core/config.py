"""The method's configuration: every label and threshold, checked as one value.

This module only validates plain data; `deliverology.configuration` reads the files.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from deliverology.core.aggregation import Aggregation
from deliverology.core.assessment import (
    STAGES,
    Challenge,
    JudgementDirection,
    SubCriterion,
    SuggestionRules,
)
from deliverology.core.brevity import NoteLimits
from deliverology.core.periods import PeriodKind
from deliverology.core.problems import Severity, TriggerKind, TriggerRules
from deliverology.core.reviews import RootCauseKind, SiteKind
from deliverology.core.routines import (
    QUESTION_FIELDS,
    WEEKDAYS,
    Cadence,
    Prompt,
    Routine,
    WorkingCalendar,
)
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


PAPER_SIZES = ("A4", "Letter")


@dataclass(frozen=True)
class DocumentSettings:
    """How the documents a leader holds are printed (see method_defaults.toml, [documents])."""

    paper_size: str
    classification: str


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
    documents: DocumentSettings
    chains: ChainSettings
    plans: PlanSettings
    routines: RoutineSettings
    assessment: AssessmentSettings
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
    "documents",
    "chains",
    "plans",
    "routines",
    "assessment",
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
        documents=_documents(data),
        chains=_chains(data),
        plans=_plans(data),
        routines=_routines(data),
        assessment=_assessment(data),
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


def _documents(data: Mapping[str, Any]) -> DocumentSettings:
    key = "documents"
    table = _table(data, key)
    _check_keys(table, key, ("paper_size", "classification"), closed=True)
    paper_size = table["paper_size"]
    if paper_size not in PAPER_SIZES:
        raise ConfigError(f"must be one of {', '.join(PAPER_SIZES)}", f"{key}.paper_size")
    classification = table["classification"]
    if not isinstance(classification, str):
        raise ConfigError("must be text (it may be empty)", f"{key}.classification")
    return DocumentSettings(paper_size=paper_size, classification=classification)


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


# Delivery chains, activity profile and drivers (module 2B); see method_defaults.toml, [chains].
ACTOR_KINDS = ("department", "region", "district", "school", "teacher", "student")
ACTIVITY_KINDS = ("programme", "funding_stream", "initiative")


class EvidenceOfImpact(StrEnum):
    """How strong the evidence is that an activity moves the goal metric, weakest first."""

    NONE = "none"
    WEAK = "weak"
    MODERATE = "moderate"
    STRONG = "strong"


class Confidence(StrEnum):
    """How confident the delivery unit is that a driver really drives performance."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


@dataclass(frozen=True)
class ChainSettings:
    """Delivery chains, the activity profile and drivers (docs/concepts.md)."""

    weak_ratings: tuple[Rag4, ...]
    actor_kind_labels: Mapping[str, str]
    activity_kind_labels: Mapping[str, str]
    evidence_labels: Mapping[str, str]
    works_from: EvidenceOfImpact
    confidence_labels: Mapping[str, str]


def _chains(data: Mapping[str, Any]) -> ChainSettings:
    key = "chains"
    fields = (
        "weak_ratings",
        "works_from",
        "actor_kind_labels",
        "activity_kind_labels",
        "evidence_labels",
        "confidence_labels",
    )
    table = _table(data, key)
    _check_keys(table, key, fields, closed=True)
    weak = table["weak_ratings"]
    if not isinstance(weak, list) or not weak or any(r not in set(Rag4) for r in weak):
        known = ", ".join(Rag4)
        raise ConfigError(
            f"must be a non-empty list of ratings among {known}", f"{key}.weak_ratings"
        )
    works_from = table["works_from"]
    if works_from not in set(EvidenceOfImpact):
        known = ", ".join(EvidenceOfImpact)
        raise ConfigError(f"must be one of {known} (it is {works_from!r})", f"{key}.works_from")
    return ChainSettings(
        weak_ratings=tuple(Rag4(rating) for rating in weak),
        actor_kind_labels=_inner_labels(table, key, "actor_kind_labels", ACTOR_KINDS, closed=False),
        activity_kind_labels=_inner_labels(
            table, key, "activity_kind_labels", ACTIVITY_KINDS, closed=False
        ),
        evidence_labels=_inner_labels(table, key, "evidence_labels", EvidenceOfImpact),
        works_from=EvidenceOfImpact(works_from),
        confidence_labels=_inner_labels(table, key, "confidence_labels", Confidence),
    )


def _inner_labels(
    table: Mapping[str, Any], prefix: str, key: str, names: Iterable[str], *, closed: bool = True
) -> Mapping[str, str]:
    """Labels in a table inside a section; an error names the whole key ("chains.x.y")."""
    try:
        return _labels(table, key, names, closed=closed)
    except ConfigError as error:
        raise ConfigError(error.problem, f"{prefix}.{error.key}") from None


# --- delivery plans (appended) ----------------------------------------------------------------

PLAN_SCALE_POINTS = 4  # likelihood and impact are rated 1 to 4 (docs/method.md)
_PLAN_RATINGS = ("green", "amber_green", "amber_red")


@dataclass(frozen=True)
class PlanSettings:
    """Delivery plans: labels, the quality RAG's thresholds and the risk bands (see
    method_defaults.toml, [plans]). The label tables are keyed by the values of the enums in
    `deliverology.core.plans`."""

    quality_from: Mapping[str, float]
    risk_band_upto: Mapping[str, int]
    likelihood_labels: tuple[str, ...]
    impact_labels: tuple[str, ...]
    plan_status_labels: Mapping[str, str]
    milestone_status_labels: Mapping[str, str]
    risk_status_labels: Mapping[str, str]
    section_labels: Mapping[str, str]
    rule_labels: Mapping[str, str]
    stakeholder_level_labels: Mapping[str, str]


_PLAN_FIELDS = (
    "quality_from",
    "risk_band_upto",
    "likelihood_labels",
    "impact_labels",
    "plan_status_labels",
    "milestone_status_labels",
    "risk_status_labels",
    "section_labels",
    "rule_labels",
    "stakeholder_level_labels",
)
_PLAN_LABELS = {
    "plan_status_labels": ("draft", "in_review", "approved"),
    "milestone_status_labels": ("not_started", "on_track", "at_risk", "late", "done"),
    "risk_status_labels": ("open", "mitigating", "closed"),
    "section_labels": (
        "header",
        "strategy",
        "delivery_chain",
        "accountability",
        "trajectory",
        "performance_management",
        "milestones",
        "benchmarks",
        "resources",
        "stakeholders",
        "risks",
    ),
    "rule_labels": (
        "milestones_owned",
        "milestones_dated",
        "risks_owned",
        "risks_mitigated",
        "red_links_mitigated",
    ),
}


def _plans(data: Mapping[str, Any]) -> PlanSettings:
    key = "plans"
    table = _table(data, key)
    _check_keys(table, key, _PLAN_FIELDS, closed=True)
    labels = {name: _labels(table, name, names) for name, names in _PLAN_LABELS.items()}
    return PlanSettings(
        quality_from=_plan_quality_from(table, key),
        risk_band_upto=_plan_risk_bands(table, key),
        likelihood_labels=_scale_labels(table, "likelihood_labels", key),
        impact_labels=_scale_labels(table, "impact_labels", key),
        stakeholder_level_labels=_labels(table, "stakeholder_level_labels", (), closed=False),
        **labels,
    )


def _plan_quality_from(table: Mapping[str, Any], prefix: str) -> Mapping[str, float]:
    key = f"{prefix}.quality_from"
    shares = _table(table, "quality_from")
    _check_keys(shares, key, _PLAN_RATINGS, closed=True)
    values = {name: _number(shares, name, key, minimum=0, maximum=1) for name in _PLAN_RATINGS}
    _check_order(values, key, descending=True)
    return MappingProxyType(values)


def _plan_risk_bands(table: Mapping[str, Any], prefix: str) -> Mapping[str, int]:
    key = f"{prefix}.risk_band_upto"
    bands = _table(table, "risk_band_upto")
    _check_keys(bands, key, _PLAN_RATINGS, closed=True)
    values = {name: _whole_number(bands, name, key) for name in _PLAN_RATINGS}
    highest = PLAN_SCALE_POINTS**2
    for name, score in values.items():
        if not 1 <= score < highest:
            raise ConfigError(f"must be from 1 to {highest - 1} (it is {score})", f"{key}.{name}")
    _check_order(values, key, descending=False)
    return MappingProxyType(values)


def _check_order(values: Mapping[str, float], key: str, *, descending: bool) -> None:
    """green ≥ amber_green ≥ amber_red (descending), or ≤ each (ascending): never crossing."""
    for better, worse in zip(_PLAN_RATINGS, _PLAN_RATINGS[1:], strict=False):
        crossed = values[worse] > values[better] if descending else values[worse] < values[better]
        if crossed:
            side = "above" if descending else "below"
            raise ConfigError(
                f"{values[worse]:g} is {side} {key}.{better} ({values[better]:g}); the ratings "
                "must not cross",
                f"{key}.{worse}",
            )


def _scale_labels(table: Mapping[str, Any], name: str, prefix: str) -> tuple[str, ...]:
    key = f"{prefix}.{name}"
    labels = table[name]
    if (
        not isinstance(labels, list)
        or len(labels) != PLAN_SCALE_POINTS
        or not all(isinstance(label, str) and label.strip() for label in labels)
    ):
        raise ConfigError(
            f"must be a list of {PLAN_SCALE_POINTS} non-empty texts, lowest first", key
        )
    return tuple(labels)


@dataclass(frozen=True)
class RoutineSettings:
    """Routines, stocktakes and actions (see method_defaults.toml, [routines])."""

    anchor: dt.date
    working_calendar: WorkingCalendar
    cadences: Mapping[Routine, Cadence]
    routine_labels: Mapping[str, str]
    late_after_working_days: int
    follow_up_within_working_days: int
    remind_before_working_days: int
    note_upcoming_days: int
    action_statuses: Mapping[str, str]
    closed_action_statuses: tuple[str, ...]
    rubric_labels: Mapping[str, str]
    question_bank: tuple[str, ...]
    prompts: Mapping[str, str]

    @property
    def open_action_status(self) -> str:
        """The first configured status: where every new action starts."""
        return next(iter(self.action_statuses))


RUBRIC_CATEGORIES = ("regularity", "execution", "focus_on_performance", "action_on_performance")


def _routines(data: Mapping[str, Any]) -> RoutineSettings:
    key = "routines"
    fields = (
        "anchor",
        "weekend",
        "holidays",
        "late_after_working_days",
        "follow_up_within_working_days",
        "remind_before_working_days",
        "note_upcoming_days",
        "closed_action_statuses",
        "question_bank",
        "cadences",
        "routine_labels",
        "action_statuses",
        "rubric_labels",
        "prompts",
    )
    table = _table(data, key)
    _check_keys(table, key, fields, closed=True)
    anchor = table["anchor"]
    if not isinstance(anchor, dt.date) or isinstance(anchor, dt.datetime):
        raise ConfigError("must be a date written like 2025-09-01", f"{key}.anchor")
    statuses = _labels(table, "action_statuses", (), closed=False)
    closed = _text_list(table, "closed_action_statuses", key)
    unknown = [status for status in closed if status not in statuses]
    if unknown or not closed or len(closed) >= len(statuses):
        raise ConfigError(
            "must name some, not all, of routines.action_statuses (the first is where actions "
            "start)",
            f"{key}.closed_action_statuses",
        )
    if next(iter(statuses)) in closed:
        raise ConfigError("the first action status must be an open one", f"{key}.action_statuses")
    prompts = _labels(table, "prompts", Prompt)
    for name, text in prompts.items():
        try:
            text.format(**dict.fromkeys(QUESTION_FIELDS, ""))
        except (KeyError, IndexError, ValueError):
            fields_named = ", ".join("{" + f + "}" for f in QUESTION_FIELDS)
            raise ConfigError(
                f"may use only {fields_named} as placeholders", f"{key}.prompts.{name}"
            ) from None
    return RoutineSettings(
        anchor=anchor,
        working_calendar=WorkingCalendar(
            weekend=frozenset(WEEKDAYS.index(d) for d in _weekend(table, key)),
            holidays=frozenset(_dates(table, "holidays", key)),
        ),
        cadences=_cadences(table, key),
        routine_labels=_labels(table, "routine_labels", Routine),
        late_after_working_days=_whole_number(table, "late_after_working_days", key),
        follow_up_within_working_days=_whole_number(table, "follow_up_within_working_days", key),
        remind_before_working_days=_whole_number(table, "remind_before_working_days", key),
        note_upcoming_days=_note_upcoming_days(table, key),
        action_statuses=statuses,
        closed_action_statuses=tuple(closed),
        rubric_labels=_labels(table, "rubric_labels", RUBRIC_CATEGORIES),
        question_bank=tuple(_text_list(table, "question_bank", key)),
        prompts=prompts,
    )


def _note_upcoming_days(table: Mapping[str, Any], key: str) -> int:
    days = _whole_number(table, "note_upcoming_days", key)
    if days < 1:
        raise ConfigError(f"must be 1 or more (it is {days})", f"{key}.note_upcoming_days")
    return days


def _cadences(table: Mapping[str, Any], key: str) -> Mapping[Routine, Cadence]:
    cadences = _labels(table, "cadences", Routine)
    parsed: dict[Routine, Cadence] = {}
    for name, text in cadences.items():
        try:
            parsed[Routine(name)] = Cadence.parse(text)
        except ValueError as error:
            raise ConfigError(str(error), f"{key}.cadences.{name}") from None
    return MappingProxyType(parsed)


def _weekend(table: Mapping[str, Any], key: str) -> list[str]:
    days = _text_list(table, "weekend", key, allow_empty=True)
    for day in days:
        if day not in WEEKDAYS:
            raise ConfigError(f"{day!r} is not a weekday ({', '.join(WEEKDAYS)})", f"{key}.weekend")
    return days


def _dates(table: Mapping[str, Any], name: str, key: str) -> list[dt.date]:
    values = table[name]
    if not isinstance(values, list) or not all(
        isinstance(v, dt.date) and not isinstance(v, dt.datetime) for v in values
    ):
        raise ConfigError("must be a list of dates written like 2025-12-25", f"{key}.{name}")
    return values


def _text_list(
    table: Mapping[str, Any], name: str, key: str, *, allow_empty: bool = False
) -> list[str]:
    values = table[name]
    if (
        not isinstance(values, list)
        or not all(isinstance(v, str) and v.strip() for v in values)
        or (not values and not allow_empty)
    ):
        raise ConfigError("must be a list of non-empty texts", f"{key}.{name}")
    return values


@dataclass(frozen=True)
class AssessmentSettings:
    """The assessment framework, the monthly note's limits and the league tables (see
    method_defaults.toml, [assessment])."""

    reporting_months: int
    rules: SuggestionRules
    league_tie_decimals: int
    league_snapshot_months: int
    league_page_rows: int
    challenge_labels: Mapping[str, str]
    sub_criterion_labels: Mapping[str, str]
    stage_labels: Mapping[str, str]
    direction_labels: Mapping[str, str]
    note_limits: NoteLimits


def _assessment(data: Mapping[str, Any]) -> AssessmentSettings:
    key = "assessment"
    fields = (
        "reporting_months",
        "weak_links_lower_at",
        "missed_milestones_lower_at",
        "league_tie_decimals",
        "league_snapshot_months",
        "league_page_rows",
        "status_notches",
        "challenge_labels",
        "sub_criterion_labels",
        "stage_labels",
        "direction_labels",
        "note_limits",
    )
    table = _table(data, key)
    _check_keys(table, key, fields, closed=True)
    for name in ("reporting_months", "league_snapshot_months", "league_page_rows"):
        if _whole_number(table, name, key) < 1:
            raise ConfigError("must be 1 or more", f"{key}.{name}")
    return AssessmentSettings(
        reporting_months=_whole_number(table, "reporting_months", key),
        rules=SuggestionRules(
            status_notches=_status_notches(table, key),
            weak_links_lower_at=_whole_number(table, "weak_links_lower_at", key),
            missed_milestones_lower_at=_whole_number(table, "missed_milestones_lower_at", key),
        ),
        league_tie_decimals=_whole_number(table, "league_tie_decimals", key),
        league_snapshot_months=_whole_number(table, "league_snapshot_months", key),
        league_page_rows=_whole_number(table, "league_page_rows", key),
        challenge_labels=_labels(table, "challenge_labels", Challenge),
        sub_criterion_labels=_labels(table, "sub_criterion_labels", SubCriterion),
        stage_labels=_labels(table, "stage_labels", STAGES),
        direction_labels=_labels(table, "direction_labels", JudgementDirection),
        note_limits=_note_limits(table, key),
    )


def _status_notches(table: Mapping[str, Any], prefix: str) -> Mapping[TrajectoryStatus, int]:
    key = f"{prefix}.status_notches"
    notches = _table(table, "status_notches")
    _check_keys(notches, key, TrajectoryStatus, closed=True)
    moves: dict[TrajectoryStatus, int] = {}
    for status in TrajectoryStatus:
        value = notches[status]
        if isinstance(value, bool) or not isinstance(value, int) or not -3 <= value <= 3:
            raise ConfigError(
                f"must be a whole number from -3 to 3, not {value!r}", f"{key}.{status}"
            )
        moves[status] = value
    ranked = (
        TrajectoryStatus.WELL_BELOW,
        TrajectoryStatus.BELOW,
        TrajectoryStatus.SLIGHTLY_BELOW,
        TrajectoryStatus.ON_OR_ABOVE,
    )
    for worse, better in zip(ranked, ranked[1:], strict=False):
        if moves[better] < moves[worse]:
            raise ConfigError(
                f"moves the rating less than {worse} does; a better status may not move it less",
                f"{key}.{better}",
            )
    return MappingProxyType(moves)


def _note_limits(table: Mapping[str, Any], prefix: str) -> NoteLimits:
    key = f"{prefix}.note_limits"
    names = ("headline_words", "section_words", "total_words")
    limits = _table(table, "note_limits")
    _check_keys(limits, key, names, closed=True)
    values = {name: _whole_number(limits, name, key) for name in names}
    for name, value in values.items():
        if value < 1:
            raise ConfigError("must be 1 or more", f"{key}.{name}")
    return NoteLimits(**values)


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
    on_monthly_note_from: Severity = Severity.PRIORITY_REVIEW
    review_from: Severity = Severity.PRIORITY_REVIEW
    site_labels: Mapping[str, str] = field(
        default_factory=lambda: MappingProxyType(
            {"worst": "Worst", "best": "Best", "typical": "Typical"}
        )
    )
    crisis_cadence_days: Mapping[str, int] = field(
        default_factory=lambda: MappingProxyType({"weekly": 7, "fortnightly": 14})
    )
    crisis_cadence_labels: Mapping[str, str] = field(
        default_factory=lambda: MappingProxyType({"weekly": "Weekly", "fortnightly": "Fortnightly"})
    )
    root_cause_labels: Mapping[str, str] = field(
        default_factory=lambda: MappingProxyType(
            {"hypothesis": "Hypothesis", "driver": "Driver", "link": "Chain link"}
        )
    )


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
    names = (
        *_PROBLEM_COUNTS,
        "far_below_sub_target",
        "not_suggested_for",
        "on_monthly_note_from",
        "review_from",
        "crisis_cadence_days",
        "crisis_cadence_labels",
        "site_labels",
        "root_cause_labels",
        *tables,
    )
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
    on_note = table.get("on_monthly_note_from", Severity.PRIORITY_REVIEW.value)
    if on_note not in set(Severity):
        known = ", ".join(Severity)
        raise ConfigError(f"must be one of {known}", f"{key}.on_monthly_note_from")
    review_from = table.get("review_from", Severity.PRIORITY_REVIEW.value)
    if review_from not in set(Severity):
        raise ConfigError(f"must be one of {', '.join(Severity)}", f"{key}.review_from")
    cadence_days, cadence_labels = _crisis_cadences(table, key)
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
        on_monthly_note_from=Severity(on_note),
        review_from=Severity(review_from),
        site_labels=_labels(table, "site_labels", SiteKind),
        root_cause_labels=_labels(table, "root_cause_labels", RootCauseKind),
        crisis_cadence_days=cadence_days,
        crisis_cadence_labels=cadence_labels,
    )


def _crisis_cadences(
    table: Mapping[str, Any], key: str
) -> tuple[Mapping[str, int], Mapping[str, str]]:
    """A crisis group's cadences: days between meetings, and a label for each."""
    days_table = _table(table, "crisis_cadence_days")
    days = {
        name: _whole_number(days_table, name, f"{key}.crisis_cadence_days") for name in days_table
    }
    if not days or min(days.values()) < 1:
        raise ConfigError(
            "needs one cadence or more, each 1 day or more", f"{key}.crisis_cadence_days"
        )
    labels_table = _table(table, "crisis_cadence_labels")
    _check_keys(labels_table, f"{key}.crisis_cadence_labels", tuple(days), closed=True)
    labels = {name: str(labels_table.get(name, name)) for name in days}
    return MappingProxyType(days), MappingProxyType(labels)


def _momentum(data: Mapping[str, Any]) -> MomentumSettings:
    key = "momentum"
    table = _table(data, key)
    _check_keys(table, key, ("data_refresh_days", "grace_days"), closed=True)
    return MomentumSettings(
        data_refresh_days=_whole_number(table, "data_refresh_days", key),
        grace_days=_whole_number(table, "grace_days", key),
    )
