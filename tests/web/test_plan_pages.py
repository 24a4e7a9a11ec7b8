"""Delivery plan pages and forms through the test client, for every persona."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from deliverology.web.accounts.models import Profile
from deliverology.web.plans.models import Accountability, DeliveryPlan, Milestone, Risk, Stakeholder
from deliverology.web.strategy.models import Intervention
from tests.conftest import PASSWORD, System

TODAY = date(2025, 11, 1)  # tests/settings.py fixes today


@pytest.fixture
def plan(system: System) -> DeliveryPlan:
    """The reading priority's plan: started, one overdue milestone, one unmitigated risk."""
    plan = DeliveryPlan.objects.create(
        priority=system.priorities["reading"],  # type: ignore[misc]
        owner=system.people["owner"],  # type: ignore[misc]
        starts_on=date(2025, 1, 1),
        ends_on=date(2027, 8, 31),
        strategy="Coaching in every classroom.",
    )
    Milestone.objects.create(
        plan=plan,
        title="Coaches hired",
        owner=system.people["district"],  # type: ignore[misc]
        due=TODAY - timedelta(days=20),
        status="on_track",
    )
    Milestone.objects.create(
        plan=plan,
        title="Materials bought",
        owner=system.people["analyst"],
        due=TODAY + timedelta(days=30),  # type: ignore[misc]
    )
    Risk.objects.create(
        plan=plan,
        description="Coaches leave",
        likelihood=4,
        impact=3,
        owner=system.people["owner"],  # type: ignore[misc]
    )
    return plan


@pytest.fixture
def other_owner(system: System) -> User:
    """A priority owner who owns neither of the test system's priorities."""
    user = User.objects.create_user("other_owner", password=PASSWORD)
    Profile.objects.create(user=user, role=Profile.Role.PRIORITY_OWNER)
    return user


def text(response: object) -> str:
    return BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True)  # type: ignore[attr-defined]


@pytest.mark.parametrize("who", ["leader", "analyst", "owner", "district", "viewer"])
def test_every_role_reads_the_plan_with_its_checklist_and_charts(
    login: Callable[[str], object], plan: DeliveryPlan, who: str
) -> None:
    response = login(who).get(reverse("plan", args=["reading"]))  # type: ignore[attr-defined]
    assert response.status_code == 200
    page = BeautifulSoup(response.content, "html.parser")
    assert page.find(id="overdue-count").get_text(strip=True) == "1"
    assert "Every open risk has a mitigation" in page.select_one(".checklist").get_text()
    assert "Coaches leave" in page.select_one(".checklist").get_text()  # named as missing
    charts = page.select("figure.chart svg[role=img]")
    assert [svg["aria-label"] for svg in charts] == [
        "Milestones: Delivery plan: Priority: Grade 3 reading",
        "Open risks by likelihood and impact",
    ]
    assert "overdue" in page.select_one("tr.overdue").get_text()
    heat_table = page.find("caption", id="heat-map-table").find_parent("table")
    assert "1 (Red)" in " ".join(
        heat_table.get_text(" ").split()
    )  # likelihood 4 x impact 3 = 12: red


def test_a_priority_without_a_plan_offers_to_start_one_to_those_who_may(
    login: Callable[[str], object],
) -> None:
    assert "Start the delivery plan" in text(login("owner").get(reverse("plan", args=["reading"])))  # type: ignore[attr-defined]
    assert "Start the delivery plan" not in text(
        login("viewer").get(reverse("plan", args=["reading"]))  # type: ignore[attr-defined]
    )


@pytest.mark.parametrize(
    ("who", "status"),
    [("analyst", 302), ("owner", 302), ("leader", 403), ("district", 403), ("viewer", 403)],
)
def test_only_the_delivery_unit_and_the_priority_owner_start_a_plan(
    login: Callable[[str], object], who: str, status: int
) -> None:
    response = login(who).post(  # type: ignore[attr-defined]
        reverse("plan_new", args=["reading"]),
        {"status": "draft", "starts_on": "2025-09-01", "ends_on": "2027-08-31"},
    )
    assert response.status_code == status
    assert DeliveryPlan.objects.filter(priority__code="reading").exists() == (status == 302)


