"""Charts: pure Vega-Lite spec builders, and their rendering to accessible, inline-ready SVG."""

from __future__ import annotations

import copy
import json
import math
import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest
import vl_convert

from deliverology.reports import charts
from deliverology.reports.charts import (
    ChartPoint,
    render_svg,
    sparkline_spec,
    trajectory_chart_spec,
)

SVG_NS = "{http://www.w3.org/2000/svg}"
ENGLISH = {
    "actual": "Actual",
    "trajectory": "Trajectory",
    "target": "Target",
    "provisional": "Provisional",
}
# Non-English labels, so that the tests can tell them from anything hard-coded.
FRENCH = {
    "actual": "Réel",
    "trajectory": "Trajectoire prévue",
    "target": "Cible",
    "provisional": "Provisoire",
    "band": "Fourchette",
}
POINTS = [
    ChartPoint("2021-22", 52.1, 52.1, 50.0, 54.0),
    ChartPoint("2022-23", 55.0, 56.0, 53.0, 59.0),
    ChartPoint("2023-24", None, 60.0, 57.0, 63.0),
    ChartPoint("2024-25", 63.5, 64.0, 61.0, 67.0, provisional=True),
    ChartPoint("2025-26", None, 68.0, 65.0, 71.0),
]


def reading_spec(**overrides: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "title": "Grade 3 reading: Testland",
        "measure_unit": "% of pupils",
        "target_value": 75.0,
        "target_period": "2026-27",
        "direction": "higher",
        "labels": ENGLISH,
    }
    arguments.update(overrides)
    points = arguments.pop("points", POINTS)
    return trajectory_chart_spec(points, **arguments)


def parse(svg: str) -> ET.Element:
    """Parse our own renderer's output: it must be well-formed XML to embed inline."""
    return ET.fromstring(svg)  # noqa: S314 - trusted input, produced by the code under test


def texts(svg: str) -> list[str]:
    return ["".join(element.itertext()) for element in parse(svg).iter(f"{SVG_NS}text")]


def layers_with(spec: dict[str, Any], mark_type: str) -> list[dict[str, Any]]:
    return [layer for layer in spec["layer"] if layer["mark"]["type"] == mark_type]


def actual_line_path(svg: str) -> str:
    """The `d` of the actual line: the line mark drawn in the actual colour without a dash."""
    for path in parse(svg).iter(f"{SVG_NS}path"):
        if (
            path.get("stroke") == charts.ACTUAL_COLOUR
            and path.get("stroke-dasharray") is None
            and path.get("stroke-width") == "2.5"
        ):
            return path.get("d", "")
    raise AssertionError("no actual line in the SVG")


# --- specs ------------------------------------------------------------------------------------


def test_trajectory_spec_is_json_vega_lite_with_the_data_as_given() -> None:
    spec = reading_spec()

    text = json.dumps(spec, allow_nan=False)
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
    assert spec["config"]["font"] == "DejaVu Sans"
    assert [row["period"] for row in spec["data"]["values"]] == [p.period for p in POINTS]
    assert [row["actual"] for row in spec["data"]["values"]] == [52.1, 55.0, None, 63.5, None]
    assert [row["expected"] for row in spec["data"]["values"]] == [52.1, 56.0, 60.0, 64.0, 68.0]
    assert [row["provisional"] for row in spec["data"]["values"]] == [
        False,
        False,
        False,
        True,
        False,
    ]
    assert '"actual": null' in text
    assert spec["data"]["values"][2]["actual"] is None  # a gap, never zero
    vega = vl_convert.vegalite_to_vega(spec)  # compiles: valid Vega-Lite
    assert vega["marks"]


def test_missing_and_non_finite_figures_stay_null_never_zero() -> None:
    points = [
        ChartPoint("2021", 10.0, math.nan),
        ChartPoint("2022", None, 11.0, lower=math.inf),
        ChartPoint("2023", 12.0, None),
    ]
    spec = trajectory_chart_spec(
        points,
        title="t",
        measure_unit="",
        target_value=None,
        target_period=None,
        direction="higher",
        labels=ENGLISH,
    )

    values = json.loads(json.dumps(spec, allow_nan=False))["data"]["values"]
    assert [row["actual"] for row in values] == [10.0, None, 12.0]
    assert [row["expected"] for row in values] == [None, 11.0, None]
    assert values[1]["lower"] is None
    for layer in layers_with(spec, "line"):
        assert layer["mark"]["invalid"] == "break-paths-show-domains"


