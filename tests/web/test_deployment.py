"""Deployment defaults: no start without a secret key (the demo makes its own), HTTPS settings
from the environment, the documented production settings pass `check --deploy`, a Content
Security Policy on every page and an idle session timeout."""

from __future__ import annotations

import os
import re
import runpy
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from deliverology.web.accounts.sessions import LAST_SEEN

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = ROOT / "src" / "deliverology" / "web" / "settings.py"
UNSET = (
    "SECRET_KEY",
    "SECRET_KEY_FILE",
    "DEBUG",
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)


def clean_environment(data_dir: Path, **extra: str) -> dict[str, str]:
    """This process's environment without a key or DEBUG, with its own data folder."""
    environment = {k: v for k, v in os.environ.items() if k not in UNSET}
    return {**environment, "DELIVEROLOGY_DATA_DIR": str(data_dir), **extra}


def run(arguments: list[str], environment: dict[str, str], cwd: Path):
    return subprocess.run(  # noqa: S603  (our own interpreter and arguments)
        [sys.executable, *arguments],
        env=environment,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def settings_with(monkeypatch, tmp_path, **environment: str) -> dict[str, object]:
    for name in UNSET:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DELIVEROLOGY_DATA_DIR", str(tmp_path))
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS))


def test_it_refuses_to_start_the_web_app_without_a_secret_key(tmp_path):
    environment = clean_environment(tmp_path, DJANGO_SETTINGS_MODULE="deliverology.web.settings")
    found = run(["-c", "import deliverology.web.wsgi"], environment, tmp_path)
    assert found.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is not set" in found.stderr
    found = run(["-m", "deliverology.cli", "manage", "check"], environment, tmp_path)
    assert found.returncode == 1
    assert "SECRET_KEY is not set" in found.stderr


def test_it_uses_no_built_in_key_unless_debug_is_on(monkeypatch, tmp_path):
    assert settings_with(monkeypatch, tmp_path)["SECRET_KEY"] == ""
    debugging = settings_with(monkeypatch, tmp_path, DEBUG="true")
    assert debugging["SECRET_KEY"] == debugging["INSECURE_DEMO_KEY"]


def test_the_demo_makes_its_own_key_once_on_a_fresh_machine_and_reuses_it(tmp_path):
    data = tmp_path / "var"
    environment = clean_environment(data)
    built = run(
        ["-m", "deliverology.cli", "demo", "--no-serve", "--schools", "20"], environment, tmp_path
    )
    assert built.returncode == 0, built.stderr
    key_file = data / "secret-key"
    key = key_file.read_text()
    assert len(key) >= 50
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    again = run(["-m", "deliverology.cli", "manage", "check"], environment, tmp_path)
    assert again.returncode == 0, again.stderr
    assert key_file.read_text() == key


def test_https_settings_come_from_the_environment(monkeypatch, tmp_path):
    found = settings_with(
        monkeypatch,
        tmp_path,
        SECRET_KEY="x" * 50,
        SECURE_SSL_REDIRECT="true",
        SECURE_HSTS_SECONDS="31536000",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="true",
        SECURE_HSTS_PRELOAD="true",
        SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto",
        SESSION_IDLE_MINUTES="30",
    )
    assert found["SECURE_SSL_REDIRECT"] is True
    assert found["SECURE_HSTS_SECONDS"] == 31536000
    assert found["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert found["SECURE_HSTS_PRELOAD"] is True
    assert found["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    assert found["SESSION_COOKIE_AGE"] == 30 * 60


def test_a_bad_number_of_hsts_seconds_is_refused_with_its_name(monkeypatch, tmp_path):
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="SECURE_HSTS_SECONDS"):
        settings_with(monkeypatch, tmp_path, SECURE_HSTS_SECONDS="a year")


def documented_production_settings() -> dict[str, str]:
    page = (ROOT / "docs" / "operating.md").read_text(encoding="utf-8")
    block = re.search(r"## Production settings\n.*?```sh\n(.*?)```", page, re.DOTALL)
    assert block, "docs/operating.md has a 'Production settings' block"
    pairs = (line.split("#")[0].strip() for line in block.group(1).splitlines())
    return dict(pair.split("=", 1) for pair in pairs if pair)


def test_the_documented_production_settings_pass_the_deploy_check_with_no_warning(tmp_path):
    production = documented_production_settings()
    key_file = tmp_path / "secret-key"
    key_file.write_text("k7!Qz" * 12)
    production["SECRET_KEY_FILE"] = str(key_file)
    production["DATABASE_URL"] = f"sqlite:///{tmp_path / 'deliverology.sqlite3'}"
    environment = clean_environment(tmp_path / "var", **production)
    arguments = ["-m", "deliverology.cli", "manage", "check", "--deploy", "--fail-level", "WARNING"]
    found = run(arguments, environment, tmp_path)
    assert found.returncode == 0, found.stderr + found.stdout
    assert "no issues" in found.stdout


def test_pages_carry_a_strict_content_security_policy_and_need_no_inline_code(login, system):
    client = login("analyst")
    from tests.subtargets.test_actions import reading_target

    target = reading_target(system)
    pages = [
        "/",
        "/priorities/reading/",
        "/priorities/reading/units/D1/",
        "/priorities/reading/diagnostic/",
        "/priorities/reading/strategy/",
        "/sub-targets/",
        f"/targets/{target.pk}/sub-targets/",
        "/imports/",
        "/imports/new/",
        "/no-such-page/",
    ]
    for path in pages:
        response = client.get(path)
        policy = response["Content-Security-Policy"]
        for directive in ("default-src 'self'", "script-src 'self'", "style-src 'self'"):
            assert directive in policy, path
        assert "unsafe-inline" not in policy
        html = response.content.decode()
        assert re.findall(r"<script(?![^>]*\bsrc=)|<style|\sstyle=|\son[a-z]+=", html) == [], path


def test_the_status_colours_come_from_the_methods_stylesheet(client, db):
    from deliverology.configuration import load_method_config

    css = client.get("/method.css").content.decode()
    for status, colour in load_method_config().status_colours.items():
        assert f".status-{status} {{ --status-colour: {colour}; }}" in css


def test_a_session_lasts_eight_idle_hours_and_each_visit_renews_it(login, system, settings):
    assert settings.SESSION_COOKIE_AGE == 8 * 60 * 60
    client = login("analyst")
    session = client.session
    session[LAST_SEEN] = int(time.time()) - 120  # last renewed two minutes ago
    session.save()
    an_hour_left = timezone.now() + timezone.timedelta(hours=1)
    Session.objects.filter(pk=session.session_key).update(expire_date=an_hour_left)
    assert client.get("/").status_code == 200
    expiry = Session.objects.get(pk=client.session.session_key).expire_date
    left = (expiry - timezone.now()).total_seconds()
    assert 8 * 60 * 60 - 60 < left <= 8 * 60 * 60


def test_a_session_idle_for_longer_ends_and_asks_for_a_new_log_in(login, system):
    client = login("analyst")
    Session.objects.filter(pk=client.session.session_key).update(
        expire_date=timezone.now() - timezone.timedelta(seconds=1)
    )
    response = client.get("/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_admins_history_page_has_no_inline_style_for_the_policy_to_refuse(login, system):
    from deliverology.web.priorities.models import Target

    target = Target.objects.filter(local_unit=system.units["ST"]).first()
    assert target is not None
    response = login("analyst").get(f"/admin/priorities/target/{target.pk}/history/")

    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="change-history"' in page and 'class="paginator"' in page
    assert not re.search(r"<[^>]*\sstyle=", page)
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
