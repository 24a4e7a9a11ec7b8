"""`deliverology backup` and `restore`: a round trip into an empty database gives the same
figures and serves pages; old uploads are pruned, those of unfinished imports kept."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.utils import timezone

from deliverology.engine.england import DASHBOARD_CSV, HIERARCHY_CSV, MAPPING_JSON
from deliverology.web.backups import prune_uploads
from deliverology.web.performance.imports import file_sha256
from deliverology.web.performance.models import ImportRun

PASSWORD = "a-long-restore-password"
SET_UP = """
from deliverology.engine.england import METRICS, SUBGROUPS
from deliverology.web.performance.models import Metric, Subgroup
for code, name in METRICS.items():
    Metric.objects.create(code=code, name=name, aggregation="rate", scale=100)
for code, name in SUBGROUPS.items():
    Subgroup.objects.get_or_create(code=code, defaults={"name": name})
"""
FIGURES = """
import json, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "deliverology.web.settings")
import django
django.setup()
from django.db.models import Count, Sum
from django.test import Client
from deliverology.web.performance.models import ImportRun, Observation
from deliverology.web.performance.imports import file_sha256
client = Client()
from django.contrib.auth import get_user_model
keeper = get_user_model().objects.get(username="keeper")
logged_in = keeper.check_password(os.environ["RESTORE_PASSWORD"])
client.force_login(keeper)
page = client.get("/admin/performance/observation/")
print(json.dumps({
    "figures": Observation.objects.aggregate(
        n=Count("pk"), numerators=Sum("numerator"), denominators=Sum("denominator"),
        values=Sum("value")),
    "uploads": sorted(
        (run.file_name, file_sha256(__import__("pathlib").Path(run.stored_path)))
        for run in ImportRun.objects.exclude(stored_path="")),
    "stored_in": sorted({str(__import__("pathlib").Path(r.stored_path).parent)
                         for r in ImportRun.objects.exclude(stored_path="")}),
    "page": [logged_in, page.status_code],
}, default=str))
"""


def deliverology(environment: dict[str, str], *arguments: str) -> str:
    done = subprocess.run(  # noqa: S603  (our own interpreter and arguments)
        [sys.executable, "-m", "deliverology.cli", *arguments],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def figures(environment: dict[str, str]) -> dict[str, object]:
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", FIGURES],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def environment(folder: Path, database_url: str | None) -> dict[str, str]:
    folder.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DELIVEROLOGY_DATA_DIR": str(folder),
        "DJANGO_SETTINGS_MODULE": "deliverology.web.settings",
        "DELIVEROLOGY_FAST_HASHER": "true",
        "RESTORE_PASSWORD": PASSWORD,
        "DJANGO_SUPERUSER_PASSWORD": PASSWORD,
    }
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def round_trip(tmp_path: Path, source_url: str | None, target_url: str | None) -> None:
    source = environment(tmp_path / "source", source_url)
    deliverology(source, "setup")
    deliverology(source, "manage", "shell", "-c", SET_UP)
    deliverology(source, "import", "units", str(HIERARCHY_CSV))
    data = tmp_path / DASHBOARD_CSV.name
    data.write_bytes(DASHBOARD_CSV.read_bytes())
    deliverology(source, "import", "observations", str(data), "--mapping", str(MAPPING_JSON))
    deliverology(
        source,
        "manage",
        "createsuperuser",
        "--noinput",
        "--username",
        "keeper",
        "--email",
        "keeper@example.org",
    )
    before = figures(source)
    deliverology(source, "backup", "--to", str(tmp_path / "backups"))
    (archive,) = (tmp_path / "backups").iterdir()
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
    assert "SECRET_KEY" in manifest["secrets_not_kept"]
    assert DASHBOARD_CSV.name in manifest["uploads"]
    data.unlink()  # the restored system must not need the original files

    target = environment(tmp_path / "target", target_url)
    said = deliverology(target, "restore", str(archive))
    assert "Restored the backup" in said
    after = figures(target)
    assert after["figures"] == before["figures"]
    assert before["figures"]["n"] > 1000  # type: ignore[index]
    assert after["uploads"] == before["uploads"]
    assert after["stored_in"] == [str(tmp_path / "target" / "uploads")]
    assert after["page"] == [True, 200]


@pytest.mark.skipif("postgres" in os.environ.get("DATABASE_URL", ""), reason="SQLite run")
def test_a_backup_restores_into_an_empty_sqlite_database(tmp_path):
    round_trip(tmp_path, None, None)


@pytest.mark.skipif("postgres" not in os.environ.get("DATABASE_URL", ""), reason="PostgreSQL")
def test_a_backup_restores_into_an_empty_postgresql_database(tmp_path):
    import psycopg

    url = os.environ["DATABASE_URL"]
    with psycopg.connect(url, autocommit=True) as server:
        for name in ("backup_source", "backup_target"):
            server.execute(f"DROP DATABASE IF EXISTS {name}")
            server.execute(f"CREATE DATABASE {name}")
    parts = urlsplit(url)
    source, target = (
        urlunsplit(parts._replace(path=f"/{n}")) for n in ("backup_source", "backup_target")
    )
    round_trip(tmp_path, source, target)


@pytest.mark.skipif("postgres" in os.environ.get("DATABASE_URL", ""), reason="SQLite run")
def test_a_restore_refuses_a_database_that_is_not_empty(tmp_path):
    source = environment(tmp_path / "source", None)
    deliverology(source, "setup")
    deliverology(source, "backup", "--to", str(tmp_path / "backups"))
    (archive,) = (tmp_path / "backups").iterdir()
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "deliverology.cli", "restore", str(archive)],
        env=source,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert "the database is not empty" in " ".join((done.stdout + done.stderr).split())


def stored(folder: Path, name: str, outcome: str, days_old: int) -> ImportRun:
    path = folder / name
    path.write_text("school,year\n")
    run = ImportRun.objects.create(
        kind="observations",
        file_name=name,
        file_sha256=file_sha256(path),
        stored_path=str(path),
        outcome=outcome,
    )
    ImportRun.objects.filter(pk=run.pk).update(started_at=timezone.now() - timedelta(days=days_old))
    return run


def test_old_uploads_are_pruned_but_not_those_of_unfinished_imports(db, settings, tmp_path):
    settings.UPLOAD_DIR = tmp_path
    settings.DELIVEROLOGY_UPLOAD_KEEP_DAYS = 30
    old = stored(tmp_path, "old.csv", "committed", 40)
    refused = stored(tmp_path, "refused.csv", "refused", 31)
    waiting = stored(tmp_path, "waiting.csv", "previewed", 40)
    recent = stored(tmp_path, "recent.csv", "committed", 5)
    stray = tmp_path / "stray.csv"
    stray.write_text("x")
    aged = (timezone.now() - timedelta(days=40)).timestamp()
    os.utime(stray, (aged, aged))
    deleted = prune_uploads()
    assert sorted(path.name for path in deleted) == ["old.csv", "refused.csv", "stray.csv"]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["recent.csv", "waiting.csv"]
    old.refresh_from_db()
    refused.refresh_from_db()
    assert (old.stored_path, refused.stored_path) == ("", "")
    assert old.file_sha256  # the import still says which bytes it read
    assert {waiting.pk, recent.pk} == set(
        ImportRun.objects.exclude(stored_path="").values_list("pk", flat=True)
    )
