"""What routines do, for views, the CLI and other apps: raise and update actions, schedule
stocktakes, publish their follow-up notes and rate them on the routines rubric.

Other apps raise actions with `raise_action(source, description, owner, due, ...)` and read a
priority's open actions with `open_actions(priority)`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from deliverology.configuration import load_method_config
from deliverology.core.routines import ActionFacts, carried_forward
from deliverology.web.performance.models import LocalUnit
from deliverology.web.priorities.clock import today as clock_today
from deliverology.web.priorities.models import Priority, Target
from deliverology.web.routines.models import Action, Decision, RubricRating, Stocktake


class RoutineError(ValueError):
    """Something a routine cannot do, said so that the person can put it right."""


@dataclass(frozen=True)
class ActionDraft:
    """An action as written in a follow-up note, before it is raised."""

    description: str
    owner: User | None
    due: date | None
    local_unit: LocalUnit | None = None


def raise_action(
    source: models.Model | None,
    description: str,
    owner: User | None,
    due: date | None,
    *,
    priority: Priority | None = None,
    local_unit: LocalUnit | None = None,
    by: User | None = None,
    today: date | None = None,
) -> Action:
    """Raise an action from what asked for it (a stocktake, a monthly note, a problem...).
    Every action has a description, an owner and a due date: RoutineError says which is missing."""
    owner, due = _check_draft(ActionDraft(description, owner, due, local_unit))
    action = Action(
        description=description.strip(),
        owner=owner,
        due=due,
        status=load_method_config().routines.open_action_status,
        priority=priority,
        local_unit=local_unit,
        raised_on=today or clock_today(),
        raised_by=by,
    )
    if source is not None:
        action.source_type = ContentType.objects.get_for_model(source)
        action.source_id = source.pk
    action.save()
    return action


def _check_draft(draft: ActionDraft) -> tuple[User, date]:
    """The draft's owner and due date; RoutineError names what is missing."""
    if not draft.description.strip():
        raise RoutineError(_("Every action needs a description."))
    if draft.owner is None:
        raise RoutineError(_("The action “%(a)s” needs an owner.") % {"a": draft.description})
    if draft.due is None:
        raise RoutineError(_("The action “%(a)s” needs a due date.") % {"a": draft.description})
    return draft.owner, draft.due


def open_actions(priority: Priority) -> QuerySet[Action]:
    """The priority's actions not yet closed, soonest due first."""
    return with_people(Action.objects.filter(priority=priority, closed_on__isnull=True))


def with_people(actions: QuerySet[Action]) -> QuerySet[Action]:
    return actions.select_related("owner", "priority", "local_unit", "source_type").order_by(
        "due", "pk"
    )


def is_closed_status(status: str) -> bool:
    return status in load_method_config().routines.closed_action_statuses


def update_action(action: Action, *, status: str, evidence: str, today: date) -> Action:
    """Move an action on: a closing status closes it today; reopening clears the date."""
    if status not in load_method_config().routines.action_statuses:
        raise RoutineError(_("“%(s)s” is not an action status.") % {"s": status})
    action.status, action.evidence = status, evidence
    if is_closed_status(status):
        action.closed_on = action.closed_on or today
    else:
        action.closed_on = None
    action.save(update_fields=["status", "evidence", "closed_on"])
    return action


def system_target(priority: Priority) -> Target | None:
    """The priority's target for its goal metric at the system level (the root local unit)."""
    return (
        Target.objects.filter(metric=priority.goal_metric_id, local_unit__parent__isnull=True)
        .order_by("subgroup__order", "pk")
        .first()
    )


@transaction.atomic
def schedule_stocktake(
    priorities: Sequence[Priority],
    held_on: date,
    chair: User,
    *,
    attendees: Iterable[User] = (),
    agenda: str = "",
    issues_for_decision: str = "",
    by: User | None = None,
) -> Stocktake:
    """A stocktake of priorities that each have a target to take stock against."""
    if not priorities:
        raise RoutineError(_("Choose at least one priority."))
    without = [p.title for p in priorities if system_target(p) is None]
    if without:
        raise RoutineError(
            _("%(p)s has no target yet: set one before scheduling a stocktake of it.")
            % {"p": ", ".join(without)}
        )
    stocktake = Stocktake.objects.create(
        held_on=held_on,
        chair=chair,
        agenda=agenda,
        issues_for_decision=issues_for_decision,
        created_by=by,
    )
    stocktake.priorities.set(priorities)
    stocktake.attendees.set(attendees)
    return stocktake


def carried_into(stocktake: Stocktake) -> list[Action]:
    """The actions the stocktake opens with: those of its priorities raised before it and still
    open on its day (closed ones included as they were then), longest overdue first."""
    candidates = with_people(
        Action.objects.filter(
            priority__in=stocktake.priorities.all(), raised_on__lt=stocktake.held_on
        ).filter(Q(closed_on__isnull=True) | Q(closed_on__gt=stocktake.held_on))
    )
    by_key = {action.pk: action for action in candidates}
    facts = [ActionFacts(a.pk, a.raised_on, a.due, a.closed_on) for a in by_key.values()]
    return [by_key[f.key] for f in carried_forward(facts, stocktake.held_on)]


