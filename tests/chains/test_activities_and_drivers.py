"""The activity profile and the drivers of performance, for every persona."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.urls import reverse

from deliverology.web.chains.models import Activity, Driver
from deliverology.web.diagnostics.models import Hypothesis
from tests.conftest import System

ACTIVITY = {
    "name": "Summer reading camps",
    "kind": "programme",
    "owner_name": "Office of early learning",
    "cost": "1200000",
    "reach": "4000",
    "intended_effect": "Stop the summer slide",
    "evidence_of_impact": "strong",
    "evidence_notes": "Randomised trial, 2019",
}


def _add(client: object, **changes: str) -> object:
    return client.post(reverse("activity_new", args=["reading"]), {**ACTIVITY, **changes})  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("who", "status"),
    [("analyst", 302), ("owner", 403), ("leader", 403), ("district", 403), ("viewer", 403)],
)
def test_only_the_delivery_unit_keeps_the_activity_profile(
    login: Callable[[str], object], who: str, status: int
) -> None:
    assert _add(login(who)).status_code == status  # type: ignore[attr-defined]
    assert Activity.objects.exists() == (status == 302)


def test_the_profile_totals_cost_and_reach_and_says_what_works(
    login: Callable[[str], object],
) -> None:
    client = login("analyst")
    _add(client)
    _add(
        client,
        name="Paper returns",
        cost="300000",
        reach="",
        evidence_of_impact="weak",
        stop_candidate="on",
    )
    _add(client, name="Reading apps", cost="", reach="1500", evidence_of_impact="moderate")
    page = login("viewer").get(reverse("activities", args=["reading"])).content.decode()  # type: ignore[attr-defined]
    totals = page.split('id="activity-totals"')[1].split("</dl>")[0]
    assert "$1,500,000" in totals
    assert "5,500" in totals
    works = page.split('id="works"')[1].split("</table>")[0]
    unproven = page.split('id="unproven"')[1].split("</table>")[0]
    assert "Summer reading camps" in works and "Reading apps" in works
    assert "Paper returns" in unproven and "Paper returns" not in works
    assert "Candidates for the stop list" in page
    first = Activity.objects.first()
    assert first is not None
    assert (
        reverse("activity_edit", args=["reading", first.pk]) not in page
    )  # a viewer's is read-only


@pytest.mark.parametrize(("field", "value"), [("kind", "lottery"), ("evidence_of_impact", "great")])
def test_an_activity_off_the_configured_lists_is_refused(
    login: Callable[[str], object], field: str, value: str
) -> None:
    response = _add(login("analyst"), **{field: value})
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert "Select a valid choice" in response.content.decode()  # type: ignore[attr-defined]
    assert not Activity.objects.exists()


@pytest.fixture
def hypothesis(system: System) -> Hypothesis:
    return Hypothesis.objects.create(
        priority=system.priorities["reading"],  # type: ignore[misc]
        statement="Schools without a literacy coach improve more slowly",
        evidence="Diagnostic, 2023-24",
        status=Hypothesis.Status.SUPPORTED,
    )


def _promote(client: object, hypothesis: Hypothesis, **changes: str) -> object:
    data = {f"h{hypothesis.pk}-evidence": "Coach survey", f"h{hypothesis.pk}-confidence": "high"}
    data.update({f"h{hypothesis.pk}-{k}": v for k, v in changes.items()})
    return client.post(reverse("driver_promote", args=["reading", hypothesis.pk]), data)  # type: ignore[attr-defined]


@pytest.mark.parametrize(("who", "status"), [("analyst", 302), ("owner", 403), ("viewer", 403)])
def test_the_delivery_unit_promotes_a_hypothesis_to_a_driver(
    login: Callable[[str], object], hypothesis: Hypothesis, who: str, status: int
) -> None:
    assert _promote(login(who), hypothesis).status_code == status  # type: ignore[attr-defined]
    if status != 302:
        assert not Driver.objects.exists()
        return
    driver = Driver.objects.get()
    assert (driver.statement, driver.evidence, driver.confidence) == (
        hypothesis.statement,
        "Coach survey",
        "high",
    )
    page = login("viewer").get(reverse("drivers", args=["reading"])).content.decode()  # type: ignore[attr-defined]
    drivers = page.split('id="drivers"')[1].split("</table>")[0]
    assert hypothesis.statement in drivers
    assert hypothesis.statement not in page.split('id="hypotheses"')[1]  # no longer to promote


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"evidence": " "}, "This field is required."),
        ({"confidence": "certain"}, "Select a valid choice"),
    ],
)
def test_a_promotion_without_evidence_or_off_the_scale_saves_nothing(
    login: Callable[[str], object], hypothesis: Hypothesis, changes: dict[str, str], message: str
) -> None:
    response = _promote(login("analyst"), hypothesis, **changes)
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert message in response.content.decode()  # type: ignore[attr-defined]
    assert not Driver.objects.exists()


def test_a_hypothesis_is_promoted_once(
    login: Callable[[str], object], hypothesis: Hypothesis
) -> None:
    client = login("analyst")
    _promote(client, hypothesis)
    again = _promote(client, hypothesis)
    assert again.status_code == 400  # type: ignore[attr-defined]
    assert Driver.objects.count() == 1


def test_the_delivery_unit_adds_a_driver_of_its_own(login: Callable[[str], object]) -> None:
    response = login("analyst").post(  # type: ignore[attr-defined]
        reverse("driver_new", args=["reading"]),
        {"statement": "Teacher turnover", "evidence": "HR data", "confidence": "low"},
    )
    assert response.status_code == 302
    assert Driver.objects.get().confidence_label() == "Low"
