"""Charts: one Vega-Lite spec per chart, rendered to SVG server-side by vl-convert.

The spec builders (:func:`trajectory_chart_spec`, :func:`sparkline_spec`) are pure: plain data
in, a JSON-serialisable Vega-Lite spec (a plain ``dict``) out, no I/O. :func:`render_svg` is the
only function that calls vl-convert; it needs no browser, no CDN and no network, so the same SVG
serves pages, PDFs and exports.

Words shown to people never come from this module: the legend names and other labels are passed
in through the ``labels`` mapping (keys ``"actual"``, ``"trajectory"``, ``"target"``,
``"provisional"``, and optionally ``"band"``), so they can be translated.

Accessibility: colours have at least 4.5:1 contrast against white, and series are told apart by
more than colour (solid actual line with points, dashed trajectory, diamond target, hollow
provisional points). The rendered SVG carries ``role="img"``, an ``aria-label`` and a
``<title>`` so that it can be embedded inline in an HTML page.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from deliverology.core.bounds import Bounds
from deliverology.reports.numbers import DECIMALS, measure

__all__ = [
    "ChartPoint",
    "canonical_spec",
    "render_canonical",
    "render_png",
    "render_svg",
    "sparkline_spec",
    "trajectory_chart_spec",
]

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"
FONT = "DejaVu Sans"
FONT_DIRECTORY = "/usr/share/fonts/truetype/dejavu"

# Contrast against white: actual 6.4:1, trajectory 7.0:1, target 5.7:1 (WCAG AA for text and
# graphics). Colour is never the only cue: the line styles and point shapes differ too.
ACTUAL_COLOUR = "#1f5fa8"
PARTIAL_COLOUR = "#a4161a"  # partial roll-ups: hollow squares, labelled in the legend
TRAJECTORY_COLOUR = "#505a64"
TARGET_COLOUR = "#b5400f"
BAND_OPACITY = 0.18
TRAJECTORY_DASH = [6, 4]
LEGEND_TRAJECTORY_DASH = [4, 2]
TARGET_RULE_DASH = [2, 3]

LABEL_FONT_SIZE = 11
# DejaVu Sans is wide: an average glyph is about 0.62 em.
_CHAR_WIDTH = 0.62 * LABEL_FONT_SIZE
RENDER_CACHE_SIZE = 512
# PDFs print charts as PNG at twice their CSS size (about 200 dpi across an A4 text column).
PRINT_SCALE = 2.0


@dataclass(frozen=True)
class ChartPoint:
    """One period of a chart: the actual figure, the trajectory and an optional band.

    ``None`` means "no figure" and leaves a gap in the line; it never becomes zero. NaN and
    infinities are treated as ``None``.
    """

    period: str  # a period label such as "2022-23"; points are given in period order
    actual: float | None
    expected: float | None
    lower: float | None = None
    upper: float | None = None
    provisional: bool = False
    partial: bool = False  # rolled up from too few of the unit's children (see docs/concepts.md)


# --- spec builders (pure) ---------------------------------------------------------------------


def trajectory_chart_spec(
    points: Sequence[ChartPoint],
    *,
    title: str,
    measure_unit: str,
    target_value: float | None,
    target_period: str | None,
    direction: str,
    labels: Mapping[str, str],
    width: int = 640,
    height: int = 280,
    bounds: Bounds | None = None,
    decimals: int = DECIMALS,
) -> dict[str, Any]:
    """Build the Vega-Lite spec of a trajectory chart.

    Layers, bottom to top: the lower/upper band (if any point has one), the trajectory (dashed),
    a faint rule at the target value, the actuals (solid line with filled points; provisional
    actuals as hollow points), and the target as a labelled diamond at the target period.

    ``direction`` is ``"higher"`` or ``"lower"`` (which way is better); it places the target's
    value label above or below the diamond. The y axis is not forced to include zero but is padded
    around the figures, never past the measure's ``bounds`` (a rate's axis stops at 100). The
    target's label has ``decimals`` decimals and the measure unit, as the page writes it.
    """
    if direction not in ("higher", "lower"):
        raise ValueError(f"direction must be 'higher' or 'lower', not {direction!r}")
    if (target_value is None) != (target_period is None):
        raise ValueError("target_value and target_period must be given together")
    target = _finite(target_value)
    if target_value is not None and target is None:
        raise ValueError(f"target_value must be a finite number, not {target_value!r}")
    rows = _rows(points)
    periods = [row["period"] for row in rows]
    domain_periods = list(periods)
    if target_period is not None and target_period not in domain_periods:
        domain_periods.append(target_period)

    has_band = any(row["lower"] is not None and row["upper"] is not None for row in rows)
    has_provisional = any(row["provisional"] and row["actual"] is not None for row in rows)
    has_partial = any(row["partial"] and row["actual"] is not None for row in rows)
    # Legend entries, in order: (label key, colour, symbol properties). The symbols' fill and
    # stroke come from the colour scale; shape, dash and opacities tell the entries apart.
    entries: list[tuple[str, str, dict[str, Any]]] = [
        ("actual", ACTUAL_COLOUR, {"shape": "circle"}),
        (
            "trajectory",
            TRAJECTORY_COLOUR,
            {"shape": "stroke", "strokeDash": LEGEND_TRAJECTORY_DASH},
        ),
    ]
    if has_provisional:
        entries.append(("provisional", ACTUAL_COLOUR, {"shape": "circle", "fillOpacity": 0}))
    if has_partial:
        entries.append(("partial", PARTIAL_COLOUR, {"shape": "square", "fillOpacity": 0}))
    if target is not None:
        entries.append(("target", TARGET_COLOUR, {"shape": "diamond"}))
    if has_band and labels.get("band"):
        entries.append(
            (
                "band",
                TRAJECTORY_COLOUR,
                {"shape": "square", "fillOpacity": BAND_OPACITY, "strokeOpacity": 0},
            )
        )
    text = _labels(labels, [key for key, _, _ in entries])
    legend_domain = [text[key] for key, _, _ in entries]
    colour_range = [colour for _, colour, _ in entries]

    def series(key: str) -> dict[str, Any]:
        """A colour encoding that puts this layer in the shared legend."""
        return {"datum": text[key]}

    x = {
        "field": "period",
        "type": "ordinal",
        "sort": None,
        "scale": {"domain": domain_periods},
        "axis": _x_axis(domain_periods, width),
    }
    y_scale: dict[str, Any] = {"zero": False, "nice": bounds is None}
    y_domain = _padded_domain(rows, target, bounds=bounds)
    if y_domain is not None:
        y_scale["domain"] = y_domain
    y_axis: dict[str, Any] = {"title": measure_unit or None, "grid": True, "tickCount": 6}

    def y(field: str) -> dict[str, Any]:
        return {"field": field, "type": "quantitative", "scale": y_scale, "axis": y_axis}

    layers: list[dict[str, Any]] = []
    if has_band:
        layers.append(
            {
                "mark": {
                    "type": "area",
                    "color": TRAJECTORY_COLOUR,
                    "opacity": BAND_OPACITY,
                    "invalid": "break-paths-show-domains",
                },
                "encoding": {
                    "x": x,
                    "y": y("lower"),
                    "y2": {"field": "upper"},
                    **({"color": series("band")} if "band" in text else {}),
                },
            }
        )
    layers.append(
        {
            "mark": {
                "type": "line",
                "strokeDash": TRAJECTORY_DASH,
                "strokeWidth": 2,
                "invalid": "break-paths-show-domains",
            },
            "encoding": {
                "x": x,
                "y": y("expected"),
                "color": series("trajectory"),
            },
        }
    )
    if target is not None:
        layers.append(
            {
                "data": {"values": [{"value": target}]},
                "mark": {
                    "type": "rule",
                    "color": TARGET_COLOUR,
                    "strokeDash": TARGET_RULE_DASH,
                    "strokeWidth": 1,
                    "opacity": 0.6,
                },
                "encoding": {"y": y("value")},
            }
        )
    layers.append(
        {
            "mark": {"type": "line", "strokeWidth": 2.5, "invalid": "break-paths-show-domains"},
            "encoding": {
                "x": x,
                "y": y("actual"),
                "color": series("actual"),
            },
        }
    )
    layers.append(
        {
            "transform": [
                {"filter": "datum.actual != null && !datum.provisional && !datum.partial"}
            ],
            "mark": {"type": "point", "filled": True, "size": 50, "opacity": 1},
            "encoding": {
                "x": x,
                "y": y("actual"),
                "color": series("actual"),
            },
        }
    )
    if has_provisional:
        layers.append(
            {
                "transform": [
                    {"filter": "datum.actual != null && datum.provisional && !datum.partial"}
                ],
                "mark": {
                    "type": "point",
                    "filled": False,
                    "fill": "white",
                    "size": 50,
                    "strokeWidth": 2,
                    "opacity": 1,
                },
                "encoding": {
                    "x": x,
                    "y": y("actual"),
                    "color": series("provisional"),
                },
            }
        )
    if has_partial:
        layers.append(_partial_layer(x, y("actual"), series("partial"), size=90))
    if target is not None:
        target_data = {"values": [{"period": target_period, "value": target}]}
        label = measure(target, measure_unit, decimals)
        label_data = {"values": [{"period": target_period, "value": target, "label": label}]}
        layers.append(
            {
                "data": target_data,
                "mark": {
                    "type": "point",
                    "shape": "diamond",
                    "filled": True,
                    "size": 120,
                    "opacity": 1,
                },
                "encoding": {
                    "x": x,
                    "y": y("value"),
                    "color": series("target"),
                },
            }
        )
        layers.append(
            {
                "data": label_data,
                "mark": {
                    "type": "text",
                    "color": TARGET_COLOUR,
                    "fontWeight": "bold",
                    "baseline": "bottom" if direction == "higher" else "top",
                    "dy": -9 if direction == "higher" else 9,
                },
                "encoding": {
                    "x": x,
                    "y": y("value"),
                    "text": {"field": "label", "type": "nominal"},
                },
            }
        )

    legend = {
        "title": None,
        "orient": "bottom",
        "direction": "horizontal",
        "symbolSize": 196,  # 14 px: long enough to show the trajectory dash
        "symbolStrokeWidth": 2,
        "labelFontSize": LABEL_FONT_SIZE,
        "encode": {"symbols": {"update": _legend_symbol_encoding(entries)}},
    }
    # One shared colour scale carries the legend. It is declared on the actual line so that the
    # legend is drawn as for a line mark (not, say, a translucent area).
    for layer in layers:
        colour = layer["encoding"].get("color")
        if colour is not None and colour["datum"] == text["actual"]:
            colour["scale"] = {"domain": legend_domain, "range": colour_range}
            colour["legend"] = legend
            break

    spec = {
        "$schema": SCHEMA,
        "title": {"text": title, "anchor": "start", "fontSize": 15, "offset": 12, "aria": False},
        "description": title,
        "width": width,
        "height": height,
        "padding": 8,
        "background": "white",
        "data": {"values": rows},
        "layer": layers,
        "resolve": {"scale": {"y": "shared", "x": "shared", "color": "shared"}},
        "config": _config(),
    }
    return _unshared(spec)


def sparkline_spec(
    points: Sequence[ChartPoint],
    *,
    measure_unit: str,
    labels: Mapping[str, str],
    width: int = 180,
    height: int = 48,
    title: str | None = None,
    bounds: Bounds | None = None,
) -> dict[str, Any]:
    """Build the Vega-Lite spec of a sparkline: the actual line and the dashed trajectory.

    No axes, no legend. ``title`` (optional) is not drawn: it becomes the spec's description and
    so the SVG's accessible name; without it the accessible name is built from the labels and the
    measure unit.
    """
    text = _labels(labels, ["actual", "trajectory"])
    rows = _rows(points)
    periods = [row["period"] for row in rows]
    x = {
        "field": "period",
        "type": "ordinal",
        "sort": None,
        "scale": {"domain": periods, "padding": 0.2},
        "axis": None,
    }
    y_scale: dict[str, Any] = {"zero": False, "nice": False}
    y_domain = _padded_domain(rows, None, clip_at_zero=False, bounds=bounds)
    if y_domain is not None:
        y_scale["domain"] = y_domain
    description = title or " / ".join(
        part for part in (text["actual"], text["trajectory"], measure_unit) if part
    )
    actual_y = {"field": "actual", "type": "quantitative", "scale": y_scale, "axis": None}
    return _unshared(
        {
            "$schema": SCHEMA,
            "description": description,
            "width": width,
            "height": height,
            "padding": 2,
            "background": "white",
            "data": {"values": rows},
            "layer": [
                {
                    "mark": {
                        "type": "line",
                        "color": TRAJECTORY_COLOUR,
                        "strokeDash": [4, 3],
                        "strokeWidth": 1.5,
                        "invalid": "break-paths-show-domains",
                    },
                    "encoding": {
                        "x": x,
                        "y": {"field": "expected", "type": "quantitative", "scale": y_scale},
                    },
                },
                {
                    "mark": {
                        "type": "line",
                        "color": ACTUAL_COLOUR,
                        "strokeWidth": 2,
                        "point": {"filled": True, "size": 12, "color": ACTUAL_COLOUR},
                        "invalid": "break-paths-show-domains",
                    },
                    "encoding": {
                        "x": x,
                        "y": {
                            "field": "actual",
                            "type": "quantitative",
                            "scale": y_scale,
                            "axis": None,
                        },
                    },
                },
                *(
                    [_partial_layer(x, actual_y, {"value": PARTIAL_COLOUR}, size=30)]
                    if any(row["partial"] and row["actual"] is not None for row in rows)
                    else []
                ),
            ],
            "config": {**_config(), "axis": {"disable": True}, "legend": {"disable": True}},
        }
    )


def _unshared(spec: dict[str, Any]) -> dict[str, Any]:
    """A copy without shared sub-objects (layers reuse encodings while the spec is built).

    ``copy.deepcopy`` would keep the sharing, so a change to one layer would reach the others.
    """
    unshared: dict[str, Any] = json.loads(json.dumps(spec, allow_nan=False))
    return unshared


def _partial_layer(
    x: dict[str, Any], y: dict[str, Any], colour: Any, *, size: int
) -> dict[str, Any]:
    """Partial roll-ups as hollow squares: a figure from too few children, never shown as
    the unit's own."""
    return {
        "transform": [{"filter": "datum.actual != null && datum.partial"}],
        "mark": {
            "type": "point",
            "shape": "square",
            "filled": False,
            "fill": "white",
            "size": size,
            "strokeWidth": 2,
            "opacity": 1,
        },
        "encoding": {"x": x, "y": y, "color": colour},
    }