def test_a_missing_actual_breaks_the_rendered_line() -> None:
    points = [
        ChartPoint("2021", 10.0, 10.0),
        ChartPoint("2022", 11.0, 11.0),
        ChartPoint("2023", None, 12.0),
        ChartPoint("2024", 13.0, 13.0),
        ChartPoint("2025", 14.0, 14.0),
    ]
    spec = trajectory_chart_spec(
        points,
        title="Gap",
        measure_unit="",
        target_value=None,
        target_period=None,
        direction="higher",
        labels=ENGLISH,
    )

    path = actual_line_path(render_svg(spec))
    assert path.count("M") == 2  # two pieces: before and after the gap


def test_y_axis_is_padded_not_forced_to_zero() -> None:
    spec = reading_spec()

    scales = [layer["encoding"]["y"]["scale"] for layer in spec["layer"]]
    assert all(scale["zero"] is False for scale in scales)
    low, high = scales[0]["domain"]
    assert 0 < low < 50.0  # below the lowest figure (band 50), above zero
    assert high > 75.0  # above the highest figure (the target)


def test_y_domain_does_not_invent_negative_values_for_non_negative_figures() -> None:
    points = [ChartPoint("2021", 0.5, 0.0), ChartPoint("2022", 9.0, 10.0)]
    spec = reading_spec(points=points, target_value=None, target_period=None)

    low, high = spec["layer"][0]["encoding"]["y"]["scale"]["domain"]
    assert low == 0.0
    assert high == pytest.approx(11.0)


def test_the_legend_names_come_from_the_labels_in_order() -> None:
    spec = reading_spec(labels=FRENCH)

    colours = [
        layer["encoding"]["color"]
        for layer in spec["layer"]
        if "color" in layer["encoding"] and "scale" in layer["encoding"]["color"]
    ]
    assert len(colours) == 1
    assert colours[0]["scale"]["domain"] == [
        "Réel",
        "Trajectoire prévue",
        "Provisoire",
        "Cible",
        "Fourchette",
    ]
    assert colours[0]["scale"]["range"] == [
        charts.ACTUAL_COLOUR,
        charts.TRAJECTORY_COLOUR,
        charts.ACTUAL_COLOUR,
        charts.TARGET_COLOUR,
        charts.TRAJECTORY_COLOUR,
    ]
    assert colours[0]["legend"]["title"] is None
    for word in ENGLISH.values():
        assert word not in json.dumps(spec, ensure_ascii=False)


def test_legend_entries_appear_only_for_what_is_drawn() -> None:
    points = [ChartPoint("2021", 1.0, 1.0), ChartPoint("2022", 2.0, 2.0)]
    labels = {"actual": "A", "trajectory": "T"}  # no target, provisional or band label needed
    spec = reading_spec(points=points, labels=labels, target_value=None, target_period=None)

    (legend_layer,) = [
        layer for layer in spec["layer"] if "scale" in layer["encoding"].get("color", {})
    ]
    assert legend_layer["encoding"]["color"]["scale"]["domain"] == ["A", "T"]
    assert layers_with(spec, "area") == []
    assert layers_with(spec, "rule") == []


def test_trajectory_is_dashed_and_actuals_solid_with_hollow_provisional_points() -> None:
    spec = reading_spec()

    trajectory, actual = layers_with(spec, "line")
    assert trajectory["encoding"]["y"]["field"] == "expected"
    assert trajectory["mark"]["strokeDash"] == charts.TRAJECTORY_DASH
    assert actual["encoding"]["y"]["field"] == "actual"
    assert "strokeDash" not in actual["mark"]
    points = layers_with(spec, "point")
    confirmed = [p for p in points if p["encoding"]["color"].get("datum") == "Actual"]
    provisional = [p for p in points if p["encoding"]["color"].get("datum") == "Provisional"]
    assert confirmed[0]["mark"]["filled"] is True
    assert provisional[0]["mark"]["filled"] is False
    assert provisional[0]["mark"]["fill"] == "white"


def test_target_is_a_labelled_point_at_the_target_period_added_to_the_x_domain() -> None:
    spec = reading_spec()

    x_domain = spec["layer"][0]["encoding"]["x"]["scale"]["domain"]
    assert x_domain == ["2021-22", "2022-23", "2023-24", "2024-25", "2025-26", "2026-27"]
    targets = [layer for layer in spec["layer"] if "data" in layer]
    assert {layer["mark"]["type"] for layer in targets} == {"rule", "point", "text"}
    (diamond,) = [layer for layer in targets if layer["mark"]["type"] == "point"]
    assert diamond["data"]["values"] == [{"period": "2026-27", "value": 75.0}]
    assert "75" in texts(render_svg(spec))


