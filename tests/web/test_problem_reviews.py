"""Priority reviews and crisis groups: opened from a problem by the delivery unit, read by the
leader and the owners; recommendations and meeting actions raised as actions."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from typing import Any

import pypdfium2
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from deliverology.web.chains.models import LinkRating
from deliverology.web.problems.actions import confirm
from deliverology.web.problems.models import CrisisGroup, PriorityReview
from deliverology.web.problems.reviews import (
    actions_from,
    add_recommendations,
    open_crisis_group,
    open_review,
    suggested_sites,
)
from deliverology.web.routines.actions import ActionDraft
from deliverology.web.routines.models import Action
from tests.conftest import System, ratio_of_sums
from tests.web.problem_helpers import chain_link, state_problem

TODAY = date(2025, 10, 1)


def _review(system: System) -> PriorityReview:
    return open_review(
        state_problem(system, TODAY),
        "Reading in the North",
        [system.people["analyst"]],  # type: ignore[list-item]
        follow_up_on=date(2026, 1, 15),
        today=TODAY,
    )


def _recommendations(n: int, system: System, prefix: str = "actions") -> dict[str, str]:
    data = {
        f"{prefix}-TOTAL_FORMS": str(max(n, 1)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for i in range(n):
        data |= {
            f"{prefix}-{i}-description": f"Coach the phonics block, wave {i + 1}",
            f"{prefix}-{i}-owner": str(system.people["owner"].pk),  # type: ignore[attr-defined]
            f"{prefix}-{i}-due": "2026-01-31",
        }
    return data


def test_it_suggests_the_worst_and_best_children_of_the_problem_unit(system: System) -> None:
    sites = suggested_sites(state_problem(system, TODAY))
    by_kind = {site.suggestion.kind.value: site for site in sites}
    assert set(by_kind) == {"worst", "best"}  # two regions: no third, typical one
    assert {site.local_unit.code for site in sites} == {"R1", "R2"}
    assert by_kind["worst"].suggestion.value < by_kind["best"].suggestion.value
    north = next(site for site in sites if site.local_unit.code == "R1")
    assert north.suggestion.value == pytest.approx(ratio_of_sums(["S1", "S2", "S3"], 3), abs=0.05)


def test_the_delivery_unit_runs_a_review_from_sites_to_follow_up(
    system: System, login: Callable[[str], Any]
) -> None:
    problem = state_problem(system, TODAY)
    link = chain_link(system, title="Structured literacy")
    analyst = login("analyst")
    assert b"open-review" in analyst.get(f"/problems/{problem.pk}/").content
    opened = analyst.post(
        f"/problems/{problem.pk}/review/",
        {"scope": "Reading in the North", "team": [system.people["analyst"].pk]},  # type: ignore[attr-defined]
    )
    assert opened.status_code == 302
    review = PriorityReview.objects.get(problem=problem)
    base = f"/reviews/{review.pk}"
    page = analyst.get(f"{base}/").content.decode()
    assert "suggested-sites" in page and "North Region" in page
    assert (
        analyst.post(f"{base}/sites/", {"local_unit": "R1", "rationale": "Worst"}).status_code
        == 302
    )
    assert analyst.post(f"{base}/sites/", {"local_unit": "R1"}).status_code == 400
    finding = {"link": link.pk, "finding": "No phonics block in half the rooms", "rating": "red"}
    assert analyst.post(f"{base}/findings/", finding).status_code == 302
    rating = LinkRating.objects.get(link=link)
    assert rating.rating == "red" and rating.evidence.startswith("priority review")
    assert analyst.post(f"{base}/recommendations/", _recommendations(2, system)).status_code == 302
    raised = list(actions_from(review))
    assert len(raised) == 2 and all(a.priority == problem.priority for a in raised)
    outcome = {"follow_up_on": "2026-01-15", "outcome": "Phonics block in 9 rooms of 10"}
    assert analyst.post(f"{base}/follow-up/", outcome).status_code == 302
    page = analyst.get(f"{base}/").content.decode()
    for text in ("North Region", "No phonics block", "wave 2", "9 rooms of 10"):
        assert text in page
    assert f"/reviews/{review.pk}/" in analyst.get(f"/problems/{problem.pk}/").content.decode()


def test_a_recommendation_without_an_owner_or_a_date_saves_nothing(
    system: System, login: Callable[[str], Any]
) -> None:
    review = _review(system)
    analyst = login("analyst")
    data = _recommendations(2, system)
    data["actions-1-owner"] = ""
    refused = analyst.post(f"/reviews/{review.pk}/recommendations/", data)
    assert refused.status_code == 400 and "Every action needs an owner." in refused.content.decode()
    data = _recommendations(2, system)
    data["actions-0-due"] = ""
    assert analyst.post(f"/reviews/{review.pk}/recommendations/", data).status_code == 400
    assert not Action.objects.exists()


def test_raising_recommendations_is_all_or_nothing(system: System) -> None:
    from deliverology.web.problems.reviews import ReviewError

    review = _review(system)
    owner = system.people["owner"]
    drafts = [
        ActionDraft("Coach the phonics block", owner, date(2026, 1, 31)),  # type: ignore[arg-type]
        ActionDraft("Buy the readers", None, date(2026, 1, 31)),
    ]
    with pytest.raises(ReviewError):
        add_recommendations(review, drafts, by=system.people["analyst"], today=TODAY)  # type: ignore[arg-type]
    assert not Action.objects.exists()


def test_a_review_needs_a_problem_at_priority_review_level(
    system: System, login: Callable[[str], Any]
) -> None:
    problem = state_problem(system, TODAY)
    confirm(problem, "problem_solving", by=system.people["analyst"], reason="Smaller")  # type: ignore[arg-type]
    analyst = login("analyst")
    assert b"open-review" not in analyst.get(f"/problems/{problem.pk}/").content
    refused = analyst.post(f"/problems/{problem.pk}/review/", {"scope": "x", "team": []})
    assert refused.status_code == 400 and not PriorityReview.objects.exists()
    assert analyst.post(f"/problems/{problem.pk}/crisis-group/", {}).status_code == 400


@pytest.mark.parametrize("username", ["leader", "owner", "viewer"])
def test_the_leader_and_owners_read_reviews_and_crisis_groups_but_do_not_edit(
    system: System, login: Callable[[str], Any], username: str
) -> None:
    review = _review(system)
    group = _crisis_group(system)
    client = login(username)
    page = client.get(f"/reviews/{review.pk}/")
    assert page.status_code == 200 and b"review-edit" not in page.content
    crisis = client.get(f"/crisis-groups/{group.pk}/")
    assert crisis.status_code == 200 and b"crisis-edit" not in crisis.content
    assert client.post(f"/reviews/{review.pk}/sites/", {}).status_code == 403
    assert client.post(f"/crisis-groups/{group.pk}/meetings/", {}).status_code == 403
    assert client.get(f"/problems/{review.problem_id}/review/").status_code == 403


def test_a_local_unit_user_outside_the_problem_sees_neither(
    system: System, login: Callable[[str], Any]
) -> None:
    review = _review(system)
    group = _crisis_group(system)
    client = login("district")
    assert client.get(f"/reviews/{review.pk}/").status_code == 404
    assert client.get(f"/crisis-groups/{group.pk}/").status_code == 404


def test_the_review_page_costs_the_same_queries_however_many_recommendations(
    system: System, login: Callable[[str], Any]
) -> None:
    review = _review(system)
    analyst = login("analyst")
    analyst.post(f"/reviews/{review.pk}/recommendations/", _recommendations(1, system))
    analyst.get(f"/reviews/{review.pk}/")
    with CaptureQueriesContext(connection) as some:
        analyst.get(f"/reviews/{review.pk}/")
    analyst.post(f"/reviews/{review.pk}/recommendations/", _recommendations(4, system))
    with CaptureQueriesContext(connection) as more:
        analyst.get(f"/reviews/{review.pk}/")
    assert Action.objects.count() == 5
    assert len(more) == len(some)


def test_the_review_report_pdf_has_the_recommendations(
    system: System, login: Callable[[str], Any]
) -> None:
    review = _review(system)
    analyst = login("analyst")
    analyst.post(f"/reviews/{review.pk}/recommendations/", _recommendations(2, system))
    response = login("leader").get(f"/reviews/{review.pk}/?format=pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    document = pypdfium2.PdfDocument(io.BytesIO(response.content))
    text = "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    assert "Priority review" in text and "Reading in the North" in text
    assert "Coach the phonics block, wave 1" in text and "wave 2" in text


# --- Crisis groups -----------------------------------------------------------------------------


def _crisis_group(system: System, exit_value: float = 75.0) -> CrisisGroup:
    return open_crisis_group(
        state_problem(system, TODAY),
        system.people["leader"],  # type: ignore[arg-type]
        [system.people["analyst"]],  # type: ignore[list-item]
        "weekly",
        exit_value,
        today=TODAY,
    )


def test_the_delivery_unit_sets_up_a_crisis_group_that_meets_and_raises_actions(
    system: System, login: Callable[[str], Any]
) -> None:
    problem = state_problem(system, TODAY)
    analyst = login("analyst")
    assert b"open-crisis-group" in analyst.get(f"/problems/{problem.pk}/").content
    form = {
        "chair": system.people["leader"].pk,  # type: ignore[attr-defined]
        "members": [system.people["analyst"].pk],  # type: ignore[attr-defined]
        "cadence": "fortnightly",
        "exit_value": "75",
    }
    assert (
        analyst.post(
            f"/problems/{problem.pk}/crisis-group/", {**form, "cadence": "daily"}
        ).status_code
        == 400
    )
    assert analyst.post(f"/problems/{problem.pk}/crisis-group/", form).status_code == 302
    group = CrisisGroup.objects.get(problem=problem)
    base = f"/crisis-groups/{group.pk}"
    scope = {"local_unit": "D1", "owner": system.people["district"].pk}  # type: ignore[attr-defined]
    assert analyst.post(f"{base}/scope/", scope).status_code == 302
    meeting = {"held_on": "2025-10-08", "notes": "Coaches to the ten lowest schools"}
    missing_date = _recommendations(1, system) | {"actions-0-due": ""}
    assert analyst.post(f"{base}/meetings/", meeting | missing_date).status_code == 400
    assert not group.meetings.exists()
    assert (
        analyst.post(f"{base}/meetings/", meeting | _recommendations(2, system)).status_code == 302
    )
    page = analyst.get(f"{base}/").content.decode()
    for text in ("District D1", "ten lowest schools", "wave 2", "Fortnightly", "2025-10-22"):
        assert text in page
    assert Action.objects.filter(priority=problem.priority).count() == 2


@pytest.mark.parametrize(("exit_value", "met"), [(40.0, "Met:"), (75.0, "Not met:")])
def test_the_crisis_group_page_says_whether_the_exit_criteria_are_met(
    system: System, login: Callable[[str], Any], exit_value: float, met: str
) -> None:
    group = _crisis_group(system, exit_value)
    page = login("leader").get(f"/crisis-groups/{group.pk}/").content.decode()
    latest = ratio_of_sums(["S1", "S2", "S3", "S4", "S5"], 3)
    status = page.split('id="exit-status"')[1].split("</p>")[0]
    assert met in status and "2024-25" in status
    assert (latest >= exit_value) == (met == "Met:")


@pytest.mark.django_db(transaction=True)
def test_the_demo_holds_one_priority_review_with_a_report_and_one_crisis_group(
    client: Any,
) -> None:
    from django.contrib.auth.models import User

    from deliverology.cli import main
    from deliverology.demo.problems import CRISIS_MEETING_NOTES, REVIEW_RECOMMENDATIONS

    assert main(["demo", "--no-serve", "--schools", "120"]) == 0
    review = PriorityReview.objects.get()
    assert review.problem.severity == "priority_review" and review.sites.exists()
    assert [a.description for a in actions_from(review)] == [
        text for text, _days in REVIEW_RECOMMENDATIONS
    ]
    group = CrisisGroup.objects.get()
    assert group.problem.severity == "crisis" and group.scope.exists()
    assert group.meetings.count() == len(CRISIS_MEETING_NOTES)
    client.force_login(User.objects.get(username="analyst"))
    report = client.get(f"/reviews/{review.pk}/?format=pdf")
    assert report.status_code == 200 and report.content.startswith(b"%PDF")
    assert client.get(f"/crisis-groups/{group.pk}/").status_code == 200


def test_a_site_or_an_owner_outside_the_problem_unit_or_unknown_is_refused(
    system: System, login: Callable[[str], Any]
) -> None:
    review = _review(system)
    group = _crisis_group(system)
    analyst = login("analyst")
    unknown = analyst.post(f"/reviews/{review.pk}/sites/", {"local_unit": "ZZ", "rationale": "x"})
    assert unknown.status_code == 400 and "No local unit has this code." in unknown.content.decode()
    owner = system.people["district"].pk  # type: ignore[attr-defined]
    assert (
        analyst.post(
            f"/crisis-groups/{group.pk}/scope/", {"local_unit": "ZZ", "owner": owner}
        ).status_code
        == 400
    )
    assert not review.sites.exists() and not group.scope.exists()
