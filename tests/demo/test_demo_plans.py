"""The demo's delivery plans: one per priority, some milestones overdue and some done, risks
with owners, and plans of different quality."""

from __future__ import annotations

import pytest

from deliverology.demo.generator import generate_demo_system
from deliverology.web.demo_system import install_demo_system
from deliverology.web.plans.actions import plan_page
from deliverology.web.plans.models import DeliveryPlan
from deliverology.web.priorities.clock import today
from deliverology.web.priorities.models import Priority


@pytest.mark.django_db
def test_every_demo_priority_has_a_plan_with_overdue_and_done_milestones() -> None:
    system = generate_demo_system(schools=120, districts=6, regions=1)
    install_demo_system(system, password="demo-pass-1", say=lambda _: None)
    plans = {plan.priority.code: plan for plan in DeliveryPlan.objects.select_related("priority")}
    assert set(plans) == set(Priority.objects.values_list("code", flat=True))
    pages = {code: plan_page(plan, today()) for code, plan in plans.items()}
    assert all(page.overdue and page.done for page in pages.values())
    ratings = {page.quality.rag for page in pages.values()}
    assert len(ratings) >= 2  # plans of different quality, for the checklist to show
    literacy = pages["early-literacy"]
    assert literacy.quality.checklist.complete
    district = [line for line in literacy.milestones if line.milestone.local_unit is not None]
    assert district and district[0].milestone.owner.username == "district"
    assert all(line.risk.owner is not None for page in pages.values() for line in page.risks)
