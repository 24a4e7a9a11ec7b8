"""The delivery chain's page, its rating form and its exports, for every persona."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Callable

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from deliverology.web.chains.models import ChainLink, DeliveryChain, LinkRating
from deliverology.web.chains.queries import weak_links
from tests.conftest import System

TODAY = datetime.date.today()


def _url(name: str, chain: DeliveryChain, *more: int) -> str:
    return reverse(name, args=["reading", chain.pk, *more])


def _rating(**changes: str) -> dict[str, str]:
    return {
        "rating": "red",
        "evidence": "Half the schools had no coach",
        "rated_on": TODAY.isoformat(),
        **changes,
    }


def _post_rating(client: object, chain: DeliveryChain, position: int, **changes: str) -> object:
    link = chain.links.get(position=position)
    data = {f"link{link.pk}-{key}": value for key, value in _rating(**changes).items()}
    return client.post(_url("link_rate", chain, link.pk), data)  # type: ignore[attr-defined]


@pytest.mark.parametrize("who", ["leader", "analyst", "owner", "district", "viewer"])
def test_every_role_reads_the_chain_with_its_diagram_and_weakest_link(
    login: Callable[[str], object], chain: DeliveryChain, who: str
) -> None:
    response = login(who).get(_url("chain", chain))  # type: ignore[attr-defined]
    assert response.status_code == 200
    page = response.content.decode()
    assert 'role="img"' in page
    assert '<g class="chain-link" data-position="3" data-weakest="true">' in page
    assert "3. Elementary schools: Amber-red" in page
    assert "Not rated yet" in page


@pytest.mark.parametrize(
    ("who", "may_rate"),
    [("analyst", True), ("owner", True), ("leader", False), ("district", False), ("viewer", False)],
)
def test_only_the_delivery_unit_and_the_priority_owner_rate_links(
    login: Callable[[str], object], chain: DeliveryChain, who: str, may_rate: bool
) -> None:
    client = login(who)
    page = client.get(_url("chain", chain)).content.decode()  # type: ignore[attr-defined]
    assert ("Rate this link" in page) == may_rate
    response = _post_rating(client, chain, 4)
    assert response.status_code == (302 if may_rate else 403)  # type: ignore[attr-defined]
    assert LinkRating.objects.filter(link__position=4).exists() == may_rate


def test_another_priority_s_owner_may_not_rate(
    login: Callable[[str], object], chain: DeliveryChain, system: System
) -> None:
    priority = chain.priority
    priority.owner = system.people["leader"]
    priority.save()
    assert _post_rating(login("owner"), chain, 4).status_code == 403  # type: ignore[attr-defined]


def test_a_new_rating_keeps_the_old_one_and_moves_the_weakest_link(
    login: Callable[[str], object], chain: DeliveryChain, system: System
) -> None:
    client = login("owner")
    assert _post_rating(client, chain, 2).status_code == 302  # type: ignore[attr-defined]
    link = chain.links.get(position=2)
    assert [r.rating for r in link.ratings.order_by("-rated_on", "-pk")] == ["red", "amber_green"]
    assert link.ratings.order_by("-pk").first().rated_by == system.people["owner"]
    page = client.get(_url("chain", chain)).content.decode()  # type: ignore[attr-defined]
    assert '<g class="chain-link" data-position="2" data-weakest="true">' in page
    assert "2. Regional offices: Red" in page


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"rating": "amber"},
            "rating",
            "amber is not on the RAG4 scale (Red, Amber-red, Amber-green, Green).",
        ),
        ({"evidence": "   "}, "evidence", "This field is required."),
        (
            {"rated_on": (TODAY + datetime.timedelta(days=1)).isoformat()},
            "rated_on",
            "A rating cannot be dated after today",
        ),
    ],
)
def test_a_bad_rating_is_refused_where_it_was_entered_and_nothing_is_saved(
    login: Callable[[str], object],
    chain: DeliveryChain,
    changes: dict[str, str],
    field: str,
    message: str,
) -> None:
    before = LinkRating.objects.count()
    response = _post_rating(login("analyst"), chain, 4, **changes)
    assert response.status_code == 400  # type: ignore[attr-defined]
    link = chain.links.get(position=4)
    page = response.content.decode()  # type: ignore[attr-defined]
    section = page.split(f'<details id="history-{link.pk}" open>')[1].split("</details>")[0]
    assert f'id="id_link{link.pk}-{field}"' in section
    assert message in section
    assert LinkRating.objects.count() == before


def test_the_chain_page_costs_the_same_queries_however_many_links(
    login: Callable[[str], object], chain: DeliveryChain, system: System
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login("analyst")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(_url("chain", chain)).status_code == 200  # type: ignore[attr-defined]
        return len(captured)

    queries()  # the first request of a session also saves the session
    before = queries()
    for position in range(5, 25):
        link = ChainLink.objects.create(
            chain=chain,
            position=position,
            actor_kind="student",
            actor=f"Cohort {position}",
            owner_name="Teacher",
        )
        link.local_units.add(system.units["S1"])
        LinkRating.objects.create(
            link=link,
            rating="amber_red",
            evidence="Survey",
            rated_on=TODAY,
            rated_by=system.people["owner"],
        )
    assert queries() == before


def test_weak_links_are_found_in_one_place_with_their_latest_rating(
    chain: DeliveryChain, system: System, django_assert_max_num_queries: Callable[[int], object]
) -> None:
    schools = chain.links.get(position=3)
    schools.mitigation = "Coaches from the region for every low-performing school"
    schools.save()
    regions = chain.links.get(position=2)
    LinkRating.objects.create(
        link=regions,
        rating="red",
        evidence="No data back",
        rated_on=TODAY,
        rated_by=system.people["analyst"],
    )
    with django_assert_max_num_queries(1):  # type: ignore[operator]
        found = weak_links()
    assert [(w.link.position, w.latest.rating, w.has_mitigation) for w in found] == [
        (2, "red", False),
        (3, "amber_red", True),
    ]
    assert {w.priority.code for w in found} == {"reading"}
    assert weak_links(system.priorities["absence"]) == []  # type: ignore[arg-type]
    LinkRating.objects.create(
        link=regions,
        rating="green",
        evidence="Fixed",
        rated_on=TODAY,
        rated_by=system.people["analyst"],
    )
    assert [w.link.position for w in weak_links(chain.priority)] == [3]


def test_the_chain_exports_to_excel_and_csv_with_typed_text_kept_as_text(
    login: Callable[[str], object], chain: DeliveryChain
) -> None:
    link = chain.links.get(position=3)
    link.mitigation = '=HYPERLINK("http://evil")'
    link.save()
    client = login("viewer")
    response = client.get(_url("chain_xlsx", chain))  # type: ignore[attr-defined]
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[3][2] == "Elementary schools"
    assert rows[3][6] == "Amber-red"
    assert rows[3][10] == '=HYPERLINK("http://evil")'
    assert book.worksheets[0].cell(row=4, column=11).data_type == "s"
    assert rows[3][12] == "yes"  # the weakest link
    assert len(list(book.worksheets[1].iter_rows())) == 1 + 3  # header and three ratings
    text = client.get(_url("chain_csv", chain)).content.decode()  # type: ignore[attr-defined]
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[3][10] == '\'=HYPERLINK("http://evil")'
    assert lines[4][6] == "Not rated yet"


@pytest.mark.parametrize(("who", "status"), [("analyst", 302), ("owner", 302), ("viewer", 403)])
def test_the_delivery_unit_and_owner_draw_chains_and_add_links(
    login: Callable[[str], object], system: System, who: str, status: int
) -> None:
    client = login(who)
    response = client.post(  # type: ignore[attr-defined]
        reverse("chain_new", args=["reading"]),
        {"title": "Coaching", "front_line_change": "Teachers use phonics"},
    )
    assert response.status_code == status
    if status != 302:
        assert not DeliveryChain.objects.exists()
        return
    created = DeliveryChain.objects.get(title="Coaching")
    link = {
        "position": "1",
        "actor_kind": "department",
        "actor": "Literacy office",
        "owner_name": "Director",
    }
    assert client.post(_url("link_new", created), link).status_code == 302  # type: ignore[attr-defined]
    again = client.post(_url("link_new", created), {**link, "actor": "Another"})  # type: ignore[attr-defined]
    assert again.status_code == 400
    assert "Another link of this chain is at position 1." in again.content.decode()
    odd = client.post(_url("link_new", created), {**link, "position": "2", "actor_kind": "wizard"})  # type: ignore[attr-defined]
    assert odd.status_code == 400
    assert created.links.count() == 1


def test_the_chains_list_names_each_chain_s_weakest_link(
    login: Callable[[str], object], chain: DeliveryChain
) -> None:
    page = login("viewer").get(reverse("chains", args=["reading"])).content.decode()  # type: ignore[attr-defined]
    assert "Structured literacy" in page
    assert "3. Elementary schools (Amber-red)" in page


def test_the_priority_page_links_to_its_chains(login: Callable[[str], object]) -> None:
    page = login("viewer").get(reverse("priority", args=["reading"])).content.decode()  # type: ignore[attr-defined]
    assert reverse("chains", args=["reading"]) in page
