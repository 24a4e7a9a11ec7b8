from datetime import date

import pytest

from deliverology.engine.hierarchy_file import HierarchyColumns, UnitRow, read_hierarchy
from tests.engine.conftest import csv_text

HEADER = ("code", "name", "type", "parent_code", "valid_from", "valid_to")
TREE = [
    ("ST", "The state", "state", "", "", ""),
    ("R1", "North", "region", "ST", "", ""),
    ("D1", "Riverside", "district", "R1", "", "2020-08-31"),
    ("D1", "Riverside", "district", "ST", "2020-09-01", ""),
]


@pytest.fixture
def hierarchy(write):
    def hierarchy(rows, header=HEADER, name="units.csv"):
        return write(name, csv_text(rows, header))

    return hierarchy


def test_it_reads_a_tree_with_a_unit_that_moved(hierarchy):
    result = read_hierarchy(hierarchy(TREE))
    assert result.is_clean, result.problems
    assert result.rows[0] == UnitRow(2, "ST", "The state", "state", None, None, None)
    assert result.rows[3] == UnitRow(5, "D1", "Riverside", "district", "ST", date(2020, 9, 1))


@pytest.mark.parametrize(
    ("row", "column", "message", "expected"),
    [
        (("", "Blank", "district", "R1", "", ""), "code", "the code is blank", "a code of letters"),
        (
            ("D 2", "Space", "district", "R1", "", ""),
            "code",
            "'D 2' has characters a code cannot have (' ')",
            "letters, digits",
        ),
        (
            ("D/2", "Slash", "district", "R1", "", ""),
            "code",
            "'D/2' has characters a code cannot have ('/')",
            None,
        ),
        (
            ("-D2", "Dash", "district", "R1", "", ""),
            "code",
            "'-D2' has characters a code cannot have ('-')",
            "starting with a letter or digit",
        ),
        (
            ("D" * 65, "Long", "district", "R1", "", ""),
            "code",
            "the code has 65 characters",
            "at most 64",
        ),
        (
            ("D2", "", "district", "R1", "", ""),
            "name",
            "the name is blank",
            "a name for every local unit",
        ),
        (("D2", "Two", "", "R1", "", ""), "type", "the type is blank", None),
        (("D2", "Two", "district", "R 1", "", ""), "parent_code", "'R 1' has characters", None),
        (
            ("D2", "Two", "district", "R1", "01/04/2019", ""),
            "valid_from",
            "'01/04/2019' is not a date",
            "like 2019-04-01",
        ),
        (
            ("D2", "Two", "district", "R1", "", "2019-02-30"),
            "valid_to",
            "'2019-02-30' is not a date",
            None,
        ),
        (
            ("D2", "Two", "district", "R9", "", ""),
            "parent_code",
            "unknown parent 'R9'",
            "in the file or already loaded",
        ),
        (
            ("D2", "Two", "district", "R1", "2020-01-01", "2019-01-01"),
            "valid_to",
            "the unit closes before it opens",
            None,
        ),
        (
            ("D1", "Riverside", "district", "R1", "2021-01-01", ""),
            "parent_code",
            "would sit under 'ST' (row 5) and 'R1' at the same time",
            None,
        ),
    ],
)
def test_each_bad_cell_is_named_with_its_row_and_column(hierarchy, row, column, message, expected):
    result = read_hierarchy(hierarchy([*TREE, row]))
    assert len(result.problems) == 1, [str(p) for p in result.problems]
    problem = result.problems[0]
    assert (problem.line, problem.column) == (6, column)
    assert message in problem.message
    if expected:
        assert expected in problem.expected


def test_a_unit_under_itself_is_its_own_parent(hierarchy):
    result = read_hierarchy(hierarchy([*TREE, ("D2", "Two", "district", "D2", "", "")]))
    assert (result.problems[0].line, result.problems[0].message) == (
        6,
        "a unit cannot be its own parent",
    )


def test_a_loop_is_found(hierarchy):
    result = read_hierarchy(hierarchy([("A", "A", "x", "B", "", ""), ("B", "B", "x", "A", "", "")]))
    assert [p.message for p in result.problems] == ["the units form a loop: A → B → A"]


def test_parents_already_loaded_may_be_left_out(hierarchy):
    path = hierarchy([("S1", "School", "school", "D1", "", "")])
    assert not read_hierarchy(path, known_units={"D1"}).problems
    assert read_hierarchy(path).problems[0].message == "unknown parent 'D1'"


def test_columns_can_be_renamed_and_dates_left_out(hierarchy):
    path = hierarchy([("ST", "State", "state", "")], header=("id", "label", "level", "parent"))
    columns = {"code": "id", "name": "label", "type": "level", "parent_code": "parent"}
    result = read_hierarchy(path, columns)
    assert result.rows == [UnitRow(2, "ST", "State", "state", None)]
    assert (
        read_hierarchy(path, HierarchyColumns("id", "label", "level", "parent")).rows == result.rows
    )


def test_unknown_column_fields_are_refused():
    with pytest.raises(ValueError, match="unknown hierarchy field colour"):
        read_hierarchy("units.csv", {"colour": "c"})


def test_missing_columns_are_named_with_the_columns_found(hierarchy):
    result = read_hierarchy(hierarchy([("ST", "State")], header=("code", "title")))
    assert [str(p) for p in result.problems] == [
        "units.csv: the file has no column 'name' or 'type' or 'parent_code'; its columns are "
        "'code', 'title'; expected columns code, name, type and parent_code (valid_from and "
        "valid_to may be added)"
    ]


def test_a_bad_file_is_a_problem(write):
    result = read_hierarchy(write("units.xlsx", "code,name\n"))
    assert "named as an Excel workbook but holds text" in result.problems[0].message


def test_dates_in_a_workbook_are_read(xlsx):
    path = xlsx(
        [list(HEADER), ["ST", "State", "state", None, date(2019, 4, 1), None]], name="u.xlsx"
    )
    assert read_hierarchy(path).rows[0].valid_from == date(2019, 4, 1)
