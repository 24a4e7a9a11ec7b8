"""`deliverology import`: records computed at every level, and a killed import saves nothing."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from deliverology.cli import main
from deliverology.engine.england import DASHBOARD_CSV, HIERARCHY_CSV, MAPPING_JSON
from deliverology.web.performance.models import ImportRun, LocalUnit, Metric, Observation, Subgroup

SCHOOLS = {"S1": "D1", "S2": "D1", "S3": "D2"}
DEFINITION = """
metric = "reading-proficiency"
period = "month"
numerator = "proficient"
subgroups = ["subgroup"]

[levels]
school = "school"
district = "district"

[filters]
assessment = ["reading"]
"""


def records(schools=SCHOOLS):
    """Students x months with a pattern the sums below can be checked against."""
    rows = defaultdict(list)
    for number in range(600):
        school = sorted(schools)[number % len(schools)]
        for month in (1, 2, 3):
            rows["student"].append(f"P{number}")
            rows["school"].append(school)
            rows["district"].append(schools[school])
            rows["month"].append(date(2025, month, 1))
            rows["subgroup"].append("low_income" if number % 3 == 0 else "other")
            rows["assessment"].append("reading" if number % 10 else "maths")
            rows["proficient"].append((number * month) % 4 != 0)
    return pa.table(rows)


def expected(table):
    """Numerator and denominator per (level, unit, period, subgroup), summed by hand."""
    sums = defaultdict(lambda: [0, 0])
    for row in table.to_pylist():
        if row["assessment"] != "reading":
            continue
        period = row["month"].strftime("%Y-%m")
        for level in ("school", "district"):
            for subgroup in ("all", row["subgroup"]):
                cell = sums[(row[level], period, subgroup)]
                cell[0] += int(row["proficient"])
                cell[1] += 1
    return sums


def printed(capsys):
    """What the command printed, with the terminal's line wrapping undone."""
    output = capsys.readouterr()
    return " ".join((output.out + output.err).split())


@pytest.fixture
def state(db):
    Metric.objects.create(
        code="reading-proficiency", name="Reading", aggregation="rate", frequency="month"
    )
    for code in ("all", "low_income", "other"):
        Subgroup.objects.get_or_create(code=code, defaults={"name": code})
    root = LocalUnit.objects.create(code="ST", name="State", type="state")
    districts = {
        code: LocalUnit.objects.create(code=code, name=code, type="district", parent=root)
        for code in ("D1", "D2")
    }
    for code, district in SCHOOLS.items():
        LocalUnit.objects.create(code=code, name=code, type="school", parent=districts[district])


@pytest.fixture
def files(tmp_path):
    data = tmp_path / "reading.parquet"
    pq.write_table(records(), data)
    definition = tmp_path / "reading.toml"
    definition.write_text(DEFINITION, encoding="utf-8")
    return data, definition


@pytest.mark.django_db(transaction=True)
def test_records_become_figures_for_every_unit_at_every_level(state, files, capsys):
    data, definition = files
    assert main(["import", "records", str(data), "--definition", str(definition)]) == 0
    want = expected(records())
    stored = {
        (o.local_unit.code, o.period, o.subgroup.code): (o.numerator, o.denominator, o.value)
        for o in Observation.objects.select_related("local_unit", "subgroup")
    }
    assert set(stored) == set(want)
    for key, (numerator, denominator) in want.items():
        assert stored[key] == (numerator, denominator, pytest.approx(100 * numerator / denominator))
    run = ImportRun.objects.get()
    assert run.kind == ImportRun.Kind.RECORDS
    assert run.mapping_name == "reading.toml"
    assert run.mapping["levels"] == {"school": "school", "district": "district"}
    assert "records gave" in run.notes[0]
    # the same file again changes nothing
    assert main(["import", "records", str(data), "--definition", str(definition)]) == 0
    again = ImportRun.objects.latest("pk")
    assert (again.rows_new, again.rows_changed, again.rows_unchanged) == (0, 0, len(want))
    assert "0 new, 0 changed" in printed(capsys)