def test_another_priority_owner_may_not_start_a_plan_for_this_priority(
    client: object, system: System, other_owner: User
) -> None:
    client.force_login(other_owner)  # type: ignore[attr-defined]
    response = client.post(reverse("plan_new", args=["reading"]), {"status": "draft"})  # type: ignore[attr-defined]
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("who", "status"),
    [("analyst", 302), ("owner", 302), ("leader", 403), ("district", 403), ("viewer", 403)],
)
def test_who_may_edit_the_plan(
    login: Callable[[str], object], plan: DeliveryPlan, who: str, status: int
) -> None:
    response = login(who).post(  # type: ignore[attr-defined]
        reverse("plan_edit", args=[plan.pk]),
        {
            "status": "in_review",
            "starts_on": "2025-01-01",
            "ends_on": "2027-08-31",
            "benchmarks": "Two states",
        },
    )
    assert response.status_code == status
    plan.refresh_from_db()
    assert (plan.benchmarks == "Two states") == (status == 302)
    if status == 302:
        assert plan.history.count() == 2  # created, then changed: every version kept


def test_a_plan_owner_edits_their_own_plan_only(
    client: object, system: System, plan: DeliveryPlan, other_owner: User
) -> None:
    absence = DeliveryPlan.objects.create(priority=system.priorities["absence"], owner=other_owner)  # type: ignore[misc]
    client.force_login(other_owner)  # type: ignore[attr-defined]
    data = {"status": "draft", "benchmarks": "Ours"}
    assert client.post(reverse("plan_edit", args=[absence.pk]), data).status_code == 302  # type: ignore[attr-defined]
    assert client.post(reverse("plan_edit", args=[plan.pk]), data).status_code == 403  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("who", "status"),
    [("district", 302), ("analyst", 302), ("owner", 302), ("leader", 403), ("viewer", 403)],
)
def test_a_milestones_owner_and_the_plans_editors_update_its_status(
    login: Callable[[str], object], plan: DeliveryPlan, who: str, status: int
) -> None:
    milestone = plan.milestones.get(title="Coaches hired")  # owned by "district"
    response = login(who).post(  # type: ignore[attr-defined]
        reverse("milestone_update", args=[milestone.pk]),
        {"status": "done", "evidence": "All 12 in post"},
    )
    assert response.status_code == status
    milestone.refresh_from_db()
    assert (milestone.status == "done") == (status == 302)
    if status == 302:
        assert milestone.completed_on == TODAY
        assert milestone.history.first().history_user.username == who


def test_the_milestone_owner_may_not_change_the_rest_of_the_plan(
    login: Callable[[str], object], plan: DeliveryPlan
) -> None:
    client = login("district")
    other = plan.milestones.get(title="Materials bought")
    assert (
        client.post(reverse("milestone_update", args=[other.pk]), {"status": "done"}).status_code
        == 403
    )  # type: ignore[attr-defined]
    assert client.get(reverse("plan_item_new", args=[plan.pk, "milestone"])).status_code == 403  # type: ignore[attr-defined]


def test_a_milestone_due_before_the_plan_starts_is_refused_where_it_was_entered(
    login: Callable[[str], object], plan: DeliveryPlan
) -> None:
    response = login("owner").post(  # type: ignore[attr-defined]
        reverse("plan_item_new", args=[plan.pk, "milestone"]),
        {"title": "Too early", "due": "2024-12-31", "status": "not_started"},
    )
    assert response.status_code == 400
    assert "before the plan starts on 2025-01-01" in text(response)
    assert not Milestone.objects.filter(title="Too early").exists()


def test_a_duplicate_milestone_is_refused_where_it_was_entered(
    login: Callable[[str], object], plan: DeliveryPlan
) -> None:
    response = login("owner").post(  # type: ignore[attr-defined]
        reverse("plan_item_new", args=[plan.pk, "milestone"]),
        {"title": "coaches hired", "due": "2025-12-01", "status": "not_started"},
    )
    assert response.status_code == 400
    assert "This plan already has “coaches hired”" in text(response)


