from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": ARGS}


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


# Reported by Chromium on the console for each blocked inline script, style or outside source;
# the securitypolicyviolation event is echoed there too, so a violation is never missed.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  const seen = `${event.violatedDirective} ${event.blockedURI}`;
  console.error(`Content Security Policy violation: ${seen}`);
});
"""


@pytest.fixture
def policy_violations() -> list[str]:
    return []


@pytest.fixture
def page(page, policy_violations):
    """Every journey's page fails its test on any Content Security Policy violation."""

    def note(message) -> None:
        if "Content Security Policy" in message.text:
            policy_violations.append(message.text)

    page.on("console", note)
    page.add_init_script(REPORT_VIOLATIONS)
    yield page
    assert policy_violations == []


@pytest.fixture(scope="session", autouse=True)
def live_server_connections_ended(django_db_setup, django_db_blocker):
    """A live server's request thread keeps its PostgreSQL connection open (CONN_MAX_AGE) and
    may outlive the last journey by a moment; end such sessions before the test database is
    dropped, so its teardown never races them."""
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture(scope="session", autouse=True)
def live_server_requests_finished(live_server):
    """The live server stops only once the threads serving the browser's last requests have
    closed their database connections: on SQLite they share the server's connection, which
    stops being shared when the server stops."""
    yield
    for thread in threading.enumerate():
        if thread.name.endswith("(process_request_thread)"):
            thread.join(timeout=10)
