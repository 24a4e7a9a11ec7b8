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
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
from django.contrib.auth.models import User
from django.db import DatabaseError, transaction
from ibis.common.exceptions import IbisError  # type: ignore[import-untyped]
from simple_history.utils import bulk_update_with_history

from deliverology.core.periods import parse_period
from deliverology.engine.definitions import DefinitionError, RecordDefinition
from deliverology.engine.mapping import ColumnMapping
from deliverology.engine.metrics import MetricRow, RecordMetricError, compute_record_metric
from deliverology.engine.observations import MetricSpec, ObservationRow, read_observations
from deliverology.web.performance.actions import record_creation_history, refresh_rollups
from deliverology.web.performance.hierarchy_import import import_hierarchy as _import_hierarchy
from deliverology.web.performance.models import (
    ImportRun,
    LocalUnit,
    Metric,
    Observation,
    Subgroup,
)

Say = Callable[[str], None]
Key = tuple[int, int, int, str]  # metric, local unit, subgroup, period
PROBLEMS_KEPT = 200


@dataclass(frozen=True)
class Known:
    """What the database knows, by code, for checking and resolving a file's rows."""

    units: dict[str, int]
    metrics: dict[str, Metric]
    subgroups: dict[str, int]

    @classmethod
    def load(cls) -> Known:
        return cls(
            units=dict(LocalUnit.objects.values_list("code", "pk")),
            metrics={m.code: m for m in Metric.objects.all()},
            subgroups=dict(Subgroup.objects.values_list("code", "pk")),
        )

    def metric_specs(self) -> dict[str, MetricSpec]:
        return {
            code: MetricSpec(code, m.core_aggregation, m.period_kind, m.scale)
            for code, m in self.metrics.items()
        }


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


def run_import(run: ImportRun, *, commit: bool, say: Say | None = None) -> ImportRun:
    """Check the run's file, then (if `commit` and it has no problems) write it."""
    path = Path(run.stored_path)
    if file_sha256(path) != run.file_sha256:
        return run.finish(ImportRun.Outcome.FAILED, ["The file changed after it was uploaded."])
    report = _progress_reporter(run, also=say)
    run.outcome = ImportRun.Outcome.RUNNING
    run.save(update_fields=["outcome"])
    if run.kind == ImportRun.Kind.HIERARCHY:
        return _import_hierarchy(run, path, commit=commit, say=report)
    if run.kind == ImportRun.Kind.RECORDS:
        return _import_records(run, path, commit=commit, say=report)
    return _import_observations(run, path, commit=commit, say=report)


def _progress_reporter(run: ImportRun, also: Say | None) -> Say:
    """Progress is kept on the run, for the browser, and passed on (to the terminal)."""

    def say(message: str) -> None:
        run.progress = message[:200]
        ImportRun.objects.filter(pk=run.pk).update(progress=run.progress)
        if also is not None:
            also(message)

    return say


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
    )
    run.rows_read = len(read.rows)
    run.rows_set_aside = len(read.placeholders)
    notes = [*read.notes, *read.placeholders]
    run.notes = [str(note) for note in notes][:PROBLEMS_KEPT]
    if read.problems:
        return run.finish(ImportRun.Outcome.REFUSED, problems=[str(p) for p in read.problems])
    return _compare_and_write(run, read.rows, known, commit=commit, say=say)


def _import_records(run: ImportRun, path: Path, *, commit: bool, say: Say) -> ImportRun:
    known = Known.load()
    try:
        definition = RecordDefinition.from_dict(run.mapping)
        spec = known.metric_specs().get(definition.metric)
        if spec is None:
            raise DefinitionError(f"metric '{definition.metric}' is not defined in Deliverology")
        say(f"Computing {definition.metric} from the records, at every level")
        figures = compute_record_metric(path, definition.record_metric(spec))
    except (DefinitionError, RecordMetricError, duckdb.Error, IbisError) as error:
        return run.finish(ImportRun.Outcome.REFUSED, [f"{run.file_name}: {error}"])
    problems = _unknown_codes(figures, definition, known)
    run.rows_read = len(figures)
    records = sum(f.records for f in figures if f.level == next(iter(definition.levels)))
    run.notes = [f"{records:,} records gave {len(figures):,} figures"]
    if problems:
        return run.finish(ImportRun.Outcome.REFUSED, problems)
    return _compare_and_write(run, _as_rows(figures), known, commit=commit, say=say)


def _unknown_codes(
    figures: Sequence[MetricRow], definition: RecordDefinition, known: Known
) -> list[str]:
    problems = []
    for level, column in definition.levels.items():
        codes = {f.local_unit_code for f in figures if f.level == level} - set(known.units)
        if codes:
            problems.append(_unknown("local unit", codes, f"column '{column}' ({level})"))
    subgroups = {f.subgroup_code for f in figures} - set(known.subgroups)
    if subgroups:
        columns = ", ".join(f"'{c}'" for c in definition.subgroups)
        problems.append(_unknown("subgroup", subgroups, f"column {columns}"))
    return problems


