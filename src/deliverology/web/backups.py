"""Backups: the database, the uploaded files imports still refer to and the settings a restore
needs, in one archive with a manifest; and the rule that prunes old uploads.

SQLite is copied with its online backup API (`sqlite3.Connection.backup`), so the app may keep
serving while it runs; PostgreSQL with `pg_dump --format=custom`, restored with `pg_restore`.
Secrets are not kept: the manifest names the settings a restore needs (SECRET_KEY among them),
never their values. See docs/operating.md.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Count, Sum
from django.utils import timezone

from deliverology.web.performance.models import ImportRun, Observation

MANIFEST = "manifest.json"
FORMAT = 1
# Settings a restored system should be given again; secrets are named, never copied.
KEPT_SETTINGS = (
    "DELIVEROLOGY_MAX_UPLOAD_MB",
    "DELIVEROLOGY_UPLOAD_KEEP_DAYS",
    "DELIVEROLOGY_ENGINE",
    "DELIVEROLOGY_IMPORT_SILENT_HOURS",
    "SITE_NAME",
    "LANGUAGE_CODE",
    "TIME_ZONE",
)
SECRETS = ("SECRET_KEY", "DATABASE_URL")
UNFINISHED = (
    ImportRun.Outcome.QUEUED,
    ImportRun.Outcome.RUNNING,
    ImportRun.Outcome.PREVIEWED,
)


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why."""


@dataclass(frozen=True)
class Restored:
    archive: Path
    manifest: dict[str, Any]


def backup(folder: Path, now: datetime | None = None) -> Path:
    """Write one archive into `folder`; returns its path."""
    now = now or timezone.now()
    folder.mkdir(parents=True, exist_ok=True)
    archive = folder / f"deliverology-backup-{now:%Y%m%d-%H%M%S}.tar.gz"
    with tempfile.TemporaryDirectory() as work:
        staging = Path(work)
        database = _dump_database(staging)
        uploads = _kept_uploads()
        manifest = _manifest(now, database.name, uploads)
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        with tarfile.open(archive, "w:gz") as tar:
            tar.add(staging / MANIFEST, MANIFEST)
            tar.add(database, database.name)
            for path in uploads:
                tar.add(path, f"uploads/{path.name}")
            method = _method_config()
            if method is not None:
                tar.add(method, "method.toml")
    return archive


def _dump_database(staging: Path) -> Path:
    if connection.vendor == "sqlite":
        target = staging / "database.sqlite3"
        connection.ensure_connection()
        with sqlite3.connect(target) as copy:
            connection.connection.backup(copy)  # the online backup API: readers carry on
        copy.close()
        return target
    if connection.vendor == "postgresql":
        target = staging / "database.dump"
        _postgres("pg_dump", "--format=custom", "--no-owner", f"--file={target}")
        return target
    raise BackupError(f"backups of a {connection.vendor} database are not supported")


