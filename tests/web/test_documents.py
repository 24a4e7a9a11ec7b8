"""Documents are one template rendered as a page and as a PDF for paper."""

from __future__ import annotations

import datetime as dt
import io

import pypdfium2
import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from deliverology.web.documents import (
    DocumentFetchRefused,
    document_response,
    refuse_network,
    render_pdf,
)

PRINTED_ON = dt.date(2026, 12, 5)
A4_POINTS = (595, 842)


def pdf_text_and_size(pdf: bytes) -> tuple[str, tuple[int, int], int]:
    document = pypdfium2.PdfDocument(io.BytesIO(pdf))
    page = document[0]
    size = tuple(round(side) for side in page.get_size())
    text = "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    return text, size, len(document)  # type: ignore[return-value]


@pytest.mark.django_db
def test_it_prints_a_document_on_a4_with_its_classification_title_date_and_page_numbers():
    pdf = render_pdf(
        "documents/document.html", {}, title="Monthly note, November 2026", printed_on=PRINTED_ON
    )
    text, size, pages = pdf_text_and_size(pdf)
    assert pdf.startswith(b"%PDF")
    assert size == A4_POINTS and pages == 1
    assert "OFFICIAL" in text
    assert "Monthly note, November 2026" in text
    assert "Printed 2026-12-05" in text
    assert "Page 1 of 1" in text


@pytest.mark.django_db
def test_it_serves_the_same_document_as_a_page_or_as_a_pdf():
    factory = RequestFactory()
    page_request, pdf_request = factory.get("/note/"), factory.get("/note/?format=pdf")
    page_request.user = pdf_request.user = AnonymousUser()
    page = document_response(
        page_request, "documents/document.html", {}, title="Note", printed_on=PRINTED_ON
    )
    pdf = document_response(
        pdf_request,
        "documents/document.html",
        {},
        title="Note",
        printed_on=PRINTED_ON,
    )
    assert page["Content-Type"].startswith("text/html")
    assert 'href="?format=pdf"' in page.content.decode()
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == 'inline; filename="note.pdf"'
    assert pdf.content.startswith(b"%PDF")


def test_a_document_may_not_fetch_anything_from_the_network():
    with pytest.raises(DocumentFetchRefused, match="https://cdn.example.org/chart.png"):
        refuse_network("https://cdn.example.org/chart.png")
