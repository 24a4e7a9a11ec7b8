"""A problem's root-cause analysis: the delivery unit links the problem's own priority's
hypotheses, drivers and chain links to it, each with why; kept in its history, shown on its page
and in its priority review's report."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from deliverology.web.chains.models import Driver
from deliverology.web.diagnostics.models import Hypothesis
from deliverology.web.problems.actions import ProblemError, dismiss
from deliverology.web.problems.models import Problem, ProblemEvent, RootCause
from deliverology.web.problems.reviews import open_review
from deliverology.web.problems.root_causes import link_root_cause
from tests.conftest import System
from tests.web.problem_helpers import chain_link, state_problem

TODAY = date(2025, 10, 1)


def _hypothesis(system: System, priority: str = "reading", n: int = 1) -> Hypothesis:
    return Hypothesis.objects.create(  # type: ignore[no-any-return]
        priority=system.priorities[priority],  # type: ignore[misc]
        statement=f"Schools without a literacy coach improve more slowly ({priority} {n})",
        evidence="Diagnostic, 2023-24",
        status=Hypothesis.Status.SUPPORTED,
    )


def _driver(system: System, priority: str = "reading") -> Driver:
    return Driver.objects.create(  # type: ignore[no-any-return]
        priority=system.priorities[priority],  # type: ignore[misc]
        statement=f"Too little phonics teaching in K-3 ({priority})",
        evidence="Classroom observations",
    )


def _add(client: Any, problem: Problem, cause: str, note: str = "It explains the gap") -> Any:
    return client.post(f"/problems/{problem.pk}/root-causes/", {"cause": cause, "note": note})


def test_the_delivery_unit_links_a_hypothesis_a_driver_and_a_link_each_with_why(
    system: System, login: Callable[[str], Any]
) -> None:
    problem = state_problem(system, TODAY)
    hypothesis, driver, link = _hypothesis(system), _driver(system), chain_link(system)
    analyst = login("analyst")
    form = analyst.get(f"/problems/{problem.pk}/").content.decode()
    assert "root-cause-form" in form
    for value in (f"hypothesis:{hypothesis.pk}", f"driver:{driver.pk}", f"link:{link.pk}"):
        assert f'value="{value}"' in form
    assert (
        _add(analyst, problem, f"hypothesis:{hypothesis.pk}", "Coach-less schools lag").status_code
        == 302
    )
    assert (
        _add(analyst, problem, f"driver:{driver.pk}", "Half the rooms skip it").status_code == 302
    )
    assert _add(analyst, problem, f"link:{link.pk}", "Red at the front line").status_code == 302

    causes = list(RootCause.objects.filter(problem=problem).order_by("pk"))
    assert [c.kind for c in causes] == ["hypothesis", "driver", "link"]
    assert all(c.added_by == system.people["analyst"] for c in causes)
    page = analyst.get(f"/problems/{problem.pk}/").content.decode()
    for text in ("Coach-less schools lag", "Too little phonics teaching", "Structured literacy"):
        assert text in page
    added = ProblemEvent.objects.filter(problem=problem, kind="root_cause_added")
    assert added.count() == 3
    assert {e.by for e in added} == {system.people["analyst"]}
    assert "Red at the front line" in added.order_by("pk").last().reason  # type: ignore[union-attr]


def test_removing_a_root_cause_is_kept_in_the_history(
    system: System, login: Callable[[str], Any]
) -> None:
    problem = state_problem(system, TODAY)
    driver = _driver(system)
    analyst = login("analyst")
    _add(analyst, problem, f"driver:{driver.pk}")
    cause = RootCause.objects.get(problem=problem)
    remove = f"/problems/{problem.pk}/root-causes/{cause.pk}/remove/"
    refused = analyst.post(remove, {"reason": "  "})
    assert refused.status_code == 400 and RootCause.objects.count() == 1
    assert "Say why this is no longer a root cause." in refused.content.decode()
    assert not ProblemEvent.objects.filter(kind="root_cause_removed").exists()
    removed = analyst.post(remove, {"reason": "The observations were of another school"})
    assert removed.status_code == 302 and not RootCause.objects.exists()
    event = ProblemEvent.objects.get(problem=problem, kind="root_cause_removed")
    assert event.by == system.people["analyst"] and "Too little phonics" in event.reason
    assert "The observations were of another school" in event.reason
    history = analyst.get(f"/problems/{problem.pk}/").content.decode()
    assert "root cause removed" in history and "No root causes linked yet." in history


@pytest.mark.parametrize("username", ["leader", "owner", "viewer"])
def test_only_the_delivery_unit_links_or_removes_root_causes(
    system: System, login: Callable[[str], Any], username: str
) -> None:
    problem = state_problem(system, TODAY)
    hypothesis = _hypothesis(system)
    cause = link_root_cause(
        problem, hypothesis, "Seen in the diagnostic", by=system.people["analyst"]
    )  # type: ignore[arg-type]
    client = login(username)
    page = client.get(f"/problems/{problem.pk}/").content.decode()
    assert "Seen in the diagnostic" in page  # every reader sees them
    assert "root-cause-form" not in page and "/remove/" not in page
    assert _add(client, problem, f"hypothesis:{hypothesis.pk}").status_code == 403
    assert client.post(f"/problems/{problem.pk}/root-causes/{cause.pk}/remove/").status_code == 403
    assert RootCause.objects.count() == 1


def test_a_local_unit_user_outside_the_problem_cannot_reach_it(
    system: System, login: Callable[[str], Any]
) -> None:
    problem = state_problem(system, TODAY)
    client = login("district")
    assert client.get(f"/problems/{problem.pk}/").status_code == 404


def test_another_priority_s_item_is_refused_with_a_clear_error(
    system: System, login: Callable[[str], Any]
) -> None:
    problem = state_problem(system, TODAY)
    others = (
        _hypothesis(system, "absence"),
        _driver(system, "absence"),
        chain_link(system, "absence"),
    )
    analyst = login("analyst")
    form = analyst.get(f"/problems/{problem.pk}/").content.decode()
    for other, kind in zip(others, ("hypothesis", "driver", "link"), strict=True):
        assert f'value="{kind}:{other.pk}"' not in form  # not offered
        refused = _add(analyst, problem, f"{kind}:{other.pk}")
        assert refused.status_code == 400
        assert "belongs to another priority" in refused.content.decode()
    assert not RootCause.objects.exists()
    assert not ProblemEvent.objects.filter(kind="root_cause_added").exists()


def test_the_same_item_twice_is_refused_with_a_clear_error(
    system: System, login: Callable[[str], Any]
) -> None:
    problem = state_problem(system, TODAY)
    link = chain_link(system)
    analyst = login("analyst")
    assert _add(analyst, problem, f"link:{link.pk}").status_code == 302
    again = _add(analyst, problem, f"link:{link.pk}", "Said twice")
    assert again.status_code == 400
    assert "already a root cause" in again.content.decode()
    assert RootCause.objects.count() == 1
    assert ProblemEvent.objects.filter(kind="root_cause_added").count() == 1


@pytest.mark.parametrize(
    ("cause", "note", "message"),
    [
        ("hypothesis:999999", "Why", "Choose a hypothesis, a driver or a chain link."),
        ("lottery:1", "Why", "Choose a hypothesis, a driver or a chain link."),
        ("", "Why", "This field is required."),
        ("driver", "", "This field is required."),
    ],
)
def test_unknown_or_missing_input_saves_nothing(
    system: System, login: Callable[[str], Any], cause: str, note: str, message: str
) -> None:
    problem = state_problem(system, TODAY)
    driver = _driver(system)
    if cause == "driver":  # a real driver, with no note
        cause = f"driver:{driver.pk}"
    refused = _add(login("analyst"), problem, cause, note)
    assert refused.status_code == 400 and message in refused.content.decode()
    assert not RootCause.objects.exists()


def test_a_closed_problem_takes_no_more_root_causes(system: System) -> None:
    problem = state_problem(system, TODAY)
    dismiss(problem, by=system.people["analyst"], reason="Not one")  # type: ignore[arg-type]
    with pytest.raises(ProblemError, match="closed"):
        link_root_cause(problem, _driver(system), "Why", by=system.people["analyst"])  # type: ignore[arg-type]
    assert not RootCause.objects.exists()


def test_the_problem_page_costs_the_same_queries_however_many_root_causes(
    system: System, login: Callable[[str], Any]
) -> None:
    problem = state_problem(system, TODAY)
    analyst = login("analyst")
    person = system.people["analyst"]
    link_root_cause(problem, _hypothesis(system, n=0), "First", by=person)  # type: ignore[arg-type]
    analyst.get(f"/problems/{problem.pk}/")
    with CaptureQueriesContext(connection) as some:
        analyst.get(f"/problems/{problem.pk}/")
    for n in range(1, 5):
        link_root_cause(problem, _hypothesis(system, n=n), f"Reason {n}", by=person)  # type: ignore[arg-type]
    link_root_cause(problem, _driver(system), "A driver", by=person)  # type: ignore[arg-type]
    link_root_cause(problem, chain_link(system), "A link", by=person)  # type: ignore[arg-type]
    with CaptureQueriesContext(connection) as more:
        response = analyst.get(f"/problems/{problem.pk}/")
    assert response.content.decode().count("/remove/") == 7
    assert len(more) == len(some)


def test_the_review_report_lists_the_problem_s_root_causes(
    system: System, login: Callable[[str], Any]
) -> None:
    problem = state_problem(system, TODAY)
    review = open_review(problem, "Reading", [], follow_up_on=None, today=TODAY)
    link_root_cause(problem, _driver(system), "Half the rooms skip it", by=system.people["analyst"])  # type: ignore[arg-type]
    for username in ("leader", "analyst"):
        page = login(username).get(f"/reviews/{review.pk}/").content.decode()
        assert "Root causes" in page and "Half the rooms skip it" in page
        assert "Too little phonics teaching" in page


def test_the_admin_shows_root_causes_without_changing_them(
    system: System, login: Callable[[str], Any]
) -> None:
    problem = state_problem(system, TODAY)
    link_root_cause(problem, _driver(system), "Seen on the visits", by=system.people["analyst"])  # type: ignore[arg-type]
    page = login("analyst").get(f"/admin/problems/problem/{problem.pk}/change/")
    assert page.status_code == 200 and "Seen on the visits" in page.content.decode()
    assert "root_causes-0-note" not in page.content.decode()  # read only, not a form field


def test_the_same_item_linked_twice_at_once_is_refused_not_an_error(
    system: System, monkeypatch: pytest.MonkeyPatch
) -> None:
    from deliverology.web.problems import root_causes

    problem = state_problem(system, TODAY)
    driver = _driver(system)
    person = system.people["analyst"]
    link_root_cause(problem, driver, "First", by=person)  # type: ignore[arg-type]
    monkeypatch.setattr(root_causes, "refusal", lambda *_: "")  # both passed the check at once
    with pytest.raises(root_causes.RootCauseError, match="already a root cause"):
        link_root_cause(problem, driver, "Second", by=person)  # type: ignore[arg-type]
    assert RootCause.objects.count() == 1
    assert ProblemEvent.objects.filter(kind="root_cause_added").count() == 1


def test_a_priority_with_nothing_to_link_says_so_instead_of_an_empty_choice(
    system: System, login: Callable[[str], Any]
) -> None:
    problem = state_problem(system, TODAY)
    _hypothesis(system, priority="absence")
    page = login("analyst").get(f"/problems/{problem.pk}/").content.decode()
    assert "root-cause-form" not in page
    assert "no hypotheses, drivers or delivery chain links to link yet" in page
    _driver(system)
    page = login("analyst").get(f"/problems/{problem.pk}/").content.decode()
    assert "root-cause-form" in page and "<optgroup" in page
