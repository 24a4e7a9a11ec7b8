"""Rankings of whole league tables kept in the process until the figures under them change.

Ranking 5,000 schools reads 20,000 figures and every plan (about 40 ms); a page of the table
needs only its 50 rows' full figures. So each process keeps the last rankings it worked out
(a few arrays each, not an object per unit) under the version of the data they were read from.

The version is read in one query from the tables' own change records: the latest row of the
history (django-simple-history) of observations, targets, trajectories and their points,
sub-target sets and sub-targets, which every import, edit and deletion writes; the last id of
rolled-up figures (deleted and made again, with new ids, after every change of observations)
and of observations (those loaded in bulk take new ids); and the last id and the count of the
small tables made again without history: sub-target points, trajectory points and local units.
No count of a table of figures is ever taken: at national scale it would cost seconds. Any
change to any of them changes the version and every ranking is worked out again; between
changes, every request is served from the arrays. A local unit renamed in place (no new row)
keeps its old name in the ranking until the next change of figures, targets or units.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Model

from deliverology.web.performance.models import LocalUnit, Observation, Rollup
from deliverology.web.performance.versions import latest_id
from deliverology.web.priorities.models import Target, Trajectory, TrajectoryPoint
from deliverology.web.subtargets.models import SubTarget, SubTargetPoint, SubTargetSet

RANKINGS_KEPT = 32  # by metric, level, view and cut-off period: about 1.3 MB each at 5,000 units

T = TypeVar("T")

_WITH_HISTORY: tuple[type[Model], ...] = (
    Observation,
    Target,
    Trajectory,
    TrajectoryPoint,
    SubTargetSet,
    SubTarget,
)
# Tables of millions of rows: their last id only (a count would read the whole table). Roll-ups
# are made again with new ids after every change; observations changed or deleted one by one
# leave a history row, and those loaded in bulk take new ids.
_LAST_ID: tuple[type[Model], ...] = (Rollup, Observation)
# Small tables made again without history: their last id and their count (a deletion).
_LAST_ID_AND_COUNT: tuple[type[Model], ...] = (SubTargetPoint, TrajectoryPoint, LocalUnit)


def data_version() -> tuple[Any, ...]:
    """The version of everything a league table is ranked from: changes with any of it."""
    quote = connection.ops.quote_name
    parts = [latest_id(model.history.model) for model in _WITH_HISTORY]  # type: ignore[attr-defined]
    parts += [latest_id(model) for model in _LAST_ID]
    for model in _LAST_ID_AND_COUNT:
        parts += [latest_id(model), f"(SELECT COUNT(*) FROM {quote(model._meta.db_table)})"]  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))  # noqa: S608  (our own table names)
        row = cursor.fetchone()
    return tuple(row)


class Kept:
    """The rankings worked out for the latest data version, the most recently used last."""

    def __init__(self) -> None:
        self.version: tuple[Any, ...] | None = None
        self.found: dict[tuple[Any, ...], Any] = {}
        self.lock = threading.Lock()

    def get_or_make(
        self, version: tuple[Any, ...], key: tuple[Any, ...], make: Callable[[], T]
    ) -> T:
        """The value kept under `key` for `version`, else `make()`'s. It is kept only outside a
        transaction: one may see writes that are then rolled back, and SQLite gives their ids
        again, so a later version could look the same with other figures. A new version
        forgets every value kept for the old one."""
        with self.lock:
            if version == self.version and key in self.found:
                value: T = self.found.pop(key)
                self.found[key] = value  # now the most recently used
                return value
        value = make()
        if connection.in_atomic_block:
            return value
        with self.lock:
            if version != self.version:
                self.version, self.found = version, {}
            self.found[key] = value
            while len(self.found) > RANKINGS_KEPT:
                del self.found[next(iter(self.found))]
        return value

    def clear(self) -> None:
        with self.lock:
            self.version, self.found = None, {}


RANKINGS = Kept()
