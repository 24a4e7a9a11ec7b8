"""The spreadsheet round trip: a target's trajectory sheet and its sub-targets out to Excel, and
back in with every cell checked (docs/method.md trajectory tool columns).

Importing is all or nothing: every problem is listed with its sheet, row and column, and nothing
is saved unless there are none.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from openpyxl import load_workbook  # type: ignore[import-untyped,unused-ignore]
from openpyxl.styles import Font  # type: ignore[import-untyped,unused-ignore]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped,unused-ignore]
from openpyxl.worksheet.worksheet import Worksheet  # type: ignore[import-untyped,unused-ignore]
from simple_history.utils import bulk_create_with_history

from deliverology.configuration import load_method_config
from deliverology.core.periods import Period, PeriodError
from deliverology.core.trajectories import TrajectoryPoint as CorePoint
from deliverology.web.performance.models import LocalUnit, Subgroup
from deliverology.web.performance.series import load_series
from deliverology.web.priorities.clock import today
from deliverology.web.priorities.models import Target, Trajectory, TrajectoryPoint
from deliverology.web.priorities.progress import plan_for, progress_of
from deliverology.web.subtargets import actions
from deliverology.web.subtargets.models import SubTarget, SubTargetSet
from deliverology.web.workbooks import append_row, new_workbook

TARGET_SHEET = "Target"
TRAJECTORY_SHEET = "Trajectory"
SUB_TARGET_SHEET = "Sub-targets"
SUB_TRAJECTORY_SHEET = "Sub-target trajectories"
# docs/method.md, without the intervention columns: interventions are not stored per target yet.
TRAJECTORY_COLUMNS = (
    "period",
    "counterfactual",
    "expected_total",
    "trajectory_agreed",
    "lower_band",
    "upper_band",
    "actual",
    "provisional_flag",
    "gap_to_trajectory",
    "gap_pct_of_remaining",
    "status",
)
SUB_TARGET_COLUMNS = (
    "local_unit_code",
    "local_unit_name",
    "subgroup_code",
    "baseline_numerator",
    "baseline_denominator",
    "baseline_value",
    "proposed",
    "adjusted",
    "sub_target",
    "status",
)
# A trajectory read back with no change beyond this is the same trajectory (Excel rounds).
_SAME = 1e-9
SPREADSHEET_METHOD = "spreadsheet"


class SpreadsheetError(ValueError):
    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)


def export_workbook(target: Target) -> bytes:
    """The target's sheet, its trajectory sheet, its sub-targets and their trajectories."""
    book = new_workbook()
    _target_sheet(book.active, target)
    _trajectory_sheet(book.create_sheet(TRAJECTORY_SHEET), target)
    sub_target_set = SubTargetSet.objects.filter(target=target).first()
    if sub_target_set is not None:
        sub_targets = list(
            sub_target_set.sub_targets.select_related("local_unit", "subgroup").prefetch_related(
                "points"
            )
        )
        _sub_target_sheet(book.create_sheet(SUB_TARGET_SHEET), sub_targets)
        _sub_trajectory_sheet(book.create_sheet(SUB_TRAJECTORY_SHEET), sub_targets)
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def import_workbook(
    target: Target, stream: IO[bytes], *, file_name: str, by: User | None
) -> tuple[Trajectory | None, list[SubTarget]]:
    """Read an edited workbook back: a new trajectory version if the trajectory changed, and
    the delivery unit's adjustments for the sub-targets that changed."""
    book = _open(stream)
    problems: list[str] = []
    _check_target_sheet(book, target, problems)
    trajectory = _read_trajectory(book, target, problems)
    sub_target_set = SubTargetSet.objects.filter(target=target).first()
    values = _read_sub_targets(book, sub_target_set, problems)
    if problems:
        raise SpreadsheetError(problems)
    note = _("edited in the spreadsheet %(file)s") % {"file": file_name}
    with transaction.atomic():
        new_version = _save_trajectory(target, trajectory, by, note)
        changed: list[SubTarget] = []
        if sub_target_set is not None:
            changed = _save_sub_targets(sub_target_set, values, by, note, new_version is not None)
    return new_version, changed


@dataclass(frozen=True)
class Cell:
    sheet: str
    row: int
    column: str
    header: str

    def problem(self, text: str) -> str:
        return _("Sheet “%(sheet)s”, row %(row)d, column %(column)s (%(header)s): %(text)s") % {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "header": self.header,
            "text": text,
        }


@dataclass(frozen=True)
class Row:
    """A row of a sheet, its cells by column name, and where each column is."""

    sheet: str
    number: int
    cells: dict[str, Any]
    letters: dict[str, str]

    def __getitem__(self, column: str) -> Any:
        return self.cells[column]

    def cell(self, column: str) -> Cell:
        return Cell(self.sheet, self.number, self.letters[column], column)


