"""The delivery report as a PDF: its text read back from the file, its first page kept as an
image in the tests' artifacts for a person to look at."""

from __future__ import annotations

import datetime as dt
import html
import io
import re
from pathlib import Path

import pypdfium2
import pytest

from deliverology.web.assessments import actions
from deliverology.web.assessments.models import Assessment

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def pdf_text(pdf: bytes) -> tuple[str, pypdfium2.PdfDocument]:
    document = pypdfium2.PdfDocument(io.BytesIO(pdf))
    text = "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    return text, document


@pytest.mark.django_db
def test_the_delivery_report_pdf_has_the_league_each_priority_and_the_themes(login, system):
    reporting_round = actions.open_round("July 2025", dt.date(2025, 7, 31))
    reporting_round.cross_cutting_themes = "Principal turnover slows every priority."
    reporting_round.save()
    for assessment in Assessment.objects.filter(reporting_round=reporting_round):
        actions.save_assessment(
            assessment,
            {
                "challenge": "high",
                "governance": "amber_green",
                "likelihood": "amber_red",
                "rationale": "Data behind the trajectory in two districts.",
                "to_move_up": "Every district on its trajectory for a year.",
                "narrative": "Reading rose in most schools.",
                "key_actions": "Coaching for the lowest schools.",
            },
            by=system.people["analyst"],
            finalise=True,
        )
    actions.publish_round(reporting_round, by=system.people["analyst"])
    response = login("viewer").get(f"/assessments/{reporting_round.pk}/report/?format=pdf")
    assert response["Content-Type"] == "application/pdf"
    text, document = pdf_text(response.content)
    for words in (
        "Delivery report, July 2025",
        "League table of priorities",
        "Priority: Grade 3 reading",
        "Priority: Chronic absence",
        "Likelihood of delivery",
        "Amber-red",
        "Engaging the delivery chain",
        "Data behind the trajectory in two districts.",
        "What it would take to move the rating up",
        "Cross-cutting themes",
        "Principal turnover slows every priority.",
        "The figures are as they were when it was published.",
        "OFFICIAL",
        "Page 1 of",
    ):
        assert words in text, words
    assert len(document) >= 2
    # Each chart is printed as an image; its accessible name stays in the PDF's text.
    page = login("viewer").get(f"/assessments/{reporting_round.pk}/report/").content.decode()
    names = re.findall(r'<svg\b[^>]*\baria-label="([^"]*)"', page)
    assert names
    for name in names:
        assert html.unescape(name) in text, name
    images = sum(
        1
        for index in range(len(document))
        for item in document[index].get_objects()
        if item.type == pypdfium2.raw.FPDF_PAGEOBJ_IMAGE
    )
    assert images == len(names)
    ARTIFACTS.mkdir(exist_ok=True)
    image = document[0].render(scale=1.5).to_pil()
    image.save(ARTIFACTS / "delivery-report-page-1.png")
    document[1].render(scale=1.5).to_pil().save(ARTIFACTS / "delivery-report-page-2.png")
    assert image.size[0] > 800


@pytest.mark.django_db
def test_the_monthly_note_pdf_fits_two_pages_and_reads_like_the_page(login, system):
    note = actions.note_for(dt.date(2025, 10, 1))
    actions.publish_note(note, by=system.people["analyst"])
    response = login("leader").get("/notes/2025-10/?format=pdf")
    text, document = pdf_text(response.content)
    assert "Monthly note, October 2025" in text
    assert "Priority: Grade 3 reading" in text and "Against the trajectory" in text
    assert len(document) <= 2
    ARTIFACTS.mkdir(exist_ok=True)
    document[0].render(scale=1.5).to_pil().save(ARTIFACTS / "monthly-note-page-1.png")


@pytest.mark.django_db
def test_the_league_table_pdf_keeps_the_size_and_flags_columns(login, system):
    response = login("analyst").get("/league/?metric=reading&level=school&view=level&format=pdf")
    text, document = pdf_text(response.content)
    for words in ("League table: Grade 3 reading by school", "Size", "Data quality", "School S1"):
        assert words in text, words
    ARTIFACTS.mkdir(exist_ok=True)
    document[0].render(scale=1.5).to_pil().save(ARTIFACTS / "league-table-page-1.png")
