"""The diagnostic's defaults come from the method's configuration, and bad values are refused."""

from __future__ import annotations

import pytest

from deliverology.configuration import default_settings
from deliverology.core.config import ConfigError, method_config_from_mapping


def test_the_documented_defaults():
    settings = method_config_from_mapping(default_settings()).diagnostic
    assert settings.periods_back == 3
    assert settings.similar_start_within == 10.0
    assert settings.fastest_improvers == 5
    assert settings.gap_share == 0.5


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("periods_back", 0, "must be 1 or more"),
        ("periods_back", 2.5, "whole number"),
        ("fastest_improvers", 0, "must be 1 or more"),
        ("similar_start_within", -1, "must be 0 or more"),
        ("gap_share", 0, "must be above 0"),
        ("gap_share", 1.5, "must be 1 or less"),
    ],
)
def test_a_bad_diagnostic_setting_is_refused_with_its_key(key, value, message):
    data = default_settings()
    data["diagnostic"] = {**data["diagnostic"], key: value}
    with pytest.raises(ConfigError, match=message) as error:
        method_config_from_mapping(data)
    assert error.value.key == f"diagnostic.{key}"


def test_an_unknown_diagnostic_setting_is_refused():
    data = default_settings()
    data["diagnostic"] = {**data["diagnostic"], "k": 4}
    with pytest.raises(ConfigError, match="unknown setting"):
        method_config_from_mapping(data)
