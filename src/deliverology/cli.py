"""The `deliverology` command: thin commands over the library and the Django project."""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

console = Console(stderr=True)

DEMO_PASSWORD_DEFAULT = "deliver-2030"  # noqa: S105  (documented demo login, demo data only)
SECRET_KEY_FILE_NAME = "secret-key"  # noqa: S105  (a file name in the data folder, not a key)


class CommandError(Exception):
    """A problem the user can fix: printed without a traceback, exit status 1."""


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "deliverology.web.settings")
    use_data_folder_secret_key(create=False)
    import django
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    django.setup()
    from deliverology.web.checks import require_secret_key

    try:
        require_secret_key()
    except ImproperlyConfigured as error:
        raise CommandError(str(error)) from error
    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)


def use_data_folder_secret_key(*, create: bool) -> None:
    """Without SECRET_KEY, use the random key kept in the data folder: the demo writes it once
    (readable by its owner only) and every later command reuses it."""
    if os.environ.get("SECRET_KEY") or os.environ.get("SECRET_KEY_FILE"):
        return
    # The data folder as settings.DATA_DIR finds it, before Django is set up.
    path = (
        Path(os.environ.get("DELIVEROLOGY_DATA_DIR") or Path.cwd() / "var") / SECRET_KEY_FILE_NAME
    )
    if create and not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(secrets.token_urlsafe(50))
    if path.exists():
        os.environ["SECRET_KEY_FILE"] = str(path)  # inherited by the server and its worker


def setup_database(*, quiet: bool = True) -> None:
    """Create or upgrade the database and collect the static files."""
    migrate_database(quiet=quiet)
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)


def migrate_database(*, quiet: bool = True) -> None:
    """Create or upgrade the database (all an import needs: it serves no pages). A database
    already up to date is left alone, so a command run often starts at once."""
    _django()
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    if quiet and not executor.migration_plan(executor.loader.graph.leaf_nodes()):
        return
    call_command("migrate", interactive=False, verbosity=0 if quiet else 1)


def cmd_setup(args: argparse.Namespace) -> None:
    setup_database(quiet=False)
    console.print("[green]The database is ready.[/green]")


def cmd_demo(args: argparse.Namespace) -> None:
    use_data_folder_secret_key(create=True)
    setup_database()
    from deliverology.demo.generator import generate_demo_system
    from deliverology.web.demo_system import install_demo_system, is_demo_installed

    password = os.environ.get("DELIVEROLOGY_DEMO_PASSWORD", DEMO_PASSWORD_DEFAULT)
    started = time.perf_counter()
    with console.status("Generating the demo system") as status:
        system = generate_demo_system(seed=args.seed, **demo_shape(args.schools))
        if is_demo_installed(system):
            console.print("The demo system is already in the database: nothing to do.")
        else:
            install_demo_system(system, password=password, say=status.update)
            console.print(
                f"Built the demo system ({len(system.local_units):,} local units, "
                f"{len(system.observations):,} observations) "
                f"in {time.perf_counter() - started:.0f} s."
            )
    console.print(
        f"Log in as [bold]analyst[/bold] (delivery unit), [bold]leader[/bold], "
        f"[bold]owner[/bold], [bold]district[/bold] or [bold]viewer[/bold], "
        f"password [bold]{password}[/bold]"
    )
    if not args.no_serve:
        serve(args.host, args.port, args.workers)


