"""Loading the demo's assessments, monthly notes and league-table snapshots (see
`deliverology.demo.assessments`), through the same actions people use."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User

from deliverology.core.assessment import RAG4_ORDER
from deliverology.demo.assessments import (
    NOTE_ASKS,
    NOTE_CROSS_CUTTING,
    NOTE_UPCOMING,
    demo_assessment,
    demo_note_months,
    demo_rounds,
)
from deliverology.web.assessments import actions, builders
from deliverology.web.assessments.figures import active_priorities
from deliverology.web.assessments.models import Assessment, LeagueSnapshot, ReportingRound
from deliverology.web.performance.models import Observation
from deliverology.web.priorities.clock import today as clock_today


def install_demo_assessments(people: dict[str, User], today: dt.date | None = None) -> None:
    day = today or clock_today()
    analyst, owner = people["analyst"], people["owner"]
    for index, demo_round in enumerate(demo_rounds(day)):
        reporting_round = actions.open_round(demo_round.name, demo_round.as_of)
        reporting_round.cross_cutting_themes = demo_round.themes
        reporting_round.save()
        _assess(reporting_round, index, analyst, owner)
        actions.publish_round(reporting_round, by=analyst)
    _notes(day, analyst)
    _league_snapshots(day, analyst)


def _assess(reporting_round: ReportingRound, index: int, analyst: User, owner: User) -> None:
    assessments = reporting_round.assessments.select_related("priority").order_by("priority__order")
    for position, assessment in enumerate(assessments):
        demo = demo_assessment(position, index)
        values = {
            "challenge": demo.challenge,
            **demo.sub_ratings,
            "stage": demo.stage,
            "rationale": demo.rationale,
            "to_move_up": demo.to_move_up,
            "narrative": demo.narrative,
            "key_actions": demo.key_actions,
        }
        actions.save_assessment(assessment, values, by=analyst)
        assessment = Assessment.objects.get(pk=assessment.pk)
        if position == 0:
            actions.comment_on(
                assessment,
                by=owner,
                kind="challenge",
                text="The new coaching programme started in March; please weigh it in.",
            )
        suggested = assessment.suggested_likelihood or RAG4_ORDER[1]
        final = RAG4_ORDER[max(RAG4_ORDER.index(suggested) - 1, 0)] if demo.override else suggested
        actions.save_assessment(assessment, {"likelihood": final}, by=analyst, finalise=True)


def _notes(day: dt.date, analyst: User) -> None:
    for month in demo_note_months(day):
        note = actions.note_for(month)
        note.cross_cutting, note.upcoming = NOTE_CROSS_CUTTING, NOTE_UPCOMING
        note.save()
        for entry in note.entries.all():
            entry.direction, entry.asks = "steady", NOTE_ASKS
            entry.save()
        actions.publish_note(note, by=analyst)
    actions.note_for(day)  # this month's draft


def _league_snapshots(day: dt.date, analyst: User) -> None:
    """Last quarter's table (with the figures then: one period fewer) and this quarter's."""
    levels = builders.league_levels()
    priorities = active_priorities()
    if not priorities or not levels:
        return
    metric = priorities[0].goal_metric
    level = "district" if "district" in levels else levels[0]
    periods = sorted(
        set(Observation.objects.filter(metric=metric).values_list("period", flat=True)),
        key=metric.parse_period,
    )
    last_quarter = day - dt.timedelta(days=92)
    for view in LeagueSnapshot.View:
        actions.keep_snapshot(
            metric,
            level,
            view,
            today=last_quarter,
            by=analyst,
            until=periods[-2] if len(periods) > 1 else None,
        )
