"""The spreadsheet round trip: export, edit with openpyxl as a person would in Excel, import;
and bad files, each refused with its sheet, row and column, with nothing saved."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from deliverology.core.allocation import AllocationMethod
from deliverology.web.priorities.models import Trajectory, TrajectoryPoint
from deliverology.web.subtargets import actions
from deliverology.web.subtargets.models import NegotiationStep, SubTarget
from deliverology.web.subtargets.spreadsheets import (
    SUB_TARGET_COLUMNS,
    TRAJECTORY_COLUMNS,
)
from tests.subtargets.test_actions import by_code, reading_target


@pytest.fixture
def uplift(system):
    return actions.build_sub_targets(
        reading_target(system),
        level="district",
        method=AllocationMethod.UNIFORM_UPLIFT,
        by=system.people["analyst"],
        uplift=10.0,
    )


@pytest.fixture
def analyst(login):
    return login("analyst")


def exported(client, system):
    response = client.get(f"/targets/{reading_target(system).pk}/spreadsheet.xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    return load_workbook(io.BytesIO(response.content))


def upload(client, system, book, name="edited.xlsx"):
    stream = io.BytesIO()
    book.save(stream)
    file = SimpleUploadedFile(name, stream.getvalue())
    url = f"/targets/{reading_target(system).pk}/spreadsheet/import/"
    return client.post(url, {"file": file})


def state():
    """Everything an import may change."""
    return (
        sorted(Trajectory.objects.values_list("pk", "version", "method")),
        sorted(TrajectoryPoint.objects.values_list("trajectory_id", "period", "expected")),
        sorted(SubTarget.objects.values_list("pk", "value", "status")),
        NegotiationStep.objects.count(),
        SubTarget.history.count(),
    )


def column(sheet, name):
    return [cell.value for cell in sheet[1]].index(name) + 1


def test_the_export_has_the_method_columns_and_every_sub_target(analyst, system, uplift):
    book = exported(analyst, system)
    assert book.sheetnames == ["Target", "Trajectory", "Sub-targets", "Sub-target trajectories"]
    trajectory = book["Trajectory"]
    assert tuple(cell.value for cell in trajectory[1]) == TRAJECTORY_COLUMNS
    periods = [row[0] for row in trajectory.iter_rows(min_row=2, values_only=True)]
    assert periods == ["2021-22", "2022-23", "2023-24", "2024-25", "2025-26", "2026-27"]
    agreed = [row[3] for row in trajectory.iter_rows(min_row=2, values_only=True)]
    assert agreed[0] == pytest.approx(51.9) and agreed[-1] == pytest.approx(75.0)
    actual_2024 = trajectory.cell(5, column(trajectory, "actual")).value
    assert actual_2024 == pytest.approx(100 * (63 + 36 + 140 + 100) / (100 + 80 + 200 + 160))
    assert trajectory.cell(5, column(trajectory, "status")).value  # a status label

    sub_targets = book["Sub-targets"]
    assert tuple(cell.value for cell in sub_targets[1]) == SUB_TARGET_COLUMNS
    rows = {row[0]: row for row in sub_targets.iter_rows(min_row=2, values_only=True)}
    assert set(rows) == {"D1", "D2", "D3"}
    assert rows["D2"][2] == "all"
    assert rows["D2"][4] == 200 and rows["D2"][8] == pytest.approx(70.0)
    trajectories = book["Sub-target trajectories"].iter_rows(min_row=2, values_only=True)
    ends = {row[0]: row[-1] for row in trajectories}
    assert ends["D2"] == pytest.approx(70.0)


def test_an_edited_workbook_comes_back_as_a_new_trajectory_version_and_adjustments(
    analyst, system, uplift
):
    book = exported(analyst, system)
    trajectory = book["Trajectory"]
    agreed = column(trajectory, "trajectory_agreed")
    for row, value in zip(range(3, 7), (53.0, 57.0, 63.0, 69.0), strict=True):
        trajectory.cell(row, agreed).value = value
    sub_targets = book["Sub-targets"]
    for row in range(2, 5):
        if sub_targets.cell(row, 1).value == "D1":
            sub_targets.cell(row, column(sub_targets, "sub_target")).value = 66.5

    response = upload(analyst, system, book, name="reading-2027.xlsx")
    assert response.status_code == 302
    target = reading_target(system)
    newest = target.current_trajectory()
    assert newest.version == 2 and newest.method == "spreadsheet"
    assert [p.expected for p in newest.points.all()] == pytest.approx(
        [51.9, 53.0, 57.0, 63.0, 69.0, 75.0]
    )
    assert target.trajectories.count() == 2  # the first version is kept
    d1 = by_code(uplift)["D1"]
    assert (d1.value, d1.adjusted_value, d1.status) == (66.5, 66.5, "adjusted")
    step = d1.steps.last()
    assert step.by == system.people["analyst"] and "reading-2027.xlsx" in step.note
    # The sub-trajectories now follow the edited system trajectory's shape.
    d2 = by_code(uplift)["D2"]
    shape = (57.0 - 51.9) / (75.0 - 51.9)
    assert d2.points.all()[2].expected == pytest.approx(60 + shape * 10)


def test_an_unchanged_workbook_changes_nothing(analyst, system, uplift):
    before = state()
    assert upload(analyst, system, exported(analyst, system)).status_code == 302
    assert state() == before


def test_unit_names_typed_as_formulas_are_exported_as_text_and_the_workbook_still_reads_back(
    analyst, system, uplift
):
    from tests.web.test_workbooks import formulas, text_cells_starting_like_formulas

    name = '=HYPERLINK("http://evil.example/","District D1")'
    system.units["D1"].name = name
    system.units["D1"].save()
    system.units["ST"].name = "-Testland"
    system.units["ST"].save()
    content = analyst.get(f"/targets/{reading_target(system).pk}/spreadsheet.xlsx").content
    assert formulas(content) == []
    assert ("Sub-targets", name, True) in text_cells_starting_like_formulas(content)
    assert ("Target", "-Testland", True) in text_cells_starting_like_formulas(content)
    before = state()
    book = load_workbook(io.BytesIO(content))
    edit_cell(book, "Sub-targets", 2, "sub_target", book["Sub-targets"].cell(2, 9).value)
    assert upload(analyst, system, book).status_code == 302
    assert state() == before


def edit_cell(book, sheet, row, name, value):
    book[sheet].cell(row, column(book[sheet], name)).value = value


BAD_EDITS = [
    (
        lambda b: edit_cell(b, "Trajectory", 4, "trajectory_agreed", "about 60"),
        "Sheet “Trajectory”, row 4, column D (trajectory_agreed): “about 60” is not a number",
    ),
    (
        lambda b: edit_cell(b, "Trajectory", 2, "trajectory_agreed", 55.0),
        "Sheet “Trajectory”, row 2, column D (trajectory_agreed): the trajectory must start "
        "at the baseline, 51.9, not 55",
    ),
    (
        lambda b: edit_cell(b, "Trajectory", 5, "trajectory_agreed", 120),
        "Sheet “Trajectory”, row 5, column D (trajectory_agreed): 120 is outside the metric's "
        "range, 0 to 100",
    ),
    (
        lambda b: (
            edit_cell(b, "Trajectory", 3, "period", "2023-24"),
            edit_cell(b, "Trajectory", 4, "period", "2022-23"),
        ),
        "Sheet “Trajectory”, row 4, column A (period): the periods are out of order: 2022-23 "
        "comes after 2023-24",
    ),
    (
        lambda b: b["Trajectory"].delete_rows(7),
        "the trajectory needs one row for each period from 2021-22 to 2026-27",
    ),
    (
        lambda b: edit_cell(b, "Trajectory", 3, "period", "2022/2023 maybe"),
        "Sheet “Trajectory”, row 3, column A (period):",
    ),
    (
        lambda b: edit_cell(b, "Sub-targets", 2, "local_unit_code", "D9"),
        "Sheet “Sub-targets”, row 2, column A (local_unit_code): “D9” is not a known local unit",
    ),
    (
        lambda b: edit_cell(b, "Sub-targets", 3, "local_unit_code", "S1"),
        "Sheet “Sub-targets”, row 3, column A (local_unit_code): S1 / all has no sub-target in "
        "this set",
    ),
    (
        lambda b: edit_cell(b, "Sub-targets", 3, "subgroup_code", "girls"),
        "Sheet “Sub-targets”, row 3, column C (subgroup_code): “girls” is not a known subgroup",
    ),
    (
        lambda b: b["Sub-targets"].delete_rows(4),
        "Sheet “Sub-targets”: no row for D3 / all; every sub-target of the set needs one.",
    ),
    (
        lambda b: edit_cell(b, "Sub-targets", 2, "sub_target", None),
        "Sheet “Sub-targets”, row 2, column I (sub_target): a number is needed here, but the "
        "cell is empty",
    ),
    (
        lambda b: edit_cell(b, "Sub-targets", 3, "sub_target", -4),
        "Sheet “Sub-targets”, row 3, column I (sub_target): -4 is outside the metric's range",
    ),
    (
        lambda b: b.remove(b["Sub-targets"]),
        "The sheet “Sub-targets” is missing.",
    ),
    (
        lambda b: b["Target"].cell(1, 2, 9999),
        "this workbook is for another target (target_id 9999",
    ),
]


@pytest.mark.parametrize(("edit", "message"), BAD_EDITS)
def test_a_bad_edit_is_named_by_sheet_row_and_column_and_nothing_is_saved(
    analyst, system, uplift, edit, message
):
    book = exported(analyst, system)
    edit(book)
    # A good edit elsewhere in the same file must not be saved either.
    edit_cell(book, "Trajectory", 6, "trajectory_agreed", 70.0)
    before = state()
    response = upload(analyst, system, book)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was saved" in page
    assert message in page.replace("&#34;", '"').replace("&#39;", "'")
    assert state() == before


def test_a_file_that_is_not_a_workbook_is_refused(analyst, system, uplift):
    before = state()
    url = f"/targets/{reading_target(system).pk}/spreadsheet/import/"
    file = SimpleUploadedFile("targets.xlsx", b"period,value\n2021-22,51.9\n")
    response = analyst.post(url, {"file": file})
    assert response.status_code == 400
    assert "This is not an Excel workbook (.xlsx) that can be read" in response.content.decode()
    assert state() == before


def test_a_locked_target_keeps_its_trajectory(analyst, system, uplift):
    target = reading_target(system)
    target.status = "locked"
    target.save()
    book = exported(analyst, system)
    edit_cell(book, "Trajectory", 4, "trajectory_agreed", 60.0)
    edit_cell(book, "Sub-targets", 2, "sub_target", 80.0)
    before = state()
    response = upload(analyst, system, book)
    assert response.status_code == 400
    assert "the trajectory of this target is locked" in response.content.decode()
    assert state() == before


@pytest.mark.parametrize("persona", ["leader", "owner", "viewer", "district"])
def test_only_the_delivery_unit_imports(login, system, uplift, persona):
    url = f"/targets/{reading_target(system).pk}/spreadsheet/import/"
    assert login(persona).get(url).status_code == 403


def test_a_target_without_sub_targets_round_trips_its_trajectory_alone(analyst, system):
    from tests.subtargets.test_actions import absence_target

    target = absence_target(system)
    response = analyst.get(f"/targets/{target.pk}/spreadsheet.xlsx")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Target", "Trajectory"]
    edit_cell(book, "Trajectory", 3, "trajectory_agreed", 47.0)
    stream = io.BytesIO()
    book.save(stream)
    url = f"/targets/{target.pk}/spreadsheet/import/"
    file = SimpleUploadedFile("absence.xlsx", stream.getvalue())
    assert analyst.post(url, {"file": file}).status_code == 302
    assert target.current_trajectory().points.all()[1].expected == 47.0

    book.create_sheet("Sub-targets")
    stream = io.BytesIO()
    book.save(stream)
    file = SimpleUploadedFile("absence.xlsx", stream.getvalue())
    refused = analyst.post(url, {"file": file})
    assert refused.status_code == 400
    assert "this target has no sub-targets yet" in refused.content.decode()
