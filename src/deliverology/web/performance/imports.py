"""Loading files into the database: validate everything first, then all or nothing.

The engine reads and checks a file against what the database knows (local units, metrics,
subgroups) without writing anything. Only a file with no problems is written, in one
transaction: a failure or a killed process leaves the database exactly as it was. Loading the
same file twice changes nothing the second time. Every new or changed figure keeps its history,
with the import it came from, so a delivery unit can say what a figure was on any date.
"""

from __future__ import annotations

import hashlib
import math
import os
import socket
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

import duckdb
from django.conf import settings
from django.contrib.auth.models import User
from django.db import DatabaseError, transaction
from django.utils import timezone
from ibis.common.exceptions import IbisError
from simple_history.utils import bulk_update_with_history

from deliverology.core.aggregation import Aggregation, measure_value
from deliverology.core.periods import PeriodKind, parse_period
from deliverology.engine.backends import BackendError
from deliverology.engine.definitions import DefinitionError, RecordDefinition
from deliverology.engine.mapping import DEFAULT_SUBGROUP, ColumnMapping
from deliverology.engine.metrics import RecordMetric, RecordMetricError
from deliverology.engine.observations import MetricSpec, ObservationRow, read_observations
from deliverology.engine.reading import UNPACKED_RATIO
from deliverology.web.performance import record_import, reimport
from deliverology.web.performance.actions import record_creation_history, refresh_rollups
from deliverology.web.performance.hierarchy_import import import_hierarchy as _import_hierarchy
from deliverology.web.performance.models import (
    PROBLEMS_KEPT,
    ImportRun,
    LocalUnit,
    Metric,
    Observation,
    Subgroup,
)
from deliverology.web.performance.versions import FiguresState

Say = Callable[[str], None]
Key = tuple[int, int, int, str]  # metric, local unit, subgroup, period


@dataclass(frozen=True)
class Known:
    """What the database knows, by code, for checking and resolving a file's rows."""

    units: dict[str, int]
    metrics: dict[str, Metric]
    subgroups: dict[str, int]
    validity: dict[str, tuple[date | None, date | None]] = field(default_factory=dict)

    @classmethod
    def load(cls) -> Known:
        dated = LocalUnit.objects.exclude(valid_from=None, valid_to=None)
        return cls(
            units=dict(LocalUnit.objects.values_list("code", "pk")),
            metrics={m.code: m for m in Metric.objects.all()},
            subgroups=dict(Subgroup.objects.values_list("code", "pk")),
            validity={
                code: (start, end)
                for code, start, end in dated.values_list("code", "valid_from", "valid_to")
            },
        )

    def metric_specs(self) -> dict[str, MetricSpec]:
        return {
            code: MetricSpec(code, m.core_aggregation, m.period_kind, m.scale)
            for code, m in self.metrics.items()
        }


def max_file_bytes() -> int:
    """The largest file that may be loaded: DELIVEROLOGY_MAX_UPLOAD_MB."""
    return int(settings.DELIVEROLOGY_MAX_UPLOAD_MB * 1_000_000)


def file_too_large(size: int) -> str | None:
    """Why a file of `size` bytes may not be loaded, or None when it may."""
    most = max_file_bytes()
    if size <= most:
        return None
    return (
        f"The file is {_megabytes(size)}; files of at most {_megabytes(most)} can be loaded. "
        "Split it into smaller files (by year or by region, for example)."
    )


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:,.1f} MB"


FileSeen = tuple[int, int, int, int]


def file_seen(path: Path) -> FileSeen:
    """What changes when a file is written or replaced: its size, modification time (to the
    nanosecond), inode and device."""
    found = path.stat()
    return found.st_size, found.st_mtime_ns, found.st_ino, found.st_dev


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def start_import(
    kind: ImportRun.Kind,
    path: Path,
    *,
    file_name: str | None = None,
    mapping: ColumnMapping | RecordDefinition | None = None,
    mapping_name: str = "",
    by: User | None = None,
) -> ImportRun:
    """Record a file waiting to be checked and loaded; `run_import` does the work.

    `mapping` says how to read it: a column mapping for observations, a metric definition
    for records, nothing for a hierarchy.
    """
    return ImportRun.objects.create(
        kind=kind,
        file_name=file_name or path.name,
        file_sha256=file_sha256(path),
        file_size=path.stat().st_size,
        stored_path=str(path),
        mapping=mapping.to_dict() if mapping else {},
        mapping_name=mapping_name,
        outcome=ImportRun.Outcome.QUEUED,
        created_by=by,
    )


