"""What priority reviews and crisis groups do (docs/concepts.md, "Problems and momentum").

A priority review is opened by the delivery unit on a problem at the configured level
(`[problems] review_from`) or above; a crisis group on a problem in crisis. Recommendations and
meeting actions are raised with `raise_action`, the review or the meeting as their source; a
finding's rating is recorded as a new rating of its chain link. Every write is one transaction:
a recommendation without an owner or a date saves nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from deliverology.configuration import load_method_config
from deliverology.core.problems import Severity
from deliverology.core.reviews import SiteSuggestion, exit_criterion_met, suggest_sites
from deliverology.web.chains.models import ChainLink, LinkRating
from deliverology.web.performance.models import LocalUnit, Subgroup
from deliverology.web.performance.series import load_series
from deliverology.web.problems.models import (
    CrisisGroup,
    CrisisMeeting,
    CrisisScope,
    PriorityReview,
    Problem,
    ReviewFinding,
    ReviewSite,
)
from deliverology.web.routines.actions import ActionDraft, RoutineError, raise_action
from deliverology.web.routines.models import Action

REVIEW_EVIDENCE = "priority review"


class ReviewError(ValueError):
    """Something a review or a crisis group cannot do, said so that the person can put it right."""


@dataclass(frozen=True)
class SuggestedSite:
    local_unit: LocalUnit
    suggestion: SiteSuggestion


@dataclass(frozen=True)
class FindingDraft:
    link: ChainLink
    finding: str
    rating: str


def may_review(problem: Problem) -> bool:
    return problem.is_open and problem.level >= load_method_config().problems.review_from.level


@transaction.atomic
def open_review(
    problem: Problem, scope: str, team: Iterable[User], *, follow_up_on: date | None, today: date
) -> PriorityReview:
    if not may_review(problem):
        raise ReviewError(_("A priority review needs an open problem at priority-review level."))
    review = PriorityReview.objects.create(
        problem=problem, scope=scope.strip(), opened_on=today, follow_up_on=follow_up_on
    )
    review.team.set(list(team))
    return review


def suggested_sites(problem: Problem) -> list[SuggestedSite]:
    """The worst, best and typical children of the problem's local unit on the priority's goal
    metric, by their latest figure. Two queries for the figures, whatever the number of units."""
    metric = problem.metric or problem.priority.goal_metric
    children = list(LocalUnit.objects.filter(parent=problem.local_unit))
    if metric is None or not children:
        return []
    subgroup = _subgroup_of(problem)
    if subgroup is None:
        return []
    series = load_series([metric], [c.pk for c in children], [subgroup])
    latest: dict[str, float | None] = {}
    for child in children:
        figures = series.get((metric.pk, child.pk, subgroup.pk), {})
        latest[child.code] = figures[max(figures)].value if figures else None
    by_code = {child.code: child for child in children}
    chosen = suggest_sites(latest, metric.core_direction)
    return [SuggestedSite(by_code[site.code], site) for site in chosen]


def _subgroup_of(problem: Problem) -> Subgroup | None:
    """The problem's subgroup, or the first (all students) for a problem of the whole priority."""
    return problem.subgroup or Subgroup.objects.order_by("order").first()


@transaction.atomic
def add_site(review: PriorityReview, local_unit: LocalUnit, rationale: str) -> ReviewSite:
    if not local_unit.is_within(review.problem.local_unit):
        raise ReviewError(_("A site must lie within the problem's local unit."))
    if not rationale.strip():
        raise ReviewError(_("Say why this site was chosen."))
    site, _created = ReviewSite.objects.update_or_create(
        review=review, local_unit=local_unit, defaults={"rationale": rationale.strip()}
    )
    return site


@transaction.atomic
def add_findings(
    review: PriorityReview, drafts: Sequence[FindingDraft], *, by: User, today: date
) -> list[ReviewFinding]:
    """Each finding recorded with a new rating of its link ("priority review" as evidence)."""
    found = []
    for draft in drafts:
        if draft.link.chain.priority_id != review.problem.priority_id:
            raise ReviewError(_("A finding must be on a link of the priority's delivery chains."))
        rating = LinkRating.objects.create(
            link=draft.link,
            rating=draft.rating,
            evidence=f"{REVIEW_EVIDENCE}: {draft.finding.strip()}",
            rated_on=today,
            rated_by=by,
        )
        found.append(
            ReviewFinding.objects.create(
                review=review, link=draft.link, finding=draft.finding.strip(), link_rating=rating
            )
        )
    return found


@transaction.atomic
def add_recommendations(
    review: PriorityReview, drafts: Sequence[ActionDraft], *, by: User, today: date
) -> list[Action]:
    """Every recommendation becomes an action with the review as its source; one without an
    owner or a due date stops them all (ReviewError)."""
    return _raise_all(review, drafts, review.problem, by=by, today=today)


