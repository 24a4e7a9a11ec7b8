"""gunicorn settings used by `deliverology serve`."""

from __future__ import annotations

import gc
from typing import Any

# Threads let a page be served while another waits (on the database, on a locked SQLite):
# fast pages no longer queue behind a slow one. A request may wait up to SQLITE_BUSY_TIMEOUT
# (45 s) for an import's write, so the timeout is longer than that.
worker_class = "gthread"
threads = 4
timeout = 90


def post_worker_init(worker: Any) -> None:
    """Before a process serves its first request, not during it: start the chart engine (about
    0.4 s), import every view (about 0.4 s) and compile every page template (about 0.5 s), so
    that the people arriving first, at 9:00 or after a restart, do not wait for them."""
    from django.template import engines
    from django.urls import get_resolver

    from deliverology.reports.charts import ChartPoint, render_svg, sparkline_spec

    points = [ChartPoint("2024-25", 1.0, 1.0), ChartPoint("2025-26", 2.0, 2.0)]
    render_svg(sparkline_spec(points, measure_unit="%", labels=_WARM_UP_LABELS))
    get_resolver().url_patterns  # noqa: B018  (imports every view)
    pages = engines["jinja2"].env  # type: ignore[attr-defined]
    for name in pages.list_templates():
        pages.get_template(name)
    freeze_loaded_objects()


def freeze_loaded_objects() -> None:
    """Leave what is loaded before the first request (modules, settings, templates, the chart
    engine) out of every later garbage collection: a full collection then looks only at what
    requests made, a fraction of a millisecond instead of 40 to 130 ms in the middle of a
    request (it came every other request of the 5,000-school league table)."""
    gc.collect()
    gc.freeze()


_WARM_UP_LABELS = {"actual": "a", "trajectory": "t", "target": "g", "provisional": "p"}
