"""Documents a leader holds: one template, rendered as a page and as a PDF.

A monthly note, a stocktake pack or a delivery report is built by one pure builder (in the app
that owns it) into a context; its one template extends ``documents/document.html``. The view
hands both to :func:`document_response`, which renders the page, or the PDF when the request asks
for ``?format=pdf``. The PDF is the same template with the same server-rendered SVG charts, laid
out for paper (``documents/print.html``, ``deliverology/print.css``): the configured paper size,
the classification line at the top of every page, the date and "page N of M" at the foot.

WeasyPrint never reaches the network: the only files it may read are the project's own static
files, and every other address is refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.text import slugify

from deliverology.configuration import load_method_config

PDF = "pdf"
PRINT_STYLESHEET = "deliverology/print.css"


class DocumentFetchRefused(ValueError):
    """A document asked WeasyPrint for a file that is not one of the project's static files."""


def wants_pdf(request: HttpRequest) -> bool:
    return request.GET.get("format") == PDF


def document_response(
    request: HttpRequest,
    template_name: str,
    context: Mapping[str, Any],
    *,
    title: str,
    printed_on: dt.date,
) -> HttpResponse:
    """The document as a page, or as a PDF download when ``?format=pdf`` is asked for."""
    if wants_pdf(request):
        pdf = render_pdf(
            template_name, context, request=request, title=title, printed_on=printed_on
        )
        response = HttpResponse(pdf, content_type="application/pdf")
        filename = f"{slugify(title) or 'document'}.pdf"
        response["Content-Disposition"] = f'inline; filename="{filename}"'
        return response
    page_context = {**context, "as_pdf": False, "document_title": title, "printed_on": printed_on}
    return HttpResponse(render_to_string(template_name, page_context, request=request))


def render_pdf(
    template_name: str,
    context: Mapping[str, Any],
    *,
    title: str,
    printed_on: dt.date,
    request: HttpRequest | None = None,
) -> bytes:
    """Render the document's template for paper and print it to PDF bytes."""
    from weasyprint import CSS, HTML  # type: ignore[import-untyped]  # loads Pango: on first use

    settings = load_method_config().documents
    print_context = {
        **context,
        "as_pdf": True,
        "document_title": title,
        "printed_on": printed_on,
        "paper_size": settings.paper_size,
        "classification": settings.classification,
    }
    html = render_to_string(template_name, print_context, request=request)
    stylesheet = finders.find(PRINT_STYLESHEET)
    if not isinstance(stylesheet, str):
        raise DocumentFetchRefused(f"the print stylesheet {PRINT_STYLESHEET} is missing")
    document = HTML(string=html, url_fetcher=refuse_network, base_url=None)
    pdf: bytes = document.write_pdf(stylesheets=[CSS(filename=stylesheet)])
    return pdf


def refuse_network(url: str, timeout: int = 10, ssl_context: Any = None) -> dict[str, Any]:
    """WeasyPrint's fetcher: documents carry their charts inline, so nothing is fetched."""
    raise DocumentFetchRefused(f"documents may not fetch {url!r}")
