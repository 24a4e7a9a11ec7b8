"""A plan's milestones and risks out to Excel and back, every cell checked (docs/concepts.md).

Importing is all or nothing: every problem is listed with its sheet, row and column, and nothing
is saved unless there are none. A row updates the milestone (or risk) of the same name, or adds
one; milestones and risks left out of the workbook are kept (remove them on the plan's page).
Owners are written as usernames.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, datetime
from typing import IO, Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import load_workbook  # type: ignore[import-untyped,unused-ignore]
from openpyxl.styles import Font  # type: ignore[import-untyped,unused-ignore]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped,unused-ignore]

from deliverology.configuration import load_method_config
from deliverology.core.periods import PeriodError
from deliverology.core.plans import RISK_SCALE, MilestoneStatus, RiskStatus, date_problem
from deliverology.web.performance.models import LocalUnit
from deliverology.web.plans.actions import people_named
from deliverology.web.plans.models import DeliveryPlan, Milestone, Risk
from deliverology.web.subtargets.spreadsheets import Row, SpreadsheetError
from deliverology.web.workbooks import append_row, new_workbook

__all__ = ["SpreadsheetError", "export_workbook", "import_workbook"]

PLAN_SHEET = "Plan"
MILESTONE_SHEET = "Milestones"
RISK_SHEET = "Risks"
MILESTONE_COLUMNS = (
    "milestone",
    "owner",
    "starts_on",
    "due",
    "status",
    "completed_on",
    "evidence",
    "trajectory_period",
    "local_unit_code",
)
RISK_COLUMNS = ("risk", "likelihood", "impact", "owner", "mitigation", "trigger", "status")


def export_workbook(plan: DeliveryPlan) -> bytes:
    """The plan's facts, its milestones and its risks, one sheet each."""
    book = new_workbook()
    _plan_sheet(book.active, plan)
    milestones = plan.milestones.select_related("owner", "local_unit").order_by("due", "title")
    sheet = book.create_sheet(MILESTONE_SHEET)
    _header(sheet, MILESTONE_COLUMNS)
    for each in milestones:
        append_row(
            sheet,
            [
                each.title,
                each.owner.username if each.owner else None,
                each.starts_on,
                each.due,
                each.status,
                each.completed_on,
                each.evidence,
                each.trajectory_period,
                each.local_unit.code if each.local_unit else None,
            ],
        )
    sheet = book.create_sheet(RISK_SHEET)
    _header(sheet, RISK_COLUMNS)
    for risk in plan.risks.select_related("owner"):
        append_row(
            sheet,
            [
                risk.description,
                risk.likelihood,
                risk.impact,
                risk.owner.username if risk.owner else None,
                risk.mitigation,
                risk.trigger,
                risk.status,
            ],
        )
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def import_workbook(plan: DeliveryPlan, stream: IO[bytes], *, by: User | None) -> None:
    """Read an edited workbook back; SpreadsheetError lists every problem, and then nothing is
    saved."""
    book = _open(stream)
    problems: list[str] = []
    _check_plan_sheet(book, plan, problems)
    milestone_rows = _rows(book, MILESTONE_SHEET, MILESTONE_COLUMNS, problems)
    risk_rows = _rows(book, RISK_SHEET, RISK_COLUMNS, problems)
    owners = people_named(
        _text(row["owner"]) for row in [*(milestone_rows or []), *(risk_rows or [])]
    )
    milestones = _read_milestones(plan, milestone_rows or [], owners, problems)
    risks = _read_risks(plan, risk_rows or [], owners, problems)
    if problems:
        raise SpreadsheetError(problems)
    with transaction.atomic():
        for milestone in milestones:
            milestone.save()
        for risk in risks:
            risk.save()


def _plan_sheet(sheet: Any, plan: DeliveryPlan) -> None:
    sheet.title = PLAN_SHEET
    config = load_method_config().plans
    rows: list[tuple[str, Any]] = [
        ("plan_id", plan.pk),
        ("priority", plan.priority.title),
        ("intervention", plan.intervention.title if plan.intervention else ""),
        ("plan_owner", plan.owner.username if plan.owner else ""),
        ("starts_on", plan.starts_on),
        ("ends_on", plan.ends_on),
        ("milestone statuses", ", ".join(MilestoneStatus)),
        ("risk statuses", ", ".join(RiskStatus)),
        (
            "likelihood",
            ", ".join(
                f"{n} {label}"
                for n, label in zip(RISK_SCALE, config.likelihood_labels, strict=True)
            ),
        ),
        (
            "impact",
            ", ".join(
                f"{n} {label}" for n, label in zip(RISK_SCALE, config.impact_labels, strict=True)
            ),
        ),
        (
            "edit",
            _(
                "Edit the Milestones and Risks sheets; owners are usernames; a row with a new "
                "name adds a milestone or risk, a row with an existing name updates it."
            ),
        ),
    ]
    for row in rows:
        append_row(sheet, row)
    sheet.column_dimensions["A"].width = 20
    sheet.column_dimensions["B"].width = 60


