"""The diagnostic's chart specs: plain data in, Vega-Lite out, rendered to accessible SVG."""

from __future__ import annotations

from deliverology.reports.charts import render_svg
from deliverology.reports.diagnostic_charts import (
    MAX_TICKS,
    comparison_chart_spec,
    distribution_chart_spec,
)

LABELS = {
    "series": "Series",
    "period": "Period",
    "value": "Value",
    "unit": "Local unit",
    "highlight": "This local unit",
    "top_quartile": "Top quartile",
    "top_decile": "Top decile",
    "count": "Local units",
}


def test_a_comparison_chart_has_one_line_per_series_and_skips_missing_values():
    spec = comparison_chart_spec(
        {"Testland": [("2021-22", 50.0), ("2022-23", None)], "National": [("2021-22", 48.0)]},
        periods=["2021-22", "2022-23"],
        title="Reading: Testland and other systems",
        measure_unit="%",
        labels=LABELS,
    )
    assert spec["data"]["values"] == [
        {"period": "2021-22", "value": 50.0, "series": "Testland"},
        {"period": "2021-22", "value": 48.0, "series": "National"},
    ]
    assert spec["encoding"]["color"]["scale"]["domain"] == ["Testland", "National"]
    svg = render_svg(spec)
    assert 'aria-label="Reading: Testland and other systems"' in svg


def test_a_small_distribution_shows_every_local_unit_and_both_thresholds():
    values = [(f"School {i}", float(i)) for i in range(10)]
    spec = distribution_chart_spec(
        values,
        highlight="School 3",
        top_quartile=6.75,
        top_decile=8.1,
        title="Schools",
        measure_unit="%",
        labels=LABELS,
    )
    ticks, rules = spec["layer"]
    assert len(ticks["data"]["values"]) == 10
    highlighted = [row for row in ticks["data"]["values"] if row["kind"] == "This local unit"]
    assert highlighted == [{"unit": "School 3", "value": 3.0, "kind": "This local unit"}]
    assert [rule["value"] for rule in rules["data"]["values"]] == [6.75, 8.1]
    assert "<svg" in render_svg(spec)


def test_a_large_distribution_becomes_a_histogram_counting_every_local_unit():
    values = [(f"School {i}", float(i % 97)) for i in range(MAX_TICKS * 5)]
    spec = distribution_chart_spec(
        values,
        highlight="School 7",
        top_quartile=72.0,
        top_decile=87.0,
        title="Schools",
        measure_unit="%",
        labels=LABELS,
    )
    bars, rules = spec["layer"]
    assert sum(row["count"] for row in bars["data"]["values"]) == len(values)
    assert [rule["label"] for rule in rules["data"]["values"]] == [
        "Top quartile",
        "Top decile",
        "This local unit",
    ]
    assert "<svg" in render_svg(spec)
