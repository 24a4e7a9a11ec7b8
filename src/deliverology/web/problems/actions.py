"""Suggesting problems from the triggers, and the delivery unit's decisions on them.

`evaluate_triggers(today)` is idempotent: run again on unchanged figures it writes nothing. It
runs after every data refresh (imports, the demo) and from `deliverology manage
evaluate_triggers`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from deliverology.configuration import load_method_config
from deliverology.core.problems import (
    Fired,
    Move,
    Severity,
    TriggerKind,
    evidence_sentence,
    next_step,
)
from deliverology.web.problems.evaluation import Finding, Key, evaluate
from deliverology.web.problems.models import OPEN_STATUSES, RESOLVE, Problem, ProblemEvent

Event = ProblemEvent.Kind


class ProblemError(ValueError):
    """A decision that cannot be made (say, on a problem already closed)."""


@dataclass(frozen=True)
class Evaluated:
    suggested: int
    changed: int
    findings: int


@transaction.atomic
def evaluate_triggers(today: date) -> Evaluated:
    """Suggest new problems, escalations, de-escalations and resolutions from the triggers."""
    open_problems = {
        problem.key(): problem
        for problem in Problem.objects.filter(status__in=[s.value for s in OPEN_STATUSES])
    }
    dismissed = _dismissed()
    findings = evaluate(today, open_problems)
    new: list[Problem] = []
    changed: list[Problem] = []
    events: list[ProblemEvent] = []
    for finding in findings:
        problem = open_problems.get(finding.key)
        if problem is None:
            created = _suggest(finding, dismissed.get(finding.key), today)
            if created is not None:
                new.append(created)
        elif _follow(problem, finding, events):
            changed.append(problem)
    Problem.objects.bulk_create(new, batch_size=1000)
    events += [ProblemEvent(problem=p, kind=Event.SUGGESTED, to_severity=p.severity) for p in new]
    fields = ["severity", "pending", "status", "trigger", "evidence", "sentence", "latest_period"]
    Problem.objects.bulk_update(changed, fields, batch_size=1000)
    ProblemEvent.objects.bulk_create(events, batch_size=1000)
    return Evaluated(len(new), len(changed), len(findings))


def _dismissed() -> dict[Key, Problem]:
    """The latest dismissed problem at each place."""
    found: dict[Key, Problem] = {}
    for problem in Problem.objects.filter(status=Problem.Status.DISMISSED).order_by("pk"):
        found[problem.key()] = problem
    return found


def _evidence(finding: Finding) -> tuple[str, dict[str, Any], str]:
    """The main trigger, the evidence as data and the same evidence in words."""
    problems = load_method_config().problems
    fired = sorted(finding.fired, key=lambda f: (-f.severity.level, f.kind))
    sentences = [evidence_sentence(f, problems.evidence_sentences, finding.context) for f in fired]
    evidence = {"context": dict(finding.context), "triggers": [f.evidence() for f in fired]}
    return (str(fired[0].kind) if fired else "", evidence, " ".join(sentences))


def _suggest(finding: Finding, dismissed: Problem | None, today: date) -> Problem | None:
    rules = load_method_config().problems.rules
    step = next_step(None, finding.fired, finding.on_track, rules)
    if step.move is not Move.OPEN or step.severity is None:
        return None
    if dismissed is not None and _still_dismissed(dismissed, step.severity, finding):
        return None
    trigger, evidence, sentence = _evidence(finding)
    priority_id, metric_id, unit_id, subgroup_id = finding.key
    return Problem(
        priority_id=priority_id,
        metric_id=metric_id,
        local_unit_id=unit_id,
        subgroup_id=subgroup_id,
        severity=step.severity.value,
        trigger=trigger,
        evidence=evidence,
        sentence=sentence,
        latest_period=finding.latest_period,
        opened_on=today,
    )


def _still_dismissed(dismissed: Problem, wanted: Severity, finding: Finding) -> bool:
    """A dismissal holds for the figures it was made on: until a newer period's figures fire,
    or the triggers call for a higher severity."""
    return (
        finding.latest_period == dismissed.latest_period
        and wanted.level <= Severity(dismissed.severity).level
    )


def _follow(problem: Problem, finding: Finding, events: list[ProblemEvent]) -> bool:
    """Bring an open problem up to date with its finding; whether anything changed."""
    rules = load_method_config().problems.rules
    current = Severity(problem.severity)
    step = next_step(current, finding.fired, finding.on_track, rules)
    before = (problem.severity, problem.pending, problem.status, problem.evidence)
    if finding.fired:
        problem.trigger, problem.evidence, problem.sentence = _evidence(finding)
        problem.latest_period = finding.latest_period
    if problem.status == Problem.Status.SUGGESTED:
        _follow_suggestion(problem, step.move, step.severity, events)
    else:
        _follow_confirmed(problem, step.move, step.severity, events)
    if (problem.severity, problem.pending, problem.status) == before[:3] and (
        problem.evidence != before[3]
    ):
        events.append(ProblemEvent(problem=problem, kind=Event.EVIDENCE, reason=problem.sentence))
    return (problem.severity, problem.pending, problem.status, problem.evidence) != before


def _follow_suggestion(
    problem: Problem, move: Move, severity: Severity | None, events: list[ProblemEvent]
) -> None:
    """A suggestion nobody has decided on yet simply follows the triggers."""
    if move is Move.ESCALATE and severity is not None:
        events.append(_event(problem, Event.ESCALATION_SUGGESTED, severity.value))
        problem.severity = severity.value
    elif move is Move.DE_ESCALATE and severity is not None:
        events.append(_event(problem, Event.DE_ESCALATION_SUGGESTED, severity.value))
        problem.severity = severity.value
    elif move is Move.RESOLVE:
        events.append(_event(problem, Event.RESOLVED, ""))
        problem.status = Problem.Status.RESOLVED


def _follow_confirmed(
    problem: Problem, move: Move, severity: Severity | None, events: list[ProblemEvent]
) -> None:
    """A confirmed problem changes only by the delivery unit's decision: the triggers leave a
    pending suggestion for it."""
    pending = {
        Move.ESCALATE: severity.value if severity else "",
        Move.DE_ESCALATE: severity.value if severity else "",
        Move.RESOLVE: RESOLVE,
    }.get(move, "")
    if pending == problem.pending:
        return
    problem.pending = pending
    kind = {
        Move.ESCALATE: Event.ESCALATION_SUGGESTED,
        Move.DE_ESCALATE: Event.DE_ESCALATION_SUGGESTED,
        Move.RESOLVE: Event.RESOLUTION_SUGGESTED,
    }.get(move)
    if kind is not None:
        events.append(_event(problem, kind, "" if pending == RESOLVE else pending))


def _event(
    problem: Problem, kind: str, to: str, by: User | None = None, reason: str = ""
) -> ProblemEvent:
    return ProblemEvent(
        problem=problem,
        kind=kind,
        from_severity=problem.severity,
        to_severity=to,
        by=by,
        reason=reason,
    )


# --- The delivery unit's decisions -----------------------------------------------------------


def check_open(problem: Problem) -> None:
    if not problem.is_open:
        raise ProblemError(f"This problem is {problem.status_label().lower()}: it is closed.")


@transaction.atomic
def confirm(problem: Problem, severity: Severity | str, *, by: User, reason: str) -> Problem:
    """Confirm a problem at a severity (the suggested one, or another): escalating or
    de-escalating it when the severity differs from the one it holds."""
    check_open(problem)
    chosen = Severity(severity)
    current = Severity(problem.severity)
    if chosen.level > current.level:
        kind = Event.ESCALATED
    elif chosen.level < current.level:
        kind = Event.DE_ESCALATED
    else:
        kind = Event.CONFIRMED
    if problem.status == Problem.Status.SUGGESTED and kind is not Event.CONFIRMED:
        ProblemEvent.objects.create(
            problem=problem, kind=Event.CONFIRMED, from_severity=current, to_severity=current, by=by
        )
    ProblemEvent.objects.create(
        problem=problem,
        kind=kind,
        from_severity=current,
        to_severity=chosen,
        by=by,
        reason=reason,
    )
    problem.severity, problem.status, problem.reason = (
        chosen.value,
        Problem.Status.CONFIRMED,
        reason,
    )
    problem.pending = ""
    problem.save(update_fields=["severity", "status", "reason", "pending", "updated_at"])
    return problem


@transaction.atomic
def dismiss(problem: Problem, *, by: User, reason: str) -> Problem:
    check_open(problem)
    return _close(problem, Problem.Status.DISMISSED, Event.DISMISSED, by, reason)


@transaction.atomic
def resolve(problem: Problem, *, by: User, reason: str) -> Problem:
    check_open(problem)
    return _close(problem, Problem.Status.RESOLVED, Event.RESOLVED, by, reason)


def _close(problem: Problem, status: str, kind: str, by: User, reason: str) -> Problem:
    ProblemEvent.objects.create(
        problem=problem, kind=kind, from_severity=problem.severity, by=by, reason=reason
    )
    problem.status, problem.reason, problem.pending = status, reason, ""
    problem.save(update_fields=["status", "reason", "pending", "updated_at"])
    return problem


def fired_from(problem: Problem) -> list[Fired]:
    """The triggers stored as the problem's evidence (for pages that list them)."""
    found = []
    for item in problem.evidence.get("triggers", []):
        figures = {k: v for k, v in item.items() if k not in ("trigger", "severity")}
        found.append(Fired(TriggerKind(item["trigger"]), Severity(item["severity"]), figures))
    return found