def _rows(points: Sequence[ChartPoint]) -> list[dict[str, Any]]:
    seen: set[str] = set()
    rows = []
    for point in points:
        if point.period in seen:
            raise ValueError(f"period {point.period!r} appears more than once")
        seen.add(point.period)
        rows.append(
            {
                "period": point.period,
                "actual": _finite(point.actual),
                "expected": _finite(point.expected),
                "lower": _finite(point.lower),
                "upper": _finite(point.upper),
                "provisional": bool(point.provisional),
                "partial": bool(point.partial),
            }
        )
    return rows


def _finite(value: float | None) -> float | None:
    """The value as a float, or None for missing, NaN or infinite values (they leave a gap)."""
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _labels(labels: Mapping[str, str], keys: Sequence[str]) -> dict[str, str]:
    """The translated labels this chart shows; each must be present, non-empty and distinct."""
    missing = [key for key in keys if not labels.get(key)]
    if missing:
        raise ValueError(f"labels is missing {', '.join(missing)}")
    text = {key: labels[key] for key in keys}
    if len(set(text.values())) != len(text):
        raise ValueError(f"labels must be distinct: {text}")
    return text


def _padded_domain(
    rows: Sequence[Mapping[str, Any]],
    target: float | None,
    *,
    clip_at_zero: bool = True,
    bounds: Bounds | None = None,
) -> list[float] | None:
    """The y domain: the figures' range plus 10% either side (not below zero for non-negatives),
    never past the measure's `bounds`."""
    values = [
        row[field]
        for row in rows
        for field in ("actual", "expected", "lower", "upper")
        if row[field] is not None
    ]
    if target is not None:
        values.append(target)
    if not values:
        return None
    low, high = min(values), max(values)
    span = high - low or abs(high) or 1.0
    pad = span * 0.1
    lower = low - pad
    if clip_at_zero and low >= 0 > lower:
        lower = 0.0
    bounds = bounds or Bounds()
    return [bounds.clamp(lower), bounds.clamp(high + pad)]