def _header(sheet: Any, columns: Sequence[str]) -> None:
    append_row(sheet, list(columns))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(14, len(column) + 2)
    sheet.freeze_panes = "A2"


def _open(stream: IO[bytes]) -> Any:
    try:
        return load_workbook(stream, data_only=True, read_only=True)
    except Exception as error:  # openpyxl raises many kinds for a file that is not a workbook
        raise SpreadsheetError(
            [
                _("This is not an Excel workbook (.xlsx) that can be read: %(error)s")
                % {"error": error.__class__.__name__}
            ]
        ) from error


def _check_plan_sheet(book: Any, plan: DeliveryPlan, problems: list[str]) -> None:
    if PLAN_SHEET not in book.sheetnames:
        problems.append(_("The sheet “%(sheet)s” is missing.") % {"sheet": PLAN_SHEET})
        return
    facts = {
        str(row[0]).strip(): row[1]
        for row in book[PLAN_SHEET].iter_rows(values_only=True)
        if row and row[0] is not None and len(row) > 1
    }
    if str(facts.get("plan_id")) != str(plan.pk):
        problems.append(
            _(
                "Sheet “%(sheet)s”: this workbook is for another plan (plan_id %(found)s, not "
                "%(expected)s)."
            )
            % {"sheet": PLAN_SHEET, "found": facts.get("plan_id"), "expected": plan.pk}
        )


def _rows(book: Any, name: str, columns: Sequence[str], problems: list[str]) -> list[Row] | None:
    if name not in book.sheetnames:
        problems.append(_("The sheet “%(sheet)s” is missing.") % {"sheet": name})
        return None
    values = list(book[name].iter_rows(values_only=True))
    header = [
        str(cell).strip() if cell is not None else "" for cell in (values[0] if values else [])
    ]
    missing = [column for column in columns if column not in header]
    if missing:
        problems.append(
            _("Sheet “%(sheet)s”: the column %(columns)s is missing from the first row.")
            % {"sheet": name, "columns": ", ".join(missing)}
        )
        return None
    letters = {column: get_column_letter(header.index(column) + 1) for column in columns}
    rows = []
    for number, cells in enumerate(values[1:], start=2):
        if all(cell is None or str(cell).strip() == "" for cell in cells):
            continue
        padded = [*cells, *[None] * len(header)]
        by_column = {column: padded[header.index(column)] for column in columns}
        rows.append(Row(name, number, by_column, letters))
    return rows


def _read_milestones(
    plan: DeliveryPlan, rows: Sequence[Row], owners: dict[str, User], problems: list[str]
) -> list[Milestone]:
    existing = {m.title.lower(): m for m in plan.milestones.all()}
    units = _local_units(rows)
    seen: dict[str, int] = {}
    read: list[Milestone] = []
    for row in rows:
        title = _text(row["milestone"])
        if not _named(row, "milestone", title, seen, problems):
            continue
        milestone = existing.get(title.lower()) or Milestone(plan=plan, title=title)
        milestone.owner = _owner(row, owners, problems, required=False)
        milestone.starts_on = _date(row, "starts_on", problems)
        milestone.due = _date(row, "due", problems, required=True)
        milestone.status = _choice(row, "status", MilestoneStatus, problems)
        milestone.completed_on = _date(row, "completed_on", problems)
        if milestone.status == MilestoneStatus.DONE and milestone.completed_on is None:
            milestone.completed_on = milestone.due
        milestone.evidence = _text(row["evidence"])
        milestone.trajectory_period = _period(row, plan, problems)
        milestone.local_unit = _local_unit(row, units, problems)
        _check_due(row, plan, milestone, problems)
        read.append(milestone)
    return read


def _read_risks(
    plan: DeliveryPlan, rows: Sequence[Row], owners: dict[str, User], problems: list[str]
) -> list[Risk]:
    existing = {r.description.lower(): r for r in plan.risks.all()}
    seen: dict[str, int] = {}
    read: list[Risk] = []
    for row in rows:
        description = _text(row["risk"])
        if not _named(row, "risk", description, seen, problems):
            continue
        risk = existing.get(description.lower()) or Risk(plan=plan, description=description)
        risk.likelihood = _point(row, "likelihood", problems)  # type: ignore[assignment]
        risk.impact = _point(row, "impact", problems)  # type: ignore[assignment]
        risk.owner = _owner(row, owners, problems, required=True)
        risk.mitigation = _text(row["mitigation"])
        risk.trigger = _text(row["trigger"])
        risk.status = _choice(row, "status", RiskStatus, problems)
        read.append(risk)
    return read


