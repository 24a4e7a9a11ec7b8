"""Documents a leader holds: one template, rendered as a page and as a PDF.

A monthly note, a stocktake pack or a delivery report is built by one pure builder (in the app
that owns it) into a context; its one template extends ``documents/document.html``. The view
hands both to :func:`document_response`, which renders the page, or the PDF when the request asks
for ``?format=pdf``. The PDF is the same template with the same server-rendered charts, laid
out for paper (``documents/print.html``, ``deliverology/print.css``): the configured paper size,
the classification line at the top of every page, the date and "page N of M" at the foot.

On paper each chart's SVG is printed as a PNG of that SVG at twice its size
(:func:`charts_as_images`): WeasyPrint lays out an SVG node by node, which made most of a
report's time. The image's ``alt`` and an invisible line of text over it keep the chart's
accessible name in the PDF, so it can still be found, copied and read out.

WeasyPrint never reaches the network: the only files it may read are the project's own static
files and the charts' PNGs (handed over in memory), and every other address is refused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping
from typing import Any

from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.text import slugify

from deliverology.configuration import load_method_config
from deliverology.web import chart_cache

PDF = "pdf"
PRINT_STYLESHEET = "deliverology/print.css"
CHART_URL_SCHEME = "deliverology-chart:"  # a chart's PNG, served from memory to WeasyPrint

# A chart vl-convert drew (its root <svg> has class="marks"; it holds no nested <svg>).
_CHART_SVG = re.compile(r'(<svg\b[^>]*\bclass="marks"[^>]*>).*?</svg>', re.DOTALL)


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
    html: str = render_to_string(template_name, print_context, request=request)
    stylesheet = finders.find(PRINT_STYLESHEET)
    if not isinstance(stylesheet, str):
        raise DocumentFetchRefused(f"the print stylesheet {PRINT_STYLESHEET} is missing")
    html, images = charts_as_images(html)
    document = HTML(string=html, url_fetcher=document_fetcher(images), base_url=None)
    pdf: bytes = document.write_pdf(stylesheets=[CSS(filename=stylesheet)])
    return pdf


def charts_as_images(html: str) -> tuple[str, dict[str, bytes]]:
    """The HTML with every chart's inline SVG replaced by an image of it, and the images' PNGs by
    their addresses (:data:`CHART_URL_SCHEME` and the SVG's digest).

    The image is as wide as the SVG (and no wider than the column); its ``alt`` and an invisible
    line of text (``.chart-text``, over the chart's title) carry the chart's accessible name. A
    chart without one (``aria-hidden``) gets an empty ``alt`` and no text.
    """
    images: dict[str, bytes] = {}

    def image(match: re.Match[str]) -> str:
        svg, root = match.group(0), match.group(1)
        url = CHART_URL_SCHEME + hashlib.sha256(svg.encode("utf-8")).hexdigest()
        if url not in images:
            images[url] = chart_cache.render_png(svg)
        width = _attribute(root, "width")
        style = f' style="width: {width}px"' if width and width.isdigit() else ""
        name = _attribute(root, "aria-label") or ""  # already escaped for HTML
        text = f'<span class="chart-text">{name}</span>' if name else ""
        return f'<img class="chart-image" src="{url}" alt="{name}"{style}>{text}'

    return _CHART_SVG.sub(image, html), images


def _attribute(tag: str, name: str) -> str | None:
    found = re.search(rf'\s{re.escape(name)}="([^"]*)"', tag)
    return found.group(1) if found else None


def document_fetcher(images: Mapping[str, bytes]) -> Any:
    """WeasyPrint's fetcher for one document: the charts' PNGs from memory, nothing else."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse  # type: ignore[import-untyped]

    class DocumentFetcher(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            png = images.get(url)
            if png is None:
                refuse_network(url)
            return URLFetcherResponse(url, png, {"Content-Type": "image/png"})

    return DocumentFetcher()


def refuse_network(url: str, timeout: int = 10, ssl_context: Any = None) -> dict[str, Any]:
    """Refuse an address: documents carry their charts with them, so nothing is fetched."""
    raise DocumentFetchRefused(f"documents may not fetch {url!r}")