def _x_axis(periods: Sequence[str], width: int) -> dict[str, Any]:
    """Horizontal period labels if they fit in a band, otherwise slanted."""
    longest = max((len(period) for period in periods), default=0)
    band = width / max(len(periods), 1)
    fits = longest * _CHAR_WIDTH + 6 <= band
    axis: dict[str, Any] = {"title": None, "labelAngle": 0 if fits else -40, "ticks": True}
    if not fits:
        axis["labelAlign"] = "right"
        axis["labelBaseline"] = "top"
    return axis


def _legend_symbol_encoding(
    entries: Sequence[tuple[str, str, Mapping[str, Any]]],
) -> dict[str, Any]:
    """Per-entry legend symbols (Vega encode rules keyed on the entry's index, not its text).

    Vega-Lite drops ``fill`` and ``stroke`` here (they come from the colour scale) and a per-entry
    ``size`` breaks Vega's legend layout, so entries differ by shape, dash and opacity only.
    """
    defaults: dict[str, Any] = {
        "shape": "circle",
        "strokeDash": [],
        "fillOpacity": 1,
        "strokeOpacity": 1,
    }
    encoding: dict[str, Any] = {"opacity": {"value": 1}}
    for prop, default in defaults.items():
        rules: list[dict[str, Any]] = [
            {"test": f"datum.index === {index}", "value": symbol[prop]}
            for index, (_, _, symbol) in enumerate(entries)
            if prop in symbol
        ]
        if rules:
            encoding[prop] = [*rules, {"value": default}]
    return encoding


