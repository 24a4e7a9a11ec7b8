"""docs/loading-data.md tells the truth: its mappings are valid, the corpus of real-file
patterns loads through the very mappings it shows, and its worked example works."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from deliverology.cli import build_parser, main
from deliverology.engine.mapping import ColumnMapping
from deliverology.web.performance.models import LocalUnit, Metric, Observation, Rollup, Subgroup

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "loading-data.md"
EXAMPLES = ROOT / "docs" / "examples"
CORPUS = ROOT / "tests" / "engine" / "real_files"


def json_blocks() -> list[dict[str, object]]:
    text = PAGE.read_text(encoding="utf-8")
    return [json.loads(block) for block in re.findall(r"```json\n(.*?)```", text, re.DOTALL)]


def test_every_mapping_the_page_shows_is_valid():
    blocks = json_blocks()
    assert len(blocks) >= 9
    minimal = {"layout": "long", "local_unit": "d", "period": "p", "metric_code": "m", "value": "v"}
    for block in blocks:
        ColumnMapping.from_dict(block if "layout" in block else {**minimal, **block})


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.json")), ids=lambda path: path.stem)
def test_every_real_file_pattern_loads_through_a_mapping_the_page_shows(path):
    assert json.loads(path.read_text(encoding="utf-8")) in json_blocks()


def test_the_worked_examples_mapping_is_the_one_the_page_shows():
    mapping = json.loads((EXAMPLES / "graduation-mapping.json").read_text(encoding="utf-8"))
    assert mapping in json_blocks()


def test_every_key_of_a_mapping_is_documented():
    text = PAGE.read_text(encoding="utf-8")
    first = next(block for block in json_blocks() if "layout" in block)
    keys = ColumnMapping.from_dict(first).to_dict()
    assert sorted(key for key in keys if f"`{key}`" not in text) == []


def test_import_help_and_the_readme_point_to_the_page():
    commands = build_parser()._subparsers._group_actions[0].choices  # noqa: SLF001
    assert "docs/loading-data.md" in commands["import"].format_help()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme.count("(docs/loading-data.md)") >= 2  # the tour and the documentation list
    assert "(docs/method.md)" in readme


@pytest.mark.django_db
def test_the_worked_example_loads_from_an_empty_system():
    assert main(["import", "units", str(EXAMPLES / "hierarchy.csv")]) == 0
    Metric.objects.create(
        code="graduation",
        name="Four-year graduation rate",
        aggregation="rate",
        frequency="academic_year",
        scale=100,
    )
    Subgroup.objects.get_or_create(code="all", defaults={"name": "All students"})
    Subgroup.objects.create(code="low_income", name="Low income")
    mapping = str(EXAMPLES / "graduation-mapping.json")
    arguments = ["import", "observations", str(EXAMPLES / "graduation.csv"), "--mapping", mapping]
    assert main(arguments) == 0
    lines = (EXAMPLES / "graduation.csv").read_text(encoding="utf-8").splitlines()
    assert Observation.objects.count() == len(lines) - 2  # less the header and the source line
    assert Observation.objects.get(missing_reason="suppressed").local_unit.code == "D02"
    state = LocalUnit.objects.get(parent=None)
    baseline = Rollup.objects.get(local_unit=state, period="2022-23", subgroup__code="all")
    page = PAGE.read_text(encoding="utf-8")
    said = re.search(
        r"baseline 2022-23 at ([\d.]+) \(the state's figure: (\d+) graduates of"
        r"\s+an adjusted cohort of (\d+)",
        page,
    )
    assert (baseline.numerator, baseline.denominator) == (float(said[2]), float(said[3]))
    assert round(baseline.value, 1) == float(said[1])