def test_period_labels_are_horizontal_when_they_fit_and_slanted_otherwise() -> None:
    many = [ChartPoint(f"2024-{month:02d}", month, month) for month in range(1, 13)]

    wide = reading_spec()
    narrow = reading_spec(points=many, target_value=None, target_period=None, width=300)

    assert wide["layer"][0]["encoding"]["x"]["axis"]["labelAngle"] == 0
    assert narrow["layer"][0]["encoding"]["x"]["axis"]["labelAngle"] != 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"direction": "up"}, "direction"),
        ({"target_period": None}, "together"),
        ({"target_value": math.nan}, "finite"),
        ({"labels": {"actual": "A"}}, "trajectory"),
        ({"labels": {**ENGLISH, "provisional": ""}}, "provisional"),
        ({"labels": {**ENGLISH, "target": "Actual"}}, "distinct"),
        ({"points": [ChartPoint("2021", 1, 1), ChartPoint("2021", 2, 2)]}, "more than once"),
    ],
)
def test_bad_arguments_are_refused(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        reading_spec(**change)


def test_spec_builders_are_pure() -> None:
    labels = dict(FRENCH)
    points = list(POINTS)

    first = reading_spec(points=points, labels=labels)
    second = reading_spec(points=points, labels=labels)

    assert first == second
    assert first is not second
    assert labels == FRENCH
    assert points == POINTS


def test_colours_meet_wcag_aa_contrast_against_white() -> None:
    def luminance(colour: str) -> float:
        def channel(hex_pair: str) -> float:
            c = int(hex_pair, 16) / 255
            return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

        r, g, b = (channel(colour[i : i + 2]) for i in (1, 3, 5))
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    for colour in (charts.ACTUAL_COLOUR, charts.TRAJECTORY_COLOUR, charts.TARGET_COLOUR):
        assert 1.05 / (luminance(colour) + 0.05) >= 4.5, colour


def test_sparkline_has_an_actual_line_and_a_dashed_trajectory_and_nothing_else() -> None:
    spec = sparkline_spec(POINTS, measure_unit="%", labels=FRENCH)

    json.dumps(spec, allow_nan=False)
    assert (spec["width"], spec["height"]) == (180, 48)
    trajectory, actual = spec["layer"]
    assert trajectory["encoding"]["y"]["field"] == "expected"
    assert trajectory["mark"]["strokeDash"]
    assert actual["encoding"]["y"]["field"] == "actual"
    assert "strokeDash" not in actual["mark"]
    assert spec["config"]["axis"] == {"disable": True}
    assert spec["config"]["legend"] == {"disable": True}
    assert [row["actual"] for row in spec["data"]["values"]] == [52.1, 55.0, None, 63.5, None]

    svg = render_svg(spec)
    assert texts(svg) == []  # no axes, no legend, no title drawn
    root = parse(svg)
    assert root.get("role") == "img"
    assert root.get("aria-label") == "Réel / Trajectoire prévue / %"


def test_sparkline_title_becomes_the_accessible_name() -> None:
    spec = sparkline_spec(POINTS, measure_unit="%", labels=ENGLISH, title="Lecture, CE1")

    assert parse(render_svg(spec)).get("aria-label") == "Lecture, CE1"


# --- rendering --------------------------------------------------------------------------------


def test_render_svg_returns_an_inline_ready_svg_with_role_and_title() -> None:
    title = 'Lecture & écriture <CE1> "Nord"'
    svg = render_svg(reading_spec(title=title, labels=FRENCH))

    assert svg.startswith("<svg ")
    root = parse(svg)  # well-formed, title escaped
    assert root.tag == f"{SVG_NS}svg"
    assert root.get("role") == "img"
    assert root.get("aria-label") == title
    first_child = root[0]
    assert first_child.tag == f"{SVG_NS}title"
    assert first_child.text == title
    assert title in texts(svg)  # drawn as the chart's title too
    assert root.get("viewBox")


def test_the_labels_are_drawn_in_the_svg_and_nothing_english_is() -> None:
    svg = render_svg(reading_spec(labels=FRENCH, measure_unit="% d'élèves"))

    drawn = texts(svg)
    for key in ("actual", "trajectory", "target", "provisional", "band"):
        assert FRENCH[key] in drawn
    assert "% d'élèves" in drawn
    for word in ENGLISH.values():
        assert word not in svg
    # Vega's own (English) ARIA descriptions are removed; the root carries the only label.
    assert "aria-roledescription" not in svg
    assert svg.count("aria-label=") == 1


def test_text_is_set_in_dejavu_sans() -> None:
    svg = render_svg(reading_spec())

    families = {element.get("font-family") for element in parse(svg).iter(f"{SVG_NS}text")}
    assert families == {"DejaVu Sans"}


def test_a_lower_is_better_chart_renders() -> None:
    points = [
        ChartPoint(p.period, None if p.actual is None else 100 - p.actual, 100 - (p.expected or 0))
        for p in POINTS
    ]
    spec = reading_spec(
        points=points, title="Chronic absence", target_value=25.0, direction="lower"
    )

    (label,) = layers_with(spec, "text")
    assert label["mark"]["baseline"] == "top"  # the value sits below the target
    svg = render_svg(spec)
    assert parse(svg).get("aria-label") == "Chronic absence"
    assert "25" in texts(svg)
    assert actual_line_path(svg).count("M") == 2


def test_an_empty_chart_still_renders() -> None:
    spec = reading_spec(points=[], target_value=None, target_period=None, title="Nothing yet")

    assert parse(render_svg(spec)).get("aria-label") == "Nothing yet"


def test_a_spec_without_title_or_description_is_hidden_from_assistive_technology() -> None:
    spec = sparkline_spec(POINTS, measure_unit="%", labels=ENGLISH)
    del spec["description"]

    root = parse(render_svg(spec))
    assert root.get("aria-hidden") == "true"
    assert root.get("role") is None


def test_render_cache_returns_identical_output_for_equal_specs() -> None:
    spec = reading_spec(title="Cached chart")
    equal = json.loads(json.dumps(spec))  # equal, not the same object
    reordered = dict(reversed(list(copy.deepcopy(spec).items())))  # same spec, other key order

    first = render_svg(spec)
    hits = charts._render_canonical.cache_info().hits
    assert render_svg(equal) == first
    assert render_svg(reordered) == first
    assert charts._render_canonical.cache_info().hits == hits + 2

    different = render_svg(reading_spec(title="Another chart"))
    assert different != first


def test_rendering_registers_the_font_directory_once() -> None:
    render_svg(reading_spec())

    assert charts._font_registered is True


def test_external_data_is_never_fetched() -> None:
    spec = {
        "$schema": charts.SCHEMA,
        "data": {"url": "https://example.invalid/data.csv"},
        "mark": "point",
    }

    with pytest.raises(ValueError, match=re.compile("url|access|allowed", re.IGNORECASE)):
        render_svg(spec)


def test_layers_do_not_share_mutable_parts() -> None:
    spec = reading_spec()

    spec["layer"][0]["encoding"]["y"]["scale"]["domain"] = [0, 1]

    assert spec["layer"][1]["encoding"]["y"]["scale"]["domain"] != [0, 1]


def test_sparkline_layers_do_not_share_mutable_parts() -> None:
    spec = sparkline_spec(POINTS, measure_unit="%", labels=ENGLISH)

    spec["layer"][0]["encoding"]["x"]["scale"]["domain"].append("2099")

    assert "2099" not in spec["layer"][1]["encoding"]["x"]["scale"]["domain"]


def test_a_partial_roll_up_is_a_hollow_square_named_in_the_legend() -> None:
    points = [*POINTS[:3], ChartPoint("2024-25", 22.8, 64.0, partial=True), POINTS[4]]
    spec = reading_spec(points=points, labels={**ENGLISH, "partial": "Rolled up (partial)"})
    squares = [
        layer for layer in layers_with(spec, "point") if layer["mark"].get("shape") == "square"
    ]
    assert len(squares) == 1
    assert squares[0]["transform"] == [{"filter": "datum.actual != null && datum.partial"}]
    assert squares[0]["mark"]["filled"] is False
    assert "Rolled up (partial)" in texts(render_svg(spec))
    assert 1.05 / (0.05 + _luminance(charts.PARTIAL_COLOUR)) >= 4.5
    sparkline = sparkline_spec(points, measure_unit="%", labels=ENGLISH)
    assert sparkline["layer"][-1]["mark"]["shape"] == "square"


def _luminance(colour: str) -> float:
    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_it_stops_the_axis_of_a_rate_at_its_bound_and_labels_the_target_as_the_page_does() -> None:
    from deliverology.core.bounds import Bounds

    near_the_top = [ChartPoint("2021-22", 95.0, 95.0), ChartPoint("2022-23", 97.0, 97.5)]
    spec = reading_spec(
        points=near_the_top, target_value=99.95, measure_unit="%", bounds=Bounds(0.0, 100.0)
    )
    layer = next(layer for layer in spec["layer"] if "encoding" in layer)
    low, high = layer["encoding"]["y"]["scale"]["domain"]
    assert high <= 100.0 and low >= 0.0
    assert layer["encoding"]["y"]["scale"]["nice"] is False  # "nice" would round past 100
    (label,) = [layer for layer in spec["layer"] if layer["mark"].get("type") == "text"]
    assert label["data"]["values"][0]["label"] == "100.0%"  # one decimal, as the header
