from __future__ import annotations

from collections.abc import Callable

import pytest
from django.urls import reverse

from deliverology.web.strategy.models import Intervention
from tests.conftest import System


@pytest.mark.parametrize(
    "name",
    [
        "admin:strategy_intervention_changelist",
        "admin:strategy_intervention_add",
        "admin:strategy_stoplistitem_changelist",
        "admin:strategy_stoplistitem_add",
    ],
)
def test_the_admin_pages_open(login: Callable[[str], object], name: str) -> None:
    assert login("analyst").get(reverse(name)).status_code == 200  # type: ignore[attr-defined]


def test_the_admin_refuses_a_negative_reach_and_saves_nothing(
    login: Callable[[str], object], system: System
) -> None:
    response = login("analyst").post(  # type: ignore[attr-defined]
        reverse("admin:strategy_intervention_add"),
        {
            "priority": system.priorities["reading"].pk,  # type: ignore[attr-defined]
            "title": "Reading buddies",
            "impact": "high",
            "difficulty": "low",
            "effect_low": "1",
            "effect": "2",
            "effect_high": "3",
            "reach_share": "-0.5",
            "rollout_start": "2022-23",
            "rollout_full": "2022-23",
            "lag_periods": "0",
            "ramp": "step",
            "ramp_periods": "1",
            "status": "proposed",
        },
    )
    assert response.status_code == 200
    assert "A reach is a share of the population" in response.content.decode()
    assert not Intervention.objects.exists()
