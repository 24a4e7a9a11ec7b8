"""A problem's root-cause analysis (docs/concepts.md, "Problems and momentum"): the diagnostic
hypotheses, drivers of performance and delivery chain links of the problem's own priority that
explain it, each with a note of why. Linking and removing are kept in the problem's history."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from deliverology.core.reviews import RootCauseKind
from deliverology.web.chains.models import ChainLink, Driver
from deliverology.web.diagnostics.models import Hypothesis
from deliverology.web.problems.actions import ProblemError, check_open
from deliverology.web.problems.models import Problem, ProblemEvent, RootCause

Cause = Hypothesis | Driver | ChainLink


class RootCauseError(ProblemError):
    """A root cause that cannot be linked: another priority's, or linked already."""


def kind_of(cause: Cause) -> RootCauseKind:
    if isinstance(cause, Hypothesis):
        return RootCauseKind.HYPOTHESIS
    if isinstance(cause, Driver):
        return RootCauseKind.DRIVER
    return RootCauseKind.LINK


def priority_of(cause: Cause) -> int:
    return cause.chain.priority_id if isinstance(cause, ChainLink) else cause.priority_id


def refusal(problem: Problem, cause: Cause) -> str:
    """Why `cause` may not be linked to `problem`, or "" when it may."""
    if priority_of(cause) != problem.priority_id:
        return _("This belongs to another priority: link only the problem's own priority's.")
    if RootCause.objects.filter(problem=problem, **{kind_of(cause).value: cause}).exists():
        return _("This is already a root cause of the problem.")
    return ""


def root_causes_of(problem: Problem) -> QuerySet[RootCause]:
    """The problem's root causes with what they link to: one query, however many."""
    return RootCause.objects.filter(problem=problem).select_related(
        "hypothesis", "driver", "link__chain", "added_by"
    )


@transaction.atomic
def link_root_cause(problem: Problem, cause: Cause, note: str, *, by: User) -> RootCause:
    check_open(problem)
    reason = refusal(problem, cause)
    if reason:
        raise RootCauseError(reason)
    if not note.strip():
        raise RootCauseError(_("Say why this is a root cause."))
    try:
        with transaction.atomic():  # two people linking it at once: the second is refused
            root_cause = RootCause.objects.create(
                problem=problem, note=note.strip(), added_by=by, **{kind_of(cause).value: cause}
            )
    except IntegrityError:
        raise RootCauseError(_("This is already a root cause of the problem.")) from None
    _record(root_cause, ProblemEvent.Kind.ROOT_CAUSE_ADDED, by, f" ({root_cause.note})")
    return root_cause


@transaction.atomic
def remove_root_cause(root_cause: RootCause, reason: str, *, by: User) -> None:
    """Unlink a root cause, saying why (the analysis changed, it was linked by mistake)."""
    check_open(root_cause.problem)
    if not reason.strip():
        raise RootCauseError(_("Say why this is no longer a root cause."))
    _record(root_cause, ProblemEvent.Kind.ROOT_CAUSE_REMOVED, by, f" ({reason.strip()})")
    root_cause.delete()


def _record(root_cause: RootCause, kind: str, by: User, why: str) -> None:
    reason = f"{root_cause.kind_label()}: {root_cause.item_text()}{why}"
    ProblemEvent.objects.create(problem=root_cause.problem, kind=kind, by=by, reason=reason)
