"""Rating a delivery chain's link in a real browser: the weakest link moves on the diagram."""

from __future__ import annotations

import pytest

from tests.chains.conftest import chain  # noqa: F401  (the fixture)
from tests.e2e.test_every_page import PHONE, _wider_than_the_screen
from tests.e2e.test_journeys import _log_in, _serious_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_owner_rates_a_link_red_and_the_weakest_link_moves_to_it(
    page,
    live_server,
    system,
    chain,  # noqa: F811  (the imported fixture)
    artifacts,
):
    _log_in(page, live_server, "owner")
    page.get_by_role("link", name="Priority: Grade 3 reading").click()
    page.get_by_role("link", name="Delivery chains", exact=False).click()
    page.get_by_role("link", name="Structured literacy").click()
    diagram = page.get_by_role("img", name="Delivery chain: Structured literacy")
    assert diagram.is_visible()
    weakest = page.locator('svg g[data-weakest="true"]')
    assert weakest.get_attribute("data-position") == "3"
    assert _serious_violations(page) == []

    page.locator("summary", has_text="2. Regional offices").click()
    form = page.get_by_role("form", name="Rate Regional offices")
    form.get_by_label("rating").select_option(label="Red")
    form.get_by_label("evidence").fill("No figures have come back from the regions since October.")
    form.get_by_role("button", name="Rate this link").click()

    assert weakest.get_attribute("data-position") == "2"
    assert "Regional offices: Red" in page.locator("#weakest-link").inner_text()
    assert "Red" in (page.locator('svg g[data-position="2"]').text_content() or "")
    assert _serious_violations(page) == []
    page.screenshot(path=str(artifacts / "chain.png"), full_page=True)


def test_the_chain_pages_fit_a_phone_screen(page, live_server, system, chain, artifacts):  # noqa: F811
    page.set_viewport_size(PHONE)
    _log_in(page, live_server, "analyst")
    too_wide = {}
    for path in (
        "/priorities/reading/chains/",
        f"/priorities/reading/chains/{chain.pk}/",
        "/priorities/reading/activities/",
        "/priorities/reading/drivers/",
    ):
        page.goto(f"{live_server.url}{path}")
        assert _serious_violations(page) == [], path
        width = _wider_than_the_screen(page)
        if width > PHONE["width"]:
            too_wide[path] = width
            name = path.strip("/").replace("/", "-")
            page.screenshot(path=str(artifacts / f"phone-{name}.png"), full_page=True)
    assert too_wide == {}
