"""A plan's milestones and risks to Excel and back: the round trip and every kind of bad input."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from deliverology.web.plans.models import DeliveryPlan, Milestone, Risk
from deliverology.web.plans.spreadsheets import (
    MILESTONE_SHEET,
    RISK_SHEET,
    SpreadsheetError,
    export_workbook,
    import_workbook,
)
from tests.conftest import System


@pytest.fixture
def plan(system: System) -> DeliveryPlan:
    plan = DeliveryPlan.objects.create(
        priority=system.priorities["reading"],  # type: ignore[misc]
        owner=system.people["owner"],  # type: ignore[misc]
        starts_on=date(2025, 1, 1),
        ends_on=date(2027, 8, 31),
    )
    Milestone.objects.create(
        plan=plan,
        title='=HYPERLINK("http://x")',  # typed text that a spreadsheet would run
        owner=system.people["district"],  # type: ignore[misc]
        due=date(2025, 10, 1),
        status="late",
        local_unit=system.units["D1"],  # type: ignore[misc]
        trajectory_period="2025-26",
    )
    Risk.objects.create(
        plan=plan,
        description="Coaches leave",
        likelihood=3,
        impact=4,
        owner=system.people["owner"],  # type: ignore[misc]
    )
    return plan


def edited(plan: DeliveryPlan, change: Callable[[Any], None]) -> io.BytesIO:
    book = load_workbook(io.BytesIO(export_workbook(plan)))
    change(book)
    stream = io.BytesIO()
    book.save(stream)
    stream.seek(0)
    return stream


def problems_of(plan: DeliveryPlan, change: Callable[[Any], None]) -> list[str]:
    with pytest.raises(SpreadsheetError) as raised:
        import_workbook(plan, edited(plan, change), by=None)
    return raised.value.problems


def snapshot(plan: DeliveryPlan) -> list[tuple[Any, ...]]:
    return [
        *Milestone.objects.filter(plan=plan).values_list(
            "title", "owner__username", "due", "status", "evidence"
        ),
        *Risk.objects.filter(plan=plan).values_list(
            "description", "owner__username", "likelihood", "impact", "mitigation"
        ),
    ]


def test_an_unchanged_workbook_reads_back_to_the_same_plan(plan: DeliveryPlan) -> None:
    before = snapshot(plan)
    book = load_workbook(io.BytesIO(export_workbook(plan)))
    cell = book[MILESTONE_SHEET]["A2"]
    assert cell.value == '=HYPERLINK("http://x")' and cell.data_type == "s"  # text, not a formula
    import_workbook(plan, edited(plan, lambda book: None), by=None)
    assert snapshot(plan) == before


def test_edits_update_by_name_and_new_rows_add_milestones_and_risks(
    plan: DeliveryPlan, system: System
) -> None:
    def change(book: Any) -> None:
        sheet = book[MILESTONE_SHEET]
        sheet["E2"] = "done"
        sheet["G2"] = "All coaches in post"
        sheet.append(
            [
                "Winter screening",
                "analyst",
                "2025-12-01",
                "2026-02-01",
                "on track",
                None,
                "",
                "2025-26",
                "D2",
            ]
        )
        book[RISK_SHEET].append(
            ["Budget cut", 2, 4, "leader", "Reserve fund", "Budget letter", "open"]
        )

    import_workbook(plan, edited(plan, change), by=system.people["owner"])  # type: ignore[arg-type]
    first = plan.milestones.get(local_unit__code="D1")
    assert (first.status, first.evidence, first.completed_on) == (
        "done",
        "All coaches in post",
        date(2025, 10, 1),
    )
    new = plan.milestones.get(title="Winter screening")
    assert (new.owner.username, new.due, new.status, new.local_unit.code) == (
        "analyst",
        date(2026, 2, 1),
        "on_track",
        "D2",
    )
    assert plan.risks.get(description="Budget cut").owner.username == "leader"


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            lambda book: book[MILESTONE_SHEET].append(["Hire", "nobody_here", None, "2026-01-01"]),
            "Sheet “Milestones”, row 3, column B (owner): “nobody_here” is not a known username",
        ),
        (
            lambda book: [
                book[MILESTONE_SHEET].append([name, "owner", None, "2026-01-01"])
                for name in ("Hire coaches", "hire coaches")
            ],
            "Sheet “Milestones”, row 4, column A (milestone): “hire coaches” is listed twice "
            "(first in row 3)",
        ),
        (
            lambda book: book[MILESTONE_SHEET].append(["Too early", "owner", None, "2024-12-31"]),
            "Sheet “Milestones”, row 3, column D (due): due 2024-12-31, before the plan starts "
            "on 2025-01-01",
        ),
        (
            lambda book: book[MILESTONE_SHEET].append(["Undated", "owner", None, None]),
            "Sheet “Milestones”, row 3, column D (due): a date is needed here",
        ),
        (
            lambda book: book[MILESTONE_SHEET].append(["Odd", "owner", None, "next spring"]),
            "Sheet “Milestones”, row 3, column D (due): “next spring” is not a date (write it "
            "as 2026-03-31)",
        ),
        (
            lambda book: book[MILESTONE_SHEET].append(
                ["Odd", "owner", None, "2026-01-01", "finished"]
            ),
            "Sheet “Milestones”, row 3, column E (status): “finished” is not one of "
            "not_started, on_track, at_risk, late, done",
        ),
        (
            lambda book: book[MILESTONE_SHEET].append(
                ["Odd", "owner", None, "2026-01-01", None, None, None, None, "NOWHERE"]
            ),
            "Sheet “Milestones”, row 3, column I (local_unit_code): “NOWHERE” is not a known "
            "local unit",
        ),
        (
            lambda book: book[RISK_SHEET].append(["Budget cut", 2, 4, None, "Reserve fund"]),
            "Sheet “Risks”, row 3, column D (owner): every risk needs an owner",
        ),
        (
            lambda book: book[RISK_SHEET].append(["Budget cut", 5, 4, "owner", "Reserve fund"]),
            "Sheet “Risks”, row 3, column B (likelihood): “5” is not on the scale: 1, 2, 3 or 4",
        ),
        (
            lambda book: book["Plan"].__setitem__("B1", 99999),
            "Sheet “Plan”: this workbook is for another plan (plan_id 99999, not",
        ),
        (
            lambda book: book.remove(book[RISK_SHEET]),
            "The sheet “Risks” is missing.",
        ),
    ],
)
def test_a_bad_workbook_is_refused_with_the_row_and_column_and_nothing_saved(
    plan: DeliveryPlan, change: Callable[[Any], None], problem: str
) -> None:
    before = snapshot(plan)

    def with_a_good_edit_too(book: Any) -> None:
        book[MILESTONE_SHEET]["E2"] = "done"  # a good change, not saved either
        change(book)

    problems = problems_of(plan, with_a_good_edit_too)
    assert any(p.startswith(problem) for p in problems), problems
    assert snapshot(plan) == before


def test_every_problem_is_listed_at_once(plan: DeliveryPlan) -> None:
    def change(book: Any) -> None:
        book[MILESTONE_SHEET].append(["Hire", "ghost", None, "2026-01-01"])
        book[RISK_SHEET].append(["Budget cut", 2, 4, None, "Reserve fund"])

    assert len(problems_of(plan, change)) == 2


def test_a_file_that_is_not_a_workbook_is_refused(plan: DeliveryPlan) -> None:
    with pytest.raises(SpreadsheetError, match="not an Excel workbook"):
        import_workbook(plan, io.BytesIO(b"period,value\n"), by=None)


@pytest.mark.parametrize(
    ("who", "status"), [("owner", 302), ("analyst", 302), ("district", 403), ("viewer", 403)]
)
def test_the_plans_editors_import_and_everyone_exports(
    login: Callable[[str], object], plan: DeliveryPlan, who: str, status: int
) -> None:
    client = login(who)
    exported = client.get(reverse("plan_export", args=[plan.pk]))  # type: ignore[attr-defined]
    assert exported.status_code == 200
    upload = SimpleUploadedFile(
        "plan.xlsx",
        edited(plan, lambda book: book[MILESTONE_SHEET].__setitem__("E2", "done")).read(),
    )
    response = client.post(reverse("plan_import", args=[plan.pk]), {"workbook": upload})  # type: ignore[attr-defined]
    assert response.status_code == status
    assert (plan.milestones.get().status == "done") == (status == 302)


def test_the_import_page_lists_every_problem(
    login: Callable[[str], object], plan: DeliveryPlan
) -> None:
    upload = SimpleUploadedFile(
        "plan.xlsx",
        edited(
            plan, lambda book: book[RISK_SHEET].append(["Budget cut", 2, 4, "ghost", "x"])
        ).read(),
    )
    response = login("owner").post(reverse("plan_import", args=[plan.pk]), {"workbook": upload})  # type: ignore[attr-defined]
    assert response.status_code == 400
    body = response.content.decode()
    assert "Nothing was saved: 1 problem" in body
    assert "row 3, column D (owner): “ghost” is not a known username" in body
