"""Rendered charts shared by every process that serves the app.

vl-convert takes tens of milliseconds a chart, and each gunicorn process (and each restart) used
to render every chart again for itself. Here a chart is looked up first in the process (the
last RENDER_CACHE_SIZE charts it served), then in Django's "charts" cache (files in the data
folder by default, see docs/operating.md), and only then rendered, once for all processes.

The key is the SHA-256 of the spec's canonical JSON, with the versions of vl-convert and of the
code that turns its output into the page's SVG: equal charts share one entry, and an upgrade
never serves an SVG made by older code. Entries are never invalidated (new data makes a new
spec, hence a new key); old ones age out when the cache is full.

PDFs print a chart as a PNG of its SVG (:func:`render_png`), cached the same way under the SVG's
SHA-256 and the scale.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from importlib.metadata import version
from pathlib import Path
from typing import Any

from django.core.cache import caches

from deliverology.reports import charts

CHART_CACHE = "charts"  # the alias in settings.CACHES
PNG_CACHE_SIZE = 64  # PNGs are larger than SVGs: this process keeps fewer


def render_svg(spec: Mapping[str, Any]) -> str:
    """The SVG of a Vega-Lite spec, as :func:`deliverology.reports.charts.render_svg` makes it,
    rendered at most once for every process that uses the same cache."""
    return _in_process(charts.canonical_spec(spec))


@functools.lru_cache(maxsize=charts.RENDER_CACHE_SIZE)
def _in_process(canonical: str) -> str:
    shared = caches[CHART_CACHE]
    key = chart_key(canonical)
    svg = shared.get(key)
    if not isinstance(svg, str):
        svg = charts.render_canonical(canonical)
        shared.set(key, svg)
    return svg


def render_png(svg: str, *, scale: float = charts.PRINT_SCALE) -> bytes:
    """The PNG of a chart's SVG at ``scale`` (see :func:`deliverology.reports.charts.render_png`),
    rendered at most once for every process that uses the same cache."""
    return _png_in_process(svg, float(scale))


@functools.lru_cache(maxsize=PNG_CACHE_SIZE)
def _png_in_process(svg: str, scale: float) -> bytes:
    shared = caches[CHART_CACHE]
    digest = hashlib.sha256(svg.encode("utf-8")).hexdigest()
    key = f"png:{_renderer_version()}:{scale:g}:{digest}"
    png = shared.get(key)
    if not isinstance(png, bytes):
        png = charts.render_png(svg, scale=scale)
        shared.set(key, png)
    return png


def chart_key(canonical: str) -> str:
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return f"svg:{_renderer_version()}:{digest}"


@functools.cache
def _renderer_version() -> str:
    code = Path(charts.__file__).read_bytes()
    made_by = version("vl-convert-python").encode() + b"\0" + code
    return hashlib.sha256(made_by).hexdigest()[:12]


def forget_in_process() -> None:
    """Drop this process's copies (the shared cache keeps its own): as a new process starts."""
    _in_process.cache_clear()
    _png_in_process.cache_clear()
