"""Charts of delivery plans: the milestones' timeline and the risk heat map (pure Vega-Lite
specs).

Render them with :func:`deliverology.reports.charts.render_svg`. Every word shown is passed in,
so it can be translated. Colour is never the only cue: an overdue milestone is written
"overdue" beside its bar, and every cell of the heat map carries its count.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from deliverology.core.plans import RISK_SCALE, MilestoneStatus
from deliverology.reports.charts import FONT, SCHEMA

__all__ = ["HeatCell", "TimelineMilestone", "milestone_timeline_spec", "risk_heat_map_spec"]

# At least 4.5:1 against white (so white text on them reads too).
MILESTONE_COLOURS = {
    MilestoneStatus.NOT_STARTED: "#505a64",
    MilestoneStatus.ON_TRACK: "#1a7f37",
    MilestoneStatus.AT_RISK: "#8a6100",
    MilestoneStatus.LATE: "#a4161a",
    MilestoneStatus.DONE: "#1f5fa8",
}
OVERDUE_COLOUR = "#a4161a"
TODAY_COLOUR = "#1f1f1f"
ROW_HEIGHT = 26


@dataclass(frozen=True)
class TimelineMilestone:
    name: str
    due: str  # an ISO date
    status: MilestoneStatus
    starts_on: str | None = None  # an ISO date; none draws the milestone as a point
    overdue: bool = False


@dataclass(frozen=True)
class HeatCell:
    likelihood: int  # 1 to 4
    impact: int  # 1 to 4
    count: int
    band: str  # the band's label
    colour: str  # the band's colour


def milestone_timeline_spec(
    milestones: Sequence[TimelineMilestone],
    *,
    today: str,
    title: str,
    status_labels: Mapping[str, str],
    labels: Mapping[str, str],
    width: int = 640,
) -> dict[str, Any]:
    """A Gantt-like timeline: one row per milestone, a bar from when work starts to when it is
    due (a diamond at the due date), coloured by status, "overdue" written beside the overdue
    ones, and a rule at `today`.

    `status_labels` names each status (keyed by MilestoneStatus values); `labels` gives
    "milestone", "due", "starts", "status", "today" and "overdue".
    """
    names = [m.name for m in milestones]
    shown = [status for status in MilestoneStatus if any(m.status == status for m in milestones)]
    colour = {
        "field": "status",
        "type": "nominal",
        "scale": {
            "domain": [status_labels[s.value] for s in shown],
            "range": [MILESTONE_COLOURS[s] for s in shown],
        },
        "legend": {"title": labels["status"], "orient": "bottom"},
    }
    rows = [
        {
            "name": m.name,
            "start": m.starts_on or m.due,
            "due": m.due,
            "status": status_labels[m.status.value],
            "overdue": labels["overdue"] if m.overdue else "",
        }
        for m in milestones
    ]
    y = {"field": "name", "type": "nominal", "sort": names, "title": None}
    x = {"field": "start", "type": "temporal", "title": None, "axis": {"format": "%b %Y"}}
    tooltip = [
        {"field": "name", "title": labels["milestone"]},
        {"field": "start", "type": "temporal", "title": labels["starts"]},
        {"field": "due", "type": "temporal", "title": labels["due"]},
        {"field": "status", "title": labels["status"]},
    ]
    layers: list[dict[str, Any]] = [
        {
            "mark": {"type": "bar", "height": ROW_HEIGHT * 0.5, "cornerRadius": 2},
            "encoding": {"y": y, "x": x, "x2": {"field": "due"}, "color": colour},
        },
        {
            "mark": {"type": "point", "shape": "diamond", "size": 120, "filled": True},
            "encoding": {
                "y": y,
                "x": {"field": "due", "type": "temporal"},
                "color": colour,
                "tooltip": tooltip,
            },
        },
        {
            "transform": [{"filter": "datum.overdue != ''"}],
            "mark": {
                "type": "text",
                "align": "left",
                "dx": 9,
                "fontWeight": "bold",
                "color": OVERDUE_COLOUR,
            },
            "encoding": {
                "y": y,
                "x": {"field": "due", "type": "temporal"},
                "text": {"field": "overdue"},
            },
        },
        {
            "data": {"values": [{"today": today, "text": labels["today"]}]},
            "layer": [
                {
                    "mark": {"type": "rule", "color": TODAY_COLOUR, "strokeDash": [4, 3]},
                    "encoding": {"x": {"field": "today", "type": "temporal"}},
                },
                {
                    "mark": {"type": "text", "align": "left", "baseline": "top", "dx": 3, "y": 0},
                    "encoding": {
                        "x": {"field": "today", "type": "temporal"},
                        "text": {"field": "text"},
                    },
                },
            ],
        },
    ]
    return {
        "$schema": SCHEMA,
        "title": title,
        "width": width,
        "height": max(ROW_HEIGHT * len(milestones), ROW_HEIGHT * 2),
        "data": {"values": rows},
        "layer": layers,
        "config": {"font": FONT, "axisY": {"labelLimit": 260}},
    }


def risk_heat_map_spec(
    cells: Sequence[HeatCell],
    *,
    likelihood_labels: Sequence[str],
    impact_labels: Sequence[str],
    bands: Sequence[tuple[str, str]],
    title: str,
    labels: Mapping[str, str],
    size: int = 360,
) -> dict[str, Any]:
    """A 4 x 4 grid, likelihood across and impact up, each cell coloured by its band and
    showing how many open risks are in it.

    `bands` lists (label, colour) lowest first, for the legend; `labels` gives "likelihood",
    "impact", "risks" and "band".
    """
    rows = [
        {
            "likelihood": cell.likelihood,
            "impact": cell.impact,
            "count": cell.count,
            "shown": str(cell.count) if cell.count else "",
            "band": cell.band,
        }
        for cell in cells
    ]
    scale_labels = {
        "likelihood": ["", *likelihood_labels],
        "impact": ["", *impact_labels],
    }

    def axis(field: str, *, sort: str) -> dict[str, Any]:
        names = scale_labels[field]
        return {
            "field": field,
            "type": "ordinal",
            # impact runs up the page: its highest point on top
            "scale": {"domain": list(RISK_SCALE)[:: 1 if sort == "ascending" else -1]},
            "title": labels[field],
            "axis": {
                "labelExpr": f"datum.value + ': ' + {json.dumps(names)}[datum.value]",
                "labelAngle": 0,
                "labelLimit": 140,
            },
        }

    x = axis("likelihood", sort="ascending")
    y = axis("impact", sort="descending")
    return {
        "$schema": SCHEMA,
        "title": title,
        "width": size,
        "height": size,
        "data": {"values": rows},
        "layer": [
            {
                "mark": {"type": "rect", "stroke": "#ffffff", "strokeWidth": 2},
                "encoding": {
                    "x": x,
                    "y": y,
                    "color": {
                        "field": "band",
                        "type": "nominal",
                        "scale": {
                            "domain": [label for label, _c in bands],
                            "range": [colour for _l, colour in bands],
                        },
                        "legend": {"title": labels["band"], "orient": "bottom"},
                    },
                    "tooltip": [
                        {"field": "likelihood", "title": labels["likelihood"]},
                        {"field": "impact", "title": labels["impact"]},
                        {"field": "count", "title": labels["risks"]},
                        {"field": "band", "title": labels["band"]},
                    ],
                },
            },
            {
                "mark": {"type": "text", "fontSize": 16, "fontWeight": "bold", "color": "#ffffff"},
                "encoding": {"x": x, "y": y, "text": {"field": "shown"}},
            },
        ],
        "config": {"font": FONT},
    }
