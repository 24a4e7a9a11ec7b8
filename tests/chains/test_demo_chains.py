"""The demo's chains, activity profiles and drivers."""

from __future__ import annotations

import pytest

from deliverology.demo.generator import generate_demo_system
from deliverology.web.chains.models import Activity, DeliveryChain, Driver
from deliverology.web.chains.queries import weak_links
from deliverology.web.demo_system import install_demo_system
from deliverology.web.priorities.models import Priority


@pytest.mark.django_db
def test_every_demo_priority_has_a_rated_chain_with_red_and_amber_red_links_and_a_profile() -> None:
    system = generate_demo_system(schools=120, districts=6, regions=1)
    install_demo_system(system, password="demo-pass-1", say=lambda _: None)
    weak = weak_links()
    for priority in Priority.objects.all():
        chain = DeliveryChain.objects.get(priority=priority)
        assert chain.intervention is not None and chain.intervention.priority == priority
        assert chain.links.count() >= 5
        ratings = {w.latest.rating for w in weak if w.priority == priority}
        assert ratings == {"red", "amber_red"}, priority.code
        assert Activity.objects.filter(priority=priority, stop_candidate=True).exists()
        assert Driver.objects.filter(priority=priority).exists()
    assert any(not w.has_mitigation for w in weak)
    assert Driver.objects.exclude(hypothesis=None).exists()
