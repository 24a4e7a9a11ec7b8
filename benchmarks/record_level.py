"""Record-level data: the engine against hand-written DuckDB SQL and pandas, on a generated
file of students × months, then the growth from 1 to 20 to 100 million rows and the import of
the engine's figures into the app database.

    python benchmarks/record_level.py                       # 20M rows: engine, SQL, pandas
    python benchmarks/record_level.py --rows 1000000        # a quick run
    python benchmarks/record_level.py --scaling 1000000,20000000,100000000
    python benchmarks/record_level.py --import-into sqlite,postgresql
    python benchmarks/record_level.py --write ...           # ... and write benchmarks/results/

The project is byte-compiled first, as an installed package is. Each variant runs as a fresh
process, timed from start to exit, its peak memory taken from the kernel (the largest resident
set of the process and anything it started, sampled too). The three must give identical figures
(counts exactly, rates and means to 1e-12) or the run stops.
Generated files are kept in var/bench/, named by size and seed. The engine keeps the SQL Ibis
compiles in var/bench/compiled-sql/, emptied before the side-by-side runs: its first run
(compiling) is reported apart from the others (reusing it).
"""

from __future__ import annotations

import argparse
import compileall
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from throwaway_postgres import postgres

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "var" / "bench"
RESULTS = ROOT / "benchmarks" / "results" / "record_level.md"
SQL_CACHE = CACHE / "compiled-sql"  # the engine's compiled SQL, emptied before each timing
SEED = 20261129
DEFAULT_SCHOOLS, SCHOOLS_A_DISTRICT, MONTHS = 10_000, 50, 24
SCHOOLS, DISTRICTS = DEFAULT_SCHOOLS, DEFAULT_SCHOOLS // SCHOOLS_A_DISTRICT
FIRST_MONTH = date(2023, 1, 1)
SUBGROUPS = ("white", "asian", "black", "mixed", "other", "unclassified")
SUBGROUP_SHARES = (0.62, 0.12, 0.07, 0.07, 0.04, 0.08)
SUBGROUP_GAPS = (0.0, 2.5, -4.0, -1.5, -2.0, -3.0)
PASS_MARK = 60.0
TOLERANCE = 1e-12
COLUMNS = ["school", "district", "period", "subgroup", "score", "proficient"]
# The four results: school × period, district × period and both by subgroup.
GROUPINGS = {
    "school": ("school", None),
    "district": ("district", None),
    "school-subgroup": ("school", "subgroup"),
    "district-subgroup": ("district", "subgroup"),
}
ALL = "all"


# -- the records ---------------------------------------------------------------------------


def records_file(rows: int, seed: int = SEED) -> Path:
    """The generated file of `rows` records, made once and kept in var/bench/."""
    schools = "" if SCHOOLS == DEFAULT_SCHOOLS else f"-{SCHOOLS}schools"
    path = CACHE / f"records-{rows}{schools}-seed{seed}.parquet"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        started = time.perf_counter()
        write_records(partial, rows, seed)
        partial.rename(path)
        took = time.perf_counter() - started
        print(f"generated {path.name} ({path.stat().st_size / 2**20:,.0f} MiB) in {took:.1f} s")
    return path


