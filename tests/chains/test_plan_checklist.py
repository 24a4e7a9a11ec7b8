"""A delivery plan's checklist reads the priority's delivery chain: drawn as data it fills the
plan's chain section, and each weak link without a mitigation is named as missing."""

from __future__ import annotations

from datetime import date

from bs4 import BeautifulSoup
from django.urls import reverse

from deliverology.web.plans.models import DeliveryPlan

WEAK_LINK = "Elementary schools (Structured literacy)"


def checklist_text(client: object) -> str:
    page = BeautifulSoup(client.get(reverse("plan", args=["reading"])).content, "html.parser")  # type: ignore[attr-defined]
    return page.select_one(".checklist").get_text(" ", strip=True)


def test_a_weak_link_without_mitigation_is_missing_from_the_plan_until_mitigated(
    login, system, chain
):
    DeliveryPlan.objects.create(
        priority=system.priorities["reading"],
        owner=system.people["owner"],
        starts_on=date(2025, 1, 1),
        ends_on=date(2027, 8, 31),
    )
    client = login("analyst")
    assert WEAK_LINK in checklist_text(client)
    page = BeautifulSoup(client.get(reverse("plan", args=["reading"])).content, "html.parser")
    chain_section = page.find(id="chain-heading").parent
    assert chain_section.select_one(".plan-chains a")["href"] == reverse(
        "chain", args=["reading", chain.pk]
    )
    assert WEAK_LINK in chain_section.get_text(" ", strip=True)

    weak = chain.links.get(position=3)
    weak.mitigation = "Literacy coaches visit each school fortnightly."
    weak.save()
    assert WEAK_LINK not in checklist_text(client)


def test_without_a_chain_the_plan_neither_checks_links_nor_counts_its_chain_section(login, system):
    DeliveryPlan.objects.create(priority=system.priorities["reading"], owner=system.people["owner"])
    text = checklist_text(login("analyst"))
    assert "Every red link of the delivery chain has a mitigation" not in text
