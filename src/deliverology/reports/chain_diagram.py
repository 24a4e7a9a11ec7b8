"""A delivery chain drawn as SVG text: a pure function, so pages and PDFs draw it the same way.

The links stand one under the other, from the system leader at the top to the front line at the
bottom, with an arrow between each. A link's box is filled with its rating's colour and says its
rating in words too (colour is never the only cue); an unrated link is a white box that says so.
The weakest link has a thick dashed outline and the words given for it. The SVG has `role="img"`
with a title and a description; pages put the link table beside it as the text alternative.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

BOX_WIDTH = 460
BOX_HEIGHT = 72
GAP = 34  # room for the arrow between two boxes
MARGIN = 12
MARK_WIDTH = 150  # room on the right for the weakest link's words
TEXT_COLOUR = "#1b1b1b"
UNRATED_BORDER = "#595959"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
MAX_CHARACTERS = 52


@dataclass(frozen=True)
class DiagramLink:
    """One link as drawn: its words, and its rating's label and colour (None when unrated)."""

    position: int
    actor: str
    kind_label: str
    owner: str
    rating_label: str
    colour: str | None


def chain_diagram_svg(
    links: Sequence[DiagramLink],
    *,
    title: str,
    description: str,
    weakest_position: int | None,
    weakest_label: str,
) -> str:
    """The chain as one <svg> element."""
    height = MARGIN * 2 + len(links) * BOX_HEIGHT + max(len(links) - 1, 0) * GAP
    width = MARGIN * 2 + BOX_WIDTH + MARK_WIDTH
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="chain-title '
        f'chain-desc" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'font-family="{escape(FONT)}" class="chain-diagram">',
        f'<title id="chain-title">{escape(title)}</title>',
        f'<desc id="chain-desc">{escape(description)}</desc>',
        _arrow_head(),
    ]
    for index, link in enumerate(links):
        top = MARGIN + index * (BOX_HEIGHT + GAP)
        if index:
            parts.append(_arrow(top - GAP, top))
        marked = link.position == weakest_position
        parts.append(_box(link, top, marked=marked, weakest_label=weakest_label))
    parts.append("</svg>")
    return "\n".join(parts)


def _arrow_head() -> str:
    return (
        '<defs><marker id="chain-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" '
        f'markerHeight="8" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{TEXT_COLOUR}"/>'
        "</marker></defs>"
    )


def _arrow(start: int, end: int) -> str:
    x = MARGIN + BOX_WIDTH // 2
    return (
        f'<line x1="{x}" y1="{start + 2}" x2="{x}" y2="{end - 3}" stroke="{TEXT_COLOUR}" '
        'stroke-width="2" marker-end="url(#chain-arrow)"/>'
    )


def _box(link: DiagramLink, top: int, *, marked: bool, weakest_label: str) -> str:
    fill = link.colour or "#ffffff"
    ink = "#ffffff" if link.colour else TEXT_COLOUR
    border = TEXT_COLOUR if marked else (link.colour or UNRATED_BORDER)
    outline = 'stroke-width="5" stroke-dasharray="10 5"' if marked else 'stroke-width="2"'
    heading = f"{link.position}. {link.actor}"
    detail = " · ".join(part for part in (link.kind_label, link.owner) if part)
    full = f"{heading} ({detail}): {link.rating_label}"
    texts = [
        _text(MARGIN + 12, top + 24, _short(heading), ink, bold=True),
        _text(MARGIN + 12, top + 44, _short(detail), ink),
        _text(MARGIN + 12, top + 63, _short(link.rating_label), ink, bold=True),
    ]
    if marked:
        texts.append(
            _text(
                MARGIN + BOX_WIDTH + 12,
                top + BOX_HEIGHT // 2 + 5,
                weakest_label,
                TEXT_COLOUR,
                bold=True,
            )
        )
    flag = ' data-weakest="true"' if marked else ""
    return (
        f'<g class="chain-link" data-position="{link.position}"{flag}>'
        f"<title>{escape(full)}</title>"
        f'<rect x="{MARGIN}" y="{top}" width="{BOX_WIDTH}" height="{BOX_HEIGHT}" rx="6" '
        f'fill="{escape(fill)}" stroke="{escape(border)}" {outline}/>' + "".join(texts) + "</g>"
    )


def _text(x: int, y: int, words: str, colour: str, *, bold: bool = False) -> str:
    weight = ' font-weight="bold"' if bold else ""
    return (
        f'<text x="{x}" y="{y}" fill="{escape(colour)}" font-size="14"{weight}>'
        f"{escape(words)}</text>"
    )


def _short(words: str) -> str:
    """Words that fit the box; the link's <title> and the table beside carry the whole text."""
    if len(words) <= MAX_CHARACTERS:
        return words
    return words[: MAX_CHARACTERS - 1].rstrip() + "…"
