"""System checks for misconfiguration, with IDs and hints (`manage.py check --deploy`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from deliverology.core.config import ConfigError


@register(Tags.security, deploy=True)
def check_secret_key(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    if settings.SECRET_KEY == settings.INSECURE_DEMO_KEY:
        return [
            Warning(
                "SECRET_KEY is the built-in demo key.",
                hint="Set SECRET_KEY (or SECRET_KEY_FILE) to a long random value.",
                id="deliverology.W001",
            )
        ]
    return []


@register()
def check_method_config(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    from deliverology.configuration import load_method_config

    try:
        load_method_config()
    except (ConfigError, OSError) as error:
        return [
            Error(
                f"The method configuration cannot be loaded: {error}",
                hint="Fix the file named by DELIVEROLOGY_METHOD_CONFIG (see docs/settings.md).",
                id="deliverology.E001",
            )
        ]
    return []