def test_a_risk_without_an_owner_is_refused_where_it_was_entered(
    login: Callable[[str], object], plan: DeliveryPlan
) -> None:
    response = login("analyst").post(  # type: ignore[attr-defined]
        reverse("plan_item_new", args=[plan.pk, "risk"]),
        {"description": "Budget cut", "likelihood": "2", "impact": "4", "status": "open"},
    )
    assert response.status_code == 400
    assert "Every risk needs an owner." in text(response)
    assert not Risk.objects.filter(description="Budget cut").exists()


def test_a_risk_rated_off_the_scale_is_refused(
    login: Callable[[str], object], plan: DeliveryPlan, system: System
) -> None:
    response = login("analyst").post(  # type: ignore[attr-defined]
        reverse("plan_item_new", args=[plan.pk, "risk"]),
        {
            "description": "Budget cut",
            "likelihood": "5",
            "impact": "4",
            "status": "open",
            "owner": system.people["owner"].pk,
        },  # type: ignore[attr-defined]
    )
    assert response.status_code == 400
    assert not Risk.objects.filter(description="Budget cut").exists()


def test_filling_every_section_turns_the_plan_green(
    login: Callable[[str], object], plan: DeliveryPlan, system: System
) -> None:
    client = login("owner")
    before = BeautifulSoup(client.get(reverse("plan", args=["reading"])).content, "html.parser")  # type: ignore[attr-defined]
    assert before.find(id="plan-rag").get_text(strip=True) != "Green"
    Intervention.objects.create(
        priority=system.priorities["reading"],  # type: ignore[misc]
        title="Coaching",
        effect_low=1,
        effect=2,
        effect_high=3,
        rollout_start="2022-23",
        rollout_full="2023-24",
    )
    people = system.people
    client.post(  # type: ignore[attr-defined]
        reverse("plan_edit", args=[plan.pk]),
        {
            "owner": people["owner"].pk,  # type: ignore[attr-defined]
            "status": "draft",
            "starts_on": "2025-01-01",
            "ends_on": "2027-08-31",
            "strategy": "Coaching",
            "delivery_chain": "State → district → school",
            "performance_management": "Screening",
            "benchmarks": "Two states",
            "resources_people": "12 coaches",
            "budget": "100000",
        },
    )
    client.post(
        reverse("plan_item_new", args=[plan.pk, "raci"]),
        {
            "activity": "Coaching",
            "responsible": people["district"].pk,
            "accountable": people["owner"].pk,
        },
    )  # type: ignore[attr-defined]
    client.post(
        reverse("plan_item_new", args=[plan.pk, "stakeholder"]),
        {"name": "Union", "interest": "high", "influence": "high"},
    )  # type: ignore[attr-defined]
    risk = plan.risks.get()
    client.post(  # type: ignore[attr-defined]
        reverse("plan_item_edit", args=[plan.pk, "risk", risk.pk]),
        {
            "description": risk.description,
            "likelihood": "4",
            "impact": "3",
            "owner": people["owner"].pk,
            "mitigation": "Retention pay",
            "status": "open",
        },  # type: ignore[attr-defined]
    )
    assert Accountability.objects.count() == Stakeholder.objects.count() == 1
    after = BeautifulSoup(client.get(reverse("plan", args=["reading"])).content, "html.parser")  # type: ignore[attr-defined]
    assert after.find(id="plan-rag").get_text(strip=True) == "Green"
    assert after.find(id="plan-completeness").get_text(strip=True) == "15 / 15"


def test_the_priority_page_summarises_its_plan(
    login: Callable[[str], object], plan: DeliveryPlan
) -> None:
    page = BeautifulSoup(
        login("viewer").get(reverse("priority", args=["reading"])).content, "html.parser"
    )  # type: ignore[attr-defined]
    summary = page.select_one(".plan-summary").get_text(" ", strip=True)
    assert (
        "0 of 2 milestones done" in summary and "1 overdue" in summary and "1 red risk" in summary
    )
    assert page.select_one(".plan-summary a")["href"] == reverse("plan", args=["reading"])


