from datetime import datetime
from decimal import Decimal

import pytest
from openpyxl.utils import get_column_letter

from deliverology.engine.reading import FileFormat, FileProblem, column_letter, read_table
from tests.engine.conftest import GOOD_ROWS, HEADER, csv_text


def test_it_reads_a_csv_with_rows_numbered_as_a_spreadsheet_shows_them(scores):
    table = read_table(scores())
    assert table.columns == HEADER
    assert [row.line for row in table.rows] == [2, 3, 4, 5]
    assert table.rows[0].cells == GOOD_ROWS[0]
    assert (table.format, table.encoding, table.delimiter, table.notes) == (
        FileFormat.CSV,
        "utf-8",
        ",",
        (),
    )


def test_blank_lines_are_skipped_but_still_counted_as_rows(write):
    table = read_table(write("s.csv", "a,b\n1,2\n\n3,4\n"))
    assert [row.line for row in table.rows] == [2, 4]


def test_a_quoted_cell_may_hold_the_separator_and_a_line_break(write):
    table = read_table(write("s.csv", 'a,b\n"1,5","two\nlines"\n3,4\n'))
    assert table.rows[0].cells == ("1,5", "two\nlines")
    assert [row.line for row in table.rows] == [2, 3]


def test_a_byte_order_mark_does_not_become_part_of_the_first_column(write):
    table = read_table(write("s.csv", "\ufeffdistrict,value\nD1,3\n"))
    assert table.columns == ("district", "value")
    assert table.notes == ("the file is UTF-8 with a byte-order mark (BOM)",)


def test_a_windows_file_is_read_as_cp1252_and_said_so(write):
    table = read_table(write("s.csv", "name,value\nSaint-Étienne,3\nCafé “x”,4\n", "cp1252"))
    assert table.rows[0].cells[0] == "Saint-Étienne"
    assert table.rows[1].cells[0] == "Café “x”"
    assert table.encoding == "cp1252"
    assert table.notes == (
        "the file is not UTF-8 (row 2 has the byte 0xC9), so it was read as Windows-1252 "
        "(cp1252): check that accented letters look right",
    )


def test_bytes_cp1252_cannot_decode_fall_back_to_latin_1(write):
    table = read_table(write("s.csv", b"name,value\nA\x81B,3\n"))
    assert table.encoding == "latin-1"
    assert "read as Latin-1" in table.notes[0]


def test_excel_unicode_text_is_utf16_with_tabs(write):
    table = read_table(write("s.txt", "district\tvalue\r\nD1\t3\r\n", "utf-16"))
    assert table.columns == ("district", "value")
    assert table.rows[0].cells == ("D1", "3")
    assert table.encoding == "utf-16"
    assert "the columns are separated by tabs" in table.notes


@pytest.mark.parametrize(
    ("sep", "word"), [(";", "semicolons"), ("\t", "tabs"), ("|", "vertical bars")]
)
def test_it_finds_the_separator(scores, sep, word):
    table = read_table(scores(sep=sep))
    assert table.columns == HEADER
    assert table.delimiter == sep
    assert f"the columns are separated by {word}" in table.notes


def test_a_comma_inside_cells_does_not_fool_the_separator_sniffer(write):
    table = read_table(write("s.csv", 'name;value\n"Bath, Somerset";1,5\n"Poole, Dorset";2,5\n'))
    assert table.delimiter == ";"
    assert table.rows[0].cells == ("Bath, Somerset", "1,5")


def test_excel_sep_line_sets_the_separator_and_is_not_a_row(write):
    table = read_table(write("s.csv", "sep=;\na;b\n1;2\n"))
    assert table.columns == ("a", "b")
    assert [row.line for row in table.rows] == [2]


def test_header_names_are_trimmed_and_trailing_blank_columns_dropped(write):
    table = read_table(write("s.csv", " a , b ,,\n1,2,,\n"))
    assert table.columns == ("a", "b")
    assert table.rows[0].cells == ("1", "2")


