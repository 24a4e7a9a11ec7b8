"""The [chains] settings: checked when the configuration loads, named in every error."""

from __future__ import annotations

from typing import Any

import pytest

from deliverology.configuration import default_settings
from deliverology.core.config import ConfigError, EvidenceOfImpact, Rag4, method_config_from_mapping
from tests.core.test_config import settings_with


def test_the_defaults_make_red_and_amber_red_links_weak() -> None:
    chains = method_config_from_mapping(default_settings()).chains
    assert chains.weak_ratings == (Rag4.RED, Rag4.AMBER_RED)
    assert chains.works_from == EvidenceOfImpact.MODERATE
    assert list(chains.actor_kind_labels)[:6] == [
        "department",
        "region",
        "district",
        "school",
        "teacher",
        "student",
    ]


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        ("chains.weak_ratings", ["red", "amber"], "chains.weak_ratings: must be a non-empty list"),
        ("chains.weak_ratings", [], "chains.weak_ratings: must be a non-empty list"),
        ("chains.works_from", "excellent", "chains.works_from: must be one of none, weak"),
        (
            "chains.evidence_labels.strong",
            ...,
            "chains.evidence_labels.strong: this setting is missing",
        ),
        (
            "chains.confidence_labels.certain",
            "Certain",
            "chains.confidence_labels.certain: unknown",
        ),
        (
            "chains.actor_kind_labels.teacher",
            ...,
            "chains.actor_kind_labels.teacher: this setting is missing",
        ),
        ("chains.colour", "#000000", "chains.colour: unknown setting"),
    ],
)
def test_a_bad_chains_setting_is_refused_by_name(key: str, value: Any, problem: str) -> None:
    with pytest.raises(ConfigError, match=problem.replace(".", r"\.")):
        method_config_from_mapping(settings_with(key, value))


def test_a_configuration_may_add_kinds_of_actor_and_activity() -> None:
    with_parents = settings_with("chains.actor_kind_labels.parent", "Parent")
    chains = method_config_from_mapping(with_parents).chains
    assert chains.actor_kind_labels["parent"] == "Parent"