@transaction.atomic
def record_follow_up(review: PriorityReview, on: date, outcome: str) -> PriorityReview:
    review.follow_up_on = on
    review.follow_up_outcome = outcome.strip()
    review.save(update_fields=["follow_up_on", "follow_up_outcome"])
    return review


def actions_from(source: PriorityReview | CrisisMeeting) -> QuerySet[Action]:
    return _actions_from_many(type(source), [source.pk])


def _actions_from_many(model: type, pks: Sequence[int]) -> QuerySet[Action]:
    kind = ContentType.objects.get_for_model(model)
    return (
        Action.objects.filter(source_type=kind, source_id__in=pks)
        .select_related("owner", "local_unit")
        .order_by("due", "pk")
    )


def _raise_all(
    source: PriorityReview | CrisisMeeting,
    drafts: Sequence[ActionDraft],
    problem: Problem,
    *,
    by: User,
    today: date,
) -> list[Action]:
    try:
        return [
            raise_action(
                source,
                draft.description,
                draft.owner,
                draft.due,
                priority=problem.priority,
                local_unit=draft.local_unit,
                by=by,
                today=today,
            )
            for draft in drafts
        ]
    except RoutineError as error:
        raise ReviewError(str(error)) from error


# --- Crisis groups -----------------------------------------------------------------------------


def may_open_crisis_group(problem: Problem) -> bool:
    return problem.is_open and problem.severity == Severity.CRISIS


@transaction.atomic
def open_crisis_group(
    problem: Problem,
    chair: User,
    members: Iterable[User],
    cadence: str,
    exit_value: float,
    *,
    today: date,
) -> CrisisGroup:
    if not may_open_crisis_group(problem):
        raise ReviewError(_("A crisis group needs an open problem in crisis."))
    if cadence not in load_method_config().problems.crisis_cadence_days:
        raise ReviewError(_("Choose one of the configured cadences."))
    group = CrisisGroup.objects.create(
        problem=problem, chair=chair, cadence=cadence, exit_value=exit_value, opened_on=today
    )
    group.members.set(list(members))
    return group


@transaction.atomic
def add_scope(group: CrisisGroup, local_unit: LocalUnit, owner: User) -> CrisisScope:
    if not local_unit.is_within(group.problem.local_unit):
        raise ReviewError(_("A local unit in scope must lie within the problem's local unit."))
    scope, _created = CrisisScope.objects.update_or_create(
        group=group, local_unit=local_unit, defaults={"owner": owner}
    )
    return scope


@transaction.atomic
def hold_meeting(
    group: CrisisGroup, held_on: date, notes: str, drafts: Sequence[ActionDraft], *, by: User
) -> CrisisMeeting:
    """A meeting and the actions it raised, all or nothing."""
    if not notes.strip():
        raise ReviewError(_("A meeting needs its notes."))
    meeting = CrisisMeeting.objects.create(group=group, held_on=held_on, notes=notes.strip())
    _raise_all(meeting, drafts, group.problem, by=by, today=held_on)
    return meeting


@dataclass(frozen=True)
class ExitCheck:
    latest_period: str
    latest_value: float | None
    exit_value: float
    met: bool


def latest_figure(problem: Problem) -> tuple[str, float | None]:
    """The latest period and figure of the goal metric at the problem's place."""
    metric = problem.metric or problem.priority.goal_metric
    subgroup = _subgroup_of(problem)
    if metric is None or subgroup is None:
        return "", None
    series = load_series([metric], [problem.local_unit_id], [subgroup])
    figures = series.get((metric.pk, problem.local_unit_id, subgroup.pk), {})
    if not figures:
        return "", None
    period = max(figures)
    return period, figures[period].value


def exit_check(group: CrisisGroup) -> ExitCheck:
    """The problem's place, its latest figure of the goal metric, against the exit value."""
    problem = group.problem
    metric = problem.metric or problem.priority.goal_metric
    period, value = latest_figure(problem)
    met = metric is not None and exit_criterion_met(value, group.exit_value, metric.core_direction)
    return ExitCheck(period, value, group.exit_value, met)


def meeting_actions(meetings: Sequence[CrisisMeeting]) -> dict[int, list[Action]]:
    """The actions each meeting raised: one query, whatever the number of meetings."""
    found: dict[int, list[Action]] = {}
    for action in _actions_from_many(CrisisMeeting, [m.pk for m in meetings]):
        if action.source_id is not None:
            found.setdefault(action.source_id, []).append(action)
    return found


def next_meeting_due(group: CrisisGroup, meetings: Sequence[CrisisMeeting]) -> date:
    days = load_method_config().problems.crisis_cadence_days.get(group.cadence, 7)
    last = meetings[-1].held_on if meetings else group.opened_on
    return last + timedelta(days=days)
