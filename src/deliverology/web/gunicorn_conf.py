"""gunicorn settings used by `deliverology serve`."""

from __future__ import annotations

from typing import Any

# Threads let a page be served while another waits (on the database, on a locked SQLite):
# fast pages no longer queue behind a slow one. A request may wait up to SQLITE_BUSY_TIMEOUT
# (45 s) for an import's write, so the timeout is longer than that.
worker_class = "gthread"
threads = 4
timeout = 90


def post_worker_init(worker: Any) -> None:
    """Start the chart engine before the first request, not during it (about 0.4 s)."""
    from deliverology.reports.charts import ChartPoint, render_svg, sparkline_spec

    points = [ChartPoint("2024-25", 1.0, 1.0), ChartPoint("2025-26", 2.0, 2.0)]
    render_svg(sparkline_spec(points, measure_unit="%", labels=_WARM_UP_LABELS))


_WARM_UP_LABELS = {"actual": "a", "trajectory": "t", "target": "g", "provisional": "p"}
