"""The diagnostic's charts, with their words translated, rendered to SVG."""

from __future__ import annotations

from django.utils.translation import gettext as _

from deliverology.reports.diagnostic_charts import comparison_chart_spec, distribution_chart_spec
from deliverology.web.chart_cache import render_svg
from deliverology.web.diagnostics.diagnosis import Diagnostic, Spread


def _labels() -> dict[str, str]:
    return {
        "series": _("Series"),
        "period": _("Period"),
        "value": _("Value"),
        "unit": _("Local unit"),
        "highlight": _("This local unit"),
        "top_quartile": _("Top quartile"),
        "top_decile": _("Top decile"),
        "count": _("Local units"),
    }


def trend_with_comparators(diagnostic: Diagnostic) -> str | None:
    scope = diagnostic.scope
    series = {f"{scope.unit.name}": diagnostic.history.points}
    for line in diagnostic.comparators:
        series[line.name] = line.points
    periods = sorted({period for points in series.values() for period, _ in points})
    if not periods:
        return None
    return render_svg(
        comparison_chart_spec(
            {name: [(p.label, v) for p, v in points] for name, points in series.items()},
            periods=[p.label for p in periods],
            title=_("%(metric)s: %(unit)s and other systems")
            % {"metric": scope.metric.name, "unit": scope.unit.name},
            measure_unit=scope.metric.measure_unit,
            labels=_labels(),
        )
    )


def spread(diagnostic: Diagnostic, found: Spread, title: str) -> str:
    scope = diagnostic.scope
    return render_svg(
        distribution_chart_spec(
            [(s.unit.name, s.value) for s in found.standings],
            highlight=scope.unit.name,
            top_quartile=found.distribution.top_quartile,
            top_decile=found.distribution.top_decile,
            title=title,
            measure_unit=scope.metric.measure_unit,
            labels=_labels(),
        )
    )


def subgroup_gaps(diagnostic: Diagnostic) -> str | None:
    equity = diagnostic.equity
    if equity is None or not equity.gaps:
        return None
    return render_svg(
        comparison_chart_spec(
            {s.name: [(p.label, g) for p, g in gap.gaps] for s, gap in equity.gaps},
            periods=[p.label for p in equity.periods],
            title=_("Gap to all students: %(unit)s") % {"unit": diagnostic.scope.unit.name},
            measure_unit=diagnostic.scope.metric.measure_unit,
            labels=_labels(),
        )
    )
