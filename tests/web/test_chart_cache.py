"""Rendered charts are shared by every process serving the app: a chart is rendered once."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from deliverology.reports import charts
from deliverology.reports.charts import ChartPoint, sparkline_spec
from deliverology.web import chart_cache

LABELS = {"actual": "Actual", "trajectory": "Trajectory", "target": "Target", "provisional": "P"}
SPEC = sparkline_spec(
    [ChartPoint("2023-24", 41.0, 40.0), ChartPoint("2024-25", 43.5, 42.0)],
    measure_unit="%",
    labels=LABELS,
)
SVG = re.compile(r"<svg\b.*?</svg>", re.DOTALL)
RENDER_IN_ANOTHER_PROCESS = """
import json, sys
import django
django.setup()
from deliverology.web.chart_cache import render_svg
sys.stdout.write(render_svg(json.loads(sys.argv[1])))
"""


@pytest.fixture
def shared_folder(settings: Any, tmp_path: Path) -> Iterator[Path]:
    """The shared cache in a folder of the test's own, as another process would find it."""
    folder = tmp_path / "cache" / "charts"
    charts_cache = {**settings.CACHES["charts"], "LOCATION": folder}
    settings.CACHES = {**settings.CACHES, "charts": charts_cache}
    chart_cache.forget_in_process()
    yield folder
    chart_cache.forget_in_process()


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every chart vl-convert is asked to render in this process from now on."""
    rendered: list[str] = []
    render = charts.render_canonical

    def counted(canonical: str) -> str:
        rendered.append(canonical)
        return render(canonical)

    monkeypatch.setattr(charts, "render_canonical", counted)
    return rendered


def test_it_serves_a_chart_another_process_rendered_without_rendering_it_again(
    shared_folder: Path, renders: list[str]
) -> None:
    env = {**os.environ, "DELIVEROLOGY_DATA_DIR": str(shared_folder.parent.parent)}
    env["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    other = subprocess.run(  # noqa: S603  (our own interpreter)
        [sys.executable, "-c", RENDER_IN_ANOTHER_PROCESS, json.dumps(SPEC)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    assert chart_cache.render_svg(SPEC) == other
    assert renders == []


def test_it_renders_a_chart_once_for_every_process(shared_folder: Path, renders: list[str]) -> None:
    first = chart_cache.render_svg(SPEC)
    chart_cache.forget_in_process()  # as a second gunicorn process, or after a restart
    second = chart_cache.render_svg(SPEC)

    assert len(renders) == 1
    assert second == first == charts.render_svg(SPEC)
    assert any(shared_folder.iterdir())


def test_it_keys_a_chart_by_its_content_and_the_code_that_renders_it() -> None:
    canonical = charts.canonical_spec(SPEC)
    reordered = charts.canonical_spec(dict(reversed(list(SPEC.items()))))
    other = charts.canonical_spec({**SPEC, "title": "Another chart"})

    assert chart_cache.chart_key(reordered) == chart_cache.chart_key(canonical)
    assert chart_cache.chart_key(other) != chart_cache.chart_key(canonical)


def test_a_page_served_by_a_new_process_takes_its_charts_from_the_shared_cache(
    shared_folder: Path, login: object, renders: list[str]
) -> None:
    client = login("analyst")  # type: ignore[operator]
    first = SVG.findall(client.get("/priorities/reading/").content.decode())
    rendered = len(renders)
    chart_cache.forget_in_process()

    assert SVG.findall(client.get("/priorities/reading/").content.decode()) == first
    assert rendered == len(first) > 0
    assert len(renders) == rendered


def test_a_charts_png_for_print_is_rendered_once_for_every_process(
    shared_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rasterised: list[float] = []
    render_png = charts.render_png

    def counted(svg: str, *, scale: float = charts.PRINT_SCALE) -> bytes:
        rasterised.append(scale)
        return render_png(svg, scale=scale)

    monkeypatch.setattr(charts, "render_png", counted)
    svg = chart_cache.render_svg(SPEC)
    first = chart_cache.render_png(svg)
    chart_cache.forget_in_process()  # as a second gunicorn process, or after a restart
    assert chart_cache.render_png(svg) == first
    assert first.startswith(b"\x89PNG")
    assert rasterised == [charts.PRINT_SCALE]
    chart_cache.render_png(svg, scale=3)  # another scale, another image
    assert rasterised == [charts.PRINT_SCALE, 3]
