from deliverology.reports.charts import render_svg
from deliverology.reports.strategy_charts import course_chart_spec, prioritisation_chart_spec

QUADRANTS = {
    "quick_wins": "Quick wins",
    "major_projects": "Major projects",
    "fill_ins": "Fill-ins",
    "reconsider": "Reconsider",
}
LABELS = {"impact": "Impact", "difficulty": "Difficulty", "intervention": "Intervention"}


def test_the_2x2_chart_labels_its_quadrants_and_places_each_intervention() -> None:
    spec = prioritisation_chart_spec(
        [("Tutoring", 4, 1)], scale_size=4, quadrants=QUADRANTS, title="T", labels=LABELS
    )
    texts = [row["text"] for row in spec["layer"][2]["data"]["values"]]
    assert sorted(texts) == sorted(QUADRANTS.values())
    quick = next(r for r in spec["layer"][2]["data"]["values"] if r["text"] == "Quick wins")
    assert quick["impact"] > 2.5 > quick["difficulty"]  # high impact, low difficulty
    assert spec["layer"][0]["data"]["values"] == [{"at": 2.5}]
    assert spec["layer"][3]["data"]["values"] == [
        {"title": "Tutoring", "impact": 4, "difficulty": 1}
    ]
    assert "Quick wins" in render_svg(spec)


def test_the_course_chart_shows_every_way_and_the_band() -> None:
    labels = {"period": "P", "value": "V", "series": "S", "band": "B", "target": "T"}
    spec = course_chart_spec(
        {"A": [("2024", 1.0), ("2025", 2.0)], "C": [("2024", 1.0), ("2025", 3.0)]},
        periods=["2024", "2025"],
        band=[("2024", 1.0, 1.0), ("2025", 1.5, 2.5)],
        target=("2025", 3.0),
        title="Three ways",
        measure_unit="%",
        labels=labels,
    )
    marks = [layer["mark"]["type"] for layer in spec["layer"]]
    assert marks == ["area", "line", "point"]
    assert {row["series"] for row in spec["layer"][1]["data"]["values"]} == {"A", "C"}
