from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deliverology.core.aggregation import (
    Aggregation,
    Coverage,
    Gaps,
    Hierarchy,
    Measure,
    MeasureError,
    RollUpError,
    check_measure,
    combine,
    measure_value,
    reporting_difference,
    roll_up,
    roll_up_with_coverage,
)

RATE = Aggregation.RATE
MEAN = Aggregation.MEAN
SUM = Aggregation.SUM
COUNT = Aggregation.COUNT


def rate(numerator: float, denominator: float, provisional: bool = False) -> Measure:
    return Measure(numerator, denominator, 100 * numerator / denominator, provisional)


def is_rate(measure: Measure, numerator: float, denominator: float) -> bool:
    """Numerator and denominator exactly, the value up to rounding; not provisional."""
    return (measure.numerator, measure.denominator, measure.provisional) == (
        numerator,
        denominator,
        False,
    ) and measure.value == pytest.approx(100 * numerator / denominator)


@pytest.mark.parametrize(
    ("aggregation", "numerator", "denominator", "scale", "expected"),
    [
        (RATE, 45, 60, 100.0, 75.0),
        (RATE, 3, 1000, 1000.0, 3.0),
        (RATE, 0, 60, 100.0, 0.0),
        (MEAN, 450, 3, 100.0, 150.0),
        (RATE, None, 60, 100.0, None),
        (RATE, 45, None, 100.0, None),
        (RATE, 0, 0, 100.0, None),
        (SUM, 45, 60, 100.0, None),
        (COUNT, 45, 60, 100.0, None),
    ],
)
def test_measure_value(
    aggregation: Aggregation,
    numerator: float | None,
    denominator: float | None,
    scale: float,
    expected: float | None,
) -> None:
    assert measure_value(aggregation, numerator, denominator, scale) == expected


@pytest.mark.parametrize(
    ("aggregation", "numerator", "denominator", "value", "message"),
    [
        (RATE, 10, 0, None, "the denominator is zero, so a rate cannot be worked out"),
        (MEAN, 10, 0, None, "the denominator is zero, so a mean cannot be worked out"),
        (RATE, -1, 10, None, "the numerator cannot be negative (it is -1)"),
        (RATE, 5, -10, None, "the denominator cannot be negative (it is -10)"),
        (RATE, 11, 10, None, "the numerator (11) is larger than the denominator (10)"),
        (RATE, None, 10, None, "a rate needs both a numerator and a denominator"),
        (MEAN, 5, None, None, "a mean needs both a numerator and a denominator"),
        (
            RATE,
            float("nan"),
            10,
            None,
            "the numerator and denominator of a rate must be finite numbers",
        ),
        (COUNT, None, None, -3, "a count cannot be negative (it is -3)"),
        (RATE, None, None, 104, "a rate of 104 is outside 0 to 100"),
        (RATE, None, None, float("inf"), "the value of a rate must be a finite number"),
        (RATE, None, None, None, "a rate needs both a numerator and a denominator"),
    ],
)
def test_check_measure_explains_impossible_numbers(
    aggregation: Aggregation,
    numerator: float | None,
    denominator: float | None,
    value: float | None,
    message: str,
) -> None:
    with pytest.raises(MeasureError) as raised:
        check_measure(aggregation, numerator, denominator, value)
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("aggregation", "numerator", "denominator", "value"),
    [
        (RATE, 10, 10, None),
        (RATE, 0, 10, None),
        (MEAN, 450, 3, None),
        (MEAN, -12.5, 3, None),  # a mean of scores can be negative, unlike a count
        (SUM, None, None, -4),
        (COUNT, None, None, 4),
        (RATE, None, None, 82.0),  # a published rate whose counts are suppressed
        (MEAN, None, None, -3.5),
    ],
)
def test_check_measure_accepts_possible_numbers(
    aggregation: Aggregation,
    numerator: float | None,
    denominator: float | None,
    value: float | None,
) -> None:
    check_measure(aggregation, numerator, denominator, value)