def _config() -> dict[str, Any]:
    # aria: false keeps Vega's per-mark ARIA text (built from field names, in English) out of the
    # SVG; the whole chart is one image whose accessible name render_svg sets.
    return {
        "font": FONT,
        "view": {"stroke": None},
        "mark": {"aria": False},
        "axis": {
            "aria": False,
            "labelFontSize": LABEL_FONT_SIZE,
            "titleFontSize": 12,
            "labelColor": "#333333",
            "titleColor": "#333333",
            "gridColor": "#e4e4e4",
            "domainColor": "#767676",
            "tickColor": "#767676",
        },
        "title": {"color": "#1a1a1a", "aria": False},
        "legend": {"labelColor": "#333333", "aria": False},
    }


# --- rendering (the only place vl-convert is called) -----------------------------------------

_font_lock = threading.Lock()
_font_registered = False


def _register_fonts() -> None:
    """Register DejaVu with vl-convert once per process, if the folder exists (TECH gotcha 8)."""
    global _font_registered
    if _font_registered:
        return
    with _font_lock:
        if _font_registered:
            return
        import vl_convert

        if os.path.isdir(FONT_DIRECTORY):
            vl_convert.register_font_directory(FONT_DIRECTORY)
        _font_registered = True


def render_svg(spec: Mapping[str, Any]) -> str:
    """Render a Vega-Lite spec to an SVG string ready to embed inline in HTML.

    The root ``<svg>`` gets ``role="img"``, an ``aria-label`` and a ``<title>`` taken from the
    spec's title (or description); a spec with neither is marked ``aria-hidden="true"``. Element
    ids are prefixed with a hash of the spec so that several charts on one page do not clash.
    Results are cached in-process by the canonical JSON of the spec, so re-rendering the same
    data is cheap. External data URLs are not fetched.
    """
    return _render_canonical(canonical_spec(spec))


