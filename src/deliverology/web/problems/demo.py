"""Problems in the demo: the triggers evaluated on its figures, and some decisions taken."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import User

from deliverology.configuration import load_method_config
from deliverology.demo import problems as demo
from deliverology.demo.problems import DECISIONS, DemoDecision
from deliverology.web.accounts.models import Profile
from deliverology.web.chains.models import ChainLink, Driver
from deliverology.web.diagnostics.models import Hypothesis
from deliverology.web.priorities.clock import today
from deliverology.web.problems import reviews
from deliverology.web.problems.actions import confirm, dismiss, evaluate_triggers
from deliverology.web.problems.models import Problem
from deliverology.web.problems.root_causes import link_root_cause
from deliverology.web.routines.actions import ActionDraft


def install_demo_problems(analyst: User) -> None:
    evaluate_triggers(today())
    for decision in DECISIONS:
        problem = _first(decision)
        if problem is not None:
            _decide(problem, decision, analyst)
    install_demo_follow_through(analyst)
    # A review's findings rate chain links, as the nightly evaluation would then see.
    evaluate_triggers(today())


def _first(decision: DemoDecision) -> Problem | None:
    return (
        Problem.objects.filter(
            status=Problem.Status.SUGGESTED,
            severity=decision.severity,
            local_unit__type=decision.local_unit_type,
        )
        .order_by("priority__order", "local_unit__path", "metric__code", "subgroup__order")
        .first()
    )


def _decide(problem: Problem, decision: DemoDecision, analyst: User) -> None:
    if decision.decision == "dismiss":
        dismiss(problem, by=analyst, reason=decision.reason)
    else:
        severity = decision.to or problem.severity
        confirm(problem, severity, by=analyst, reason=decision.reason)


def install_demo_follow_through(analyst: User) -> None:
    """One priority review with its report, and one crisis group with two meetings."""
    confirmed = Problem.objects.filter(status=Problem.Status.CONFIRMED).select_related(
        "priority__owner", "local_unit"
    )
    ordering = ("priority__order", "local_unit__path", "pk")
    review_problem = confirmed.filter(severity="priority_review").order_by(*ordering).first()
    if review_problem is not None:
        _demo_review(review_problem, analyst)
    crisis_problem = confirmed.filter(severity="crisis").order_by(*ordering).first()
    if crisis_problem is not None:
        _demo_crisis_group(crisis_problem, analyst)


def _owner(problem: Problem, analyst: User) -> User:
    return problem.priority.owner or analyst


def _demo_review(problem: Problem, analyst: User) -> None:
    day = today()
    owner = _owner(problem, analyst)
    review = reviews.open_review(
        problem,
        demo.REVIEW_SCOPE,
        [analyst, owner],
        follow_up_on=day + timedelta(days=demo.REVIEW_FOLLOW_UP_DAYS),
        today=day,
    )
    labels = load_method_config().problems.site_labels
    for site in reviews.suggested_sites(problem):
        reviews.add_site(review, site.local_unit, labels[site.suggestion.kind])
    link = (
        ChainLink.objects.filter(chain__priority=problem.priority)
        .order_by("chain__pk", "position")
        .first()
    )
    if link is not None:
        draft = reviews.FindingDraft(link, demo.REVIEW_FINDING, demo.REVIEW_FINDING_RATING)
        reviews.add_findings(review, [draft], by=analyst, today=day)
    drafts = [
        ActionDraft(text, owner, day + timedelta(days=days))
        for text, days in demo.REVIEW_RECOMMENDATIONS
    ]
    reviews.add_recommendations(review, drafts, by=analyst, today=day)
    _demo_root_causes(problem, link, analyst)


def _demo_root_causes(problem: Problem, link: ChainLink | None, analyst: User) -> None:
    """The priority's first hypothesis and driver, and the link the review rated."""
    causes = {
        "hypothesis": Hypothesis.objects.filter(priority=problem.priority).order_by("pk").first(),
        "driver": Driver.objects.filter(priority=problem.priority).order_by("pk").first(),
        "link": link,
    }
    for kind, cause in causes.items():
        if cause is not None:
            link_root_cause(problem, cause, demo.REVIEW_ROOT_CAUSES[kind], by=analyst)


def _demo_crisis_group(problem: Problem, analyst: User) -> None:
    day = today()
    leader = (
        User.objects.filter(profile__role=Profile.Role.SYSTEM_LEADER).order_by("pk").first()
        or analyst
    )
    owner = _owner(problem, analyst)
    _period, latest = reviews.latest_figure(problem)
    metric = problem.metric or problem.priority.goal_metric
    better = 1 if metric is None or metric.direction == "higher" else -1
    exit_value = round((latest or 0.0) + better * demo.CRISIS_EXIT_MARGIN, 1)
    group = reviews.open_crisis_group(
        problem, leader, [analyst, owner], demo.CRISIS_CADENCE, exit_value, today=day
    )
    for child in problem.local_unit.children.order_by("path"):
        reviews.add_scope(group, child, owner)
    every = load_method_config().problems.crisis_cadence_days[demo.CRISIS_CADENCE]
    for number, notes in enumerate(demo.CRISIS_MEETING_NOTES):
        held_on = day + timedelta(days=every * number)
        text, days = demo.CRISIS_ACTIONS[number]
        drafts = [ActionDraft(text, owner, held_on + timedelta(days=days))]
        reviews.hold_meeting(group, held_on, notes, drafts, by=analyst)