def _target_sheet(sheet: Worksheet, target: Target) -> None:
    sheet.title = TARGET_SHEET
    metric = target.metric
    rows: list[tuple[str, Any]] = [
        ("target_id", target.pk),
        ("metric_code", metric.code),
        ("metric", metric.name),
        ("direction", metric.get_direction_display()),
        ("range", f"0 to {metric.scale:g}"),
        ("local_unit_code", target.local_unit.code),
        ("local_unit", target.local_unit.name),
        ("subgroup", target.subgroup.name),
        ("baseline_period", target.baseline_period),
        ("baseline_value", target.baseline_value),
        ("target_period", target.target_period),
        ("target_value", target.target_value),
        ("status", target.get_status_display()),
        (
            "edit",
            _(
                "Edit trajectory_agreed on the Trajectory sheet and sub_target on the "
                "Sub-targets sheet; other columns are read-only."
            ),
        ),
    ]
    for row in rows:
        append_row(sheet, row)
    sheet.column_dimensions["A"].width = 18
    sheet.column_dimensions["B"].width = 40


def _trajectory_sheet(sheet: Worksheet, target: Target) -> None:
    metric = target.metric
    series = load_series([metric], [target.local_unit_id], [target.subgroup])
    figures = series.get((metric.pk, target.local_unit_id, target.subgroup_id), {})
    plan = plan_for(metric, figures, target, None)
    config = load_method_config()
    _header(sheet, TRAJECTORY_COLUMNS)
    points = actions.system_trajectory(target)
    if plan is None:
        for point in points:
            append_row(sheet, [point.period.label, None, None, point.expected])
        return
    progress = progress_of(metric, figures, plan, config, today())
    by_period = {row.period: row for row in progress.rows}
    for point in points:
        row = by_period.get(point.period)
        assessment = row.assessment if row is not None and row.actual is not None else None
        append_row(
            sheet,
            [
                point.period.label,
                None,
                None,
                point.expected,
                point.lower,
                point.upper,
                row.actual if row is not None else None,
                "yes" if row is not None and row.provisional else None,
                assessment.gap if assessment else None,
                assessment.gap_ratio if assessment else None,
                config.status_labels[assessment.status.value] if assessment else None,
            ],
        )
        sheet.cell(sheet.max_row, 10).number_format = "0.0%"


def _sub_target_sheet(sheet: Worksheet, sub_targets: Sequence[SubTarget]) -> None:
    _header(sheet, SUB_TARGET_COLUMNS)
    for each in sub_targets:
        append_row(
            sheet,
            [
                each.local_unit.code,
                each.local_unit.name,
                each.subgroup.code,
                each.baseline_numerator,
                each.baseline_denominator,
                each.baseline_value,
                each.proposed_value,
                each.adjusted_value,
                each.value,
                each.get_status_display(),
            ],
        )


def _sub_trajectory_sheet(sheet: Worksheet, sub_targets: Sequence[SubTarget]) -> None:
    periods = [point.period for point in sub_targets[0].points.all()] if sub_targets else []
    _header(sheet, ("local_unit_code", "subgroup_code", *periods))
    for each in sub_targets:
        expected = (point.expected for point in each.points.all())
        append_row(sheet, [each.local_unit.code, each.subgroup.code, *expected])


def _header(sheet: Worksheet, columns: Sequence[str]) -> None:
    append_row(sheet, list(columns))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, len(str(column)) + 2)
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


def _sheet(book: Any, name: str, columns: Sequence[str], problems: list[str]) -> list[Row] | None:
    """The sheet's rows as dicts keyed by header, each with its row number; None if unusable."""
    if name not in book.sheetnames:
        problems.append(_("The sheet “%(sheet)s” is missing.") % {"sheet": name})
        return None
    rows = list(book[name].iter_rows(values_only=True))
    header = [str(cell).strip() if cell is not None else "" for cell in (rows[0] if rows else [])]
    missing = [column for column in columns if column not in header]
    if missing:
        problems.append(
            _("Sheet “%(sheet)s”: the column %(columns)s is missing from the first row.")
            % {"sheet": name, "columns": ", ".join(missing)}
        )
        return None
    letters = {column: get_column_letter(header.index(column) + 1) for column in columns}
    found = []
    for number, values in enumerate(rows[1:], start=2):
        if all(value is None or str(value).strip() == "" for value in values):
            continue
        padded = [*values, *[None] * len(header)]
        cells = {column: padded[header.index(column)] for column in columns}
        found.append(Row(name, number, cells, letters))
    return found