def set_schools(count: int) -> None:
    """Generate `count` schools, fifty to a district, rather than 10,000."""
    global SCHOOLS, DISTRICTS  # noqa: PLW0603  (the generator's sizes, set once from the command line)
    SCHOOLS, DISTRICTS = count, max(1, count // SCHOOLS_A_DISTRICT)


def school_codes() -> list[str]:
    return [f"S{i:05d}" for i in range(1, SCHOOLS + 1)]


def district_codes() -> list[str]:
    return [f"D{i:03d}" for i in range(1, DISTRICTS + 1)]


def district_of_school() -> np.ndarray:
    return np.arange(SCHOOLS) * DISTRICTS // SCHOOLS


@dataclass(frozen=True)
class Students:
    school: np.ndarray
    subgroup: np.ndarray
    ability: np.ndarray


def make_students(count: int, rng: np.random.Generator) -> Students:
    """Students in schools of uneven size, with school and district effects and subgroup gaps."""
    sizes = rng.lognormal(0.0, 0.5, SCHOOLS)
    school = np.searchsorted(np.cumsum(sizes) / sizes.sum(), rng.random(count)).astype(np.int32)
    school = np.minimum(school, SCHOOLS - 1)
    subgroup = rng.choice(len(SUBGROUPS), count, p=SUBGROUP_SHARES).astype(np.int32)
    district_effect = rng.normal(0.0, 3.0, DISTRICTS)[district_of_school()]
    school_effect = rng.normal(0.0, 6.0, SCHOOLS) + district_effect
    ability = (
        55.0 + school_effect[school] + np.array(SUBGROUP_GAPS)[subgroup] + rng.normal(0, 8, count)
    )
    return Students(school, subgroup, ability)


def write_records(path: Path, rows: int, seed: int) -> None:
    """One row group per month, so memory stays bounded by one month of records."""
    rng = np.random.default_rng(seed)
    count = math.ceil(rows / MONTHS)
    students = make_students(count, rng)
    schools = pa.array(school_codes())
    districts = pa.array(district_codes())
    subgroups = pa.array(SUBGROUPS)
    with pq.ParquetWriter(path, _SCHEMA, compression="snappy") as writer:
        for month in range(MONTHS):
            size = min(count, rows - month * count)
            if size <= 0:
                break
            score = students.ability[:size] + 0.15 * month + rng.normal(0.0, 5.0, size)
            score = np.round(np.clip(score, 0.0, 100.0), 1)
            school = students.school[:size]
            columns = [
                pa.array(np.arange(size, dtype=np.int32)),
                _codes(school, schools),
                _codes(district_of_school()[school], districts),
                pa.array(np.full(size, _month(month).toordinal() - _EPOCH, np.int32), pa.date32()),
                _codes(students.subgroup[:size], subgroups),
                pa.array(score),
                pa.array(score >= PASS_MARK),
            ]
            writer.write_table(pa.Table.from_arrays(columns, schema=_SCHEMA))


_SCHEMA = pa.schema(
    [
        ("student_id", pa.int32()),
        ("school", pa.string()),
        ("district", pa.string()),
        ("period", pa.date32()),
        ("subgroup", pa.string()),
        ("score", pa.float64()),
        ("proficient", pa.bool_()),
    ]
)
_EPOCH = date(1970, 1, 1).toordinal()


def _codes(indices: np.ndarray, dictionary: pa.Array) -> pa.Array:
    return pa.DictionaryArray.from_arrays(pa.array(indices, pa.int32()), dictionary).cast(
        pa.string()
    )


def _month(offset: int) -> date:
    year, month = divmod(FIRST_MONTH.month - 1 + offset, 12)
    return date(FIRST_MONTH.year + year, month + 1, 1)


def hierarchy_file(path: Path) -> Path:
    """The schools in their districts, as `deliverology import units` reads them."""
    schools, districts = school_codes(), district_codes()
    lines = ["code,name,type,parent_code"]
    lines += [f"{code},District {code[1:]},district," for code in districts]
    lines += [
        f"{code},School {code[1:]},school,{districts[d]}"
        for code, d in zip(schools, district_of_school(), strict=True)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# -- the three ways to compute the figures ------------------------------------------------
# Each returns {grouping: Arrow table of unit, period ('YYYY-MM'), subgroup, records,
# proficiency (0-1), mean_score}, the form in which they are compared.


def with_engine(path: Path, threads: int | None) -> Any:
    """The engine's figures as Arrow tables, as hand SQL leaves its own."""
    from deliverology.engine.metrics import compute_record_metric_tables

    rates, means = compute_record_metric_tables(
        path, engine_metrics(), connection=_duckdb_connection(threads), sql_cache=SQL_CACHE
    )
    return rates, means


def with_engine_rows(path: Path, threads: int | None) -> Any:
    """The engine's figures as the Python rows the import reads, one object per figure."""
    from deliverology.engine.metrics import compute_record_metrics

    rates, means = compute_record_metrics(
        path, engine_metrics(), connection=_duckdb_connection(threads), sql_cache=SQL_CACHE
    )
    return rates, means


def engine_metrics() -> list[Any]:
    from deliverology.core.aggregation import Aggregation
    from deliverology.core.periods import PeriodKind
    from deliverology.engine.metrics import RecordMetric

    levels = {"school": "school", "district": "district"}
    common: dict[str, Any] = {
        "period": "period",
        "period_kind": PeriodKind.MONTH,
        "levels": levels,
        "subgroups": ("subgroup",),
    }
    proficiency = RecordMetric("proficiency", Aggregation.RATE, numerator="proficient", **common)
    score = RecordMetric("score", Aggregation.MEAN, numerator="score", scale=1.0, **common)
    return [proficiency, score]


def _duckdb_connection(threads: int | None) -> Any:
    import duckdb

    con = duckdb.connect()
    _tune(con, threads)
    return con


def _tune(con: Any, threads: int | None) -> None:
    # Out of core past the memory bound: DuckDB spills its hash tables to disk.
    CACHE.mkdir(parents=True, exist_ok=True)
    con.execute(f"SET memory_limit = '{os.environ.get('BENCH_MEMORY_LIMIT', '1GB')}'")
    con.execute(f"SET temp_directory = '{CACHE / 'duckdb-spill'}'")
    con.execute("SET enable_progress_bar = false")
    if threads:
        con.execute(f"SET threads = {threads}")


def engine_tables(found: tuple[Any, Any]) -> dict[str, pa.Table]:
    """The engine's figures (Arrow tables, or the rows the import takes) in the form they are
    compared."""
    rates, means = (_as_dicts(each) for each in found)
    key = ("level", "local_unit_code", "period", "subgroup_code")
    mean_of = {tuple(m[k] for k in key): m for m in means}
    if len(mean_of) != len(rates):
        raise SystemExit(f"engine: {len(rates):,} rates but {len(mean_of):,} means")
    tables: dict[str, list[dict[str, Any]]] = {name: [] for name in GROUPINGS}
    for rate in rates:
        mean = mean_of[tuple(rate[k] for k in key)]
        name = rate["level"] if rate["subgroup_code"] == ALL else f"{rate['level']}-subgroup"
        tables[name].append(
            {
                "unit": rate["local_unit_code"],
                "period": rate["period"],
                "subgroup": rate["subgroup_code"],
                "records": rate["records"],
                "proficiency": rate["numerator"] / rate["denominator"],
                "mean_score": mean["numerator"] / mean["denominator"],
            }
        )
    return {name: pa.Table.from_pylist(rows) for name, rows in tables.items()}


def _as_dicts(figures: Any) -> list[dict[str, Any]]:
    if isinstance(figures, pa.Table):
        return list(figures.to_pylist())
    return [row._asdict() for row in figures]


FINEST = """
CREATE TEMP TABLE finest AS
SELECT school, district, period, subgroup, count(*) AS records,
       sum(proficient::INTEGER) AS proficient, sum(score) AS score
FROM read_parquet($path)
GROUP BY ALL
"""
FROM_FINEST = """
SELECT {unit} AS unit, strftime(period, '%Y-%m') AS period, {subgroup} AS subgroup,
       sum(records)::BIGINT AS records, sum(proficient) / sum(records) AS proficiency,
       sum(score) / sum(records) AS mean_score
FROM finest
GROUP BY ALL
"""


def with_sql(path: Path, threads: int | None) -> dict[str, pa.Table]:
    """One scan of the file to the finest grain, then each result from that small table."""
    import duckdb

    con = duckdb.connect()
    _tune(con, threads)
    con.execute(FINEST, {"path": str(path)})
    return {
        name: con.sql(
            FROM_FINEST.format(unit=unit, subgroup=subgroup or f"'{ALL}'")
        ).to_arrow_table()
        for name, (unit, subgroup) in GROUPINGS.items()
    }


def with_pandas(path: Path, threads: int | None) -> dict[str, pa.Table]:
    """As an analyst writes it: read the file, group, take the means."""
    import pandas as pd

    records = pd.read_parquet(path, columns=COLUMNS)
    found = {}
    for name, (unit, subgroup) in GROUPINGS.items():
        keys = [unit, "period"] + ([subgroup] if subgroup else [])
        figures = records.groupby(keys).agg(
            records=("score", "size"),
            proficiency=("proficient", "mean"),
            mean_score=("score", "mean"),
        )
        figures = figures.reset_index().rename(columns={unit: "unit"})
        figures["period"] = pd.to_datetime(figures["period"]).dt.strftime("%Y-%m")
        if not subgroup:
            figures["subgroup"] = ALL
        found[name] = pa.Table.from_pandas(figures, preserve_index=False)
    return found


def with_sql_and_copy(path: Path, threads: int | None) -> dict[str, pa.Table]:
    """The limit of an import: the figures by hand-written SQL, then a bare binary COPY of
    them (unit, period, subgroup, numerator, denominator, value) into an unindexed table of
    the PostgreSQL at DATABASE_URL, one row at a time as psycopg writes them."""
    import psycopg

    found = with_sql(path, threads)
    with psycopg.connect(os.environ["DATABASE_URL"].replace("postgres://", "postgresql://")) as db:
        db.execute("DROP TABLE IF EXISTS bench_limit")
        db.execute(
            "CREATE TABLE bench_limit (unit text, period text, subgroup text, "
            "numerator float8, denominator float8, value float8)"
        )
        with (
            db.cursor() as cursor,
            cursor.copy("COPY bench_limit FROM STDIN (FORMAT BINARY)") as copy,
        ):
            copy.set_types(["text", "text", "text", "float8", "float8", "float8"])
            for table in found.values():
                for batch in table.to_batches(500_000):
                    columns = batch.to_pydict()
                    rows = zip(
                        columns["unit"],
                        columns["period"],
                        columns["subgroup"],
                        columns["records"],
                        columns["records"],
                        columns["proficiency"],
                        strict=True,
                    )
                    for row in rows:
                        copy.write_row(row)
    return found


# The tables an import of figures writes, each with the order the import writes it in.
FLOOR_TABLES = {
    "performance_observation": "period, local_unit_id, subgroup_id",
    "performance_historicalobservation": "history_id",
}


def database_floor(path: Path, threads: int | None) -> dict[str, pa.Table]:
    """The database's own share of an import, as a floor no import can go under: the rows
    the import wrote (figures and their first history rows), read before the clock starts,
    written into copies of the two tables, in one transaction, rolled back; prints its own
    time as `compute`. PostgreSQL: a bare binary COPY, then the indexes, unique and primary
    keys and foreign keys built as the import builds them. SQLite: `_sqlite_floor`."""
    if "DATABASE_URL" not in os.environ:
        _sqlite_floor(Path(os.environ["DELIVEROLOGY_DATA_DIR"]) / "deliverology.sqlite3")
    import psycopg

    url = os.environ["DATABASE_URL"].replace("postgres://", "postgresql://")
    with psycopg.connect(url) as db:
        rows = {table: _exported(db, table, order) for table, order in FLOOR_TABLES.items()}
        started = time.perf_counter()
        with db.transaction(force_rollback=True):
            db.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for table, data in rows.items():
                _floor_load(db, table, data)
        took = time.perf_counter() - started
    print(json.dumps({"compute": took, "peak": _own_peak()}))
    raise SystemExit(0)


def _exported(db: Any, table: str, order: str) -> bytes:
    held = bytearray()
    sql = f"COPY (SELECT * FROM {table} ORDER BY {order}) TO STDOUT (FORMAT BINARY)"  # noqa: S608
    with db.cursor() as cursor, cursor.copy(sql) as copy:
        for block in copy:
            held += block
    return bytes(held)


def _floor_load(db: Any, table: str, data: bytes) -> None:
    copy_of = f"floor_{table}"
    db.execute(f"CREATE TABLE {copy_of} (LIKE {table} INCLUDING DEFAULTS)")
    with db.cursor() as cursor, cursor.copy(f"COPY {copy_of} FROM STDIN (FORMAT BINARY)") as copy:
        view = memoryview(data)
        for start in range(0, len(view), 1 << 20):
            copy.write(view[start : start + (1 << 20)])
    indexes = db.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid = %s::regclass AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
        [table],
    ).fetchall()
    for name, definition in indexes:
        renamed = definition.replace(f" {name} ON", f" floor_{name} ON", 1)
        db.execute(renamed.replace(f"public.{table} ", f"public.{copy_of} ", 1))
    constraints = db.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype IN ('p', 'u', 'f') ORDER BY contype DESC",
        [table],
    ).fetchall()
    for name, definition in constraints:
        db.execute(f"ALTER TABLE {copy_of} ADD CONSTRAINT floor_{name} {definition}")