def _named(row: Row, column: str, name: str, seen: dict[str, int], problems: list[str]) -> bool:
    """Whether the row has a name not used by an earlier row; a problem otherwise."""
    cell = row.cell(column)
    if not name:
        problems.append(cell.problem(_("a name is needed here, but the cell is empty")))
        return False
    if name.lower() in seen:
        problems.append(
            cell.problem(
                _("“%(name)s” is listed twice (first in row %(first)d)")
                % {"name": name, "first": seen[name.lower()]}
            )
        )
        return False
    seen[name.lower()] = row.number
    return True


def _owner(
    row: Row, owners: dict[str, User], problems: list[str], *, required: bool
) -> User | None:
    name = _text(row["owner"])
    if not name:
        if required:
            problems.append(row.cell("owner").problem(_("every risk needs an owner")))
        return None
    owner = owners.get(name.lower())
    if owner is None:
        problems.append(
            row.cell("owner").problem(_("“%(name)s” is not a known username") % {"name": name})
        )
    return owner


def _date(row: Row, column: str, problems: list[str], *, required: bool = False) -> date | None:
    value = row[column]
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            problems.append(row.cell(column).problem(_("a date is needed here")))
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        problems.append(
            row.cell(column).problem(
                _("“%(value)s” is not a date (write it as 2026-03-31)") % {"value": value}
            )
        )
        return None


def _choice(row: Row, column: str, choices: Any, problems: list[str]) -> str:
    value = _text(row[column]).lower().replace(" ", "_").replace("-", "_")
    known = [choice.value for choice in choices]
    if not value:
        return str(known[0])
    if value not in known:
        problems.append(
            row.cell(column).problem(
                _("“%(value)s” is not one of %(known)s")
                % {"value": row[column], "known": ", ".join(known)}
            )
        )
    return value


def _point(row: Row, column: str, problems: list[str]) -> int | None:
    value = row[column]
    try:
        point = int(str(value).strip()) if value is not None else None
    except ValueError:
        point = None
    if point not in RISK_SCALE or (isinstance(value, float) and not value.is_integer()):
        problems.append(
            row.cell(column).problem(
                _("“%(value)s” is not on the scale: 1, 2, 3 or 4")
                % {"value": "" if value is None else value}
            )
        )
        return None
    return point


def _period(row: Row, plan: DeliveryPlan, problems: list[str]) -> str:
    text = _text(row["trajectory_period"])
    if not text:
        return ""
    try:
        return plan.priority.goal_metric.parse_period(text).label
    except PeriodError as error:
        problems.append(row.cell("trajectory_period").problem(str(error)))
        return text


def _local_units(rows: Sequence[Row]) -> dict[str, LocalUnit]:
    codes = {_text(row["local_unit_code"]) for row in rows} - {""}
    return {unit.code: unit for unit in LocalUnit.objects.filter(code__in=codes)}


def _local_unit(row: Row, units: dict[str, LocalUnit], problems: list[str]) -> LocalUnit | None:
    code = _text(row["local_unit_code"])
    if not code:
        return None
    unit = units.get(code)
    if unit is None:
        problems.append(
            row.cell("local_unit_code").problem(
                _("“%(code)s” is not a known local unit") % {"code": code}
            )
        )
    return unit


def _check_due(row: Row, plan: DeliveryPlan, milestone: Milestone, problems: list[str]) -> None:
    if milestone.due is None:
        return
    problem = date_problem(milestone.due, plan.starts_on, plan.ends_on)
    if problem == "before_start":
        problems.append(
            row.cell("due").problem(
                _("due %(due)s, before the plan starts on %(start)s")
                % {"due": milestone.due, "start": plan.starts_on}
            )
        )
    elif problem == "after_end":
        problems.append(
            row.cell("due").problem(
                _("due %(due)s, after the plan ends on %(end)s")
                % {"due": milestone.due, "end": plan.ends_on}
            )
        )
    if milestone.starts_on and milestone.starts_on > milestone.due:
        problems.append(row.cell("starts_on").problem(_("work cannot start after it is due")))


def _text(value: Any) -> str:
    return str(value if value is not None else "").strip()