def canonical_spec(spec: Mapping[str, Any]) -> str:
    """The spec as canonical JSON (sorted keys, no spaces): equal charts, equal text."""
    return json.dumps(
        spec, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


@functools.lru_cache(maxsize=RENDER_CACHE_SIZE)
def _render_canonical(canonical: str) -> str:
    return render_canonical(canonical)


def render_canonical(canonical: str) -> str:
    """Render a spec given as :func:`canonical_spec` text, with no cache (see render_svg)."""
    import vl_convert

    _register_fonts()
    spec = json.loads(canonical)
    svg = vl_convert.vegalite_to_svg(spec, allowed_base_urls=[])
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:10]
    svg = _VEGA_ARIA_ATTRIBUTE.sub("", str(svg))
    return _accessible(_prefix_ids(svg, f"c{digest}-"), _accessible_name(spec))


def render_png(svg: str, *, scale: float = PRINT_SCALE) -> bytes:
    """Rasterise a chart's SVG (as :func:`render_svg` makes it) to PNG, ``scale`` times its size.

    For print: WeasyPrint lays out a chart's SVG node by node, a PNG in one step. The pixels are
    those vl-convert's own PNG of the spec gives (it rasterises the same SVG with the same fonts),
    so the page and the PDF show one chart; a frozen chart (only its SVG kept) prints the same way.
    """
    import vl_convert

    _register_fonts()
    return bytes(vl_convert.svg_to_png(svg, scale=scale))