def run_import(
    run: ImportRun,
    *,
    commit: bool,
    say: Say | None = None,
    recompute: bool = False,
    seen: FileSeen | None = None,
) -> ImportRun:
    """Check the run's file, then (if `commit` and it has no problems) write it. A record
    file imported again with nothing changed is not computed again unless `recompute`
    (reimport.py).

    A queued file is hashed again first, in case it changed while it waited. A caller that
    looked at the file (`file_seen`) just before `start_import` hashed it gives `seen`
    instead: the file is only looked at again, not hashed twice (a national file takes a
    second or more to hash)."""
    path = Path(run.stored_path)
    if seen is None:
        seen = file_seen(path)
        if file_sha256(path) != run.file_sha256:
            return run.finish(ImportRun.Outcome.FAILED, ["The file changed after it was uploaded."])
    elif file_seen(path) != seen:
        return run.finish(ImportRun.Outcome.FAILED, ["The file changed while it was read."])
    report = _progress_reporter(run, also=say)
    run.outcome = ImportRun.Outcome.RUNNING
    run.runner = this_runner()
    run.heartbeat_at = timezone.now()
    run.save(update_fields=["outcome", "runner", "heartbeat_at"])
    if run.kind == ImportRun.Kind.HIERARCHY:
        return _import_hierarchy(run, path, commit=commit, say=report)
    if run.kind == ImportRun.Kind.RECORDS:
        return _import_records(run, path, commit=commit, say=report, recompute=recompute, seen=seen)
    return _import_observations(run, path, commit=commit, say=report)


def _progress_reporter(run: ImportRun, also: Say | None) -> Say:
    """Progress is kept on the run, for the browser, and passed on (to the terminal)."""

    def say(message: str) -> None:
        run.progress = message[:200]
        run.heartbeat_at = timezone.now()
        ImportRun.objects.filter(pk=run.pk).update(
            progress=run.progress, heartbeat_at=run.heartbeat_at
        )
        if also is not None:
            also(message)

    return say


INTERRUPTED = (
    "The import stopped before it finished: the process running it ended (stopped, killed, "
    "out of memory or restarted). Nothing was saved; load the file again."
)


def fail_import(run: ImportRun, error: BaseException) -> None:
    """Mark a run that stopped on an error as failed (interrupted if it was stopped), unless
    it has already finished. Its transaction was rolled back: nothing was saved."""
    run.refresh_from_db(fields=["outcome"])
    if run.is_done:
        return
    if isinstance(error, Exception):
        reason = f"The import stopped on an error: {error.__class__.__name__}: {error}"
        run.finish(ImportRun.Outcome.FAILED, [reason[:1000]])
    else:  # the worker was stopped or the task cancelled
        run.finish(ImportRun.Outcome.INTERRUPTED, [INTERRUPTED])


