"""A gunicorn process prepares before its first request: the people arriving first do not pay."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from django.template import engines
from django.urls import clear_url_caches, get_resolver

from deliverology.web import gunicorn_conf


@pytest.fixture(autouse=True)
def _unfrozen() -> Iterator[None]:
    """The test process's objects go back to being collected after each test."""
    yield
    gc.unfreeze()


def test_a_new_process_compiles_every_page_template_and_imports_every_view_before_serving() -> None:
    pages = engines["jinja2"].env  # type: ignore[attr-defined]
    pages.cache.clear()
    clear_url_caches()

    gunicorn_conf.post_worker_init(worker=None)

    compiled = {name for (_, name) in pages.cache}
    assert set(pages.list_templates()) <= compiled
    assert "priorities/priority.html" in compiled
    assert "url_patterns" in get_resolver().__dict__


def test_what_a_process_loads_before_serving_is_left_out_of_later_garbage_collections() -> None:
    gunicorn_conf.post_worker_init(worker=None)
    assert gc.get_freeze_count() > 0
    assert len(gc.get_objects(generation=2)) < gc.get_freeze_count()