@pytest.mark.parametrize(
    ("aggregation", "measures", "expected"),
    [
        # 10/100 and 90/100 => 100/200, and 10/10 with 0/90 => 10/100, not a mean of 50.
        (RATE, [rate(10, 100), rate(90, 100)], Measure(100, 200, 50.0)),
        (RATE, [rate(10, 10), rate(0, 90)], Measure(10, 100, 10.0)),
        (RATE, [rate(10, 10), Measure(), rate(0, 90)], Measure(10, 100, 10.0)),
        (MEAN, [Measure(300, 2, 150), Measure(100, 2, 50)], Measure(400, 4, 100.0)),
        (SUM, [Measure(value=3), Measure(value=4.5), Measure()], Measure(value=7.5)),
        (COUNT, [Measure(value=3), Measure(value=0)], Measure(value=3)),
        (RATE, [Measure(), Measure()], Measure()),
        (SUM, [], Measure()),
        (RATE, [rate(1, 2), rate(1, 2, provisional=True)], Measure(2, 4, 50.0, True)),
        (RATE, [rate(1, 2), Measure(3, 4, None, provisional=True)], Measure(1, 2, 50.0)),
    ],
)
def test_combine(aggregation: Aggregation, measures: list[Measure], expected: Measure) -> None:
    assert combine(aggregation, measures) == expected


def test_combine_uses_the_scale_of_the_metric() -> None:
    assert combine(RATE, [Measure(3, 1000, 0.3)], scale=1000.0).value == 3.0


def test_combine_refuses_a_rate_without_its_numerator_and_denominator() -> None:
    with pytest.raises(MeasureError, match="a rate of 50 has no numerator and denominator"):
        combine(RATE, [rate(1, 2), Measure(value=50)])


# The small system: state ST; regions R1, R2; districts D1, D2 (in R1), D3 (in R2); schools.
PARENTS: dict[str, str | None] = {
    "ST": None,
    "R1": "ST",
    "R2": "ST",
    "D1": "R1",
    "D2": "R1",
    "D3": "R2",
    "S1": "D1",
    "S2": "D1",
    "S3": "D2",
    "S4": "D3",
    "S5": "D3",
}
SCHOOLS = {
    "S1": rate(50, 100),
    "S2": rate(30, 80),
    "S3": rate(120, 200),
    "S4": rate(10, 40),
    "S5": rate(70, 120),
}


def test_roll_up_adds_numerators_and_denominators_up_the_tree() -> None:
    rolled = roll_up(PARENTS, SCHOOLS, RATE)
    assert set(rolled) == {"ST", "R1", "R2", "D1", "D2", "D3"}
    assert is_rate(rolled["D1"], 80, 180)
    assert is_rate(rolled["R1"], 200, 380)
    assert is_rate(rolled["ST"], 280, 540)


def test_a_hierarchy_worked_out_once_rolls_up_the_same() -> None:
    hierarchy = Hierarchy.of(PARENTS)
    assert hierarchy.bottom_up.index("D1") < hierarchy.bottom_up.index("R1")
    assert hierarchy.bottom_up[-1] == "ST"
    reported = {**SCHOOLS, "D2": rate(100, 200)}
    assert roll_up(PARENTS, reported, RATE, hierarchy=hierarchy) == roll_up(PARENTS, reported, RATE)


def test_a_unit_that_reports_its_own_figure_counts_with_it_and_keeps_its_roll_up() -> None:
    reported = {**SCHOOLS, "D3": rate(30, 150)}
    rolled = roll_up(PARENTS, reported, RATE)
    assert rolled["D3"] == Measure(80, 160, 50.0)
    assert rolled["R2"] == Measure(30, 150, 20.0)
    assert is_rate(rolled["ST"], 230, 530)
    assert reporting_difference(reported["D3"], rolled["D3"]) == pytest.approx(-30.0)


def test_a_missing_reported_figure_falls_back_to_the_roll_up() -> None:
    reported = {**SCHOOLS, "D3": Measure()}
    assert roll_up(PARENTS, reported, RATE)["R2"] == Measure(80, 160, 50.0)


def test_a_unit_whose_children_are_all_missing_is_missing_and_so_is_its_parent() -> None:
    reported = {code: m for code, m in SCHOOLS.items() if code not in ("S4", "S5")}
    rolled = roll_up(PARENTS, reported, RATE)
    assert rolled["D3"].is_missing
    assert rolled["R2"].is_missing
    assert is_rate(rolled["ST"], 200, 380)


