"""A gunicorn process prepares before its first request: the people arriving first do not pay."""

from __future__ import annotations

from django.template import engines
from django.urls import clear_url_caches, get_resolver

from deliverology.web import gunicorn_conf


def test_a_new_process_compiles_every_page_template_and_imports_every_view_before_serving() -> None:
    pages = engines["jinja2"].env  # type: ignore[attr-defined]
    pages.cache.clear()
    clear_url_caches()

    gunicorn_conf.post_worker_init(worker=None)

    compiled = {name for (_, name) in pages.cache}
    assert set(pages.list_templates()) <= compiled
    assert "priorities/priority.html" in compiled
    assert "url_patterns" in get_resolver().__dict__