def _sqlite_floor(database: Path) -> None:
    """SQLite's floor: each table's rows copied by SQLite itself from the table the import
    wrote (no Python value at all) into a copy with its unique key, then its indexes."""
    import sqlite3

    db = sqlite3.connect(database, isolation_level=None)
    db.execute("PRAGMA cache_size = -262144")
    started = time.perf_counter()
    db.execute("BEGIN")
    for table, order in SQLITE_FLOOR_TABLES.items():
        definitions = db.execute(
            "SELECT type, sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL "
            "ORDER BY type DESC",
            [table],
        ).fetchall()
        for kind, definition in definitions:
            renamed = definition.replace(f'"{table}"', f'"floor_{table}"')
            if kind == "index":
                renamed = renamed.replace('INDEX "', 'INDEX "floor_', 1)
            db.execute(renamed)
            if kind == "table":
                copied = f'INSERT INTO "floor_{table}" SELECT * FROM "{table}" ORDER BY {order}'  # noqa: S608
                db.execute(copied)
    took = time.perf_counter() - started
    db.execute("ROLLBACK")
    print(json.dumps({"compute": took, "peak": _own_peak()}))
    raise SystemExit(0)


SQLITE_FLOOR_TABLES = {
    "performance_observation": "local_unit_id, subgroup_id, period",
    "performance_historicalobservation": "history_id",
}
VARIANTS: dict[str, Callable[[Path, int | None], Any]] = {
    "engine": with_engine,
    "engine-rows": with_engine_rows,
    "sql": with_sql,
    "pandas": with_pandas,
    "limit": with_sql_and_copy,
    "floor": database_floor,
}
LABELS = {
    "engine": "Engine (`compute_record_metric_tables`, Ibis on DuckDB, Arrow out; SQL kept)",
    "engine-cold": "Engine, first run: its SQL compiled by Ibis (cache emptied just before)",
    "engine-rows": "Engine as the import reads it (`compute_record_metrics`, Python rows)",
    "sql": "DuckDB SQL by hand",
    "pandas": "pandas, as an analyst writes it",
    "limit": "The limit: DuckDB SQL by hand + bare binary COPY into an unindexed table",
    "floor": "The database's floor: the import's rows written into copies of its tables, "
    "keys and indexes built",
}


