"""What people do with assessments and documents; views and the demo call these.

Each action checks its rule and raises `Refused` with a message for people, changing nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from deliverology.configuration import load_method_config
from deliverology.core.assessment import (
    Evidence,
    SubCriterion,
    Suggestion,
    is_override,
    suggest_likelihood,
)
from deliverology.core.brevity import BrevityCheck, check_brevity
from deliverology.core.plans import MilestoneStatus
from deliverology.core.status import TrajectoryStatus
from deliverology.web.assessments import builders
from deliverology.web.assessments.figures import active_priorities, system_progress
from deliverology.web.assessments.models import (
    Assessment,
    AssessmentComment,
    LeagueSnapshot,
    Moderation,
    MonthlyNote,
    NoteEntry,
    ReportingRound,
)
from deliverology.web.assessments.readers import announce_note, announce_report
from deliverology.web.chains.models import DeliveryChain, LinkRating
from deliverology.web.performance.models import Metric
from deliverology.web.plans.models import DeliveryPlan, Milestone
from deliverology.web.priorities.clock import today
from deliverology.web.priorities.models import Priority
from deliverology.web.routines.calendar import upcoming_in_words


class Refused(ValueError):
    """An action that breaks a rule of the method; the message says which, for people."""


# Assessments


def suggestion_for(
    assessment: Assessment,
    *,
    status: TrajectoryStatus | None = None,
    weak_chain_links: int | None = None,
    missed_milestones: int | None = None,
) -> Suggestion:
    """The suggested likelihood from the trajectory status, the sub-ratings, the weak links of
    the priority's delivery chains with no mitigation and its plans' missed milestones (each
    read from the database unless given; left out when the priority has no chain or plan)."""
    if status is None:
        progress = system_progress([assessment.priority]).get(assessment.priority_id)
        status = progress.status if progress else TrajectoryStatus.NO_DATA
    as_of = min(assessment.reporting_round.as_of, today())
    if weak_chain_links is None:
        weak_chain_links = unmitigated_weak_links(assessment.priority, as_of)
    if missed_milestones is None:
        missed_milestones = overdue_milestones(assessment.priority, as_of)
    evidence = Evidence(status, assessment.sub_ratings(), weak_chain_links, missed_milestones)
    return suggest_likelihood(evidence, load_method_config().assessment.rules)


def unmitigated_weak_links(priority: Priority, on: dt.date) -> int | None:
    """How many links of the priority's delivery chains were weak on a day (their latest rating
    up to that day red or amber-red, `[chains] weak_ratings`) with no mitigation recorded; None
    when it has no chain. A round's assessment reads the chain as it was on the round's date."""
    if not DeliveryChain.objects.filter(priority=priority).exists():
        return None
    weak = {str(rating) for rating in load_method_config().chains.weak_ratings}
    latest: dict[int, str] = {}
    for link_id, rating in (
        LinkRating.objects.filter(link__chain__priority=priority, rated_on__lte=on)
        .exclude(link__mitigation__gt="")
        .order_by("rated_on", "pk")
        .values_list("link_id", "rating")
    ):
        latest[link_id] = rating  # the latest rating up to the day is read last
    return sum(1 for rating in latest.values() if rating in weak)


def overdue_milestones(priority: Priority, on: dt.date) -> int | None:
    """How many milestones of the priority's plans were past due and not done on a day (done
    later, or not yet); None when it has no plan."""
    if not DeliveryPlan.objects.filter(priority=priority).exists():
        return None
    done_by_then = Q(status=MilestoneStatus.DONE) & (
        Q(completed_on__isnull=True) | Q(completed_on__lte=on)
    )
    return (
        Milestone.objects.filter(plan__priority=priority, due__lt=on).exclude(done_by_then).count()
    )


def _reasons_json(suggestion: Suggestion) -> list[dict[str, Any]]:
    reasons = []
    for reason in suggestion.reasons:
        data = asdict(reason)
        data["criteria"] = [c.value for c in reason.criteria]
        data["step"] = reason.step.value
        data["status"] = reason.status.value if reason.status else None
        reasons.append(data)
    return reasons


def _refuse_if_published(reporting_round: ReportingRound) -> None:
    if reporting_round.is_published:
        raise Refused(
            _("The delivery report of %(round)s is published: its assessments cannot change.")
            % {"round": reporting_round.name}
        )


@transaction.atomic
def save_assessment(
    assessment: Assessment, values: Mapping[str, Any], *, by: User, finalise: bool = False
) -> Assessment:
    """Save the ratings, store the suggestion and whether the final rating overrides it."""
    _refuse_if_published(assessment.reporting_round)
    if assessment.status == Assessment.Status.FINAL and assessment.pk:
        raise Refused(_("This assessment is final; change it through moderation."))
    for name, value in values.items():
        setattr(assessment, name, value)
    suggestion = suggestion_for(assessment)
    assessment.suggested_likelihood = suggestion.likelihood or ""
    assessment.suggestion_reasons = _reasons_json(suggestion)
    if assessment.likelihood:
        if not assessment.rationale.strip():
            raise Refused(_("A likelihood of delivery needs a rationale."))
        if not assessment.to_move_up.strip():
            raise Refused(_("Say what it would take to move the rating up."))
    assessment.is_override = bool(assessment.likelihood) and is_override(
        suggestion.likelihood, assessment.likelihood
    )
    if finalise:
        if not assessment.likelihood:
            raise Refused(_("Enter the likelihood of delivery before making it final."))
        assessment.status = Assessment.Status.FINAL
    assessment.updated_by = by
    assessment.save()
    return assessment


@transaction.atomic
def comment_on(assessment: Assessment, *, by: User, kind: str, text: str) -> AssessmentComment:
    if assessment.status == Assessment.Status.FINAL:
        raise Refused(_("This assessment is already final; comments are taken before that."))
    if not text.strip():
        raise Refused(_("Write the comment."))
    return AssessmentComment.objects.create(assessment=assessment, author=by, kind=kind, text=text)


@transaction.atomic
def moderate(assessment: Assessment, *, to: str, reason: str, by: User) -> Moderation:
    """Change a final likelihood for consistency across priorities, keeping who, when, what."""
    _refuse_if_published(assessment.reporting_round)
    if assessment.status != Assessment.Status.FINAL:
        raise Refused(_("Only final assessments are moderated."))
    if not reason.strip():
        raise Refused(_("Give the reason for the moderation."))
    if to == assessment.likelihood:
        raise Refused(_("The moderated rating is the same as the current one."))
    moderation = Moderation.objects.create(
        assessment=assessment,
        from_likelihood=assessment.likelihood,
        to_likelihood=to,
        reason=reason,
        moderated_by=by,
    )
    assessment.likelihood = to
    assessment.is_override = is_override(assessment.suggested_likelihood or None, to)
    assessment.updated_by = by
    assessment.save()
    return moderation


def open_round(name: str, as_of: dt.date) -> ReportingRound:
    """A new round with an empty assessment for each active priority."""
    with transaction.atomic():
        reporting_round = ReportingRound.objects.create(name=name, as_of=as_of)
        Assessment.objects.bulk_create(
            Assessment(reporting_round=reporting_round, priority=p) for p in active_priorities()
        )
    return reporting_round


@transaction.atomic
def publish_round(reporting_round: ReportingRound, *, by: User) -> ReportingRound:
    locked = ReportingRound.objects.select_for_update().get(pk=reporting_round.pk)
    if locked.is_published:
        raise Refused(
            _("The delivery report of %(round)s was already published on %(when)s.")
            % {"round": locked.name, "when": timezone.localtime(locked.published_at).date()}
        )
    drafts = locked.assessments.exclude(status=Assessment.Status.FINAL).count()
    if drafts:
        raise Refused(
            _("%(count)s assessments are not final yet; make them final first.") % {"count": drafts}
        )
    locked.frozen = builders.delivery_report(locked)
    locked.published_at, locked.published_by = timezone.now(), by
    locked.save()
    announce_report(locked, by, today())
    return locked


# Monthly notes


def note_for(month: dt.date) -> MonthlyNote:
    """The month's note, created with an entry per active priority when it is first opened, its
    upcoming routines prefilled from the routine calendar (the unit may edit them)."""
    with transaction.atomic():
        note, created = MonthlyNote.objects.get_or_create(
            month=month.replace(day=1),
            defaults={"upcoming": upcoming_in_words(load_method_config(), today())},
        )
        if created:
            figures = builders.note_figures(note)
            headlines = {row["code"]: row["suggested_headline"] for row in figures["priorities"]}
            NoteEntry.objects.bulk_create(
                NoteEntry(note=note, priority=p, headline=headlines.get(p.code, ""))
                for p in active_priorities()
            )
    return note


def note_brevity(note: MonthlyNote, entries: list[NoteEntry]) -> BrevityCheck:
    headlines = {f"{e.priority.code}.headline": e.headline for e in entries}
    sections = {f"{e.priority.code}.judgement": e.judgement_text for e in entries}
    sections |= {f"{e.priority.code}.asks": e.asks for e in entries}
    sections |= {"cross_cutting": note.cross_cutting, "upcoming": note.upcoming}
    return check_brevity(headlines, sections, load_method_config().assessment.note_limits)


def refuse_if_note_published(note: MonthlyNote) -> None:
    if note.is_published:
        raise Refused(
            _("The note for %(month)s is published and cannot be changed.") % {"month": note}
        )


@transaction.atomic
def publish_note(note: MonthlyNote, *, by: User) -> MonthlyNote:
    locked = MonthlyNote.objects.select_for_update().get(pk=note.pk)
    if locked.is_published:
        raise Refused(
            _("The note for %(month)s was already published on %(when)s.")
            % {"month": locked, "when": timezone.localtime(locked.published_at).date()}
        )
    entries = list(locked.entries.select_related("priority"))
    check = note_brevity(locked, entries)
    if not check.ok:
        raise Refused(_("The note is too long to publish: shorten the sections marked."))
    locked.frozen = builders.note_figures(locked)
    locked.published_at, locked.published_by = timezone.now(), by
    locked.save()
    announce_note(locked, by, today())
    return locked


# League tables


def latest_snapshot(
    metric: Metric, local_unit_type: str, view: str, before: str
) -> LeagueSnapshot | None:
    return (
        LeagueSnapshot.objects.filter(
            metric=metric, local_unit_type=local_unit_type, view=view, quarter__lt=before
        )
        .order_by("-quarter")
        .first()
    )


@transaction.atomic
def keep_snapshot(
    metric: Metric,
    local_unit_type: str,
    view: str,
    *,
    today: dt.date,
    by: User,
    until: str | None = None,
) -> LeagueSnapshot:
    quarter = builders.snapshot_label(today)
    found = LeagueSnapshot.objects.filter(
        metric=metric, local_unit_type=local_unit_type, view=view, quarter=quarter
    ).first()
    if found is not None:
        raise Refused(
            _("This league table was already kept for %(quarter)s.") % {"quarter": quarter}
        )
    previous = latest_snapshot(metric, local_unit_type, view, quarter)
    table = builders.league_table(
        metric, local_unit_type, view, today, previous=previous, until=until
    )
    return LeagueSnapshot.objects.create(
        quarter=quarter,
        metric=metric,
        local_unit_type=local_unit_type,
        view=view,
        taken_by=by,
        frozen=table,
    )


SUB_CRITERIA = [c.value for c in SubCriterion]
