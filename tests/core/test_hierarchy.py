from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deliverology.core.hierarchy import HierarchyRow, hierarchy_problems


def rows(*specs):
    return [HierarchyRow(line, *spec) for line, spec in enumerate(specs, start=2)]


def test_a_well_formed_tree_has_no_problems():
    assert hierarchy_problems(rows(("ST", None), ("R1", "ST"), ("D1", "R1"))) == []


@pytest.mark.parametrize(
    ("specs", "line", "column", "fragment"),
    [
        ((("ST", None), ("D1", "R9")), 3, "parent_code", "unknown parent 'R9'"),
        ((("ST", None), ("D1", "D1")), 3, "parent_code", "its own parent"),
        (
            (("ST", None), ("D1", "ST", date(2020, 1, 1), date(2019, 1, 1))),
            3,
            "valid_to",
            "closes before it opens",
        ),
        (
            (("ST", None), ("R1", "ST"), ("R2", "ST"), ("D1", "R1"), ("D1", "R2")),
            6,
            "parent_code",
            "at the same time",
        ),
        ((("A", "B"), ("B", "A")), 2, "parent_code", "loop"),
    ],
)
def test_each_problem_names_its_row_and_column(specs, line, column, fragment):
    problems = hierarchy_problems(rows(*specs))
    assert [(p.line, p.column) for p in problems][:1] == [(line, column)]
    assert fragment in str(problems[0])
    assert str(problems[0]).startswith(f"row {line}, column {column}")


def test_a_unit_may_move_to_a_new_parent_when_the_dates_do_not_overlap():
    specs = (
        ("ST", None),
        ("R1", "ST"),
        ("R2", "ST"),
        ("D1", "R1", None, date(2020, 8, 31)),
        ("D1", "R2", date(2020, 9, 1), None),
    )
    assert hierarchy_problems(rows(*specs)) == []


@given(st.integers(min_value=0, max_value=40))
def test_a_chain_of_any_length_is_accepted_and_closing_it_is_a_loop(length):
    chain = [("U0", None)] + [(f"U{i}", f"U{i - 1}") for i in range(1, length + 1)]
    assert hierarchy_problems(rows(*chain)) == []
    closed = [("U0", f"U{length}")] + chain[1:]
    assert any("loop" in p.message for p in hierarchy_problems(rows(*closed)))
