"""The SQL that Ibis compiles for a metric, kept in a folder so that later runs on DuckDB skip
Ibis altogether (importing it and compiling take longer than the query on a small file).

Each statement is kept under a key made of everything it was compiled from: the metric's
definition, the names and types of the records' columns, the step and its choices, the source
of the module that builds the expressions, and the versions of Ibis, sqlglot and DuckDB. A
change to any of them gives a new key, so a kept statement is never used for anything else.
The statements name their tables (never a file or a value of the data), so the same SQL serves
every file of the same columns. Metrics with Python functions in them are never kept.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import pyarrow as pa

# The libraries whose versions change the SQL compiled or what it means.
_LIBRARIES = ("ibis-framework", "sqlglot", "duckdb")


@dataclass(frozen=True)
class Compiled:
    """One statement: its SQL and, for a result, the Arrow schema Ibis promises for it."""

    sql: str
    schema: pa.Schema | None = None
    facts: Mapping[str, Any] | None = None


class CompiledSql:
    """Statements kept in `folder` (None: nothing is kept, everything is compiled)."""

    def __init__(self, folder: Path | None, base: Mapping[str, Any] | None) -> None:
        self._folder = folder if base is not None else None
        self._base = dict(base or {})

    def get(
        self, step: str, choices: Mapping[str, Any], compile_: Callable[[], Compiled]
    ) -> Compiled:
        """The statement of `step` with `choices`, as kept, or compiled now and kept."""
        if self._folder is None:
            return compile_()
        path = self._folder / f"{fingerprint({**self._base, 'step': step, **choices})}.json"
        kept = _read(path)
        if kept is not None:
            return kept
        compiled = compile_()
        _write(path, compiled)
        return compiled


def key_base(
    definition: Sequence[Mapping[str, Any]] | None,
    columns: Sequence[tuple[str, str]],
    source: bytes,
) -> dict[str, Any] | None:
    """What every statement of one computation is compiled from, or None when the definition
    cannot be written down (it holds Python functions)."""
    if definition is None:
        return None
    return {
        "definition": list(definition),
        "columns": [list(c) for c in columns],
        "source": hashlib.sha256(source).hexdigest(),
        "versions": library_versions(),
    }


def library_versions(names: Sequence[str] = _LIBRARIES) -> dict[str, str]:
    """The installed versions of `names` ("absent" for one not installed)."""
    return {name: _version(name) for name in names}


def _version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "absent"


def fingerprint(parts: Mapping[str, Any]) -> str:
    """The SHA-256 of `parts` written as canonical JSON (keys sorted, no spaces): the same
    parts give the same fingerprint in any process, any other parts another one."""
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _read(path: Path) -> Compiled | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    schema = None
    if data.get("schema") is not None:
        schema = pa.ipc.read_schema(pa.py_buffer(base64.b64decode(data["schema"])))
    return Compiled(data["sql"], schema, data.get("facts"))


def _write(path: Path, compiled: Compiled) -> None:
    """Written whole or not at all, so a reader never sees half a statement."""
    schema = None
    if compiled.schema is not None:
        schema = base64.b64encode(compiled.schema.serialize().to_pybytes()).decode("ascii")
    text = json.dumps({"sql": compiled.sql, "schema": schema, "facts": compiled.facts})
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(dir=path.parent, suffix=".partial")
    with os.fdopen(handle, "w", encoding="utf-8") as file:
        file.write(text)
    Path(partial).replace(path)
