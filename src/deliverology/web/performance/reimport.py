"""A record file imported again with nothing changed, known without computing its figures.

Computing a national file's figures and comparing them with those held takes seconds; when
nothing has changed since the file was last imported, the answer is known beforehand. An
import's fingerprint covers everything its figures and their comparison depend on: the file
(the SHA-256 every import keeps, taken when it was started; a queued upload's is checked
again before it runs), the definition, the metric as Deliverology knows it, the local units
and subgroups its codes are mapped through (with the parents, types and dates the roll-ups
use), the engine's backend, the versions of its libraries and the code that computes and
compares.

A committed record import keeps its fingerprint and the state of the figures it left
(versions.py), but only when nothing else changed a figure while it ran: its own new figures
must have taken the next observation ids, and its new and changed ones the next history ids.
An import with the same fingerprint, while the figures are still in that state, would find
every figure unchanged and write nothing: it says so and computes nothing. A change of any
figure or roll-up since (of any metric), a unit moved, another definition or another file
makes it compute in full; so does `deliverology import records --recompute`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.db import connection
from django.db.models import Model
from django.utils import timezone

from deliverology.engine.compiled_sql import fingerprint
from deliverology.engine.metrics import RecordMetric, record_metric_key
from deliverology.web.performance import record_import
from deliverology.web.performance.models import (
    ImportRun,
    LocalUnit,
    Metric,
    Observation,
    Subgroup,
)
from deliverology.web.performance.versions import (
    FiguresState,
    complete_figures_state,
    figures_state,
)

_UNIT_COLUMNS = ("id", "code", "parent_id", "type", "valid_from", "valid_to")


def codes_fingerprint() -> str:
    """The local units and subgroups as an import maps its codes through them and its
    roll-ups add up: each unit's id, code, parent, type and dates, in the order of the
    hierarchy (a parent's children's type is its first child's), each subgroup's id and
    code. Read before the import reads them, so that a change in between shows here; read
    as the database gives the rows (no model, no conversion), for 100,000 units."""
    quote = connection.ops.quote_name
    digest = hashlib.sha256()
    units = quote(LocalUnit._meta.db_table)
    subgroups = quote(Subgroup._meta.db_table)
    columns = ", ".join(quote(column) for column in _UNIT_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {units} ORDER BY path, id")  # noqa: S608
        while rows := cursor.fetchmany(20_000):
            digest.update(repr(rows).encode("utf-8"))
        digest.update(b"subgroups")
        cursor.execute(f"SELECT id, code FROM {subgroups} ORDER BY id")  # noqa: S608
        digest.update(repr(cursor.fetchall()).encode("utf-8"))
    return digest.hexdigest()


def import_fingerprint(
    run: ImportRun, metric: Metric, computed: RecordMetric, backend: str, codes: str
) -> str:
    """The fingerprint of a record import: the same for two imports whose figures and
    comparison cannot differ. Empty when the metric cannot be written down."""
    engine = record_metric_key(computed, backend)
    if engine is None:
        return ""
    comparison = Path(record_import.__file__).read_bytes()
    return fingerprint(
        {
            "file": [run.file_sha256, run.file_size],
            "definition": run.mapping,
            "metric": [metric.pk, metric.code, metric.aggregation, metric.frequency, metric.scale],
            "codes": codes,
            "engine": engine,
            "comparison": hashlib.sha256(comparison).hexdigest(),
        }
    )


def unchanged_since(run: ImportRun) -> ImportRun | None:
    """The latest committed record import of the same fingerprint that left the figures in
    the state they are in now, or None: then the import must compute."""
    if not run.fingerprint:
        return None
    return (
        ImportRun.objects.filter(
            kind=ImportRun.Kind.RECORDS,
            outcome=ImportRun.Outcome.COMMITTED,
            fingerprint=run.fingerprint,
            figures_state=str(figures_state()),
        )
        .exclude(pk=run.pk)
        .order_by("-pk")
        .first()
    )


def state_before() -> FiguresState | None:
    """The state of the figures before an import reads those held (None: unknown)."""
    return complete_figures_state()


def state_left(before: FiguresState | None, new: int, changed: int) -> FiguresState | None:
    """The state an import left, read in its transaction after its writes, when nothing but
    them came after `before`: the only observations after it are its `new` figures, the
    only history rows its `new` and `changed` ones. None otherwise: the import cannot serve
    as the match of a later one."""
    if before is None:
        return None
    after = complete_figures_state()
    if after is None:
        return None
    history = Observation.history.model
    if not _only(history, before.history, after.history, new + changed):
        return None
    if not _only(Observation, before.observations, after.observations, new):
        return None
    return after


def _only(model: type[Model], since: int, last: int, ours: int) -> bool:
    """Whether the rows of `model` with ids above `since` (up to `last`) are `ours` rows:
    at once when they fill the ids in between, else counted (ids skipped by a rolled-back
    write, or a table emptied and its ids not taken again)."""
    if last - since == ours:
        return True
    return model._default_manager.filter(pk__gt=since).count() == ours


def take_over(run: ImportRun, matched: ImportRun) -> None:
    """The counts of the matching import for `run`, which reads the same file: every figure
    unchanged, as that import left them."""
    run.rows_read, run.figures_read = matched.rows_read, matched.figures_read
    run.rows_new = run.rows_changed = 0
    run.rows_unchanged = matched.figures_read
    run.notes = [
        f"{matched.rows_read:,} records gave {matched.figures_read:,} figures",
        note(matched),
    ]


def note(matched: ImportRun) -> str:
    when = timezone.localtime(matched.finished_at or matched.started_at)
    return (
        f"The same file and definition as import {matched.pk} of {when:%Y-%m-%d %H:%M}, and "
        "no figure has changed since: nothing computed again, nothing written."
    )