@pytest.mark.django_db(transaction=True)
def test_records_from_unknown_schools_are_refused_and_nothing_is_saved(state, tmp_path, capsys):
    data = tmp_path / "reading.parquet"
    pq.write_table(records({**SCHOOLS, "S9": "D2"}), data)
    definition = tmp_path / "reading.toml"
    definition.write_text(DEFINITION, encoding="utf-8")
    assert main(["import", "records", str(data), "--definition", str(definition)]) == 1
    output = printed(capsys)
    assert "'S9'" in output and "column 'school'" in output
    assert "Nothing was saved" in output
    assert not Observation.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('metric = "reading-proficiency"\nperiod = "month"\n', "'levels' must say"),
        (DEFINITION.replace('numerator = "proficient"', 'numerator = "passed"'), "passed"),
        (DEFINITION.replace("reading-proficiency", "unknown-metric"), "unknown-metric"),
        ("colour = 'blue'\n" + DEFINITION, "unknown key(s) colour"),
        ("metric = ", "cannot be read as a definition"),
    ],
)
def test_a_bad_definition_gets_a_clear_message(state, files, capsys, text, message):
    data, definition = files
    definition.write_text(text, encoding="utf-8")
    assert main(["import", "records", str(data), "--definition", str(definition)]) == 1
    assert message in printed(capsys)
    assert not Observation.objects.exists()


def test_a_killed_import_leaves_the_database_as_it_was(tmp_path):
    """The process is killed while it writes: the database holds what it held before."""
    database = tmp_path / "app.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "DELIVEROLOGY_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "deliverology.web.settings",
    }
    command = [sys.executable, "-m", "deliverology.cli"]

    def run(*args: str) -> None:
        subprocess.run([*command, *args], env=env, check=True, capture_output=True)  # noqa: S603

    run("setup")
    setup_metrics = (
        "from deliverology.web.performance.models import Metric, Subgroup\n"
        "from deliverology.engine.england import METRICS, SUBGROUPS\n"
        "for c, n in METRICS.items(): Metric.objects.create(code=c, name=n, "
        "aggregation='rate', frequency='academic_year')\n"
        "for c, n in SUBGROUPS.items(): Subgroup.objects.get_or_create(code=c, name=n)\n"
    )
    run("manage", "shell", "-c", setup_metrics)
    run("import", "units", str(HIERARCHY_CSV))
    before = _snapshot(database)

    loading = subprocess.Popen(  # noqa: S603
        [*command, "import", "observations", str(DASHBOARD_CSV), "--mapping", str(MAPPING_JSON)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_progress(database, "Writing", loading)
        loading.send_signal(signal.SIGKILL)
    finally:
        loading.wait(timeout=60)
    assert loading.returncode == -signal.SIGKILL
    assert _snapshot(database) == before
    # and the next look at the imports shows it interrupted, not running for ever nor saved
    listing = subprocess.run(  # noqa: S603
        [*command, "imports", "--last", "1"], env=env, check=True, capture_output=True, text=True
    )
    said = " ".join(listing.stderr.split())  # the terminal's messages, unwrapped
    assert "Interrupted: nothing saved" in said
    assert "1 problem" in said
    with sqlite3.connect(database) as db:
        outcomes = db.execute(
            "SELECT outcome, problems FROM performance_importrun ORDER BY id"
        ).fetchall()
    assert outcomes[-1][0] == "interrupted"
    assert "The import stopped before it finished" in outcomes[-1][1]
    assert _snapshot(database) == before


def _snapshot(database: Path) -> tuple[int, ...]:
    with sqlite3.connect(database) as db:
        return tuple(
            db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
            for table in (
                "performance_observation",
                "performance_historicalobservation",
                "performance_rollup",
                "performance_localunit",
            )
        )


def _wait_for_progress(database: Path, word: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, "the import finished before it could be killed"
        try:
            with sqlite3.connect(database, timeout=0.1) as db:
                found = db.execute(
                    "SELECT 1 FROM performance_importrun WHERE progress LIKE ?", [f"{word}%"]
                ).fetchone()
        except sqlite3.OperationalError:
            found = None
        if found:
            return
        time.sleep(0.005)
    raise AssertionError(f"the import never reported '{word}'")
