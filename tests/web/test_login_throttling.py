"""Every form that checks a password is throttled (django-axes): too many wrong passwords lock
the account, the lock lifts after the cool-off, and the delivery unit can lift it at once."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from deliverology.cli import main
from tests.conftest import PASSWORD, System

LOGIN_FORMS = {"login page": "login", "admin login": "admin:login"}


def _try(client: Client, form: str, username: str, password: str) -> object:
    return client.post(reverse(LOGIN_FORMS[form]), {"username": username, "password": password})


def _lock(client: Client, form: str, username: str) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _try(client, form, username, "not-the-password")


@pytest.mark.parametrize("form", LOGIN_FORMS)
def test_it_locks_an_account_after_too_many_wrong_passwords_so_the_right_one_fails(
    client: Client, system: System, form: str
) -> None:
    _lock(client, form, "analyst")
    response = _try(client, form, "analyst", PASSWORD)
    assert response.status_code == 429  # type: ignore[attr-defined]
    text = response.content.decode()  # type: ignore[attr-defined]
    assert "Account locked" in text and "ask the delivery unit" in text
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(("locked_on", "tried_on"), [("login page", "admin login")])
def test_it_locks_the_account_on_every_form_at_once(
    client: Client, system: System, locked_on: str, tried_on: str
) -> None:
    _lock(client, locked_on, "analyst")
    assert _try(Client(), tried_on, "analyst", PASSWORD).status_code == 429  # type: ignore[attr-defined]


def test_it_leaves_other_accounts_alone(client: Client, system: System) -> None:
    _lock(client, "login page", "analyst")
    assert _try(client, "login page", "leader", PASSWORD).status_code == 302  # type: ignore[attr-defined]


def test_a_few_mistakes_then_the_right_password_start_the_count_again(
    client: Client, system: System
) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _try(client, "login page", "leader", "not-the-password")
    assert _try(client, "login page", "leader", PASSWORD).status_code == 302  # type: ignore[attr-defined]
    fresh = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _try(fresh, "login page", "leader", "not-the-password")
    assert _try(fresh, "login page", "leader", PASSWORD).status_code == 302  # type: ignore[attr-defined]


def test_the_lock_lifts_once_the_cool_off_has_passed(client: Client, system: System) -> None:
    from axes.models import AccessAttempt

    _lock(client, "login page", "analyst")
    assert _try(client, "login page", "analyst", PASSWORD).status_code == 429  # type: ignore[attr-defined]
    # the attempts were made longer ago than the cool-off
    for attempt in AccessAttempt.objects.all():
        attempt.attempt_time -= settings.AXES_COOLOFF_TIME + timedelta(seconds=1)
        attempt.save()
    assert _try(client, "login page", "analyst", PASSWORD).status_code == 302  # type: ignore[attr-defined]


def test_the_lock_holds_until_the_cool_off_has_passed(client: Client, system: System) -> None:
    from axes.models import AccessAttempt

    _lock(client, "login page", "analyst")
    for attempt in AccessAttempt.objects.all():
        attempt.attempt_time -= settings.AXES_COOLOFF_TIME - timedelta(minutes=1)
        attempt.save()
    assert _try(client, "login page", "analyst", PASSWORD).status_code == 429  # type: ignore[attr-defined]


@pytest.mark.django_db(transaction=True)
def test_the_delivery_unit_unlocks_an_account_from_the_command_line(
    client: Client, system: System
) -> None:
    _lock(client, "login page", "district")
    assert main(["manage", "axes_reset_username", "district"]) == 0
    assert _try(client, "login page", "district", PASSWORD).status_code == 302  # type: ignore[attr-defined]


def test_the_admin_lists_the_locked_attempts(client: Client, system: System) -> None:
    _lock(Client(), "login page", "district")
    client.force_login(system.people["analyst"])  # type: ignore[arg-type]
    page = client.get(reverse("admin:axes_accessattempt_changelist")).content.decode()
    assert "district" in page


@pytest.mark.parametrize(
    ("name", "value"),
    [("AXES_FAILURE_LIMIT", "0"), ("AXES_FAILURE_LIMIT", "many"), ("AXES_COOLOFF_TIME", "-1")],
)
def test_a_bad_throttling_setting_stops_the_app_with_a_message(name: str, value: str) -> None:
    env = {**os.environ, name: value, "DJANGO_SETTINGS_MODULE": "deliverology.web.settings"}
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert f"{name} must be a number" in result.stderr


def test_the_throttling_settings_are_read_from_the_environment() -> None:
    env = {
        **os.environ,
        "AXES_FAILURE_LIMIT": "7",
        "AXES_COOLOFF_TIME": "0",
        "AXES_LOCKOUT_PARAMETERS": "username,username+ip_address",
        "DJANGO_SETTINGS_MODULE": "deliverology.web.settings",
    }
    script = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.AXES_FAILURE_LIMIT, s.AXES_COOLOFF_TIME, s.AXES_LOCKOUT_PARAMETERS)"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.split(maxsplit=2) == [
        "7",
        "None",
        "['username', ['username', 'ip_address']]\n",
    ]


def test_wrong_old_passwords_in_set_up_count_towards_the_lockout(
    client: Client, system: System
) -> None:
    client.force_login(system.people["analyst"])  # type: ignore[arg-type]
    url = reverse("admin:password_change")
    assert url == reverse("admin_password_change")  # the throttled page answers there
    assert client.get(url).status_code == 200
    wrong = {
        "old_password": "guess",
        "new_password1": "x-9!long-new",
        "new_password2": "x-9!long-new",
    }
    response = client.post(url, wrong)
    assert "Your old password was entered incorrectly" in response.content.decode()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(url, wrong)
    assert _try(Client(), "login page", "analyst", PASSWORD).status_code == 429  # type: ignore[attr-defined]
    right = {**wrong, "old_password": PASSWORD}
    assert client.post(url, right).status_code == 429


def test_set_up_changes_the_password_with_the_right_old_one(client: Client, system: System) -> None:
    client.force_login(system.people["analyst"])  # type: ignore[arg-type]
    new = "x-9!long-new"
    data = {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    response = client.post(reverse("admin:password_change"), data)
    assert response.status_code == 302
    assert _try(Client(), "login page", "analyst", new).status_code == 302  # type: ignore[attr-defined]
