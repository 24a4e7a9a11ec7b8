"""Charts of the performance diagnostic: Vega-Lite specs built from plain data (pure).

Render them with :func:`deliverology.reports.charts.render_svg`. Words shown to people are
passed in, so they can be translated. Series are told apart by point shape as well as colour.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from deliverology.reports.charts import FONT, SCHEMA

__all__ = ["comparison_chart_spec", "distribution_chart_spec"]

# At least 4.5:1 against white, in the order series are given (the first is the unit itself).
SERIES_COLOURS = ("#1f5fa8", "#b5400f", "#505a64", "#1a7f37", "#7b3294", "#8a6100", "#a4161a")
SERIES_SHAPES = ("circle", "square", "triangle-up", "diamond", "cross", "triangle-down", "wedge")
TOP_QUARTILE_COLOUR = "#505a64"
TOP_DECILE_COLOUR = "#1a7f37"
HIGHLIGHT_COLOUR = "#b5400f"
POINT_COLOUR = "#1f5fa8"
MAX_TICKS = 200

Series = Mapping[str, Sequence[tuple[str, float | None]]]


def comparison_chart_spec(
    series: Series,
    *,
    periods: Sequence[str],
    title: str,
    measure_unit: str,
    labels: Mapping[str, str],
    width: int = 640,
    height: int = 260,
) -> dict[str, Any]:
    """Lines over periods, one per series (a unit and its comparators, or subgroup gaps).

    `periods` fixes the order of the x axis; `labels` gives "period" and "value" (axis titles
    in tooltips) and "series" (the legend title).
    """
    rows = [
        {"period": period, "value": value, "series": name}
        for name, points in series.items()
        for period, value in points
        if value is not None
    ]
    names = list(series)
    colour = {"domain": names, "range": list(SERIES_COLOURS[: len(names)])}
    shape = {"domain": names, "range": list(SERIES_SHAPES[: len(names)])}
    legend = {"title": labels["series"], "orient": "bottom", "columns": 3}
    return {
        "$schema": SCHEMA,
        "title": title,
        "width": width,
        "height": height,
        "data": {"values": rows},
        "mark": {"type": "line", "point": {"filled": True, "size": 60}, "strokeWidth": 2},
        "encoding": {
            "x": {
                "field": "period",
                "type": "ordinal",
                "sort": list(periods),
                "title": None,
                "axis": {"labelAngle": 0},
            },
            "y": {
                "field": "value",
                "type": "quantitative",
                "title": measure_unit or None,
                "scale": {"zero": False, "nice": True},
            },
            "color": {"field": "series", "type": "nominal", "scale": colour, "legend": legend},
            "shape": {"field": "series", "type": "nominal", "scale": shape, "legend": legend},
            "tooltip": [
                {"field": "series", "title": labels["series"]},
                {"field": "period", "title": labels["period"]},
                {"field": "value", "title": labels["value"], "format": ",.1f"},
            ],
        },
        "config": _config(),
    }


def distribution_chart_spec(
    values: Sequence[tuple[str, float]],
    *,
    highlight: str | None,
    top_quartile: float,
    top_decile: float,
    title: str,
    measure_unit: str,
    labels: Mapping[str, str],
    width: int = 640,
    height: int = 120,
) -> dict[str, Any]:
    """Each local unit as a tick on one axis, with rules at the top quartile and top decile.

    With more than `MAX_TICKS` local units the ticks would merge: the chart is then a histogram
    (`labels` also gives "count") with the highlighted unit as a rule.
    `labels` gives "unit", "value", "top_quartile", "top_decile" and "highlight".
    """
    if len(values) > MAX_TICKS:
        return _histogram_spec(
            values,
            highlight=highlight,
            thresholds={"top_quartile": top_quartile, "top_decile": top_decile},
            title=title,
            measure_unit=measure_unit,
            labels=labels,
            size=(width, height + 80),
        )
    rows = [
        {"unit": name, "value": value, "kind": labels["highlight" if name == highlight else "unit"]}
        for name, value in values
    ]
    kinds = [labels["unit"], labels["highlight"]]
    thresholds = [
        {"value": top_quartile, "label": labels["top_quartile"]},
        {"value": top_decile, "label": labels["top_decile"]},
    ]
    x = {
        "field": "value",
        "type": "quantitative",
        "title": measure_unit or None,
        "scale": {"zero": False, "nice": True},
    }
    return {
        "$schema": SCHEMA,
        "title": title,
        "width": width,
        "height": height,
        "layer": [
            {
                "data": {"values": rows},
                "mark": {"type": "tick", "thickness": 2, "size": 36},
                "encoding": {
                    "x": x,
                    "color": {
                        "field": "kind",
                        "type": "nominal",
                        "scale": {"domain": kinds, "range": [POINT_COLOUR, HIGHLIGHT_COLOUR]},
                        "legend": {"title": None, "orient": "bottom"},
                    },
                    "tooltip": [
                        {"field": "unit", "title": labels["unit"]},
                        {"field": "value", "title": labels["value"], "format": ",.1f"},
                    ],
                },
            },
            {
                "data": {"values": thresholds},
                "mark": {"type": "rule", "strokeDash": [4, 3], "strokeWidth": 1.5},
                "encoding": {
                    "x": {"field": "value", "type": "quantitative"},
                    "stroke": {
                        "field": "label",
                        "type": "nominal",
                        "scale": {
                            "domain": [labels["top_quartile"], labels["top_decile"]],
                            "range": [TOP_QUARTILE_COLOUR, TOP_DECILE_COLOUR],
                        },
                        "legend": {"title": None, "orient": "bottom"},
                    },
                },
            },
        ],
        "config": _config(),
    }


def _histogram_spec(
    values: Sequence[tuple[str, float]],
    *,
    highlight: str | None,
    thresholds: Mapping[str, float],
    title: str,
    measure_unit: str,
    labels: Mapping[str, str],
    size: tuple[int, int],
) -> dict[str, Any]:
    rules = [{"value": value, "label": labels[key]} for key, value in thresholds.items()]
    rules += [{"value": v, "label": labels["highlight"]} for name, v in values if name == highlight]
    names = [rule["label"] for rule in rules]
    colours = [TOP_QUARTILE_COLOUR, TOP_DECILE_COLOUR, HIGHLIGHT_COLOUR][: len(names)]
    return {
        "$schema": SCHEMA,
        "title": title,
        "width": size[0],
        "height": size[1],
        "layer": [
            {
                "data": {"values": _bins([value for _, value in values])},
                "mark": {"type": "bar", "color": POINT_COLOUR, "opacity": 0.8},
                "encoding": {
                    "x": {"field": "start", "type": "quantitative", "title": measure_unit or None},
                    "x2": {"field": "end"},
                    "y": {"field": "count", "type": "quantitative", "title": labels["count"]},
                },
            },
            {
                "data": {"values": rules},
                "mark": {"type": "rule", "strokeDash": [4, 3], "strokeWidth": 2},
                "encoding": {
                    "x": {"field": "value", "type": "quantitative"},
                    "stroke": {
                        "field": "label",
                        "type": "nominal",
                        "scale": {"domain": names, "range": colours},
                        "legend": {"title": None, "orient": "bottom"},
                    },
                },
            },
        ],
        "config": _config(),
    }


def _bins(values: Sequence[float], count: int = 40) -> list[dict[str, float]]:
    """Counted here rather than by Vega: tens of thousands of rows would slow the rendering."""
    counts, edges = np.histogram(np.asarray(values, dtype=np.float64), bins=count)
    return [
        {"start": float(edges[i]), "end": float(edges[i + 1]), "count": int(counts[i])}
        for i in range(len(counts))
    ]


def _config() -> dict[str, Any]:
    return {
        "font": FONT,
        "view": {"stroke": None},
        "mark": {"aria": False},
        "axis": {"aria": False, "labelColor": "#333333", "gridColor": "#e4e4e4"},
        "title": {"color": "#1a1a1a", "aria": False},
        "legend": {"labelColor": "#333333", "aria": False},
    }
