"""Loading the method's configuration: the packaged defaults, then an optional override file.

The one place the configuration is read. The override file is named by the environment variable
DELIVEROLOGY_METHOD_CONFIG; its tables are merged into the defaults key by key.
"""

from __future__ import annotations

import functools
import os
import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from deliverology.core.config import ConfigError, MethodConfig, method_config_from_mapping

OVERRIDE_VARIABLE = "DELIVEROLOGY_METHOD_CONFIG"
DEFAULTS_FILE = "method_defaults.toml"


@functools.cache
def load_method_config() -> MethodConfig:
    """The configuration in force; read once per process (clear with `.cache_clear()`)."""
    override = os.environ.get(OVERRIDE_VARIABLE, "").strip()
    return read_method_config(Path(override) if override else None)


def read_method_config(override: Path | None = None) -> MethodConfig:
    """The packaged defaults, merged with the override file when one is given."""
    merged = default_settings()
    source = f"deliverology/{DEFAULTS_FILE}"
    if override is not None:
        source = str(override)
        merged = merged_settings(merged, _read_toml(override), source)
    try:
        return method_config_from_mapping(merged)
    except ConfigError as error:
        raise error.in_source(source) from None


def default_settings() -> dict[str, Any]:
    text = resources.files("deliverology").joinpath(DEFAULTS_FILE).read_text(encoding="utf-8")
    return _parse_toml(text, f"deliverology/{DEFAULTS_FILE}")


def merged_settings(
    defaults: Mapping[str, Any], override: Mapping[str, Any], source: str, prefix: str = ""
) -> dict[str, Any]:
    """The defaults with the override's values; tables merge key by key."""
    merged = dict(defaults)
    for key, value in override.items():
        name = f"{prefix}{key}"
        default = defaults.get(key)
        if isinstance(default, Mapping) and isinstance(value, Mapping):
            merged[key] = merged_settings(default, value, source, f"{name}.")
        elif isinstance(default, Mapping):
            raise ConfigError("must be a table of settings, like the defaults", name, source)
        elif isinstance(value, Mapping) and key in defaults:
            raise ConfigError("must be a single value, not a table", name, source)
        else:
            merged[key] = value
    return merged


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        problem = f"cannot be read ({error.strerror or error}); check {OVERRIDE_VARIABLE}"
        raise ConfigError(problem, source=str(path)) from error
    return _parse_toml(text, str(path))


def _parse_toml(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"is not valid TOML: {error}", source=source) from error