def test_it_reads_a_workbook_with_typed_cells_and_real_row_numbers(xlsx):
    when = datetime(2024, 3, 1)
    path = xlsx([["a", "b", "c"], [1, 2.5, when], [], [None, "x"]])
    table = read_table(path)
    assert table.format is FileFormat.XLSX
    assert table.columns == ("a", "b", "c")
    assert [row.line for row in table.rows] == [2, 4]
    assert table.rows[0].cells == (1, 2.5, when)
    assert table.rows[1].cells == (None, "x", None)
    assert table.notes == ("read the first sheet, 'Sheet'",)


def test_it_reads_a_named_sheet(tmp_path):
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.append(["notes"])
    data = workbook.create_sheet("Data")
    data.append(["a"])
    data.append([7])
    workbook.save(tmp_path / "book.xlsx")
    table = read_table(tmp_path / "book.xlsx", sheet="Data")
    assert table.columns == ("a",)
    assert table.rows[0].cells == (7,)


def test_every_formula_in_a_workbook_is_reported_with_its_cell(xlsx):
    path = xlsx([["a", "b"], [1, "=A2*2"], [2, "=A3*2"], ["=1/0", 5]])
    with pytest.raises(FileProblem) as raised:
        read_table(path)
    problems = raised.value.problems
    assert len(problems) == 1
    assert problems[0].line == 2
    assert problems[0].message == (
        "cell B2 holds a formula (=A2*2), whose value cannot be read (also on rows 3, 4)"
    )


def test_it_reads_parquet_with_its_types(parquet):
    table = read_table(parquet({"a": [1, 2], "b": ["x", None], "c": [Decimal("1.5"), None]}))
    assert table.format is FileFormat.PARQUET
    assert table.columns == ("a", "b", "c")
    assert table.rows[0].cells == (1, "x", Decimal("1.5"))
    assert [row.line for row in table.rows] == [2, 3]


def test_records_give_each_row_as_a_dict(scores):
    line, record = next(read_table(scores()).records())
    assert line == 2
    assert record["district"] == "D1" and record["numerator"] == "50"


def test_the_name_shown_may_differ_from_the_stored_path(write):
    path = write("upload-8f3a.csv", b"")
    with pytest.raises(FileProblem) as raised:
        read_table(path, file_name="scores.csv")
    assert str(raised.value) == (
        "scores.csv: the file is empty; expected a header row and at least one row of data"
    )


def test_a_missing_file_is_a_problem_not_a_crash(tmp_path):
    with pytest.raises(FileProblem, match="cannot be opened"):
        read_table(tmp_path / "gone.csv")


def test_a_header_of_one_column_still_reads(write):
    table = read_table(write("s.csv", "district\nD1\nD2\n"))
    assert table.columns == ("district",)
    assert len(table.rows) == 2


def test_several_file_problems_are_raised_together(write):
    text = csv_text([("D1", "x" * 10_001), ("D2", "1", "extra")], ("a", "b"))
    with pytest.raises(FileProblem) as raised:
        read_table(write("s.csv", text))
    assert [(p.line, p.column) for p in raised.value.problems] == [(2, "b"), (3, None)]


def test_a_title_above_the_header_is_read_as_the_header_and_the_rows_do_not_fit(xlsx):
    with pytest.raises(FileProblem) as raised:
        read_table(xlsx([["Scores by district"], [], ["a", "b", "c"], [1, 2, 3]]))
    assert str(raised.value.problems[0]) == (
        "scores.xlsx, row 3: the row has 3 cells but the header names 1 column (also on row 4); "
        "expected values only under named columns (the header is the first row with values)"
    )


@pytest.mark.parametrize(
    ("index", "letters"), [(0, "A"), (25, "Z"), (26, "AA"), (27, "AB"), (701, "ZZ"), (702, "AAA")]
)
def test_column_letters_are_the_spreadsheet_ones(index, letters):
    assert column_letter(index) == letters


def test_column_letters_agree_with_openpyxl_on_every_column_excel_has():
    assert [column_letter(i) for i in range(16_384)] == [
        get_column_letter(i + 1) for i in range(16_384)
    ]
