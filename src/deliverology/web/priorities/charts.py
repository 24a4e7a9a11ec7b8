"""Charts for the priority pages: progress as chart points, labels translated, SVG out."""

from __future__ import annotations

from django.utils.translation import gettext as _

from deliverology.reports.charts import (
    ChartPoint,
    sparkline_spec,
    trajectory_chart_spec,
)
from deliverology.web.chart_cache import render_svg
from deliverology.web.priorities.progress import Progress


def chart_labels() -> dict[str, str]:
    return {
        "actual": _("Actual"),
        "trajectory": _("Trajectory"),
        "target": _("Target"),
        "provisional": _("Provisional"),
        "partial": _("Rolled up (partial)"),
    }


def chart_points(progress: Progress) -> list[ChartPoint]:
    return [
        ChartPoint(
            period=row.period.label,
            actual=row.actual,
            expected=row.expected,
            lower=row.lower,
            upper=row.upper,
            provisional=row.provisional,
            partial=bool(row.figure and row.figure.is_partial),
        )
        for row in progress.rows
    ]


def trajectory(progress: Progress, *, title: str) -> str:
    spec = trajectory_chart_spec(
        chart_points(progress),
        title=title,
        measure_unit=progress.metric.measure_unit,
        target_value=progress.target_value,
        target_period=progress.target_period.label if progress.target_period else None,
        direction=progress.metric.direction,
        labels=chart_labels(),
        bounds=progress.metric.bounds,
    )
    return render_svg(spec)


def sparkline(progress: Progress) -> str:
    spec = sparkline_spec(
        chart_points(progress),
        measure_unit=progress.metric.measure_unit,
        labels=chart_labels(),
        bounds=progress.metric.bounds,
    )
    return render_svg(spec)
