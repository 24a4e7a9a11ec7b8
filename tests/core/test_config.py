from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from deliverology.configuration import (
    OVERRIDE_VARIABLE,
    default_settings,
    load_method_config,
    read_method_config,
)
from deliverology.core.aggregation import Aggregation
from deliverology.core.config import (
    ConfigError,
    MethodConfig,
    MetricKind,
    Rag4,
    contrast_ratio,
    method_config_from_mapping,
)
from deliverology.core.periods import PeriodKind
from deliverology.core.status import Direction, StatusBands, TrajectoryStatus, Trend


@pytest.fixture
def fresh_config(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """No override in the environment and an empty cache, before and after the test."""
    monkeypatch.delenv(OVERRIDE_VARIABLE, raising=False)
    load_method_config.cache_clear()
    yield monkeypatch
    load_method_config.cache_clear()


def settings_with(key: str, value: Any) -> dict[str, Any]:
    """The default settings with one dotted key replaced, or removed when value is ...."""
    settings = copy.deepcopy(default_settings())
    *tables, name = key.split(".")
    table = settings
    for part in tables:
        table = table[part]
    if value is ...:
        del table[name]
    else:
        table[name] = value
    return settings


def test_the_packaged_defaults_load(fresh_config: pytest.MonkeyPatch) -> None:
    config = load_method_config()
    assert isinstance(config, MethodConfig)
    assert config.status_bands == StatusBands(-0.10, -0.25, 2)
    assert config.trend_flat_tolerance == 0.1
    assert config.default_rate_scale == 100.0
    assert config.stale_lag_days[PeriodKind.ACADEMIC_YEAR] == 120
    assert config.status_labels[TrajectoryStatus.WELL_BELOW] == "Well below trajectory"
    assert load_method_config() is config


@pytest.mark.parametrize(
    ("setting", "names"),
    [
        ("status_labels", TrajectoryStatus),
        ("status_colours", TrajectoryStatus),
        ("trend_labels", Trend),
        ("metric_kind_labels", MetricKind),
        ("aggregation_labels", Aggregation),
        ("direction_labels", Direction),
        ("period_kind_labels", PeriodKind),
        ("rag4_labels", Rag4),
        ("rag4_colours", Rag4),
        ("stale_lag_days", PeriodKind),
    ],
)
def test_the_defaults_cover_every_value_of_each_scale(setting: str, names: Any) -> None:
    assert set(getattr(read_method_config(), setting)) == {str(name) for name in names}


def test_the_defaults_label_the_usual_missing_reasons_and_local_unit_types() -> None:
    config = read_method_config()
    assert set(config.missing_reason_labels) >= {"suppressed", "not_collected"}
    assert set(config.local_unit_type_labels) >= {"state", "region", "district", "school"}


def test_the_labels_cannot_be_changed_in_place() -> None:
    with pytest.raises(TypeError):
        read_method_config().status_labels["below"] = "Fine"  # type: ignore[index]


def test_an_override_file_changes_a_threshold_and_keeps_the_rest(
    fresh_config: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    override = tmp_path / "method.toml"
    override.write_text(
        '[status_bands]\nslightly_below = -0.05\n\n[status_labels]\nbelow = "Off track"\n',
        encoding="utf-8",
    )
    fresh_config.setenv(OVERRIDE_VARIABLE, str(override))
    config = load_method_config()
    assert config.status_bands == StatusBands(-0.05, -0.25, 2)
    assert config.status_labels["below"] == "Off track"
    assert config.status_labels["on_or_above"] == "On or above trajectory"


def test_an_override_file_can_add_a_local_unit_type(tmp_path: Path) -> None:
    override = tmp_path / "method.toml"
    override.write_text('[local_unit_type_labels]\nzone = "Zone"\n', encoding="utf-8")
    labels = read_method_config(override).local_unit_type_labels
    assert (labels["zone"], labels["district"]) == ("Zone", "District")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[status_bands]\nbelow = -0.05\n", "status_bands.below: -0.05 is above"),
        ("[status_bands]\nslightly_below = 0.1\n", "status_bands.slightly_below: must be 0 or"),
        ("[status_bands]\nbelow = 'low'\n", "status_bands.below: must be a number, not 'low'"),
        ("[status_labels]\nexcellent = 'Great'\n", "status_labels.excellent: unknown setting"),
        ("[status_colours]\nbelow = '#ffcc00'\n", "status_colours.below: #ffcc00 has a contrast"),
        ("[status_colours]\nbelow = 'orange'\n", "status_colours.below: 'orange' is not a colour"),
        ("[rag4_labels]\namber = 'Amber'\n", "rag4_labels.amber: unknown setting"),
        ("[stale_lag_days]\nmonth = -1\n", "stale_lag_days.month: must be a whole number"),
        ("[stale_lag_days]\nweek = 7\n", "stale_lag_days.week: unknown setting"),
        ("trend_flat_tolerance = -0.1\n", "trend_flat_tolerance: must be 0 or more"),
        ("default_rate_scale = 0\n", "default_rate_scale: must be above 0"),
        ("colour_scheme = 'dark'\n", "colour_scheme: unknown setting"),
        ("status_bands = 3\n", "status_bands: must be a table of settings"),
        ("[trend_flat_tolerance]\nvalue = 1\n", "trend_flat_tolerance: must be a single value"),
        ("[trend_labels]\nflat = ''\n", "trend_labels.flat: must be a non-empty text"),
        ("[local_unit_type_labels]\n'Big Zone' = 'Zone'\n", "local_unit_type_labels.Big Zone"),
        ("[status_bands\n", "is not valid TOML"),
    ],
)
def test_a_bad_override_file_is_refused_naming_the_file_and_key(
    tmp_path: Path, content: str, message: str
) -> None:
    override = tmp_path / "method.toml"
    override.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        read_method_config(override)
    assert str(raised.value).startswith(f"{override}: ")
    assert message in str(raised.value)