def test_provisional_figures_make_every_roll_up_above_them_provisional() -> None:
    reported = {**SCHOOLS, "S5": rate(70, 120, provisional=True)}
    rolled = roll_up(PARENTS, reported, RATE)
    assert [rolled[code].provisional for code in ("D1", "D3", "R2", "ST")] == [
        False,
        True,
        True,
        True,
    ]


def test_counts_roll_up_as_sums() -> None:
    reported = {"S1": Measure(value=3), "S2": Measure(value=4), "S4": Measure(value=5)}
    rolled = roll_up(PARENTS, reported, COUNT)
    assert rolled["D1"].value == 7
    assert rolled["D2"].is_missing
    assert rolled["ST"].value == 12


def test_parents_missing_from_the_mapping_are_still_rolled_up() -> None:
    rolled = roll_up({"S1": "D1", "S2": "D1"}, SCHOOLS, RATE)
    assert list(rolled) == ["D1"]
    assert is_rate(rolled["D1"], 80, 180)


@pytest.mark.parametrize(
    ("parents", "shown"),
    [
        ({"A": "B", "B": "A"}, ("A → B → A", "B → A → B")),
        ({"A": "A"}, ("A → A",)),
        ({"R": None, "A": "B", "B": "C", "C": "A", "D": "C"}, ("A → B → C → A",)),
    ],
)
def test_roll_up_names_a_cycle(parents: dict[str, str | None], shown: tuple[str, ...]) -> None:
    with pytest.raises(RollUpError, match="form a cycle") as raised:
        roll_up(parents, {}, RATE)
    assert any(cycle in str(raised.value) for cycle in _rotations(shown))


def _rotations(cycles: tuple[str, ...]) -> list[str]:
    rotations = []
    for cycle in cycles:
        nodes = cycle.split(" → ")[:-1]
        for start in range(len(nodes)):
            turned = nodes[start:] + nodes[:start]
            rotations.append(" → ".join([*turned, turned[0]]))
    return rotations


def test_roll_up_handles_a_deep_chain_without_recursion() -> None:
    depth = 5000
    parents: dict[int, int | None] = {0: None, **{n: n - 1 for n in range(1, depth)}}
    rolled = roll_up(parents, {depth - 1: Measure(1, 4, 25.0)}, RATE)
    assert rolled[0] == Measure(1, 4, 25.0)
    assert len(rolled) == depth - 1


def test_roll_up_handles_fifty_thousand_units() -> None:
    parents: dict[int, int | None] = {0: None}
    parents.update({n: 0 for n in range(1, 11)})
    parents.update({n: 1 + n % 10 for n in range(11, 50_000)})
    reported = {n: Measure(1, 2, 50.0) for n in range(11, 50_000)}
    rolled = roll_up(parents, reported, RATE)
    assert rolled[0] == Measure(49_989, 99_978, 50.0)


@st.composite
def trees(draw: st.DrawFn) -> tuple[dict[int, int | None], dict[int, Measure]]:
    """A random tree where only the leaves report, with whole-number counts."""
    size = draw(st.integers(2, 40))
    parents: dict[int, int | None] = {0: None}
    for node in range(1, size):
        parents[node] = draw(st.integers(0, node - 1))
    leaves = set(parents) - set(parents.values())
    reported = {}
    for leaf in sorted(leaves):
        denominator = draw(st.integers(1, 10_000))
        numerator = draw(st.integers(0, denominator))
        reported[leaf] = Measure(numerator, denominator, 100 * numerator / denominator)
    return parents, reported


def _leaves_under(node: int, parents: dict[int, int | None], leaves: set[int]) -> list[int]:
    def ancestors(leaf: int) -> set[int]:
        found, current = set(), parents[leaf]
        while current is not None:
            found.add(current)
            current = parents[current]
        return found

    return [leaf for leaf in leaves if node in ancestors(leaf)]


@given(trees())
def test_with_only_leaves_reporting_a_roll_up_is_the_ratio_of_the_leaves_sums(
    tree: tuple[dict[int, int | None], dict[int, Measure]],
) -> None:
    parents, reported = tree
    rolled = roll_up(parents, reported, RATE)
    for node, measure in rolled.items():
        leaves = _leaves_under(node, parents, set(reported))
        numerator = sum(reported[leaf].numerator or 0 for leaf in leaves)
        denominator = sum(reported[leaf].denominator or 0 for leaf in leaves)
        assert (measure.numerator, measure.denominator) == (numerator, denominator)
        assert measure.value == pytest.approx(100 * numerator / denominator)