def raised_by_stocktake(stocktake: Stocktake) -> QuerySet[Action]:
    return with_people(
        Action.objects.filter(
            source_type=ContentType.objects.get_for_model(Stocktake), source_id=stocktake.pk
        )
    )


def follow_up_due(stocktake: Stocktake) -> date:
    settings = load_method_config().routines
    return settings.working_calendar.add_working_days(
        stocktake.held_on, settings.follow_up_within_working_days
    )


@transaction.atomic
def publish_follow_up(
    stocktake: Stocktake,
    *,
    summary: str,
    decisions: Sequence[str],
    actions: Sequence[ActionDraft],
    by: User,
    today: date,
) -> Stocktake:
    """Record the follow-up note's decisions and actions and publish it: all or nothing, once."""
    locked = Stocktake.objects.select_for_update().get(pk=stocktake.pk)
    if locked.is_published:
        raise RoutineError(
            _("This follow-up note was published on %(d)s and cannot be published again.")
            % {"d": locked.follow_up_published_on.isoformat()}  # type: ignore[union-attr]
        )
    if locked.status == Stocktake.Status.CANCELLED:
        raise RoutineError(_("This stocktake was cancelled: it has no follow-up note."))
    if today < locked.held_on:
        raise RoutineError(_("A follow-up note is written after the stocktake is held."))
    for draft in actions:
        _check_draft(draft)
    priorities = list(locked.priorities.all())
    priority = priorities[0] if len(priorities) == 1 else None
    for text in decisions:
        if text.strip():
            Decision.objects.create(stocktake=locked, text=text.strip())
    for draft in actions:
        raise_action(
            locked,
            draft.description,
            draft.owner,
            draft.due,
            priority=priority or _owned_priority(priorities, draft.owner),
            local_unit=draft.local_unit,
            by=by,
            today=today,
        )
    locked.follow_up_summary = summary
    locked.follow_up_published_on = today
    locked.follow_up_published_by = by
    locked.status = Stocktake.Status.FOLLOW_UP_PUBLISHED
    locked.save()
    from deliverology.web.routines.notifications import notify_published  # noqa: PLC0415

    notify_published(locked, today=today)
    return locked


def _owned_priority(priorities: list[Priority], owner: User | None) -> Priority | None:
    """For a stocktake of several priorities: the one the action's owner owns, else the first."""
    owned = [p for p in priorities if owner is not None and p.owner_id == owner.pk]
    chosen = owned or priorities
    return chosen[0] if chosen else None


@transaction.atomic
def cancel_stocktake(
    stocktake: Stocktake, *, new_date: date | None, reason: str, today: date
) -> Stocktake:
    """Cancel a scheduled stocktake: moved to `new_date` when there is one (its pack and carried
    actions follow the date, the calendar says where it moved from), else dropped, which needs
    a reason and counts as a lapse on the momentum page."""
    locked = Stocktake.objects.select_for_update().get(pk=stocktake.pk)
    if locked.status != Stocktake.Status.SCHEDULED:
        raise RoutineError(_("Only a stocktake still scheduled can be cancelled or moved."))
    reason = reason.strip()
    if new_date is None and not reason:
        raise RoutineError(
            _("Give the new date the stocktake moves to, or the reason it is dropped.")
        )
    if new_date is not None and new_date == locked.held_on:
        raise RoutineError(_("The new date is the date already scheduled."))
    if new_date is not None and new_date < today:
        raise RoutineError(_("The new date cannot be in the past."))
    locked.cancellation_reason = reason
    locked.cancelled_on = today
    if new_date is None:
        locked.status = Stocktake.Status.CANCELLED
    else:
        locked.moved_from, locked.held_on = locked.held_on, new_date
    locked.save()
    return locked


def mark_held(stocktake: Stocktake) -> None:
    if stocktake.status == Stocktake.Status.SCHEDULED:
        stocktake.status = Stocktake.Status.HELD
        stocktake.save(update_fields=["status"])


@transaction.atomic
def record_rubric(stocktake: Stocktake, ratings: Mapping[str, tuple[str, str]]) -> None:
    """The routines rubric after a stocktake: every category rated on the RAG4 scale."""
    config = load_method_config()
    missing = [c for c in config.routines.rubric_labels if c not in ratings]
    if missing:
        raise RoutineError(_("Rate every category of the rubric."))
    for category, (rating, note) in ratings.items():
        if category not in config.routines.rubric_labels or rating not in config.rag4_labels:
            raise RoutineError(_("“%(r)s” is not a rating of the rubric.") % {"r": rating})
        RubricRating.objects.update_or_create(
            stocktake=stocktake, category=category, defaults={"rating": rating, "note": note}
        )