def test_a_missing_override_file_is_refused_naming_it(
    fresh_config: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    missing = tmp_path / "nowhere.toml"
    fresh_config.setenv(OVERRIDE_VARIABLE, str(missing))
    with pytest.raises(ConfigError, match=f"{missing}: cannot be read"):
        load_method_config()


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("status_labels.no_data", ..., "status_labels.no_data: this setting is missing"),
        ("stale_lag_days", ..., "stale_lag_days: this setting is missing"),
        ("status_bands.below", ..., "status_bands.below: this setting is missing"),
        ("status_bands.consecutive_below_for_well_below", 1.5, "must be a whole number"),
        ("status_bands.consecutive_below_for_well_below", True, "must be a whole number"),
        ("missing_reason_labels.suppressed", ..., "missing_reason_labels.suppressed: this"),
        ("trend_flat_tolerance", float("nan"), "trend_flat_tolerance: must be a number"),
    ],
)
def test_method_config_from_mapping_names_the_key(key: str, value: Any, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        method_config_from_mapping(settings_with(key, value))


@pytest.mark.parametrize(
    ("colour", "ratio"),
    [("#ffffff", 1.0), ("#000000", 21.0), ("#767676", 4.54), ("#777777", 4.48)],
)
def test_contrast_ratio_against_white(colour: str, ratio: float) -> None:
    assert contrast_ratio(colour) == pytest.approx(ratio, abs=0.01)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("problems.trigger_severity.below", "urgent", "problems.trigger_severity.below: must be"),
        ("problems.trigger_severity.stale_feed", ..., "stale_feed: this setting is missing"),
        ("problems.far_below_sub_target", 0.1, "problems.far_below_sub_target: must be below 0"),
        ("problems.on_track_periods_to_de_escalate", 0, "must be 1 or more"),
        ("problems.not_suggested_for", "school", "must be a list of local unit types"),
        ("problems.severity_labels.crisis", ..., "severity_labels.crisis: this setting is missing"),
        ("momentum.grace_days", -1, "momentum.grace_days: must be a whole number"),
    ],
)
def test_the_problem_settings_are_checked_naming_the_key(
    key: str, value: Any, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        method_config_from_mapping(settings_with(key, value))


@pytest.mark.parametrize(
    ("value", "message"),
    [(0, "assessment.league_page_rows: must be 1 or more"), (..., "this setting is missing")],
)
def test_the_league_page_rows_are_checked_naming_the_key(value: Any, message: str) -> None:
    assert method_config_from_mapping(default_settings()).assessment.league_page_rows == 50
    with pytest.raises(ConfigError, match=message):
        method_config_from_mapping(settings_with("assessment.league_page_rows", value))