def _number(value: Any, cell: Cell, problems: list[str], *, required: bool = True) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            problems.append(cell.problem(_("a number is needed here, but the cell is empty")))
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        try:
            value = float(str(value).strip())
        except ValueError:
            problems.append(cell.problem(_("“%(value)s” is not a number") % {"value": value}))
            return None
    if not math.isfinite(value):
        problems.append(cell.problem(_("“%(value)s” is not a number") % {"value": value}))
        return None
    return float(value)


def _check_target_sheet(book: Any, target: Target, problems: list[str]) -> None:
    if TARGET_SHEET not in book.sheetnames:
        problems.append(_("The sheet “%(sheet)s” is missing.") % {"sheet": TARGET_SHEET})
        return
    facts = {
        str(row[0]).strip(): row[1]
        for row in book[TARGET_SHEET].iter_rows(values_only=True)
        if row and row[0] is not None and len(row) > 1
    }
    if str(facts.get("target_id")) != str(target.pk):
        problems.append(
            _(
                "Sheet “%(sheet)s”: this workbook is for another target (target_id %(found)s, "
                "not %(expected)s)."
            )
            % {"sheet": TARGET_SHEET, "found": facts.get("target_id"), "expected": target.pk}
        )


def _read_trajectory(book: Any, target: Target, problems: list[str]) -> list[CorePoint] | None:
    records = _sheet(book, TRAJECTORY_SHEET, TRAJECTORY_COLUMNS, problems)
    if records is None:
        return None
    before = len(problems)
    metric = target.metric
    points: list[tuple[Period, float, float | None, float | None, Row]] = []
    for record in records:
        period = _period(record, target, problems)
        value = _number(
            record["trajectory_agreed"],
            record.cell("trajectory_agreed"),
            problems,
        )
        lower = _number(
            record["lower_band"],
            record.cell("lower_band"),
            problems,
            required=False,
        )
        upper = _number(
            record["upper_band"],
            record.cell("upper_band"),
            problems,
            required=False,
        )
        for column, number in (
            ("trajectory_agreed", value),
            ("lower_band", lower),
            ("upper_band", upper),
        ):
            if number is not None and not 0 <= number <= metric.scale:
                problems.append(
                    record.cell(column).problem(
                        _("%(value)g is outside the metric's range, 0 to %(scale)g")
                        % {"value": number, "scale": metric.scale}
                    )
                )
        if period is not None and value is not None:
            points.append((period, value, lower, upper, record))
    if len(problems) > before:
        return None
    _check_periods(points, target, problems)
    if len(problems) > before:
        return None
    return [CorePoint(period, value, lower, upper) for period, value, lower, upper, _r in points]


def _period(record: Row, target: Target, problems: list[str]) -> Period | None:
    cell = record.cell("period")
    try:
        return target.metric.parse_period(str(record["period"] or "").strip())
    except PeriodError as error:
        problems.append(cell.problem(str(error)))
        return None


def _check_periods(
    points: list[tuple[Period, float, float | None, float | None, Row]],
    target: Target,
    problems: list[str],
) -> None:
    """In order, one row per period from the baseline to the target period, starting at the
    baseline value."""
    expected = [point.period for point in actions.system_trajectory(target)]
    for (earlier, *_a), (later, *_b, record) in zip(points, points[1:], strict=False):
        if later <= earlier:
            problems.append(
                record.cell("period").problem(
                    _("the periods are out of order: %(later)s comes after %(earlier)s")
                    % {"later": later.label, "earlier": earlier.label}
                )
            )
            return
    found = [period for period, *_rest in points]
    if found != expected:
        problems.append(
            _(
                "Sheet “%(sheet)s”, column A (period): the trajectory needs one row for each "
                "period from %(first)s to %(last)s, no more and no fewer."
            )
            % {"sheet": TRAJECTORY_SHEET, "first": expected[0].label, "last": expected[-1].label}
        )
        return
    first = points[0]
    if not math.isclose(first[1], target.baseline_value, rel_tol=0, abs_tol=1e-6):
        problems.append(
            first[4]
            .cell("trajectory_agreed")
            .problem(
                _("the trajectory must start at the baseline, %(baseline)g, not %(value)g")
                % {"baseline": target.baseline_value, "value": first[1]}
            )
        )
    for period, value, lower, upper, record in points:
        if (lower is not None and lower > value) or (upper is not None and upper < value):
            problems.append(
                record.cell("lower_band").problem(
                    _("the band for %(period)s must contain the trajectory")
                    % {"period": period.label}
                )
            )