def _accessible_name(spec: Mapping[str, Any]) -> str:
    title = spec.get("title")
    if isinstance(title, Mapping):
        title = title.get("text")
    if isinstance(title, list):
        title = " ".join(str(line) for line in title)
    if isinstance(title, str) and title.strip():
        return title.strip()
    description = spec.get("description")
    return description.strip() if isinstance(description, str) else ""


# Vega's own ARIA labels, roles and descriptions ("Title text ...", "line mark", ...) are English;
# the chart is one image (role="img" makes its children presentational), so they are dropped.
_VEGA_ARIA_ATTRIBUTE = re.compile(
    r'\s(?:aria-label="[^"]*"|aria-roledescription="[^"]*"|role="graphics-[a-z-]*")'
)
_ROOT_TAG = re.compile(r"<svg\b[^>]*>")
_ROOT_A11Y_ATTRIBUTE = re.compile(r'\s(?:role|aria-label|aria-hidden)="[^"]*"')


def _accessible(svg: str, name: str) -> str:
    """Give the root <svg> role="img", an aria-label and a <title>, replacing any it had."""
    match = _ROOT_TAG.search(svg)
    if match is None:
        raise ValueError("vl-convert returned no <svg> element")
    tag = _ROOT_A11Y_ATTRIBUTE.sub("", match.group(0))
    closing = "/>" if tag.endswith("/>") else ">"
    head = tag[: -len(closing)].rstrip()
    if not name:
        new_tag = f'{head} aria-hidden="true"{closing}'
        return svg[: match.start()] + new_tag + svg[match.end() :]
    label = escape(name, quote=True)
    if closing == "/>":
        new_tag = f'{head} role="img" aria-label="{label}"><title>{label}</title></svg>'
    else:
        new_tag = f'{head} role="img" aria-label="{label}"><title>{label}</title>'
    return svg[: match.start()] + new_tag + svg[match.end() :]


_ID = re.compile(r'\bid="([^"]+)"')


def _prefix_ids(svg: str, prefix: str) -> str:
    """Prefix element ids (clip paths, gradients) and their references with ``prefix``."""
    ids = set(_ID.findall(svg))
    if not ids:
        return svg
    svg = _ID.sub(lambda m: f'id="{prefix}{m.group(1)}"', svg)
    pattern = re.compile(r"(url\(#|href=\"#)(" + "|".join(map(re.escape, ids)) + r")\b")
    return pattern.sub(lambda m: f"{m.group(1)}{prefix}{m.group(2)}", svg)