def this_runner() -> str:
    """Who runs an import: this machine and process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def close_interrupted_imports(now: datetime | None = None) -> int:
    """Mark as interrupted the imports still shown as running whose process has gone.

    On this machine, a process that no longer exists has gone; on any machine, one silent for
    longer than DELIVEROLOGY_IMPORT_SILENT_HOURS has. Nothing of theirs was saved: an import
    writes in one transaction. Returns how many were closed.
    """
    now = now or timezone.now()
    silent_since = now - timedelta(hours=settings.DELIVEROLOGY_IMPORT_SILENT_HOURS)
    host = socket.gethostname()
    gone = [
        run
        for run in ImportRun.objects.filter(outcome=ImportRun.Outcome.RUNNING)
        if _has_gone(run, host, silent_since)
    ]
    for run in gone:
        run.finish(ImportRun.Outcome.INTERRUPTED, [INTERRUPTED])
    return len(gone)


def _has_gone(run: ImportRun, host: str, silent_since: datetime) -> bool:
    if run.heartbeat_at is None or run.heartbeat_at < silent_since:
        return True
    runner_host, _, pid = run.runner.rpartition(":")
    return runner_host == host and pid.isdigit() and not _process_exists(int(pid))


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: nothing is sent, the process is only looked up
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, run by someone else
        return True
    return True


def _import_observations(run: ImportRun, path: Path, *, commit: bool, say: Say) -> ImportRun:
    mapping = ColumnMapping.from_dict(run.mapping)
    known = Known.load()
    say("Reading and checking the file")
    read = read_observations(
        path,
        mapping,
        known_units=set(known.units),
        known_metrics=known.metric_specs(),
        known_subgroups=set(known.subgroups),
        file_name=run.file_name,
        max_unpacked=UNPACKED_RATIO * max_file_bytes(),
        unit_validity=known.validity,
    )
    run.rows_read = read.stats.file_rows
    run.figures_read = len(read.rows)
    run.rows_set_aside = len(read.placeholders)
    notes = [*read.notes, *read.placeholders]
    run.notes = [str(note) for note in notes][:PROBLEMS_KEPT]
    if read.problems:
        return run.finish(
            ImportRun.Outcome.REFUSED,
            problems=[str(p) for p in read.problems],
            total=read.stats.problem_count,
        )
    return _compare_and_write(run, read.rows, known, commit=commit, say=say)


def _import_records(
    run: ImportRun, path: Path, *, commit: bool, say: Say, recompute: bool, seen: FileSeen
) -> ImportRun:
    """Figures computed from records stay in a DuckDB workspace until they are written: see
    record_import.py. The same file and definition as a committed import, with nothing
    changed since, is answered without computing (reimport.py) unless `recompute`. An
    import whose file was touched between its hash (`seen` before it) and the end of its
    reading keeps no state: its figures may not be those of the file it names."""
    codes = reimport.codes_fingerprint()
    known = Known.load()
    try:
        definition, computed = _record_metric(run, known)
    except DefinitionError as error:
        return run.finish(ImportRun.Outcome.REFUSED, [f"{run.file_name}: {error}"])
    metric = known.metrics[definition.metric]
    engine = settings.DELIVEROLOGY_ENGINE
    run.fingerprint = reimport.import_fingerprint(run, metric, computed, engine, codes)
    matched = None if recompute else reimport.unchanged_since(run)
    if matched is not None:
        return _unchanged(run, matched, commit=commit)
    budget = record_import.Budget.from_settings()
    with record_import.workspace(budget) as workspace:
        try:
            say(f"Computing {definition.metric} from the records, at every level")
            record_import.compute_figures(workspace, path, computed, engine)
        except (DefinitionError, RecordMetricError, BackendError, duckdb.Error, IbisError) as error:
            return run.finish(ImportRun.Outcome.REFUSED, [f"{run.file_name}: {error}"])
        con = workspace.con
        problems = record_import.unknown_codes(con, definition, known.units, known.subgroups)
        smallest = next(iter(definition.levels))
        records, figures = record_import.records_and_figures(con, smallest, DEFAULT_SUBGROUP)
        run.rows_read, run.figures_read = records, figures
        run.notes = [f"{records:,} records gave {figures:,} figures"]
        if problems:
            return run.finish(ImportRun.Outcome.REFUSED, problems)
        say("Comparing with the figures already held")
        before = reimport.state_before() if commit else None
        compared = record_import.compare(con, metric, budget)
        run.rows_new, run.rows_changed = compared.new, compared.changed
        run.rows_unchanged = compared.unchanged
        if not commit:
            return run.finish(ImportRun.Outcome.PREVIEWED)
        left = _write_records(run, con, metric, compared, budget, before, say)
    read_as_hashed = file_seen(path) == seen
    run.figures_state = str(left) if left is not None and read_as_hashed else ""
    return run.finish(ImportRun.Outcome.COMMITTED)


def _record_metric(run: ImportRun, known: Known) -> tuple[RecordDefinition, RecordMetric]:
    """The run's definition, and the engine's metric with how it adds up as the database
    knows it."""
    definition = RecordDefinition.from_dict(run.mapping)
    spec = known.metric_specs().get(definition.metric)
    if spec is None:
        raise DefinitionError(f"metric '{definition.metric}' is not defined in Deliverology")
    return definition, definition.record_metric(spec)


def _unchanged(run: ImportRun, matched: ImportRun, *, commit: bool) -> ImportRun:
    """An import of the same fingerprint as `matched`, with the figures as it left them:
    its counts, nothing computed, nothing written. A committed one keeps the state, so it
    serves as a match in turn."""
    reimport.take_over(run, matched)
    if not commit:
        return run.finish(ImportRun.Outcome.PREVIEWED)
    run.figures_state = matched.figures_state
    return run.finish(ImportRun.Outcome.COMMITTED)


def _write_records(
    run: ImportRun,
    con: duckdb.DuckDBPyConnection,
    metric: Metric,
    compared: record_import.Compared,
    budget: record_import.Budget,
    before: FiguresState | None,
    say: Say,
) -> FiguresState | None:
    """Write the new and changed figures, and read the state of the figures they leave in
    the same transaction (None when it cannot be vouched for)."""
    if not (compared.new or compared.changed):
        return reimport.state_left(before, 0, 0)
    say(f"Writing {compared.new:,} new and {compared.changed:,} changed figures")
    try:
        with transaction.atomic():
            record_import.write(con, metric, run, compared, budget, run.created_by)
            return reimport.state_left(before, compared.new, compared.changed)
    except DatabaseError as error:
        run.finish(ImportRun.Outcome.FAILED, [f"The database refused the import: {error}"])
        raise


def _compare_and_write(
    run: ImportRun, rows: Iterable[ObservationRow], known: Known, *, commit: bool, say: Say
) -> ImportRun:
    say("Comparing with the figures already held")
    plan = _plan(rows if isinstance(rows, Sequence) else list(rows), known, run, keep_new=commit)
    run.rows_new, run.rows_changed, run.rows_unchanged = (
        plan.new_count,
        len(plan.changed),
        plan.unchanged,
    )
    if not commit:
        return run.finish(ImportRun.Outcome.PREVIEWED)
    say(f"Writing {plan.new_count:,} new and {len(plan.changed):,} changed figures")
    try:
        _write(plan, run, run.created_by, known)
    except DatabaseError as error:
        run.finish(ImportRun.Outcome.FAILED, [f"The database refused the import: {error}"])
        raise
    return run.finish(ImportRun.Outcome.COMMITTED)


class NewFigure(NamedTuple):
    """A figure not held yet, in the order `Observation.objects.load_figures` takes it."""

    metric_id: int
    local_unit_id: int
    subgroup_id: int
    period: str
    period_start: date
    numerator: float | None
    denominator: float | None
    value: float | None
    provisional: bool
    missing_reason: str


Figures = tuple[float | None, float | None, float | None, bool, str]  # as in _FIGURES
_FIGURES = ("numerator", "denominator", "value", "provisional", "missing_reason")


@dataclass
class Plan:
    new: list[NewFigure]
    changed: dict[int, Figures]  # observation id -> its new figures
    unchanged: int
    metrics: set[int]
    new_count: int = 0


def _plan(
    rows: Sequence[ObservationRow], known: Known, run: ImportRun, *, keep_new: bool = True
) -> Plan:
    """Sort the file's figures into new, changed and unchanged, without model instances:
    a record-level import brings a million figures or more. A preview (`keep_new` false)
    only counts the new figures: it writes none."""
    held = _held(rows, known)
    how = {code: _HowItAddsUp.of(metric) for code, metric in known.metrics.items()}
    plan = Plan(new=[], changed={}, unchanged=0, metrics=set())
    for row in rows:
        metric = how[row.metric_code]
        unit, subgroup = known.units[row.local_unit_code], known.subgroups[row.subgroup_code]
        figures = metric.figures(row)
        current = held.get((metric.pk, unit, subgroup, row.period))
        if current is None:
            plan.new_count += 1
            if keep_new:
                start = metric.start_of(row.period)
                plan.new.append(NewFigure(metric.pk, unit, subgroup, row.period, start, *figures))
        elif _same(current[1:], figures):
            plan.unchanged += 1
            continue
        else:
            plan.changed[current[0]] = figures
        plan.metrics.add(metric.pk)
    return plan


@dataclass
class _HowItAddsUp:
    """A metric's aggregation, scale and period kind, read once for a million rows."""

    pk: int
    aggregation: Aggregation
    scale: float
    kind: PeriodKind
    starts: dict[str, date] = field(default_factory=dict)

    @classmethod
    def of(cls, metric: Metric) -> _HowItAddsUp:
        return cls(metric.pk, metric.core_aggregation, metric.scale, metric.period_kind)

    def start_of(self, period: str) -> date:
        if period not in self.starts:
            self.starts[period] = parse_period(period, self.kind).start
        return self.starts[period]

    def figures(self, row: ObservationRow) -> Figures:
        value = row.value
        if value is None and not row.missing_reason:
            value = measure_value(self.aggregation, row.numerator, row.denominator, self.scale)
        return row.numerator, row.denominator, value, row.provisional, row.missing_reason or ""