def _postgres(program: str, *arguments: str) -> None:
    """Run a PostgreSQL client on the configured database; the password goes in the
    environment, never on the command line."""
    found = shutil.which(program)
    if found is None:
        raise BackupError(f"{program} is not installed (Debian: apt-get install postgresql-client)")
    database = settings.DATABASES["default"]
    environment = {
        **os.environ,
        "PGHOST": str(database.get("HOST") or ""),
        "PGPORT": str(database.get("PORT") or ""),
        "PGUSER": str(database.get("USER") or ""),
        "PGPASSWORD": str(database.get("PASSWORD") or ""),
        "PGDATABASE": str(database["NAME"]),
    }
    done = subprocess.run(  # noqa: S603  (a PostgreSQL client with our own arguments)
        [found, *arguments], env=environment, capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise BackupError(f"{program} failed: {done.stderr.strip()}")


def _kept_uploads() -> list[Path]:
    """The uploaded files imports still refer to and that are still there."""
    paths = ImportRun.objects.exclude(stored_path="").values_list("stored_path", flat=True)
    return sorted({Path(path) for path in paths if Path(path).is_file()})


def _method_config() -> Path | None:
    path = os.environ.get("DELIVEROLOGY_METHOD_CONFIG")
    return Path(path) if path and Path(path).is_file() else None


def _manifest(now: datetime, database: str, uploads: list[Path]) -> dict[str, Any]:
    figures = Observation.objects.aggregate(
        count=Count("pk"), numerators=Sum("numerator"), values=Sum("value")
    )
    try:
        release = version("deliverology")
    except PackageNotFoundError:
        release = "unknown"
    return {
        "format": FORMAT,
        "deliverology": release,
        "created_at": now.isoformat(),
        "database": {"vendor": connection.vendor, "file": database},
        "uploads": [path.name for path in uploads],
        "settings": {name: getattr(settings, name) for name in KEPT_SETTINGS},
        "method_config": _method_config() is not None,
        "secrets_not_kept": list(SECRETS),
        "observations": figures,
    }


# ---------------------------------------------------------------------------------- restore


def restore(archive: Path) -> Restored:
    """Restore an archive into the configured database, which must be empty, and its uploads
    into UPLOAD_DIR."""
    if connection.introspection.table_names():
        raise BackupError(
            "the database is not empty: restore into a new, empty database (a new SQLite "
            "file or a PostgreSQL database just created)"
        )
    with tempfile.TemporaryDirectory() as work, tarfile.open(archive, "r:gz") as tar:
        staging = Path(work)
        tar.extractall(staging, filter="data")
        manifest = json.loads((staging / MANIFEST).read_text(encoding="utf-8"))
        _restore_database(staging / manifest["database"]["file"], manifest["database"]["vendor"])
        _restore_uploads(staging / "uploads")
    return Restored(archive, manifest)


def _restore_database(dump: Path, vendor: str) -> None:
    if vendor != connection.vendor:
        raise BackupError(
            f"the archive holds a {vendor} database; this system uses {connection.vendor}"
        )
    if vendor == "sqlite":
        connection.ensure_connection()
        with sqlite3.connect(dump) as source:
            source.backup(connection.connection)
        source.close()
        return
    connection.close()
    _postgres("pg_restore", "--no-owner", "--exit-on-error", f"--dbname={_dbname()}", str(dump))


def _dbname() -> str:
    return str(settings.DATABASES["default"]["NAME"])


def _restore_uploads(folder: Path) -> None:
    target = Path(settings.UPLOAD_DIR)
    target.mkdir(parents=True, exist_ok=True)
    if folder.is_dir():
        for path in folder.iterdir():
            shutil.copy2(path, target / path.name)
    for run in ImportRun.objects.exclude(stored_path=""):
        moved = target / Path(run.stored_path).name
        run.stored_path = str(moved) if moved.is_file() else ""
        run.save(update_fields=["stored_path"])


# ------------------------------------------------------------------------------- retention


def prune_uploads(now: datetime | None = None) -> list[Path]:
    """Delete uploaded files older than DELIVEROLOGY_UPLOAD_KEEP_DAYS, except those of imports
    not finished (waiting, running or previewed and not yet loaded); returns what was deleted.

    An import keeps its file's name, size and SHA-256 after the file is gone.
    """
    now = now or timezone.now()
    before = now - timedelta(days=settings.DELIVEROLOGY_UPLOAD_KEEP_DAYS)
    runs = ImportRun.objects.exclude(stored_path="")
    needed = {
        Path(p) for p in runs.filter(outcome__in=UNFINISHED).values_list("stored_path", flat=True)
    }
    deleted = []
    for run in runs.exclude(outcome__in=UNFINISHED).filter(started_at__lt=before):
        path = Path(run.stored_path)
        if path not in needed:
            path.unlink(missing_ok=True)
            deleted.append(path)
        run.stored_path = ""
        run.save(update_fields=["stored_path"])
    folder = Path(settings.UPLOAD_DIR)
    referred = {Path(p) for p in ImportRun.objects.values_list("stored_path", flat=True)}
    if folder.is_dir():
        for path in folder.iterdir():
            old = datetime.fromtimestamp(path.stat().st_mtime, tz=now.tzinfo) < before
            if path.is_file() and old and path not in referred:
                path.unlink()
                deleted.append(path)
    return deleted
