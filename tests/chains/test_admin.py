"""The delivery unit sets up chains, activities and drivers in the admin too."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from django.urls import reverse

from deliverology.web.chains.models import ChainLink, DeliveryChain, LinkRating


@pytest.mark.parametrize("model", ["activity", "driver", "deliverychain", "linkrating"])
def test_every_chains_admin_page_opens(
    login: Callable[[str], object], chain: DeliveryChain, model: str
) -> None:
    client = login("analyst")
    for page in ("changelist", "add"):
        response = client.get(reverse(f"admin:chains_{model}_{page}"))  # type: ignore[attr-defined]
        assert response.status_code == 200, page
    edit = client.get(reverse("admin:chains_deliverychain_change", args=[chain.pk]))  # type: ignore[attr-defined]
    assert "Elementary schools" in edit.content.decode()


def test_a_rating_added_in_the_admin_is_checked_like_the_page_s(
    login: Callable[[str], object], chain: DeliveryChain
) -> None:
    link = ChainLink.objects.get(chain=chain, position=4)
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    before = LinkRating.objects.count()
    response = login("analyst").post(  # type: ignore[attr-defined]
        reverse("admin:chains_linkrating_add"),
        {"link": link.pk, "rating": "amber", "evidence": "x", "rated_on": tomorrow.isoformat()},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "amber is not on the RAG4 scale" in page
    assert "A rating cannot be dated after today" in page
    assert LinkRating.objects.count() == before


def test_a_rating_cannot_be_changed_once_recorded(
    login: Callable[[str], object], chain: DeliveryChain
) -> None:
    rating = LinkRating.objects.filter(link__chain=chain).first()
    assert rating is not None
    response = login("analyst").post(  # type: ignore[attr-defined]
        reverse("admin:chains_linkrating_change", args=[rating.pk]),
        {"link": rating.link_id, "rating": "red", "evidence": "changed", "rated_on": "2024-10-01"},
    )
    assert response.status_code == 403
    rating.refresh_from_db()
    assert rating.evidence != "changed"
