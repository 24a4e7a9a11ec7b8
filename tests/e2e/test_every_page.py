"""Every main page in a real browser: fits a 390 px phone screen without sideways scrolling and
reports no Content Security Policy violation (the `page` fixture fails on any)."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from tests.subtargets.test_actions import reading_target

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _wider_than_the_screen(page) -> int:
    return page.evaluate("document.scrollingElement.scrollWidth")


def _long_root_causes(problem, system) -> None:
    """A linked root cause and one more offered, both with long statements."""
    from deliverology.web.chains.models import Driver
    from deliverology.web.problems.root_causes import link_root_cause

    long = "Coaching visits happen, but half the classrooms have no daily phonics block and "
    for n in (1, 2):
        driver = Driver.objects.create(
            priority=problem.priority, statement=f"{long * 3} ({n})", evidence="Observations"
        )
    link_root_cause(problem, driver, long * 2, by=system.people["analyst"])


def test_every_main_page_fits_a_phone_screen(page, live_server, system, artifacts):
    from deliverology.core.allocation import AllocationMethod
    from deliverology.web.subtargets import actions

    target = reading_target(system)
    actions.build_sub_targets(
        target,
        level="district",
        method=AllocationMethod.UNIFORM_UPLIFT,
        by=system.people["analyst"],
        uplift=10.0,
    )
    from datetime import date

    from deliverology.web.problems.actions import evaluate_triggers
    from deliverology.web.problems.models import Problem

    evaluate_triggers(date(2025, 10, 1))
    problem = Problem.objects.order_by("pk").first()
    assert problem is not None
    _long_root_causes(problem, system)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/")
    assert _wider_than_the_screen(page) <= PHONE["width"], "login"
    page.get_by_label("Username").fill("analyst")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/")
    paths = [
        "/",
        "/priorities/reading/",
        "/priorities/reading/units/D1/",
        "/priorities/reading/units/S1/",
        "/priorities/reading/diagnostic/",
        "/priorities/reading/strategy/",
        f"/targets/{target.pk}/course/",
        "/sub-targets/",
        f"/targets/{target.pk}/sub-targets/",
        "/comparators/",
        "/imports/",
        "/imports/new/",
        "/problems/",
        f"/problems/{problem.pk}/",
        "/momentum/",
        "/no-such-page/",
    ]
    too_wide = {}
    for path in paths:
        page.goto(f"{live_server.url}{path}")
        width = _wider_than_the_screen(page)
        if width > PHONE["width"]:
            too_wide[path] = width
            name = path.strip("/").replace("/", "-") or "dashboard"
            page.screenshot(path=str(artifacts / f"phone-{name}.png"), full_page=True)
    assert too_wide == {}


def test_the_favicon_loads_without_a_missing_file(page, live_server, system):
    missing = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    page.goto(f"{live_server.url}/accounts/login/")
    href = page.locator('link[rel="icon"]').get_attribute("href")
    assert page.request.get(f"{live_server.url}{href}").ok
    assert page.request.get(f"{live_server.url}/favicon.ico").ok
    assert missing == []


def test_set_up_pages_work_under_the_content_security_policy(page, live_server, system):
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Username").fill("analyst")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    from deliverology.web.priorities.models import Target

    unit = system.units["D1"].pk
    target = Target.objects.filter(local_unit=system.units["ST"]).first().pk
    for path in (
        "/admin/",
        "/admin/performance/localunit/",
        f"/admin/performance/localunit/{unit}/change/",
        "/admin/priorities/target/add/",
        f"/admin/priorities/target/{target}/history/",
    ):
        assert page.goto(f"{live_server.url}{path}").status == 200, path