def run_variant(variant: str, path: Path, out: Path | None, threads: int | None) -> None:
    """The body of one fresh process: compute, report the time, keep the figures if asked."""
    started = time.perf_counter()
    found = VARIANTS[variant](path, threads)
    took = time.perf_counter() - started
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        tables = engine_tables(found) if variant.startswith("engine") else found
        for name, table in tables.items():
            pq.write_table(table, out / f"{name}.parquet")
    print(json.dumps({"compute": took, "peak": _own_peak()}))


def _own_peak() -> int:
    """This process's largest resident set (VmHWM), which exec() starts afresh."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


# -- comparing ----------------------------------------------------------------------------


def compare(outputs: dict[str, Path]) -> int:
    """Fail loudly unless every variant gives the same figures. Returns the number of groups."""
    first, *others = outputs
    total = 0
    for name in GROUPINGS:
        expected = _canonical(pq.read_table(outputs[first] / f"{name}.parquet"))
        total += len(expected)
        for other in others:
            got = _canonical(pq.read_table(outputs[other] / f"{name}.parquet"))
            _same(first, other, name, expected, got)
    return total


def _canonical(table: pa.Table) -> dict[tuple[str, str, str], tuple[int, float, float]]:
    columns = table.select(["unit", "period", "subgroup", "records", "proficiency", "mean_score"])
    rows = columns.to_pydict()
    keys = zip(rows["unit"], rows["period"], rows["subgroup"], strict=True)
    values = zip(rows["records"], rows["proficiency"], rows["mean_score"], strict=True)
    return dict(zip(keys, values, strict=True))


def _same(first: str, other: str, name: str, expected: dict[Any, Any], got: dict[Any, Any]) -> None:
    if expected.keys() != got.keys():
        missing = sorted(expected.keys() - got.keys())[:3]
        extra = sorted(got.keys() - expected.keys())[:3]
        raise SystemExit(f"{name}: {other} differs from {first}: lacks {missing}, adds {extra}")
    for key, (records, rate, mean) in expected.items():
        other_records, other_rate, other_mean = got[key]
        if records != other_records:
            raise SystemExit(f"{name} {key}: {first} counts {records}, {other} {other_records}")
        if abs(rate - other_rate) > TOLERANCE or abs(mean - other_mean) > TOLERANCE * max(
            1.0, abs(mean)
        ):
            raise SystemExit(
                f"{name} {key}: {first} gives {rate!r}, {mean!r}; {other} {other_rate!r}, "
                f"{other_mean!r}"
            )


# -- measuring fresh processes ------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    wall: float
    peak_mib: float
    compute: float


def measured(command: Sequence[str], env: dict[str, str] | None = None) -> tuple[Run, str]:
    """Wall time and peak memory of a fresh process and whatever it starts."""
    started = time.perf_counter()
    process = subprocess.Popen(  # noqa: S603
        command, stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT
    )
    sampled = [0]
    done = threading.Event()
    sampler = threading.Thread(target=_sample, args=(process.pid, sampled, done), daemon=True)
    sampler.start()
    output = process.stdout.read() if process.stdout else ""
    status = process.wait()
    wall = time.perf_counter() - started
    done.set()
    sampler.join()
    if status != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{output}")
    # Not ru_maxrss: it carries this process's own size over the fork; the child reports its own.
    last = output.strip().splitlines()[-1] if output.strip() else "{}"
    reported = json.loads(last) if last.startswith("{") else {}
    peak = max(reported.get("peak", 0), sampled[0]) / 2**20
    return Run(wall, peak, reported.get("compute", math.nan)), output


def _sample(pid: int, peak: list[int], done: threading.Event) -> None:
    page = os.sysconf("SC_PAGE_SIZE")
    while not done.wait(0.02):
        peak[0] = max(peak[0], sum(_rss_pages(p) for p in _tree(pid)) * page)


def _tree(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


def _rss_pages(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0


def variant_command(variant: str, path: Path, out: Path | None, threads: int | None) -> list[str]:
    command = [sys.executable, __file__, "--variant", variant, "--records", str(path)]
    command += ["--schools", str(SCHOOLS)]
    if out is not None:
        command += ["--out", str(out)]
    if threads:
        command += ["--threads", str(threads)]
    return command


def median_runs(
    variants: Sequence[str], path: Path, repeats: int, threads: int | None
) -> dict[str, list[Run]]:
    """Round-robin, so a slow moment on a shared machine does not fall on one variant."""
    runs: dict[str, list[Run]] = {v: [] for v in variants}
    for _ in range(repeats):
        for variant in variants:
            run, _ = measured(variant_command(variant, path, None, threads))
            runs[variant].append(run)
            print(f"  {variant}: {run.wall:.2f} s, {run.peak_mib:,.0f} MiB", flush=True)
    return runs


def checked(variants: Sequence[str], path: Path, threads: int | None) -> int:
    with tempfile.TemporaryDirectory(dir=CACHE) as folder:
        outputs = {v: Path(folder) / v for v in variants}
        for variant in variants:
            measured(variant_command(variant, path, outputs[variant], threads))
        return compare(outputs)


# -- the report ---------------------------------------------------------------------------


def machine() -> list[str]:
    import duckdb
    import ibis
    import pandas

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = int(Path("/proc/meminfo").read_text().split()[1]) / 2**20
    return [
        f"- Machine: {os.cpu_count()} cores ({cpu}), {memory:.1f} GiB memory, "
        f"{platform.system()} {platform.release()}",
        f"- Python {platform.python_version()}, DuckDB {duckdb.__version__}, "
        f"Ibis {ibis.__version__}, pandas {pandas.__version__}, pyarrow {pa.__version__}",
        f"- Load when the run ended: {_load()}",
    ]


def _load() -> str:
    return "load average " + ", ".join(Path("/proc/loadavg").read_text().split()[:3])


def _median(runs: list[Run], field: str) -> float:
    return statistics.median(getattr(run, field) for run in runs)


def side_by_side_table(runs: dict[str, list[Run]]) -> list[str]:
    sql = _median(runs["sql"], "wall") if "sql" in runs else math.nan
    lines = [
        "| Variant | Wall, median (s) | Runs (s) | × hand SQL | Compute in process, median (s) "
        "| Peak memory, median (MiB) | Runs (MiB) |",
        "|---|---|---|---|---|---|---|",
    ]
    for variant, measured_runs in runs.items():
        wall = _median(measured_runs, "wall")
        lines.append(
            f"| {LABELS.get(variant, variant)} | **{wall:.2f}** | "
            f"{', '.join(f'{r.wall:.2f}' for r in measured_runs)} | {wall / sql:.2f} | "
            f"{_median(measured_runs, 'compute'):.2f} | "
            f"{_median(measured_runs, 'peak_mib'):,.0f} | "
            f"{', '.join(f'{r.peak_mib:,.0f}' for r in measured_runs)} |"
        )
    return lines


# -- the command --------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    set_schools(args.schools)
    if args.variant:
        run_variant(args.variant, Path(args.records), _path(args.out), args.threads)
        return
    installed_as_bytecode()
    sections: list[str] = []
    if not args.skip_side_by_side:
        sections += side_by_side(args)
    if args.scaling:
        sections += scaling(args, [int(n) for n in args.scaling.split(",")])
    if args.import_into:
        sections += imports(args, args.import_into.split(","))
    report = "\n".join([*_header(args), *sections, *machine(), ""])
    print(report)
    if args.write:
        RESULTS.write_text(report, encoding="utf-8")


def installed_as_bytecode() -> None:
    """Byte-compile the project, as installing a package does, so that no run spends its time
    compiling our modules (an editable checkout under PYTHONDONTWRITEBYTECODE never caches them)."""
    compileall.compile_dir(ROOT / "src" / "deliverology", quiet=1)


def _path(value: str | None) -> Path | None:
    return Path(value) if value else None


def side_by_side(args: argparse.Namespace) -> list[str]:
    path = records_file(args.rows)
    variants = [v for v in VARIANTS if v != "limit"]  # the limit is measured with imports
    shutil.rmtree(SQL_CACHE, ignore_errors=True)
    groups = checked(variants, path, args.threads)
    print(f"{', '.join(variants)} agree on {groups:,} figures", flush=True)
    shutil.rmtree(SQL_CACHE, ignore_errors=True)  # the first engine run compiles, others reuse
    runs = cold_apart(median_runs(variants, path, args.repeats, args.threads))
    sql, engine = _median(runs["sql"], "wall"), _median(runs["engine"], "wall")
    cold = runs["engine-cold"][0].wall
    pandas = _median(runs["pandas"], "wall")
    return [
        f"## Side by side: {args.rows:,} records, {groups:,} figures each",
        "",
        *side_by_side_table(runs),
        "",
        f"Engine / hand SQL: **{engine / sql:.2f}×** (target ≤ 1.3×), its first run "
        f"{cold / sql:.2f}×; pandas / engine: "
        f"**{pandas / engine:.1f}×** (target ≥ 3×); engine peak "
        f"**{max(r.peak_mib for r in runs['engine']):,.0f} MiB** (target < 2,048 MiB).",
        "",
    ]


def cold_apart(runs: dict[str, list[Run]]) -> dict[str, list[Run]]:
    """The engine's first run, which compiles its SQL, apart from the others, which reuse it."""
    first, *others = runs.pop("engine")
    return {"engine-cold": [first], "engine": others or [first], **runs}


