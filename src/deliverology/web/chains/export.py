"""A delivery chain as an Excel workbook (its links, and every rating kept) or a CSV of its links.
Everything goes through web/workbooks.py, so text people typed stays text."""

from __future__ import annotations

import io
from typing import Any

from django.utils.translation import gettext as _

from deliverology.web.chains.actions import ChainSummary
from deliverology.web.chains.models import ChainLink
from deliverology.web.workbooks import append_row, csv_text, new_workbook


def _link_header() -> list[str]:
    return [
        _("Position"),
        _("Kind of actor"),
        _("Actor"),
        _("Named owner"),
        _("Local units"),
        _("Levers"),
        _("Latest rating"),
        _("Rated on"),
        _("Rated by"),
        _("Evidence"),
        _("Mitigation"),
        _("Weak link"),
        _("Weakest link"),
    ]


def _link_row(link: ChainLink, summary: ChainSummary) -> list[Any]:
    latest = link.latest_rating()
    by = latest.rated_by if latest else None
    return [
        link.position,
        link.actor_kind_label(),
        link.actor,
        link.owner_name,
        ", ".join(unit.name for unit in link.local_units.all()),
        link.levers,
        latest.rating_label() if latest else _("Not rated yet"),
        latest.rated_on.isoformat() if latest else None,
        (by.get_full_name() or by.get_username()) if by else None,
        latest.evidence if latest else None,
        link.mitigation,
        _("yes") if summary.is_weak(link) else _("no"),
        _("yes") if link.position == summary.weakest.position else _("no"),
    ]


def chain_workbook_bytes(summary: ChainSummary) -> bytes:
    book = new_workbook(write_only=True)
    links = book.create_sheet(_("Links"))
    append_row(links, _link_header())
    for link in summary.links:
        append_row(links, _link_row(link, summary))
    history = book.create_sheet(_("Rating history"))
    append_row(
        history,
        [_("Position"), _("Actor"), _("Rating"), _("Rated on"), _("Rated by"), _("Evidence")],
    )
    for link in summary.links:
        for rating in link.ratings.all():
            by = rating.rated_by
            append_row(
                history,
                [
                    link.position,
                    link.actor,
                    rating.rating_label(),
                    rating.rated_on.isoformat(),
                    (by.get_full_name() or by.get_username()) if by else None,
                    rating.evidence,
                ],
            )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def chain_csv_text(summary: ChainSummary) -> str:
    return csv_text([_link_header(), *(_link_row(link, summary) for link in summary.links)])