def _read_sub_targets(
    book: Any, sub_target_set: SubTargetSet | None, problems: list[str]
) -> dict[int, float]:
    if sub_target_set is None:
        if SUB_TARGET_SHEET in book.sheetnames:
            problems.append(
                _(
                    "Sheet “%(sheet)s”: this target has no sub-targets yet; set them on the page "
                    "first."
                )
                % {"sheet": SUB_TARGET_SHEET}
            )
        return {}
    records = _sheet(book, SUB_TARGET_SHEET, SUB_TARGET_COLUMNS, problems)
    if records is None:
        return {}
    rows = sub_target_set.sub_targets.values_list("pk", "local_unit__code", "subgroup__code")
    expected = {(unit, subgroup): pk for pk, unit, subgroup in rows}
    scale = sub_target_set.target.metric.scale
    values: dict[int, float] = {}
    seen: set[tuple[str, str]] = set()
    for record in records:
        key = (_text(record["local_unit_code"]), _text(record["subgroup_code"]))
        if key not in expected:
            problems.append(_not_in_set(record, key))
            continue
        if key in seen:
            problems.append(
                record.cell("local_unit_code").problem(
                    _("%(code)s is listed twice") % {"code": _shown(key)}
                )
            )
            continue
        seen.add(key)
        value_cell = record.cell("sub_target")
        value = _number(record["sub_target"], value_cell, problems)
        if value is not None and not 0 <= value <= scale:
            problems.append(
                value_cell.problem(
                    _("%(value)g is outside the metric's range, 0 to %(scale)g")
                    % {"value": value, "scale": scale}
                )
            )
        elif value is not None:
            values[expected[key]] = value
    missing = [_shown(key) for key in sorted(set(expected) - seen)]
    if missing:
        more = _(" and %(n)d more") % {"n": len(missing) - 5} if len(missing) > 5 else ""
        problems.append(
            _(
                "Sheet “%(sheet)s”: no row for %(codes)s%(more)s; every sub-target of the set "
                "needs one."
            )
            % {"sheet": SUB_TARGET_SHEET, "codes": ", ".join(missing[:5]), "more": more}
        )
    return values


def _text(value: Any) -> str:
    return str(value if value is not None else "").strip()


def _shown(key: tuple[str, str]) -> str:
    return " / ".join(key)


def _not_in_set(record: Row, key: tuple[str, str]) -> str:
    unit, subgroup = key
    if not (unit and LocalUnit.objects.filter(code=unit).exists()):
        cell = record.cell("local_unit_code")
        return cell.problem(_("“%(code)s” is not a known local unit") % {"code": unit})
    if not (subgroup and Subgroup.objects.filter(code=subgroup).exists()):
        cell = record.cell("subgroup_code")
        return cell.problem(_("“%(code)s” is not a known subgroup") % {"code": subgroup})
    cell = record.cell("local_unit_code")
    return cell.problem(_("%(code)s has no sub-target in this set") % {"code": _shown(key)})


def _save_trajectory(
    target: Target, points: list[CorePoint] | None, by: User | None, note: str
) -> Trajectory | None:
    current = target.current_trajectory()
    if points is None or (current is not None and _same(current.core_points(), points)):
        return None
    if target.status == Target.Status.LOCKED:
        raise SpreadsheetError(
            [
                _(
                    "Sheet “%(sheet)s”: the trajectory of this target is locked; propose a "
                    "change on its course page, for another person to approve."
                )
                % {"sheet": TRAJECTORY_SHEET}
            ]
        )
    latest = target.trajectories.aggregate(latest=Max("version"))["latest"] or 0
    trajectory = Trajectory.objects.create(
        target=target,
        method=SPREADSHEET_METHOD,
        version=latest + 1,
        parameters={},
        assumptions=note,
        created_by=by,
    )
    bulk_create_with_history(
        [
            TrajectoryPoint(
                trajectory=trajectory,
                period=point.period.label,
                period_start=point.period.start,
                expected=point.expected,
                lower=point.lower,
                upper=point.upper,
            )
            for point in points
        ],
        TrajectoryPoint,
        default_user=by,
    )
    return trajectory


def _same(first: Sequence[CorePoint], second: Sequence[CorePoint]) -> bool:
    return len(first) == len(second) and all(
        a.period == b.period and abs(a.expected - b.expected) <= _SAME
        for a, b in zip(first, second, strict=True)
    )


def _save_sub_targets(
    sub_target_set: SubTargetSet,
    values: dict[int, float],
    by: User | None,
    note: str,
    trajectory_changed: bool,
) -> list[SubTarget]:
    try:
        changed = actions.adjust_many(sub_target_set, values, by=by, note=note) if values else []
    except actions.SubTargetError as error:
        problem = _("Sheet “%(sheet)s”: %(problem)s") % {
            "sheet": SUB_TARGET_SHEET,
            "problem": error,
        }
        raise SpreadsheetError([problem]) from error
    if trajectory_changed:
        actions.rebuild_trajectories(sub_target_set, list(sub_target_set.sub_targets.all()))
    return changed
