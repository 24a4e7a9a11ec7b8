"""Tests that keep the documentation true: every setting and every command is documented."""

from __future__ import annotations

import re
from pathlib import Path

from deliverology.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = ROOT / "src" / "deliverology" / "web" / "settings.py"


def documented(name: str) -> str:
    return (ROOT / "docs" / name).read_text(encoding="utf-8")


def test_every_environment_setting_is_documented():
    pattern = r'env_(?:str|bool|list|number|int)\(\s*"([A-Z_]+)"'
    names = set(re.findall(pattern, SETTINGS.read_text()))
    assert "DATABASE_URL" in names
    missing = sorted(name for name in names if f"`{name}`" not in documented("settings.md"))
    assert missing == []


def test_every_command_is_documented_with_its_options():
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices  # noqa: SLF001
    page = documented("cli.md")
    for name, command in commands.items():
        assert f"`deliverology {name}`" in page
        for action in command._actions:
            for option in action.option_strings:
                if option.startswith("--") and option != "--help":
                    assert f"`{option}`" in page


def test_every_command_has_an_example_in_its_help():
    parser = build_parser()
    for command in parser._subparsers._group_actions[0].choices.values():  # noqa: SLF001
        assert re.search(r"Example: .*deliverology ", command.format_help())
