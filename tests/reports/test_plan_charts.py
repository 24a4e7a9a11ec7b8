"""The plan's timeline and risk heat map: pure specs that render to accessible SVG."""

from __future__ import annotations

from deliverology.core.plans import MilestoneStatus
from deliverology.reports.charts import render_svg
from deliverology.reports.plan_charts import (
    HeatCell,
    TimelineMilestone,
    milestone_timeline_spec,
    risk_heat_map_spec,
)

LABELS = {k: k.capitalize() for k in ("milestone", "due", "starts", "status", "today")}
STATUS_LABELS = {status.value: status.value.replace("_", " ") for status in MilestoneStatus}


def timeline(milestones: list[TimelineMilestone]) -> dict[str, object]:
    return milestone_timeline_spec(
        milestones,
        today="2025-11-01",
        title="Milestones",
        status_labels=STATUS_LABELS,
        labels={**LABELS, "overdue": "OVERDUE"},
    )


def test_the_timeline_draws_a_bar_per_milestone_and_writes_overdue_beside_the_late_ones() -> None:
    spec = timeline(
        [
            TimelineMilestone("Hire", "2025-09-01", MilestoneStatus.LATE, "2025-06-01", True),
            TimelineMilestone("Train", "2026-03-01", MilestoneStatus.ON_TRACK),
        ]
    )
    rows = spec["data"]["values"]  # type: ignore[index]
    assert [(r["name"], r["start"], r["overdue"]) for r in rows] == [
        ("Hire", "2025-06-01", "OVERDUE"),
        ("Train", "2026-03-01", ""),  # no start: drawn at its due date
    ]
    svg = render_svg(spec)
    assert 'role="img"' in svg and "OVERDUE" in svg and "Today" in svg


def test_the_timeline_legend_names_only_the_statuses_shown() -> None:
    spec = timeline([TimelineMilestone("Hire", "2025-09-01", MilestoneStatus.DONE)])
    colour = spec["layer"][0]["encoding"]["color"]  # type: ignore[index]
    assert colour["scale"]["domain"] == ["done"]


def test_the_heat_map_writes_each_cells_count_on_its_band() -> None:
    cells = [
        HeatCell(
            likelihood,
            impact,
            int(likelihood == impact == 4),
            "High" if likelihood * impact > 9 else "Low",
            "#000000",
        )
        for likelihood in range(1, 5)
        for impact in range(1, 5)
    ]
    spec = risk_heat_map_spec(
        cells,
        likelihood_labels=["L1", "L2", "L3", "L4"],
        impact_labels=["I1", "I2", "I3", "I4"],
        bands=[("Low", "#1a7f37"), ("High", "#a4161a")],
        title="Risks",
        labels={k: k for k in ("likelihood", "impact", "risks", "band")},
    )
    shown = [row["shown"] for row in spec["data"]["values"]]  # type: ignore[index]
    assert shown.count("1") == 1 and shown.count("") == 15
    assert spec["layer"][0]["encoding"]["y"]["scale"]["domain"] == [4, 3, 2, 1]  # type: ignore[index]
    svg = render_svg(spec)
    assert 'aria-label="Risks"' in svg and "I4" in svg