def scaling(args: argparse.Namespace, sizes: list[int]) -> list[str]:
    lines = [
        "## Growth with the number of records (engine and hand SQL)",
        "",
        "| Records | File (MiB) | Engine wall (s) | Engine peak (MiB) | SQL wall (s) "
        "| SQL peak (MiB) | Engine / SQL | Engine s per million |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for rows in sizes:
        path = records_file(rows)
        runs = median_runs(["engine", "sql"], path, args.repeats, args.threads)
        engine, sql = _median(runs["engine"], "wall"), _median(runs["sql"], "wall")
        lines.append(
            f"| {rows:,} | {path.stat().st_size / 2**20:,.0f} | {engine:.2f} | "
            f"{max(r.peak_mib for r in runs['engine']):,.0f} | {sql:.2f} | "
            f"{max(r.peak_mib for r in runs['sql']):,.0f} | {engine / sql:.2f} | "
            f"{engine / rows * 1e6:.3f} |"
        )
    return [*lines, ""]


DEFINITION = """metric = "proficiency"
period = "period"
numerator = "proficient"
subgroups = ["subgroup"]

[levels]
school = "school"
district = "district"
"""
METRIC_AND_SUBGROUPS = f"""
from deliverology.web.performance.models import Metric, Subgroup
Metric.objects.create(code="proficiency", name="Proficiency", aggregation="rate",
                      frequency="month", measure_unit="%", scale=100)
for order, code in enumerate({("all", *SUBGROUPS)!r}):
    Subgroup.objects.get_or_create(code=code, defaults={{"name": code, "order": order}})
"""
COUNT = "from deliverology.web.performance.models import Observation as O; print(O.objects.count())"
LAST_NOTE = (
    "from deliverology.web.performance.models import ImportRun as R; "
    "print(R.objects.latest('pk').notes[-1])"
)
PG_DIR = Path(tempfile.gettempdir()) / f"pg-bench-{os.environ.get('PGPORT', '54334')}"
PG_PORT = os.environ.get("PGPORT", "54334")  # a port of your own on a shared machine


@dataclass(frozen=True)
class Imported:
    units: Run
    records: Run
    observations: int
    again: Run  # the same file again: answered without computing
    recomputed: Run  # the same file again with --recompute: computed and compared in full
    limit: Run | None
    floor: Run | None


def imports(args: argparse.Namespace, databases: list[str]) -> list[str]:
    """`deliverology import units`, then `import records`, into a fresh database each time."""
    path = records_file(args.rows)
    folder = CACHE / "import"
    folder.mkdir(parents=True, exist_ok=True)
    hierarchy = hierarchy_file(folder / "schools.csv")
    definition = folder / "proficiency.toml"
    definition.write_text(DEFINITION, encoding="utf-8")
    runs: dict[str, list[Imported]] = {d: [] for d in databases}
    for _ in range(args.import_repeats):
        for database in databases:
            env = _fresh_database(database)
            try:
                runs[database].append(_import_once(env, hierarchy, path, definition))
            finally:
                if database == "postgresql":
                    _postgres("stop")
                shutil.rmtree(env["DELIVEROLOGY_DATA_DIR"], ignore_errors=True)
            last = runs[database][-1]
            print(f"  import into {database}: {last.records.wall:.1f} s", flush=True)
    return _import_lines(args, path, runs)


def _import_once(env: dict[str, str], hierarchy: Path, path: Path, definition: Path) -> Imported:
    cli = [sys.executable, "-m", "deliverology.cli"]
    measured([*cli, "setup"], env)
    units, _ = measured([*cli, "import", "units", str(hierarchy)], env)
    measured([*cli, "manage", "shell", "-c", METRIC_AND_SUBGROUPS], env)
    records, output = measured(
        [*cli, "import", "records", str(path), "--definition", str(definition)], env
    )
    _, counted = measured([*cli, "manage", "shell", "-c", COUNT], env)
    again, _ = measured(
        [*cli, "import", "records", str(path), "--definition", str(definition)], env
    )
    _, said = measured([*cli, "manage", "shell", "-c", LAST_NOTE], env)
    if "nothing computed again" not in said:
        raise SystemExit(f"the unchanged re-import was computed, not answered: {said}")
    recomputed, _ = measured(
        [*cli, "import", "records", str(path), "--definition", str(definition), "--recompute"],
        env,
    )
    limit = None
    if "DATABASE_URL" in env:
        limit, _ = measured(variant_command("limit", path, None, None), env)
    floor, _ = measured(variant_command("floor", path, None, None), env)
    observations = int(counted.strip().splitlines()[-1])
    return Imported(units, records, observations, again, recomputed, limit, floor)


def _fresh_database(database: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    if database == "sqlite":
        env["DELIVEROLOGY_DATA_DIR"] = tempfile.mkdtemp(dir=CACHE, prefix="sqlite-")
    elif database == "postgresql":
        env["DATABASE_URL"] = _postgres("start")
        env["DELIVEROLOGY_DATA_DIR"] = tempfile.mkdtemp(dir=CACHE, prefix="pg-")
    else:
        raise SystemExit(f"unknown database '{database}': sqlite or postgresql")
    return env


def _postgres(action: str) -> str:
    return postgres(action, PG_DIR, PG_PORT)


def _import_lines(
    args: argparse.Namespace, path: Path, runs: dict[str, list[Imported]]
) -> list[str]:
    lines = [
        f"## Full import into the app database: {args.rows:,} records",
        "",
        "`deliverology import records FILE --definition proficiency.toml` (proficiency at "
        "school and district level, by month, all and by subgroup), each run a fresh process "
        f"into a fresh database holding the {SCHOOLS:,}-school hierarchy (loaded first with "
        "`deliverology import units`). PostgreSQL is the throwaway server of "
        "`scripts/postgres.sh` (fsync and synchronous_commit off). The same file is then "
        "imported again twice, nothing having changed: as it comes (the same file, definition, "
        "units and engine as the committed import, and no figure changed since: answered "
        "without computing), and with `--recompute` (computed and compared in full, nothing "
        "written).",
        "",
        "| Database | Observations written | Import records, median (s) | Runs (s) "
        "| Peak memory, median (MiB) | Re-import unchanged, not computed (s) "
        "| Not computed / import | Re-import unchanged, `--recompute` (s) "
        "| Recompute / import | Import units (s) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    limits = [d.limit for done in runs.values() for d in done if d.limit is not None]
    for database, done in runs.items():
        records = [d.records for d in done]
        wall = _median(records, "wall")
        again = _median([d.again for d in done], "wall")
        recomputed = _median([d.recomputed for d in done], "wall")
        lines.append(
            f"| {database} | {done[-1].observations:,} | **{wall:.1f}** | "
            f"{', '.join(f'{r.wall:.1f}' for r in records)} | "
            f"{_median(records, 'peak_mib'):,.0f} | {again:.2f} | {again / wall:.2f} | "
            f"{recomputed:.1f} | {recomputed / wall:.2f} | "
            f"{statistics.median(d.units.wall for d in done):.1f} |"
        )
    if limits:
        limit = _median(limits, "wall")
        lines += [
            "",
            f"The limit ({LABELS['limit']}), same run: **{limit:.1f} s**, peak "
            f"{_median(limits, 'peak_mib'):,.0f} MiB. Import / limit: "
            + ", ".join(
                f"{database} **{_median([d.records for d in done], 'wall') / limit:.2f}×**"
                for database, done in runs.items()
            )
            + ".",
        ]
        floors = {
            database: statistics.median(d.floor.compute for d in done if d.floor)
            for database, done in runs.items()
        }
        lines += [
            "",
            f"{LABELS['floor']} (the same rows, same run, timed inside its process): "
            + ", ".join(
                f"{database} **{floor:.1f} s**, {floor / limit:.2f}× the limit"
                for database, floor in floors.items()
            )
            + ": the database's work alone, before any figure is computed.",
        ]
    return [*lines, ""]


def _header(args: argparse.Namespace) -> list[str]:
    return [
        "# Record-level data: engine, hand-written DuckDB SQL and pandas",
        "",
        f"Command: `python benchmarks/record_level.py {' '.join(sys.argv[1:])}`",
        "",
        f"Records: students × {MONTHS} months ({FIRST_MONTH:%Y-%m} onwards, the last month "
        f"cut short), {SCHOOLS:,} schools in {DISTRICTS} districts, {len(SUBGROUPS)} subgroups, "
        f"seed {SEED}; one Parquet file (snappy, a row group per month). Each variant computes "
        "school × month, district × month and both by subgroup: records, proficiency rate "
        "(sum of proficient / records) and mean score. Every variant is a fresh process; "
        f"median of {args.repeats} runs, round-robin; peak memory is the largest resident set "
        "of the process tree (kernel maximum, and sampled every 20 ms).",
        "",
    ]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--schools", type=int, default=DEFAULT_SCHOOLS, help="50 to a district")
    parser.add_argument("--threads", type=int, default=None, help="DuckDB threads (all cores)")
    parser.add_argument("--scaling", help="sizes for the growth table, e.g. 1000000,20000000")
    parser.add_argument("--import-into", help="sqlite,postgresql: import the engine's figures")
    parser.add_argument("--import-repeats", type=int, default=3)
    parser.add_argument("--skip-side-by-side", action="store_true")
    parser.add_argument("--write", action="store_true", help=f"write {RESULTS.name}")
    parser.add_argument("--variant", choices=list(VARIANTS), help=argparse.SUPPRESS)
    parser.add_argument("--records", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    return parser


if __name__ == "__main__":
    main()
