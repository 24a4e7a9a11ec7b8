"""Pages people can read when something is refused, missing or broken; the login page's title
and the favicon."""

from __future__ import annotations

import logging

import pytest

from tests.diagnostics.test_pages import PAGE

NAVIGATION = '<nav aria-label="Main">'


def test_a_refusal_keeps_the_navigation_and_says_why(login, system):
    response = login("viewer").post(PAGE, {"kind": "hypothesis", "statement": "x"})
    assert response.status_code == 403
    html = response.content.decode()
    assert NAVIGATION in html and "<title>Not allowed · Deliverology</title>" in html
    assert "Only the delivery unit and the priority owner can do this." in html


def test_a_missing_page_keeps_the_navigation_and_names_the_address(login, system):
    response = login("analyst").get("/priorities/no-such-priority/")
    assert response.status_code == 404
    html = response.content.decode()
    assert NAVIGATION in html and "<title>Page not found · Deliverology</title>" in html
    assert "/priorities/no-such-priority/" in html


def test_a_failure_shows_the_sites_page_without_needing_the_database(login, system, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the figures could not be read")

    monkeypatch.setattr("deliverology.web.priorities.views.load_series", broken)
    client = login("analyst")
    client.raise_request_exception = False
    response = client.get("/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "<title>Something went wrong · Deliverology</title>" in html
    assert 'class="brand"' in html and 'href="/"' in html


@pytest.mark.parametrize("status", [403, 404])
def test_a_refusal_or_a_missing_page_is_logged_without_a_traceback(login, system, caplog, status):
    client = login("viewer")
    with caplog.at_level(logging.WARNING, logger="django.request"):
        if status == 403:
            client.post(PAGE, {"kind": "hypothesis", "statement": "x"})
        else:
            client.get("/priorities/no-such-priority/")
    records = [r for r in caplog.records if r.name == "django.request"]
    assert [r.status_code for r in records] == [status]
    assert records[0].exc_info is None and "Traceback" not in caplog.text


def test_the_login_page_is_titled_with_the_product_name_not_the_host(client, db):
    html = client.get("/accounts/login/", HTTP_HOST="127.0.0.1").content.decode()
    assert "<title>Log in · Deliverology</title>" in html


def test_every_page_links_the_favicon_and_favicon_ico_finds_it(client, db):
    html = client.get("/accounts/login/").content.decode()
    assert '<link rel="icon" href="/static/deliverology/favicon.svg" type="image/svg+xml">' in html
    response = client.get("/favicon.ico", follow=True)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert b"<svg" in b"".join(response.streaming_content)
    response.close()


def test_a_form_sent_without_its_csrf_token_gets_the_sites_refusal_page(db):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post("/accounts/login/", {"username": "x"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "<title>Not allowed · Deliverology</title>" in html
    assert "The form had expired." in html and "<style" not in html
