"""Charts of the reform strategy and of setting the course (pure Vega-Lite specs).

Render them with :func:`deliverology.reports.charts.render_svg`. Every word shown is passed in,
so it can be translated; series differ by dash and point shape as well as colour.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from deliverology.reports.charts import FONT, SCHEMA

__all__ = ["course_chart_spec", "prioritisation_chart_spec"]

# At least 4.5:1 against white, in the order the lines are given.
LINE_COLOURS = ("#1f5fa8", "#b5400f", "#1a7f37", "#7b3294", "#505a64", "#8a6100", "#a4161a")
LINE_DASHES = ([1, 0], [6, 4], [2, 2], [8, 3, 2, 3], [4, 2], [10, 4], [1, 3])
LINE_SHAPES = ("circle", "square", "triangle-up", "diamond", "cross", "triangle-down", "wedge")
BAND_COLOUR = "#1a7f37"
BAND_OPACITY = 0.15

Line = Sequence[tuple[str, float]]


def course_chart_spec(
    lines: Mapping[str, Line],
    *,
    periods: Sequence[str],
    band: Sequence[tuple[str, float, float]] = (),
    target: tuple[str, float] | None = None,
    title: str,
    measure_unit: str,
    labels: Mapping[str, str],
    width: int = 640,
    height: int = 300,
) -> dict[str, Any]:
    """Several trajectories (and the history) on one chart, with an optional band and target.

    `labels` gives "period", "value", "series", "band" and "target".
    """
    names = list(lines)
    rows = [
        {"period": period, "value": value, "series": name}
        for name, points in lines.items()
        for period, value in points
    ]
    x = {
        "field": "period",
        "type": "ordinal",
        "sort": list(periods),
        "title": None,
        "axis": {"labelAngle": 0},
    }
    y_scale = {"zero": False, "nice": True}
    legend = {"title": labels["series"], "orient": "bottom", "columns": 2}
    layers: list[dict[str, Any]] = []
    if band:
        layers.append(
            {
                "data": {"values": [{"period": p, "lower": lo, "upper": hi} for p, lo, hi in band]},
                "mark": {"type": "area", "color": BAND_COLOUR, "opacity": BAND_OPACITY},
                "encoding": {
                    "x": x,
                    "y": {
                        "field": "lower",
                        "type": "quantitative",
                        "scale": y_scale,
                        "title": measure_unit or None,
                    },
                    "y2": {"field": "upper"},
                    "tooltip": [
                        {"field": "period", "title": labels["period"]},
                        {"field": "lower", "title": labels["band"], "format": ".3~f"},
                        {"field": "upper", "title": labels["band"], "format": ".3~f"},
                    ],
                },
            }
        )
    layers.append(
        {
            "data": {"values": rows},
            "mark": {"type": "line", "point": {"filled": True, "size": 50}, "strokeWidth": 2},
            "encoding": {
                "x": x,
                "y": {
                    "field": "value",
                    "type": "quantitative",
                    "scale": y_scale,
                    "title": measure_unit or None,
                },
                "color": {
                    "field": "series",
                    "type": "nominal",
                    "scale": {"domain": names, "range": list(LINE_COLOURS[: len(names)])},
                    "legend": legend,
                },
                "strokeDash": {
                    "field": "series",
                    "type": "nominal",
                    "scale": {"domain": names, "range": list(LINE_DASHES[: len(names)])},
                    "legend": legend,
                },
                "shape": {
                    "field": "series",
                    "type": "nominal",
                    "scale": {"domain": names, "range": list(LINE_SHAPES[: len(names)])},
                    "legend": legend,
                },
                "tooltip": [
                    {"field": "series", "title": labels["series"]},
                    {"field": "period", "title": labels["period"]},
                    {"field": "value", "title": labels["value"], "format": ".3~f"},
                ],
            },
        }
    )
    if target is not None:
        layers.append(
            {
                "data": {"values": [{"period": target[0], "value": target[1]}]},
                "mark": {"type": "point", "shape": "diamond", "size": 160, "filled": True},
                "encoding": {
                    "x": x,
                    "y": {"field": "value", "type": "quantitative", "scale": y_scale},
                    "color": {"value": "#a4161a"},
                    "tooltip": [{"field": "value", "title": labels["target"]}],
                },
            }
        )
    return {
        "$schema": SCHEMA,
        "title": title,
        "width": width,
        "height": height,
        "layer": layers,
        "config": {"font": FONT},
    }


def prioritisation_chart_spec(
    interventions: Sequence[tuple[str, int, int]],
    *,
    scale_size: int,
    quadrants: Mapping[str, str],
    title: str,
    labels: Mapping[str, str],
    rating_labels: Sequence[str] = (),
    size: int = 420,
) -> dict[str, Any]:
    """The 2x2 chart: each intervention by difficulty (x) and impact (y), on a 1..scale_size
    rating, with the four quadrants labelled.

    `quadrants` gives "quick_wins" (high impact, low difficulty), "major_projects" (high,
    high), "fill_ins" (low, low) and "reconsider" (low impact, high difficulty); `labels`
    gives "impact", "difficulty" and "intervention"; `rating_labels`, lowest first, name the
    ticks (numbers without them).
    """
    middle = (scale_size + 1) / 2
    low, high = 0.5, scale_size + 0.5
    domain = [low, high]
    quarter = (high - low) / 4
    corners = {
        "quick_wins": (low + quarter, high - quarter / 3),
        "major_projects": (high - quarter, high - quarter / 3),
        "fill_ins": (low + quarter, low + quarter / 3),
        "reconsider": (high - quarter, low + quarter / 3),
    }
    text_rows = [
        {"difficulty": corners[key][0], "impact": corners[key][1], "text": quadrants[key]}
        for key in corners
    ]
    points = [
        {"title": name, "impact": impact, "difficulty": difficulty}
        for name, impact, difficulty in interventions
    ]
    axis: dict[str, Any] = {"values": list(range(1, scale_size + 1)), "tickMinStep": 1}
    if rating_labels:
        axis["labelExpr"] = f"{json.dumps(['', *rating_labels])}[datum.value]"
    x = {
        "field": "difficulty",
        "type": "quantitative",
        "scale": {"domain": domain},
        "title": labels["difficulty"],
        "axis": axis,
    }
    y = {
        "field": "impact",
        "type": "quantitative",
        "scale": {"domain": domain},
        "title": labels["impact"],
        "axis": axis,
    }
    return {
        "$schema": SCHEMA,
        "title": title,
        "width": size,
        "height": size,
        "layer": [
            {
                "data": {"values": [{"at": middle}]},
                "mark": {"type": "rule", "color": "#505a64", "strokeDash": [4, 3]},
                "encoding": {"x": {"field": "at", "type": "quantitative", "scale": x["scale"]}},
            },
            {
                "data": {"values": [{"at": middle}]},
                "mark": {"type": "rule", "color": "#505a64", "strokeDash": [4, 3]},
                "encoding": {"y": {"field": "at", "type": "quantitative", "scale": y["scale"]}},
            },
            {
                "data": {"values": text_rows},
                "mark": {"type": "text", "color": "#505a64", "fontStyle": "italic"},
                "encoding": {"x": x, "y": y, "text": {"field": "text"}},
            },
            {
                "data": {"values": points},
                "mark": {"type": "point", "filled": True, "size": 90, "color": "#1f5fa8"},
                "encoding": {
                    "x": x,
                    "y": y,
                    "tooltip": [
                        {"field": "title", "title": labels["intervention"]},
                        {"field": "impact", "title": labels["impact"]},
                        {"field": "difficulty", "title": labels["difficulty"]},
                    ],
                },
            },
            {
                "data": {"values": points},
                "mark": {"type": "text", "dy": -10, "fontSize": 10, "color": "#1f1f1f"},
                "encoding": {"x": x, "y": y, "text": {"field": "title"}},
            },
        ],
        "config": {"font": FONT},
    }
