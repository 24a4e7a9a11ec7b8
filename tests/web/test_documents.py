"""Documents are one template rendered as a page and as a PDF for paper."""

from __future__ import annotations

import datetime as dt
import io

import pypdfium2
import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from deliverology.reports.charts import ChartPoint, trajectory_chart_spec
from deliverology.web import chart_cache
from deliverology.web.documents import (
    DocumentFetchRefused,
    charts_as_images,
    document_fetcher,
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


def test_the_fetcher_serves_only_the_charts_it_was_given():
    fetcher = document_fetcher({"deliverology-chart:abc": b"\x89PNG"})
    response = fetcher.fetch("deliverology-chart:abc")
    assert response.read() == b"\x89PNG" and response.content_type == "image/png"
    for url in ("deliverology-chart:other", "https://cdn.example.org/chart.png", "file:///etc/x"):
        with pytest.raises(DocumentFetchRefused):
            fetcher.fetch(url)


@pytest.mark.django_db
def test_a_chart_is_printed_as_an_image_that_keeps_its_name_in_the_text(monkeypatch):
    spec = trajectory_chart_spec(
        [ChartPoint("2024-25", 50.0, 49.0), ChartPoint("2025-26", 55.0, 54.0)],
        title="Reading at grade 3 & beyond",
        measure_unit="%",
        target_value=None,
        target_period=None,
        direction="higher",
        labels={"actual": "Actual", "trajectory": "Trajectory"},
    )
    svg = chart_cache.render_svg(spec)
    page = f'<h1>Report</h1><figure class="chart">{svg}</figure><p>After the chart.</p>'
    html, images = charts_as_images(page)
    assert "<svg" not in html and len(images) == 1
    assert 'alt="Reading at grade 3 &amp; beyond"' in html
    png = next(iter(images.values()))
    assert png.startswith(b"\x89PNG") and png == chart_cache.render_png(svg)

    def the_page(template_name: str, context: object, request: object = None) -> str:
        return f'<html><body class="print">{page}</body></html>'

    monkeypatch.setattr("deliverology.web.documents.render_to_string", the_page)
    pdf = render_pdf("documents/document.html", {}, title="Report", printed_on=PRINTED_ON)
    document = pypdfium2.PdfDocument(io.BytesIO(pdf))
    kinds = [item.type for item in document[0].get_objects()]
    assert kinds.count(pypdfium2.raw.FPDF_PAGEOBJ_IMAGE) == 1
    assert kinds.count(pypdfium2.raw.FPDF_PAGEOBJ_PATH) == 0  # no chart drawn as vectors
    assert b"/Subtype /Image" in pdf
    text, _, _ = pdf_text_and_size(pdf)
    assert "Reading at grade 3 & beyond" in text and "After the chart." in text
    # Twice the chart's size: crisp on paper.
    image = document[0].get_objects(filter=[pypdfium2.raw.FPDF_PAGEOBJ_IMAGE])
    width = next(image).get_px_size()[0]
    assert width == 2 * int(svg.split('width="', 1)[1].split('"', 1)[0])