@given(trees(), st.randoms(use_true_random=False))
def test_roll_up_does_not_depend_on_the_order_of_the_units(
    tree: tuple[dict[int, int | None], dict[int, Measure]], shuffler: random.Random
) -> None:
    parents, reported = tree
    parent_items, reported_items = list(parents.items()), list(reported.items())
    shuffler.shuffle(parent_items)
    shuffler.shuffle(reported_items)
    shuffled = roll_up(dict(parent_items), dict(reported_items), RATE)
    assert shuffled == roll_up(parents, reported, RATE)


measures = st.builds(
    lambda denominator, share, provisional: Measure(
        share * denominator, denominator, 100 * share, provisional
    ),
    st.floats(0.5, 1e6),
    st.floats(0, 1),
    st.booleans(),
)


@given(st.lists(measures, min_size=1, max_size=30))
def test_combining_rates_is_the_sum_of_numerators_over_the_sum_of_denominators(
    parts: list[Measure],
) -> None:
    combined = combine(RATE, parts)
    numerator = sum(m.numerator or 0 for m in parts)
    denominator = sum(m.denominator or 0 for m in parts)
    assert combined.numerator == pytest.approx(numerator)
    assert combined.denominator == pytest.approx(denominator)
    assert combined.value == pytest.approx(100 * numerator / denominator)
    assert combined.provisional == any(m.provisional for m in parts)


# ---------------------------------------------------------------------------- coverage

# The seen case: district D with three schools; D's own figure suppressed, one school reports.
DISTRICT = {"D": None, "A": "D", "B": "D", "C": "D"}


def test_a_roll_up_from_one_of_three_schools_says_it_covers_one_of_three() -> None:
    reported = {"A": rate(57, 250), "B": Measure(), "D": Measure()}
    gaps = Gaps(suppressed={"B", "D"}, last_size={"A": 240, "B": 200, "C": 170})
    rolled = roll_up_with_coverage(DISTRICT, reported, RATE, gaps=gaps)["D"]
    assert rolled.measure.value == pytest.approx(22.8)
    coverage = rolled.coverage
    assert (coverage.expected, coverage.reporting, coverage.suppressed) == (3, 1, 1)
    assert coverage.not_reported == 1
    assert coverage.share == pytest.approx(250 / (250 + 200 + 170))
    assert coverage.is_partial(0.95)


def test_without_a_last_known_size_the_share_is_unknown_and_children_are_counted() -> None:
    reported = {"A": rate(57, 250)}
    coverage = roll_up_with_coverage(DISTRICT, reported, RATE)["D"].coverage
    assert coverage.share is None
    assert coverage.ratio == pytest.approx(1 / 3)


def test_a_closed_child_is_not_expected_unless_it_reported() -> None:
    reported = {"A": rate(10, 20), "B": rate(5, 10)}
    gaps = Gaps(closed={"B", "C"})
    coverage = roll_up_with_coverage(DISTRICT, reported, RATE, gaps=gaps)["D"].coverage
    assert (coverage.expected, coverage.reporting, coverage.share) == (2, 2, 1.0)
    assert not coverage.is_partial(0.95)


def test_a_rate_only_child_is_left_out_of_the_sums_and_counted_as_without_counts() -> None:
    reported = {"A": rate(10, 20), "B": rate(30, 40), "C": Measure(value=82.0)}
    gaps = Gaps(last_size={"C": 60})
    rolled = roll_up_with_coverage(DISTRICT, reported, RATE, gaps=gaps)["D"]
    assert is_rate(rolled.measure, 40, 60)
    assert (rolled.coverage.reporting, rolled.coverage.uncounted) == (2, 1)
    assert rolled.coverage.share == pytest.approx(0.5)


def test_a_rate_only_child_with_a_roll_up_of_its_own_is_weighed_by_it() -> None:
    parents = {"ST": None, "R": "ST", "S1": "R", "S2": "R"}
    reported = {"R": Measure(value=82.0), "S1": rate(8, 10), "S2": rate(9, 10)}
    rolled = roll_up_with_coverage(parents, reported, RATE)
    assert is_rate(rolled["ST"].measure, 17, 20)
    assert rolled["ST"].coverage == Coverage(1, 1, 0, 0, 1.0, 1.0)