def _unknown(what: str, codes: set[str], where: str) -> str:
    shown = ", ".join(f"'{code}'" for code in sorted(codes)[:10])
    more = f" and {len(codes) - 10:,} more" if len(codes) > 10 else ""
    return (
        f"{len(codes):,} {what} code(s) in {where} are not known: {shown}{more}. "
        f"Load or add them first."
    )


def _as_rows(figures: Iterable[MetricRow]) -> Iterator[ObservationRow]:
    for figure in figures:
        yield ObservationRow(
            line=0,
            metric_code=figure.metric_code,
            local_unit_code=figure.local_unit_code,
            period=figure.period,
            subgroup_code=figure.subgroup_code,
            numerator=figure.numerator,
            denominator=figure.denominator,
            value=figure.value,
        )


def _compare_and_write(
    run: ImportRun, rows: Iterable[ObservationRow], known: Known, *, commit: bool, say: Say
) -> ImportRun:
    say("Comparing with the figures already held")
    plan = _plan(list(rows), known, run)
    run.rows_new, run.rows_changed, run.rows_unchanged = (
        len(plan.new),
        len(plan.changed),
        plan.unchanged,
    )
    if not commit:
        return run.finish(ImportRun.Outcome.PREVIEWED)
    say(f"Writing {len(plan.new):,} new and {len(plan.changed):,} changed figures")
    try:
        _write(plan, run, run.created_by, known)
    except DatabaseError as error:
        run.finish(ImportRun.Outcome.FAILED, [f"The database refused the import: {error}"])
        raise
    return run.finish(ImportRun.Outcome.COMMITTED)


@dataclass
class Plan:
    new: list[Observation]
    changed: list[Observation]
    unchanged: int
    metrics: set[int]


def _plan(rows: Sequence[ObservationRow], known: Known, run: ImportRun) -> Plan:
    existing = _existing(rows, known)
    plan = Plan(new=[], changed=[], unchanged=0, metrics=set())
    for row in rows:
        metric = known.metrics[row.metric_code]
        key = (metric.pk, known.units[row.local_unit_code], known.subgroups[row.subgroup_code])
        current = existing.get((*key, row.period))
        fresh = _observation(row, metric, key, run)
        if current is None:
            plan.new.append(fresh)
        elif _same(current, fresh):
            plan.unchanged += 1
            continue
        else:
            _copy_figures(fresh, current)
            plan.changed.append(current)
        plan.metrics.add(metric.pk)
    return plan


def _existing(rows: Sequence[ObservationRow], known: Known) -> dict[Key, Observation]:
    metrics = {known.metrics[row.metric_code].pk for row in rows}
    periods = {row.period for row in rows}
    queryset = Observation.objects.filter(metric__in=metrics, period__in=periods)
    return {(o.metric_id, o.local_unit_id, o.subgroup_id, o.period): o for o in queryset}


def _observation(
    row: ObservationRow, metric: Metric, key: tuple[int, int, int], run: ImportRun
) -> Observation:
    metric_id, unit_id, subgroup_id = key
    value = row.value
    if value is None and not row.missing_reason:
        value = metric.measure_value(row.numerator, row.denominator)
    return Observation(
        metric_id=metric_id,
        local_unit_id=unit_id,
        subgroup_id=subgroup_id,
        period=row.period,
        period_start=parse_period(row.period, metric.period_kind).start,
        numerator=row.numerator,
        denominator=row.denominator,
        value=value,
        provisional=row.provisional,
        missing_reason=row.missing_reason or "",
        source=run.file_name,
        import_run=run,
    )


_FIGURES = ("numerator", "denominator", "value", "provisional", "missing_reason")


def _same(current: Observation, fresh: Observation) -> bool:
    return all(_equal(getattr(current, f), getattr(fresh, f)) for f in _FIGURES)


def _equal(first: Any, second: Any) -> bool:
    if isinstance(first, float) and isinstance(second, float):
        return math.isclose(first, second, rel_tol=1e-12, abs_tol=1e-12)
    return bool(first == second)


def _copy_figures(source: Observation, target: Observation) -> None:
    for field in (*_FIGURES, "source", "import_run"):
        setattr(target, field, getattr(source, field))


@transaction.atomic
def _write(plan: Plan, run: ImportRun, by: User | None, known: Known) -> None:
    Observation.objects.load_new(plan.new)
    record_creation_history(run, by)
    if plan.changed:
        bulk_update_with_history(
            plan.changed,
            Observation,
            [*_FIGURES, "source", "import_run"],
            batch_size=2000,
            default_user=by,
            default_change_reason=f"import {run.pk}",
        )
    refresh_rollups(m for m in known.metrics.values() if m.pk in plan.metrics)