def demo_shape(schools: int) -> dict[str, int]:
    """200 districts in 8 regions at full size; fewer for a small demo (about 20 schools each)."""
    districts = min(200, max(1, schools // 20))
    return {"schools": schools, "districts": districts, "regions": min(8, max(1, districts // 4))}


# ------------------------------------------------- the England data set, as a system of its own

ENGLAND_DATA_DIR_DEFAULT = "var-england"


def cmd_england(args: argparse.Namespace) -> None:
    """Build the bundled England data set into its own SQLite database, never the demo's.

    Settings are read once per process, so the work runs in a child process whose settings
    name the England data directory and its database."""
    from pathlib import Path

    data_dir = Path(args.data_dir).resolve()
    database = f"sqlite:///{data_dir / 'deliverology.sqlite3'}"
    if os.environ.get("DELIVEROLOGY_DATA_DIR") != str(data_dir) or (
        os.environ.get("DATABASE_URL") != database
    ):
        child = {**os.environ, "DELIVEROLOGY_DATA_DIR": str(data_dir), "DATABASE_URL": database}
        command = [sys.executable, "-m", "deliverology.cli", *_england_arguments(args, data_dir)]
        status = subprocess.run(command, env=child, check=False).returncode  # noqa: S603
        if status:
            raise CommandError(f"Building the England system stopped (status {status}).")
        return
    _build_england(data_dir)
    if not args.no_serve:
        serve(args.host, args.port, args.workers)


def _england_arguments(args: argparse.Namespace, data_dir: Any) -> list[str]:
    arguments = ["england", "--data-dir", str(data_dir), "--host", args.host]
    arguments += ["--port", str(args.port), "--workers", str(args.workers)]
    return [*arguments, "--no-serve"] if args.no_serve else arguments


def _build_england(data_dir: Any) -> None:
    setup_database()
    from deliverology.web.england_system import (
        ANALYST,
        install_england_system,
        is_england_installed,
    )

    password = os.environ.get("DELIVEROLOGY_DEMO_PASSWORD", DEMO_PASSWORD_DEFAULT)
    if is_england_installed():
        console.print(f"The England system is already in {data_dir}: nothing to do.")
    else:
        with console.status("Loading the England data set") as status:
            install_england_system(password=password, say=status.update)
        console.print(f"Built the England system in {data_dir}.")
    console.print(f"Log in as [bold]{ANALYST}[/bold], password [bold]{password}[/bold]")


def cmd_serve(args: argparse.Namespace) -> None:
    setup_database()
    serve(args.host, args.port, args.workers)


def serve(host: str, port: int, workers: int) -> None:
    console.print(f"Serving Deliverology on [bold]http://{host}:{port}/[/bold] (Ctrl+C stops it)")
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "deliverology.web.wsgi:application",
        "--config=python:deliverology.web.gunicorn_conf",
        f"--bind={host}:{port}",
        f"--workers={workers}",
        "--access-logfile=-",
    ]
    from deliverology.supervisor import Supervisor

    signal.signal(signal.SIGTERM, _stop_serving)  # stopped by a service manager: stop both
    worker = Supervisor(
        [sys.executable, "-m", "deliverology.cli", "worker"], say=console.print
    ).start()
    web = subprocess.Popen(command)  # noqa: S603  (our own interpreter and arguments)
    try:
        status = web.wait()
    except KeyboardInterrupt:
        web.terminate()
        web.wait(timeout=60)
        status = 0
    finally:
        worker.stop()
    if status:
        raise CommandError(f"The web server stopped with status {status}")


def _stop_serving(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def cmd_import(args: argparse.Namespace) -> None:
    migrate_database()
    from deliverology.web.performance.imports import (
        file_seen,
        file_too_large,
        run_import,
        start_import,
    )
    from deliverology.web.performance.models import ImportRun

    path = Path(args.file)
    if not path.is_file():
        raise CommandError(f"There is no file at {path}")
    kind = _IMPORT_KINDS[args.kind]
    # Records are summed by the engine as they are read: their files may be any size.
    too_large = kind != ImportRun.Kind.RECORDS and file_too_large(path.stat().st_size)
    if too_large:
        raise CommandError(f"{too_large} (DELIVEROLOGY_MAX_UPLOAD_MB sets the limit.)")
    mapping, mapping_name = (None, "")
    if kind == ImportRun.Kind.OBSERVATIONS:
        mapping, mapping_name = _mapping(args)
    elif kind == ImportRun.Kind.RECORDS:
        mapping, mapping_name = _definition(args)
    seen = file_seen(path.resolve())  # before it is hashed: then checked, not hashed again
    run = start_import(
        ImportRun.Kind(kind), path.resolve(), mapping=mapping, mapping_name=mapping_name
    )
    with console.status("Checking the file") as status:
        run = run_import(
            run,
            commit=not args.check,
            say=status.update,
            recompute=args.recompute,
            seen=seen,
        )
    _print_run(run)
    if run.outcome in (ImportRun.Outcome.REFUSED, ImportRun.Outcome.FAILED):
        raise CommandError("Nothing was saved.")


_IMPORT_KINDS = {"units": "hierarchy", "observations": "observations", "records": "records"}


def _definition(args: argparse.Namespace) -> tuple[Any, str]:
    from deliverology.engine.definitions import DefinitionError, read_definition

    if not args.definition:
        raise CommandError("Records need a metric definition: --definition FILE.toml")
    try:
        return read_definition(Path(args.definition)), Path(args.definition).name
    except DefinitionError as error:
        raise CommandError(str(error)) from error


def _mapping(args: argparse.Namespace) -> tuple[Any, str]:
    from deliverology.engine.mapping import ColumnMapping, mapping_from_json
    from deliverology.web.performance.models import SavedMapping

    if not args.mapping:
        raise CommandError("Observations need a column mapping: --mapping NAME or FILE.json")
    saved = SavedMapping.objects.filter(name=args.mapping).first()
    if saved is not None:
        return ColumnMapping.from_dict(saved.mapping), saved.name
    path = Path(args.mapping)
    if not path.is_file():
        raise CommandError(f"'{args.mapping}' is neither a saved mapping nor a JSON file")
    try:
        return mapping_from_json(path.read_text(encoding="utf-8")), ""
    except (ValueError, TypeError, KeyError) as error:
        raise CommandError(f"The mapping in {path} is not valid: {error}") from error


def _summary(run: Any) -> str:
    return (
        f"{escape(run.file_name)}: [bold]{run.get_outcome_display()}[/bold] · "
        f"{run.rows_read:,} rows read, {run.figures_read:,} figures: "
        f"{run.rows_new:,} new, {run.rows_changed:,} changed, {run.rows_unchanged:,} unchanged, "
        f"{run.rows_set_aside:,} set aside, {_problems(run.problem_count)}"
    )


def _problems(count: int) -> str:
    return f"{count:,} problem{'' if count == 1 else 's'}"


def _print_run(run: Any) -> None:
    console.print(_summary(run))
    for problem in run.problems[:50]:
        console.print(f"  [red]✗[/red] {escape(problem)}")  # [brackets] are not markup
    for note in run.notes[:20]:
        console.print(f"  [yellow]–[/yellow] {escape(note)}")
    if run.problem_count > min(50, len(run.problems)):
        shown = min(50, len(run.problems))
        console.print(
            f"  … {_problems(run.problem_count)} in all; the first {shown} are shown here "
            f"(the Imports page lists {len(run.problems)})"
        )


def cmd_imports(args: argparse.Namespace) -> None:
    _django()
    from deliverology.web.performance.imports import close_interrupted_imports
    from deliverology.web.performance.models import ImportRun

    close_interrupted_imports()
    for run in ImportRun.objects.select_related("created_by")[: args.last]:
        when = run.started_at.strftime("%Y-%m-%d %H:%M")
        console.print(f"#{run.pk} {when} {_summary(run)}", soft_wrap=True)


def cmd_worker(args: argparse.Namespace) -> None:
    setup_database()
    from deliverology.web.backups import prune_uploads
    from deliverology.web.health.worker import run_worker
    from deliverology.web.performance.imports import close_interrupted_imports

    close_interrupted_imports()
    prune_uploads()
    run_worker()


def cmd_backup(args: argparse.Namespace) -> None:
    _django()
    from pathlib import Path

    from deliverology.web.backups import BackupError, backup

    try:
        archive = backup(Path(args.to))
    except BackupError as error:
        raise CommandError(str(error)) from error
    console.print(f"Backed up to [bold]{escape(str(archive))}[/bold]")


def cmd_restore(args: argparse.Namespace) -> None:
    _django()
    from pathlib import Path

    from deliverology.web.backups import BackupError, restore

    archive = Path(args.archive)
    if not archive.is_file():
        raise CommandError(f"There is no archive at {archive}")
    try:
        restored = restore(archive)
    except BackupError as error:
        raise CommandError(str(error)) from error
    manifest = restored.manifest
    console.print(
        f"Restored the backup of {manifest['created_at']}: "
        f"{manifest['observations']['count']:,} observations, "
        f"{len(manifest['uploads']):,} uploaded files. "
        f"Set {', '.join(manifest['secrets_not_kept'])} as before "
        "(they are not in the archive); run `deliverology setup` after an upgrade."
    )


def cmd_prune_uploads(args: argparse.Namespace) -> None:
    _django()
    from django.conf import settings

    from deliverology.web.backups import prune_uploads

    deleted = prune_uploads()
    console.print(
        f"Deleted {len(deleted):,} uploaded files older than "
        f"{settings.DELIVEROLOGY_UPLOAD_KEEP_DAYS} days (those of unfinished imports are kept)."
    )


def cmd_manage(args: argparse.Namespace) -> None:
    _django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["deliverology manage", *args.arguments])


def _add_server_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (8000)")
    parser.add_argument("--workers", type=int, default=2, help="web worker processes (2)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="deliverology",
        description="Deliverology: the system of record for a delivery unit.",
        epilog="Example: deliverology demo --port 8000",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser(
        "demo",
        help="build the demo system into the database and serve the web app",
        description="Build a realistic demo system (one state, 8 regions, 200 districts, "
        "4,000 schools) into the database, once, and serve the web app.",
        epilog="Example: deliverology demo --no-serve",
    )
    _add_server_options(demo)
    demo.add_argument("--no-serve", action="store_true", help="build the demo, then exit")
    demo.add_argument("--seed", type=int, default=2011, help="random seed (2011)")
    demo.add_argument("--schools", type=int, default=4000, help="number of schools (4000)")
    demo.set_defaults(handler=cmd_demo)

    england = commands.add_parser(
        "england",
        help="try the bundled England data set in a system of its own (not the demo's)",
        description="Build the England attainment-at-19 data set (local authorities, three "
        "metrics, 2005-2022) into its own SQLite database in its own data directory, once, "
        "and serve it. The demo's database, and any DATABASE_URL, are left untouched.",
        epilog="Example: deliverology england --port 8001",
    )
    _add_server_options(england)
    england.add_argument(
        "--data-dir",
        default=ENGLAND_DATA_DIR_DEFAULT,
        help=f"the England system's data directory ({ENGLAND_DATA_DIR_DEFAULT})",
    )
    england.add_argument("--no-serve", action="store_true", help="build it, then exit")
    england.set_defaults(handler=cmd_england)

    serve_parser = commands.add_parser(
        "serve",
        help="serve the web app",
        description="Upgrade the database if needed and serve the web app with gunicorn.",
        epilog="Example: deliverology serve --host 0.0.0.0 --port 8080 --workers 4",
    )
    _add_server_options(serve_parser)
    serve_parser.set_defaults(handler=cmd_serve)

    setup = commands.add_parser(
        "setup",
        help="create or upgrade the database",
        description="Apply the database migrations and collect the static files.",
        epilog="Example: DATABASE_URL=postgres://app:app@127.0.0.1/app deliverology setup",
    )
    setup.set_defaults(handler=cmd_setup)

    load = commands.add_parser(
        "import",
        help="check a file and load it: local units, observations or records",
        description="Check a file against what the database knows, report every problem with "
        "its row and column, and load it only if it has none: all or nothing. Loading the same "
        "file again changes nothing. Records (one row per student, patient or case) are "
        "computed into observations for every local unit at every level by the engine.",
        epilog="Example: deliverology import observations scores.xlsx --mapping state-tests "
        "(or: deliverology import records results.parquet --definition proficiency.toml). "
        "The hierarchy file's columns, every key of a column mapping and a worked example: "
        "docs/loading-data.md (Loading your own data).",
    )
    load.add_argument(
        "kind", choices=["units", "observations", "records"], help="what the file holds"
    )
    load.add_argument("file", help="a CSV, Excel (.xlsx) or Parquet file")
    load.add_argument("--mapping", help="a saved mapping's name, or a JSON mapping file")
    load.add_argument("--definition", help="for records: the metric definition (TOML or JSON)")
    load.add_argument("--check", action="store_true", help="check and preview, save nothing")
    load.add_argument(
        "--recompute",
        action="store_true",
        help="for records: compute and compare in full even when the same file and definition "
        "were imported and nothing has changed since",
    )
    load.set_defaults(handler=cmd_import)

    listing = commands.add_parser(
        "imports",
        help="list the latest imports and their outcome",
        description="List the latest imports: file, outcome and row counts.",
        epilog="Example: deliverology imports --last 5",
    )
    listing.add_argument("--last", type=int, default=20, help="how many to list (20)")
    listing.set_defaults(handler=cmd_imports)

    worker = commands.add_parser(
        "worker",
        help="run background work (uploaded files) as it is queued",
        description="Run queued background work, such as files uploaded in the web app. "
        "It waits out a locked database and says it is alive (see /healthz). "
        "`deliverology serve` starts one for you and starts it again if it ends.",
        epilog="Example: deliverology worker",
    )
    worker.set_defaults(handler=cmd_worker)

    saving = commands.add_parser(
        "backup",
        help="back up the database, the uploaded files and the settings into one archive",
        description="Write one .tar.gz archive: the database (SQLite's online backup, or "
        "pg_dump), the uploaded files imports still refer to, the method's configuration and a "
        "manifest naming the settings a restore needs. Secrets (SECRET_KEY) are not kept.",
        epilog="Example: deliverology backup --to /srv/backups",
    )
    saving.add_argument("--to", default="backups", help="folder for the archive (./backups)")
    saving.set_defaults(handler=cmd_backup)

    restoring = commands.add_parser(
        "restore",
        help="restore a backup into an empty database",
        description="Restore an archive written by `deliverology backup` into the configured "
        "database, which must be empty, and its uploaded files into the uploads folder.",
        epilog="Example: DELIVEROLOGY_DATA_DIR=/srv/new deliverology restore "
        "backups/deliverology-backup-20261205-140000.tar.gz",
    )
    restoring.add_argument("archive", help="the .tar.gz archive")
    restoring.set_defaults(handler=cmd_restore)

    pruning = commands.add_parser(
        "prune-uploads",
        help="delete uploaded files older than DELIVEROLOGY_UPLOAD_KEEP_DAYS",
        description="Delete uploaded files older than DELIVEROLOGY_UPLOAD_KEEP_DAYS (90), "
        "except those of imports not finished. The worker also does this when it starts.",
        epilog="Example: deliverology prune-uploads",
    )
    pruning.set_defaults(handler=cmd_prune_uploads)

    manage = commands.add_parser(
        "manage",
        help="run a Django management command (createsuperuser, shell, ...)",
        description="Run any Django management command against the configured database.",
        epilog="Example: deliverology manage createsuperuser",
    )
    manage.add_argument("arguments", nargs=argparse.REMAINDER)
    manage.set_defaults(handler=cmd_manage)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.handler(args)
    except CommandError as error:
        console.print(f"[red]Error:[/red] {error}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
