"""A delivery chain for the reading priority of the shared test system, four links long."""

from __future__ import annotations

import datetime

import pytest

from tests.conftest import System

LINKS = (
    ("department", "State literacy office", "Director of literacy"),
    ("region", "Regional offices", "Regional superintendents"),
    ("school", "Elementary schools", "Principals"),
    ("teacher", "K-3 teachers", "Grade-level leads"),
)


@pytest.fixture
def chain(system: System) -> object:
    from deliverology.web.chains.models import ChainLink, DeliveryChain, LinkRating

    created = DeliveryChain.objects.create(
        priority=system.priorities["reading"], title="Structured literacy"
    )
    for position, (kind, actor, owner) in enumerate(LINKS, start=1):
        ChainLink.objects.create(
            chain=created, position=position, actor_kind=kind, actor=actor, owner_name=owner
        )
    ratings = {1: "green", 2: "amber_green", 3: "amber_red"}  # the teachers are not rated yet
    for position, rating in ratings.items():
        LinkRating.objects.create(
            link=created.links.get(position=position),
            rating=rating,
            evidence=f"Field visit to link {position}",
            rated_on=datetime.date(2024, 10, 1),
            rated_by=system.people["analyst"],
        )
    return created
