"""Loading a local-unit hierarchy file: checked first by the engine, then all or nothing.

A file may list a unit more than once when it moved between parents (merges and splits over the
years, with validity dates that must not overlap). The unit's current place is the row with the
latest start; its validity runs from the earliest start to the latest end.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.db import transaction

from deliverology.configuration import load_method_config
from deliverology.engine.hierarchy_file import UnitRow, read_hierarchy
from deliverology.web.performance.models import ImportRun, LocalUnit

Say = Callable[[str], None]


@dataclass(frozen=True)
class UnitPlace:
    code: str
    name: str
    type: str
    parent_code: str | None
    valid_from: date | None
    valid_to: date | None


def current_places(rows: Sequence[UnitRow]) -> dict[str, UnitPlace]:
    by_code: dict[str, list[UnitRow]] = {}
    for row in rows:
        by_code.setdefault(row.code, []).append(row)
    return {code: _place(same) for code, same in by_code.items()}


def _place(rows: list[UnitRow]) -> UnitPlace:
    latest = max(rows, key=lambda r: r.valid_from or date.min)
    starts = [r.valid_from for r in rows]
    ends = [r.valid_to for r in rows]
    return UnitPlace(
        code=latest.code,
        name=latest.name,
        type=latest.type,
        parent_code=latest.parent_code,
        valid_from=None if None in starts else min(d for d in starts if d),
        valid_to=None if None in ends else max(d for d in ends if d),
    )


def import_hierarchy(run: ImportRun, path: Path, *, commit: bool, say: Say) -> ImportRun:
    say("Reading and checking the file")
    existing = {unit.code: unit for unit in LocalUnit.objects.select_related("parent")}
    read = read_hierarchy(path, known_units=set(existing), file_name=run.file_name)
    run.rows_read = len(read.rows)
    run.notes = [*_unconfigured_types(read.rows), *(str(note) for note in read.notes)][:200]
    if read.problems:
        return run.finish(ImportRun.Outcome.REFUSED, [str(p) for p in read.problems])
    places = current_places(read.rows)
    problems = _unknown_parents(places, existing)
    if problems:
        return run.finish(ImportRun.Outcome.REFUSED, problems)
    new = [p for code, p in places.items() if code not in existing]
    changed = [p for code, p in places.items() if code in existing and _differs(p, existing)]
    run.rows_new, run.rows_changed = len(new), len(changed)
    run.rows_unchanged = len(places) - len(new) - len(changed)
    if not commit:
        return run.finish(ImportRun.Outcome.PREVIEWED)
    say(f"Writing {len(new):,} new and {len(changed):,} changed local units")
    _write(places, new, changed, existing)
    return run.finish(ImportRun.Outcome.COMMITTED)


def _unconfigured_types(rows: Sequence[UnitRow]) -> list[str]:
    """A note for each type of local unit the method's configuration does not label."""
    configured = load_method_config().local_unit_type_labels
    counts: dict[str, int] = {}
    for row in rows:
        if row.type not in configured:
            counts[row.type] = counts.get(row.type, 0) + 1
    listed = ", ".join(configured)
    return [
        f"{count:,} row{'s' if count > 1 else ''} give the type '{unit_type}', which is not one "
        f"of the configured types of local unit ({listed}): it is loaded, but pages show the "
        f"code itself; add it to [local_unit_type_labels] in the method's configuration"
        for unit_type, count in sorted(counts.items())
    ]


def _unknown_parents(places: dict[str, UnitPlace], existing: dict[str, LocalUnit]) -> list[str]:
    return [
        f"'{p.code}': its parent '{p.parent_code}' is neither in the file nor in the database"
        for p in places.values()
        if p.parent_code and p.parent_code not in places and p.parent_code not in existing
    ]


def _differs(place: UnitPlace, existing: dict[str, LocalUnit]) -> bool:
    unit = existing[place.code]
    parent = unit.parent.code if unit.parent_id and unit.parent else None
    return (place.name, place.type, place.parent_code, place.valid_from, place.valid_to) != (
        unit.name,
        unit.type,
        parent,
        unit.valid_from,
        unit.valid_to,
    )


# New units are written a level of the tree at a time, a few thousand to a statement: a
# national file of 100,000 schools is a handful of statements, not 100,000 saves.
_UNITS_A_STATEMENT = 2000


@transaction.atomic
def _write(
    places: dict[str, UnitPlace],
    new: list[UnitPlace],
    changed: list[UnitPlace],
    existing: dict[str, LocalUnit],
) -> None:
    units = dict(existing)
    levels: dict[int, list[UnitPlace]] = {}
    for place in new:
        levels.setdefault(_depth(place.code, places), []).append(place)
    for depth in sorted(levels):
        _create(levels[depth], units)
    for place in changed:
        unit = units[place.code]
        _apply(unit, place, units)
        unit.save()


def _create(level: list[UnitPlace], units: dict[str, LocalUnit]) -> None:
    """New units whose parents are saved already."""
    created = []
    for place in level:
        unit = units[place.code] = LocalUnit(code=place.code)
        _apply(unit, place, units)
        unit.place_in_tree()
        created.append(unit)
    LocalUnit.objects.bulk_create(created, batch_size=_UNITS_A_STATEMENT)


def _apply(unit: LocalUnit, place: UnitPlace, units: dict[str, LocalUnit]) -> None:
    """The place's fields on the unit, checked. Its parent is not looked up again: every
    parent was checked as a set (`_unknown_parents`) and is saved by now."""
    unit.name, unit.type = place.name, place.type
    unit.valid_from, unit.valid_to = place.valid_from, place.valid_to
    unit.parent = units[place.parent_code] if place.parent_code else None
    unit.full_clean(exclude=["parent"], validate_unique=False)


def _depth(code: str, places: dict[str, UnitPlace]) -> int:
    depth, seen = 0, set()
    parent = places[code].parent_code
    while parent in places and parent not in seen:
        seen.add(parent)
        depth += 1
        parent = places[parent].parent_code
    return depth
