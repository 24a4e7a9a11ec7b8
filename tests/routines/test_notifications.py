"""Every e-mail goes through routines.notifications; each reminder is sent once."""

from __future__ import annotations

from datetime import date

from django.core.management import call_command

from deliverology.web.routines.actions import raise_action
from deliverology.web.routines.models import Stocktake
from deliverology.web.routines.notifications import notify_document_published, send_reminders
from tests.conftest import System


def give_addresses(system: System) -> None:
    for name, person in system.people.items():
        person.email = f"{name}@example.org"
        person.save()


def reminders(mailoutbox) -> list:
    """The e-mails about follow-up notes and actions: not the lapsed routines' alerts."""
    return [m for m in mailoutbox if not m.subject.startswith("Lapsed:")]


def test_reminders_go_to_the_owner_of_an_overdue_action_and_the_unit_for_a_follow_up_due(
    system: System, stocktake: Stocktake, mailoutbox
) -> None:
    give_addresses(system)
    sent = send_reminders(date(2025, 11, 3))
    by_address = {(m.to[0], m.subject.split(":")[0]) for m in reminders(mailoutbox)}
    assert sent == len(mailoutbox)
    assert len(reminders(mailoutbox)) == 2
    assert ("owner@example.org", "Overdue since 2025-10-27") in by_address
    assert ("analyst@example.org", "Follow-up note due 2025-10-23") in by_address


def test_an_action_due_soon_is_reminded_within_the_configured_working_days(
    system: System, mailoutbox
) -> None:
    give_addresses(system)
    owner = system.people["owner"]
    raise_action(None, "Due Wednesday", owner, date(2025, 11, 5), today=date(2025, 11, 1))
    raise_action(None, "Due next week", owner, date(2025, 11, 12), today=date(2025, 11, 1))
    send_reminders(date(2025, 11, 3))  # a Monday: two working days on is Wednesday
    assert [m.subject for m in reminders(mailoutbox)] == ["Due 2025-11-05: Due Wednesday"]


def test_send_reminders_sends_each_reminder_once(
    system: System, stocktake: Stocktake, mailoutbox, capsys
) -> None:
    give_addresses(system)
    call_command("send_reminders")
    first = len(mailoutbox)
    call_command("send_reminders")
    assert len(reminders(mailoutbox)) == 2 and len(mailoutbox) == first
    assert capsys.readouterr().out.splitlines() == [f"Reminders sent: {first}", "Reminders sent: 0"]


def test_a_published_document_is_announced_to_its_readers_once(system: System, mailoutbox) -> None:
    give_addresses(system)
    system.people["stranger"].email = ""
    system.people["stranger"].save()
    readers = [system.people["leader"], system.people["viewer"], system.people["stranger"]]
    args = ("monthly_note", "2025-10", "Monthly note, October 2025", "/notes/2025-10/", readers)
    assert notify_document_published(*args, today=date(2025, 11, 1)) == 2  # stranger: no address
    assert notify_document_published(*args, today=date(2025, 11, 2)) == 0
    assert sorted(m.to[0] for m in mailoutbox) == ["leader@example.org", "viewer@example.org"]
    assert mailoutbox[0].body.endswith("http://localhost:8000/notes/2025-10/")


def test_a_moved_stocktakes_follow_up_is_reminded_again_and_a_dropped_ones_never(
    system: System, stocktake: Stocktake, mailoutbox
) -> None:
    from deliverology.web.routines.actions import cancel_stocktake, schedule_stocktake

    give_addresses(system)
    send_reminders(date(2025, 11, 3))
    assert any(m.subject.startswith("Follow-up note due 2025-10-23") for m in mailoutbox)
    cancel_stocktake(stocktake, new_date=date(2025, 11, 5), reason="", today=date(2025, 11, 3))
    dropped = schedule_stocktake(
        [system.priorities["reading"]], date(2025, 11, 4), system.people["leader"]
    )
    cancel_stocktake(dropped, new_date=None, reason="Merged", today=date(2025, 11, 3))
    mailoutbox.clear()
    send_reminders(date(2025, 11, 10))
    follow_ups = sorted({m.subject for m in mailoutbox if m.subject.startswith("Follow-up")})
    assert follow_ups == ["Follow-up note due 2025-11-10: the stocktake of 2025-11-05"]


def test_a_lapsed_stocktake_is_alerted_to_the_unit_and_the_owner_once_per_lapse(
    system: System, mailoutbox
) -> None:
    from deliverology.web.routines.actions import schedule_stocktake

    give_addresses(system)
    reading = system.priorities["reading"]
    send_reminders(date(2025, 11, 3))
    lapsed = [m for m in mailoutbox if m.subject.startswith("Lapsed: no stocktake")]
    about_reading = [m for m in lapsed if reading.title in m.subject]
    assert {m.to[0] for m in about_reading} >= {"analyst@example.org"}
    if reading.owner is not None:
        assert f"{reading.owner.username}@example.org" in {m.to[0] for m in about_reading}
    assert all("/momentum/" in m.body for m in lapsed)
    count = len(mailoutbox)
    send_reminders(date(2025, 11, 4))
    assert len(mailoutbox) == count  # once per lapse
    held = schedule_stocktake(
        [reading], date(2025, 11, 3), system.people["leader"], by=system.people["analyst"]
    )
    held.status = Stocktake.Status.HELD
    held.save()
    send_reminders(date(2025, 11, 5))
    again = [m for m in mailoutbox[count:] if m.subject.startswith("Lapsed: no stocktake")]
    assert not any(reading.title in m.subject for m in again)  # held: no longer lapsed
