"""The `deliverology` command, run in-process against the test database."""

from __future__ import annotations

import pytest

from deliverology.cli import main
from deliverology.web.performance.models import LocalUnit, Observation, Rollup
from deliverology.web.priorities.models import Priority, Trajectory


@pytest.mark.django_db(transaction=True)
def test_demo_builds_once_and_running_it_again_changes_nothing(capsys):
    assert main(["demo", "--no-serve", "--schools", "120"]) == 0
    counts = (
        LocalUnit.objects.count(),
        Observation.objects.count(),
        Rollup.objects.count(),
        Priority.objects.count(),
        Trajectory.objects.count(),
    )
    assert counts[0] == 1 + 1 + 6 + 120  # state, region, districts, schools
    assert counts[3] == 4 and counts[4] == 5  # attendance was revised once
    # every first figure has a history row, so "what was it on date X" can be answered
    assert Observation.history.filter(history_type="+").count() == counts[1]
    assert main(["demo", "--no-serve", "--schools", "120"]) == 0
    assert "already in the database" in capsys.readouterr().err
    assert (
        LocalUnit.objects.count(),
        Observation.objects.count(),
        Rollup.objects.count(),
        Priority.objects.count(),
        Trajectory.objects.count(),
    ) == counts


@pytest.mark.django_db(transaction=True)
def test_the_demo_gives_every_district_a_roll_up_of_its_schools():
    assert main(["demo", "--no-serve", "--schools", "120"]) == 0
    districts_with_schools = LocalUnit.objects.filter(type="district", children__isnull=False)
    rolled = Rollup.objects.filter(local_unit__type="district", subgroup__code="all")
    assert set(rolled.values_list("local_unit", flat=True)) == set(
        districts_with_schools.values_list("pk", flat=True)
    )


def test_help_lists_every_command(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for command in ("demo", "serve", "setup", "manage"):
        assert command in out


def test_an_unknown_command_is_refused(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["fly"])
    assert exit_info.value.code == 2


@pytest.mark.django_db(transaction=True)
def test_england_builds_its_own_system_and_leaves_the_demo_untouched(tmp_path, capfd):
    import sqlite3

    assert main(["demo", "--no-serve", "--schools", "120"]) == 0
    demo = (LocalUnit.objects.count(), Observation.objects.count(), Priority.objects.count())
    data_dir = tmp_path / "england"
    assert main(["england", "--no-serve", "--data-dir", str(data_dir)]) == 0
    assert (LocalUnit.objects.count(), Observation.objects.count(), Priority.objects.count()) == (
        demo
    )
    assert not LocalUnit.objects.filter(code="E92000001").exists()
    with sqlite3.connect(data_dir / "deliverology.sqlite3") as england:
        (units,) = england.execute("SELECT count(*) FROM performance_localunit").fetchone()
        (priority,) = england.execute("SELECT title FROM priorities_priority").fetchone()
    assert units == 1 + 9 + 154
    assert priority == "Level 3 by age 19"
    assert main(["england", "--no-serve", "--data-dir", str(data_dir)]) == 0
    assert "already in" in capfd.readouterr().err
