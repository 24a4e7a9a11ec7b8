"""The version of the figures, read from their tables' last ids in one cheap query.

Every change of an observation leaves a row in its history (django-simple-history: each
import, edit and deletion writes one), observations loaded in bulk take new ids, and rolled-up
figures are deleted and made again, with new ids, after every change of observations. So the
last history id, the last observation id and the last roll-up id together change with any
figure: the state of the figures, read from three primary keys without counting a table.

On PostgreSQL an id is handed out before its row is committed, so a row with a lower id than
the last one read may still be committed afterwards. `complete_figures_state` therefore reads
the state under a SHARE lock of the three tables, which waits for every transaction writing to
them to end and keeps new ones out until the transaction that took it ends: every row at or
below the ids read is then committed, and every later change takes higher ids. SQLite has one
writer at a time, whose ids are committed before the next writer takes any.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import DatabaseError, connection, transaction
from django.db.models import Model

from deliverology.web.performance.models import Observation, Rollup

# How long a complete state waits for the transactions writing figures (another import).
LOCK_WAIT = "5s"


def latest_id(model: type[Model]) -> str:
    """The query of a table's last id, as a subquery of one SELECT."""
    quote = connection.ops.quote_name
    column = quote(model._meta.pk.column)
    return f"(SELECT MAX({column}) FROM {quote(model._meta.db_table)})"  # noqa: S608


@dataclass(frozen=True)
class FiguresState:
    """The last ids of the observations' history, of the observations and of the roll-ups
    (0 for an empty table)."""

    history: int
    observations: int
    rollups: int

    def __str__(self) -> str:
        return f"{self.history}/{self.observations}/{self.rollups}"


def _tables() -> tuple[type[Model], ...]:
    return (Observation.history.model, Observation, Rollup)


def figures_state() -> FiguresState:
    """The state of the figures as committed now, in one query."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(latest_id(model) for model in _tables()))  # noqa: S608
        history, observations, rollups = cursor.fetchone()
    return FiguresState(history or 0, observations or 0, rollups or 0)


def complete_figures_state() -> FiguresState | None:
    """The state of the figures with no write to them still in progress (see above), or
    None when the writers did not end within LOCK_WAIT. Inside a transaction the lock is
    kept to its end, so nothing but that transaction's own writes can follow the state."""
    if connection.vendor != "postgresql":
        return figures_state()
    listed = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in _tables())
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_WAIT}'")
            cursor.execute(f"LOCK TABLE {listed} IN SHARE MODE")
            cursor.execute("SET LOCAL lock_timeout = DEFAULT")
            return figures_state()
    except DatabaseError:
        return None
