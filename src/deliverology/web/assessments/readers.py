"""Who reads the documents this app publishes, how they hear of it, and when the routine
calendar counts a monthly note or a delivery report as held."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from deliverology.web.accounts.models import Profile
from deliverology.web.assessments.models import MonthlyNote, ReportingRound
from deliverology.web.routines.notifications import notify_document_published

READER_ROLES = (
    Profile.Role.SYSTEM_LEADER,
    Profile.Role.DELIVERY_UNIT,
    Profile.Role.PRIORITY_OWNER,
    Profile.Role.VIEWER,
)


def document_readers(published_by: User) -> QuerySet[User]:
    """Everyone who reads the system's published documents, but the person who published."""
    return (
        User.objects.filter(is_active=True, profile__role__in=READER_ROLES)
        .exclude(pk=published_by.pk)
        .exclude(email="")
    )


def announce_note(note: MonthlyNote, published_by: User, today: date) -> None:
    """Once the publishing is saved, tell the note's readers where to read it."""
    month = note.month.strftime("%Y-%m")
    transaction.on_commit(
        lambda: notify_document_published(
            "monthly_note_published",
            month,
            _("Monthly note, %(month)s") % {"month": note},
            reverse("note", kwargs={"month": month}),
            document_readers(published_by),
            today=today,
        )
    )


def announce_report(reporting_round: ReportingRound, published_by: User, today: date) -> None:
    """Once the publishing is saved, tell the delivery report's readers where to read it."""
    transaction.on_commit(
        lambda: notify_document_published(
            "delivery_report_published",
            str(reporting_round.pk),
            _("Delivery report, %(round)s") % {"round": reporting_round.name},
            reverse("delivery_report", args=[reporting_round.pk]),
            document_readers(published_by),
            today=today,
        )
    )


def notes_published_on() -> list[date]:
    """The days monthly notes were published: when the calendar counts the routine held."""
    moments = MonthlyNote.objects.exclude(published_at=None).values_list("published_at", flat=True)
    return [moment.date() for moment in moments if moment is not None]


def reports_published_on() -> list[date]:
    """The days delivery reports were published."""
    moments = ReportingRound.objects.exclude(published_at=None).values_list(
        "published_at", flat=True
    )
    return [moment.date() for moment in moments if moment is not None]