def test_my_milestones_lists_a_persons_milestones_across_priorities_overdue_first(
    login: Callable[[str], object], plan: DeliveryPlan, system: System
) -> None:
    other = DeliveryPlan.objects.create(priority=system.priorities["absence"])  # type: ignore[misc]
    Milestone.objects.create(
        plan=other,
        title="Absence letters",
        owner=system.people["district"],
        due=TODAY + timedelta(days=3),
    )  # type: ignore[misc]
    Milestone.objects.create(
        plan=other, title="Not mine", owner=system.people["analyst"], due=TODAY
    )  # type: ignore[misc]
    page = BeautifulSoup(login("district").get(reverse("my_milestones")).content, "html.parser")  # type: ignore[attr-defined]
    rows = [row.th.get_text(strip=True) for row in page.select("tbody tr")]
    assert rows == ["Coaches hired", "Absence letters"]
    assert page.find(id="overdue-count").get_text(strip=True) == "1 milestone is overdue."


def _queries(client: object, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200  # type: ignore[attr-defined]
    return len(queries)


def _add_milestones(plan: DeliveryPlan, system: System, n: int, start: int) -> None:
    owners = [system.people[name] for name in ("owner", "district", "analyst")]
    Milestone.objects.bulk_create(
        Milestone(
            plan=plan,
            title=f"Step {start + i}",
            owner=owners[i % 3],
            due=TODAY + timedelta(days=i - n // 2),
        )  # type: ignore[misc]
        for i in range(n)
    )


@pytest.mark.parametrize("name", ["plan", "priority", "my_milestones"])
def test_page_queries_stay_flat_as_milestones_grow_tenfold(
    login: Callable[[str], object], plan: DeliveryPlan, system: System, name: str
) -> None:
    client = login("district")
    path = reverse(name, args=["reading"]) if name != "my_milestones" else reverse(name)
    _add_milestones(plan, system, 8, 0)
    client.get(path)  # the first request of a session costs more (the session, the login)
    few = _queries(client, path)
    _add_milestones(plan, system, 72, 100)
    assert _queries(client, path) == few


def test_a_second_plan_for_the_same_priority_is_refused_where_it_was_asked_for(
    login: Callable[[str], object], plan: DeliveryPlan
) -> None:
    response = login("analyst").post(  # type: ignore[attr-defined]
        reverse("plan_new", args=["reading"]), {"status": "draft"}
    )
    assert response.status_code == 400
    assert "This already has a delivery plan." in text(response)
    assert DeliveryPlan.objects.count() == 1


def test_an_intervention_gets_a_plan_of_its_own(
    login: Callable[[str], object], plan: DeliveryPlan, system: System
) -> None:
    coaching = Intervention.objects.create(
        priority=system.priorities["reading"],  # type: ignore[misc]
        title="Coaching",
        effect_low=1,
        effect=2,
        effect_high=3,
        rollout_start="2022-23",
        rollout_full="2023-24",
    )
    client = login("owner")
    response = client.post(  # type: ignore[attr-defined]
        reverse("plan_new", args=["reading"]), {"status": "draft", "intervention": coaching.pk}
    )
    made = DeliveryPlan.objects.get(intervention=coaching)
    assert response["Location"] == reverse("plan_detail", args=[made.pk])
    page = text(client.get(response["Location"]))  # type: ignore[attr-defined]
    assert "Delivery plan: Coaching" in page and "Other plans of this priority" in page


def test_the_priority_pages_summary_rates_the_plan_as_its_own_page_does(
    plan: DeliveryPlan, system: System
) -> None:
    from deliverology.web.plans.actions import plan_page, plan_summary

    summary = plan_summary(system.priorities["reading"], TODAY)  # type: ignore[arg-type]
    assert summary is not None
    assert summary.quality == plan_page(plan, TODAY).quality
    Stakeholder.objects.create(plan=plan, name="Union", interest="high", influence="high")
    Intervention.objects.create(
        priority=system.priorities["reading"],  # type: ignore[misc]
        title="Coaching",
        effect_low=1,
        effect=2,
        effect_high=3,
        rollout_start="2022-23",
        rollout_full="2023-24",
    )
    again = plan_summary(system.priorities["reading"], TODAY)  # type: ignore[arg-type]
    assert again is not None and again.quality == plan_page(plan, TODAY).quality
    assert again.quality.checklist.passed == summary.quality.checklist.passed + 2