def test_a_partial_child_makes_its_parent_partial_by_its_share_of_the_size() -> None:
    parents = {"ST": None, "R1": "ST", "R2": "ST", "S1": "R1", "S2": "R1", "S3": "R2"}
    reported = {"S1": rate(10, 100), "S3": rate(50, 100)}
    gaps = Gaps(suppressed={"S2"}, last_size={"S2": 100})
    rolled = roll_up_with_coverage(parents, reported, RATE, gaps=gaps)
    assert rolled["R1"].coverage.share == pytest.approx(0.5)
    assert (rolled["ST"].coverage.expected, rolled["ST"].coverage.reporting) == (2, 2)
    assert rolled["ST"].coverage.share == pytest.approx(200 / 300)
    assert rolled["ST"].coverage.is_partial(0.95)


def test_sums_have_no_share_and_are_judged_by_the_children_in_them() -> None:
    reported = {"A": Measure(value=3), "B": Measure(value=4)}
    coverage = roll_up_with_coverage(DISTRICT, reported, SUM)["D"].coverage
    assert coverage.share is None
    assert coverage.ratio == pytest.approx(2 / 3)


@st.composite
def trees_with_gaps(
    draw: st.DrawFn,
) -> tuple[dict[int, int | None], dict[int, Measure], set[int], dict[int, float]]:
    """A random tree whose leaves report, some of them suppressed, each with its last size."""
    parents, reported = draw(trees())
    leaves = sorted(reported)
    suppressed = set(draw(st.lists(st.sampled_from(leaves), unique=True)))
    sizes = {leaf: float(reported[leaf].denominator or 0) for leaf in leaves}
    return parents, {k: m for k, m in reported.items() if k not in suppressed}, suppressed, sizes


@given(trees())
def test_a_roll_up_with_every_leaf_reporting_is_complete_and_the_ratio_of_sums(
    tree: tuple[dict[int, int | None], dict[int, Measure]],
) -> None:
    parents, reported = tree
    sizes = {leaf: float(m.denominator or 0) for leaf, m in reported.items()}
    rolled = roll_up_with_coverage(parents, reported, RATE, gaps=Gaps(last_size=sizes))
    for node, each in rolled.items():
        leaves = _leaves_under(node, parents, set(reported))
        numerator = sum(reported[leaf].numerator or 0 for leaf in leaves)
        denominator = sum(reported[leaf].denominator or 0 for leaf in leaves)
        assert (each.measure.numerator, each.measure.denominator) == (numerator, denominator)
        children = [child for child, parent in parents.items() if parent == node]
        assert each.coverage == Coverage(len(children), len(children), 0, 0, 1.0, 1.0)
        assert not each.coverage.is_partial(0.95)


@given(trees_with_gaps(), st.floats(0.01, 1.0))
def test_with_suppressed_leaves_a_roll_up_counts_them_and_is_partial_below_the_threshold(
    tree: tuple[dict[int, int | None], dict[int, Measure], set[int], dict[int, float]],
    threshold: float,
) -> None:
    parents, reported, suppressed, sizes = tree
    gaps = Gaps(suppressed=suppressed, last_size=sizes)
    rolled = roll_up_with_coverage(parents, reported, RATE, gaps=gaps)
    every_leaf = set(sizes)
    for node, each in rolled.items():
        children = [child for child, parent in parents.items() if parent == node]
        assert each.coverage.expected == len(children)
        assert each.coverage.suppressed == len(suppressed.intersection(children))
        with_figure = [
            child
            for child in children
            if (child in reported)
            or any(leaf not in suppressed for leaf in _leaves_under(child, parents, every_leaf))
        ]
        assert each.coverage.reporting == len(with_figure)
        leaves = _leaves_under(node, parents, every_leaf)
        covered = sum(sizes[leaf] for leaf in leaves if leaf not in suppressed)
        share = covered / sum(sizes[leaf] for leaf in leaves)
        assert each.coverage.share == pytest.approx(share)
        assert each.coverage.is_partial(threshold) == (each.coverage.ratio < threshold)
        if share < threshold:
            assert each.coverage.is_partial(threshold)