def _held(rows: Sequence[ObservationRow], known: Known) -> dict[Key, tuple[Any, ...]]:
    """The figures already held for the file's metrics and periods, with their ids."""
    metrics = {known.metrics[row.metric_code].pk for row in rows}
    periods = {row.period for row in rows}
    keys = ("metric_id", "local_unit_id", "subgroup_id", "period")
    queryset = Observation.objects.filter(metric__in=metrics, period__in=periods)
    return {
        tuple(found[:4]): found[4:]
        for found in queryset.values_list(*keys, "pk", *_FIGURES).iterator(chunk_size=20_000)
    }


def _same(current: Sequence[Any], fresh: Figures) -> bool:
    return all(_equal(a, b) for a, b in zip(current, fresh, strict=True))


def _equal(first: Any, second: Any) -> bool:
    if isinstance(first, float) and isinstance(second, float):
        return math.isclose(first, second, rel_tol=1e-12, abs_tol=1e-12)
    return bool(first == second)


def _changed_observations(plan: Plan, run: ImportRun) -> Iterator[Observation]:
    """The observations a file changes, read in batches: no statement carries more values
    than DELIVEROLOGY_IMPORT_BATCH_SIZE, within SQLite's limit on variables."""
    ids = list(plan.changed)
    size = settings.DELIVEROLOGY_IMPORT_BATCH_SIZE
    for start in range(0, len(ids), size):
        batch = Observation.objects.filter(pk__in=ids[start : start + size])
        yield from _with_new_figures(batch, plan, run)


def _with_new_figures(
    found: Iterable[Observation], plan: Plan, run: ImportRun
) -> list[Observation]:
    observations = list(found)
    for observation in observations:
        for name, figure in zip(_FIGURES, plan.changed[observation.pk], strict=True):
            setattr(observation, name, figure)
        observation.source, observation.import_run = run.file_name, run
    return observations


@transaction.atomic
def _write(plan: Plan, run: ImportRun, by: User | None, known: Known) -> None:
    Observation.objects.load_figures(plan.new, source=run.file_name, import_run_id=run.pk)
    record_creation_history(run, by)
    if plan.changed:
        fields = [*_FIGURES, "source", "import_run"]
        # An update of n rows carries an id and a value per field and row, and the ids again.
        rows_a_statement = settings.DELIVEROLOGY_IMPORT_BATCH_SIZE // (2 * len(fields) + 1)
        bulk_update_with_history(
            list(_changed_observations(plan, run)),
            Observation,
            fields,
            batch_size=max(1, rows_a_statement),
            default_user=by,
            default_change_reason=f"import {run.pk}",
        )
    refresh_rollups(m for m in known.metrics.values() if m.pk in plan.metrics)
