"""Sub-targets in a real browser: the delivery unit shares a target out, stretches it in one
click and agrees it; a district user proposes for their own district only."""

from __future__ import annotations

import pytest

from deliverology.core.allocation import AllocationMethod
from tests.e2e.test_journeys import _log_in, _serious_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_delivery_unit_shares_out_stretches_and_agrees(page, live_server, system, artifacts):
    _log_in(page, live_server, "analyst")
    page.get_by_role("link", name="Sub-targets").first.click()
    page.get_by_role("link", name="Grade 3 reading: 75.0% by 2026-27").click()
    page.get_by_label("Local units that get sub-targets").select_option("district")
    page.get_by_label("Method").select_option("uniform_uplift")
    page.get_by_label("Uplift").fill("10")
    page.get_by_role("button", name="Share the target out").click()

    check = page.locator(".aggregation-check")
    assert "Short by" in check.inner_text() and "71 people of 540" in check.inner_text()
    assert _serious_violations(page) == []
    page.screenshot(path=str(artifacts / "sub-targets-short.png"), full_page=True)

    page.get_by_role("button", name="Stretch the sub-targets").click()
    assert "The sub-targets add up to the system target" in check.inner_text()
    page.get_by_role("button", name="Agree these sub-targets").click()
    assert "Agreed" in page.locator("#set-heading + dl").inner_text()
    assert page.get_by_role("button", name="Adjust").count() == 0
    assert _serious_violations(page) == []
    page.screenshot(path=str(artifacts / "sub-targets-agreed.png"), full_page=True)


def test_a_district_user_proposes_for_their_own_district(page, live_server, system):
    from deliverology.web.priorities.models import Target
    from deliverology.web.subtargets.actions import build_sub_targets

    target = Target.objects.get(metric__code="reading", local_unit__code="ST")
    build_sub_targets(target, level="district", method=AllocationMethod.NEGOTIATED, by=None)
    _log_in(page, live_server, "district")
    page.goto(f"{live_server.url}/targets/{target.pk}/sub-targets/")
    rows = page.locator("table.sub-targets tbody tr")
    assert rows.count() == 1 and "District D1" in rows.first.inner_text()
    page.get_by_label("Sub-target for District D1").fill("58.5")
    page.get_by_label("Note").fill("two reading coaches")
    page.get_by_role("button", name="Propose").click()
    row = page.locator("#unit-D1")
    assert "Proposed" in row.inner_text() and "58.5" in row.inner_text()
    assert _serious_violations(page) == []
