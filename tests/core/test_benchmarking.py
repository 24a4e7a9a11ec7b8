from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deliverology.core.benchmarking import (
    BenchmarkError,
    Comparator,
    GapLocation,
    LocalUnitRate,
    Run,
    best_run,
    comparator_rate,
    concentration_for_share,
    distribution,
    fastest_improvers,
    improvement_summary,
    subgroup_gaps,
    top_concentration,
    where_is_the_gap,
    whole_people,
)
from deliverology.core.periods import Period, PeriodKind
from deliverology.core.status import Direction
from deliverology.core.trajectories import TrajectoryError

HIGHER = Direction.HIGHER_IS_BETTER
LOWER = Direction.LOWER_IS_BETTER


def ay(year: int) -> Period:
    return Period(PeriodKind.ACADEMIC_YEAR, year)


# Changes per year: +2, +1, +4, +1, -3.
HISTORY = [
    (ay(2017), 50.0),
    (ay(2018), 52.0),
    (ay(2019), 53.0),
    (ay(2020), 57.0),
    (ay(2021), 58.0),
    (ay(2022), 55.0),
]


@pytest.mark.parametrize(
    ("periods_back", "direction", "expected"),
    [
        (1, HIGHER, Run(ay(2019), ay(2020), 4.0)),
        (2, HIGHER, Run(ay(2018), ay(2020), 2.5)),  # (57 - 52) / 2, ahead of 2019-2021's 2.5
        (3, HIGHER, Run(ay(2017), ay(2020), 7 / 3)),
        (1, LOWER, Run(ay(2021), ay(2022), -3.0)),
        (2, LOWER, Run(ay(2020), ay(2022), -1.0)),
    ],
)
def test_best_run_finds_the_window_with_the_best_average_change(
    periods_back: int, direction: Direction, expected: Run
) -> None:
    run = best_run(HISTORY, periods_back, direction)
    assert (run.first_period, run.last_period) == (expected.first_period, expected.last_period)
    assert run.change_per_period == pytest.approx(expected.change_per_period)


def test_best_run_reads_the_history_in_period_order() -> None:
    assert best_run(list(reversed(HISTORY)), 1, HIGHER) == best_run(HISTORY, 1, HIGHER)


def test_best_run_needs_a_window_of_history() -> None:
    with pytest.raises(TrajectoryError, match="looking back 6 periods needs 7 figures"):
        best_run(HISTORY, 6, HIGHER)


def test_an_improvement_summary_gives_average_compound_and_best_run() -> None:
    summary = improvement_summary(HISTORY, 3, HIGHER)
    assert summary.periods_back == 3
    assert summary.average_change == pytest.approx((55 - 53) / 3)
    assert summary.compound_rate == pytest.approx((55 / 53) ** (1 / 3) - 1)
    assert (summary.best_run.first_period, summary.best_run.last_period) == (ay(2017), ay(2020))
    assert summary.best_run.change_per_period == pytest.approx(7 / 3)


def test_an_improvement_summary_has_no_compound_rate_through_zero() -> None:
    history = [(ay(2020), 0.0), (ay(2021), 2.0), (ay(2022), 3.0)]
    summary = improvement_summary(history, 2, LOWER)
    assert summary.compound_rate is None
    assert summary.average_change == pytest.approx(1.5)
    assert summary.best_run.change_per_period == pytest.approx(1.5)


# A hand table: five districts at 60, 70, 80, 90 and 100.
# Percentile = share of the other four it beats: 0, 25, 50, 75, 100.
# Quartiles interpolate (PERCENTILE.INC): position 0.25 × 4 = 1 -> 70; 0.5 -> 80; 0.75 -> 90.
# Top decile, higher is better: position 0.9 × 4 = 3.6 -> 90 + 0.6 × 10 = 96.
# Lower is better: the top quartile starts at 70 and the top decile at 0.1 × 4 = 0.4 -> 64.
DISTRICTS = {"A": 60.0, "B": 70.0, "C": 80.0, "D": 90.0, "E": 100.0}


def test_a_distribution_ranks_each_district_among_the_others() -> None:
    result = distribution(DISTRICTS, HIGHER)
    assert result.percentiles == {"A": 0, "B": 25, "C": 50, "D": 75, "E": 100}
    assert result.quartiles == pytest.approx((70, 80, 90))
    assert result.top_quartile == pytest.approx(90)
    assert result.top_decile == pytest.approx(96)
    assert result.gap_to_top_quartile == pytest.approx({"A": 30, "B": 20, "C": 10, "D": 0, "E": 0})
    assert result.gap_to_top_decile == pytest.approx({"A": 36, "B": 26, "C": 16, "D": 6, "E": 0})


def test_a_distribution_puts_the_lowest_first_when_lower_is_better() -> None:
    result = distribution(DISTRICTS, LOWER)
    assert result.percentiles == {"A": 100, "B": 75, "C": 50, "D": 25, "E": 0}
    assert result.quartiles == pytest.approx((70, 80, 90))
    assert result.top_quartile == pytest.approx(70)
    assert result.top_decile == pytest.approx(64)
    assert result.gap_to_top_quartile == pytest.approx({"A": 0, "B": 0, "C": 10, "D": 20, "E": 30})
    assert result.gap_to_top_decile == pytest.approx({"A": 0, "B": 6, "C": 16, "D": 26, "E": 36})


def test_tied_districts_share_their_percentile() -> None:
    # Each 50 beats nobody and ties the other: (0 + 1/2) / 2 = 25%.
    result = distribution({"A": 50.0, "B": 50.0, "C": 70.0}, HIGHER)
    assert result.percentiles == {"A": 25, "B": 25, "C": 100}


def test_a_single_district_is_at_the_top() -> None:
    result = distribution({"A": 42.0}, LOWER)
    assert result.percentiles == {"A": 100}
    assert result.gap_to_top_decile == {"A": 0}


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({}, "a distribution needs at least one local unit's value"),
        ({"A": float("nan")}, "a distribution has a value that is not a number"),
    ],
)
def test_a_distribution_refuses_unusable_values(values: dict[str, float], message: str) -> None:
    with pytest.raises(BenchmarkError, match=message):
        distribution(values, HIGHER)


# Tenths of a point, so that mirroring (100 - value) keeps distinct values distinct.
values_by_district = st.dictionaries(
    st.text(min_size=1, max_size=4),
    st.integers(0, 1000).map(lambda tenths: tenths / 10),
    min_size=1,
    max_size=30,
)


@given(values_by_district)
def test_mirroring_the_values_mirrors_the_distribution(values: dict[str, float]) -> None:
    mirrored = {key: 100 - value for key, value in values.items()}
    higher = distribution(values, HIGHER)
    lower = distribution(mirrored, LOWER)
    assert lower.percentiles == pytest.approx(higher.percentiles)
    assert lower.gap_to_top_quartile == pytest.approx(higher.gap_to_top_quartile, abs=1e-9)
    assert lower.gap_to_top_decile == pytest.approx(higher.gap_to_top_decile, abs=1e-9)
    assert lower.top_quartile == pytest.approx(100 - higher.top_quartile)


@given(values_by_district, st.sampled_from([HIGHER, LOWER]))
def test_the_best_district_is_at_the_top_and_better_never_ranks_lower(
    values: dict[str, float], direction: Direction
) -> None:
    result = distribution(values, direction)
    sign = 1 if direction is HIGHER else -1
    best = max(values, key=lambda key: sign * values[key])
    assert result.gap_to_top_decile[best] == 0
    for first in values:
        for second in values:
            if sign * values[first] > sign * values[second]:
                assert result.percentiles[first] > result.percentiles[second]
    assert all(0 <= rank <= 100 for rank in result.percentiles.values())


START = {"A": 50.0, "B": 52.0, "C": 55.0, "D": 70.0, "E": 49.0, "F": 51.0}
END = {"A": 58.0, "B": 53.0, "C": 60.0, "D": 85.0, "E": 47.0}


def test_the_fastest_improvers_are_chosen_among_similar_starters() -> None:
    # Within 3 of 51: A, B, E, F; F has no end figure; D improved most but started at 70.
    improvers = fastest_improvers(START, END, HIGHER, similar_within=3, reference=51, n=2)
    assert [(each.key, each.improvement) for each in improvers] == [("A", 8.0), ("B", 1.0)]


def test_the_fastest_improvers_fall_when_lower_is_better() -> None:
    improvers = fastest_improvers(START, END, LOWER, similar_within=3, reference=51)
    # B and A rose, which is worse when lower is better: they are not improvers.
    assert [(each.key, each.improvement) for each in improvers] == [("E", 2.0)]


def test_the_fastest_improvers_start_near_the_median_by_default() -> None:
    # The median start is 51.5; within 1: B (52) and F (51, no end figure).
    improvers = fastest_improvers(START, END, HIGHER, similar_within=1)
    assert [each.key for each in improvers] == ["B"]


def test_it_lists_no_unit_that_declined_as_a_fastest_improver() -> None:
    start = {"A": 50.0, "B": 51.0, "C": 52.0}
    end = {"A": 48.0, "B": 51.0, "C": 49.0}  # one fell by 2, one stood still, one fell by 3
    assert fastest_improvers(start, end, HIGHER, similar_within=5) == []
    assert [each.key for each in fastest_improvers(start, end, LOWER, similar_within=5)] == [
        "C",
        "A",
    ]


def test_the_widest_gap_is_the_group_furthest_behind_in_the_latest_period() -> None:
    from deliverology.core.benchmarking import widest_gap

    values: dict[str, list[tuple[Period, float | None]]] = {
        "all": [(ay(2020), 70.0), (ay(2021), 72.0)],
        "el": [(ay(2020), 50.0), (ay(2021), 62.0)],  # 20 behind, then 10 behind
        "swd": [(ay(2020), 60.0), (ay(2021), 58.0)],  # 10 behind, then 14 behind
        "gifted": [(ay(2020), 90.0), (ay(2021), 95.0)],
    }
    gaps = subgroup_gaps(values)
    found = widest_gap(gaps, HIGHER)
    assert found is not None
    assert (found.subgroup, found.period, found.gap) == ("swd", ay(2021), -14.0)
    lower = widest_gap(gaps, LOWER)  # lower is better: the group highest above is furthest behind
    assert lower is not None and lower.subgroup == "gifted"


@pytest.mark.parametrize(
    ("similar_within", "n", "message"),
    [(-1.0, 10, "similar_within cannot be negative"), (1.0, 0, "must be at least 1")],
)
def test_the_fastest_improvers_refuse_impossible_requests(
    similar_within: float, n: int, message: str
) -> None:
    with pytest.raises(BenchmarkError, match=message):
        fastest_improvers(START, END, HIGHER, similar_within, n=n)


PEER = Comparator("Ontario", ((ay(2019), 70.0), (ay(2020), 72.0), (ay(2021), 75.0)))


def test_a_comparator_rate_is_its_average_change() -> None:
    assert comparator_rate(PEER, 2) == pytest.approx(2.5)
    assert comparator_rate(PEER, 1, compound=True) == pytest.approx(75 / 72 - 1)


def test_a_comparator_rate_names_the_comparator_when_the_history_is_too_short() -> None:
    with pytest.raises(BenchmarkError, match="the comparator Ontario: looking back 3 periods"):
        comparator_rate(PEER, 3)


def test_a_comparator_needs_a_label() -> None:
    with pytest.raises(BenchmarkError, match="a comparator needs a label"):
        Comparator(" ", ())


SUBGROUPS: dict[str, list[tuple[Period, float | None]]] = {
    "all": [(ay(2020), 70.0), (ay(2021), 72.0), (ay(2022), 75.0)],
    "disadvantaged": [(ay(2020), 58.0), (ay(2021), None), (ay(2022), 66.0)],
    "english_learners": [(ay(2020), 60.0), (ay(2021), 61.0), (ay(2022), 62.0)],
    "new_arrivals": [(ay(2022), 50.0)],
}


def test_subgroup_gaps_follow_the_gap_to_all_students_over_time() -> None:
    gaps = subgroup_gaps(SUBGROUPS)
    assert set(gaps) == {"disadvantaged", "english_learners", "new_arrivals"}
    disadvantaged = gaps["disadvantaged"]
    assert disadvantaged.gaps == ((ay(2020), -12.0), (ay(2021), None), (ay(2022), -9.0))
    assert (disadvantaged.first_period, disadvantaged.last_period) == (ay(2020), ay(2022))
    assert disadvantaged.change == pytest.approx(3.0)
    assert disadvantaged.is_narrowing is True
    learners = gaps["english_learners"]
    assert learners.change == pytest.approx(-3.0)
    assert learners.is_narrowing is False
    arrivals = gaps["new_arrivals"]
    assert arrivals.change is None and arrivals.is_narrowing is None


def test_subgroup_gaps_need_the_reference_subgroup() -> None:
    with pytest.raises(BenchmarkError, match="no figures for the reference subgroup 'everyone'"):
        subgroup_gaps(SUBGROUPS, reference="everyone")


# Target 80% proficient. D1: 80% of 500 = 400, has 310 -> 90. D2: 80% of 300 = 240, has 250 -> 0.
# D3: 80% of 1,000 = 800, has 640 -> 160. D4: 80% of 201 = 160.8 -> 161, has 150 -> 11.
# Total 261: D3 alone is 160/261 = 61%; D3 and D1 are 250/261 = 96%.
SCHOOLS = [
    LocalUnitRate("D1", 310, 500, "north"),
    LocalUnitRate("D2", 250, 300, "north"),
    LocalUnitRate("D3", 640, 1000, "south"),
    LocalUnitRate("D4", 150, 201),
]


def test_where_is_the_gap_counts_the_people_each_district_needs() -> None:
    gap = where_is_the_gap(SCHOOLS, 80.0, HIGHER)
    assert list(gap.people_needed.items()) == [("D3", 160), ("D1", 90), ("D4", 11), ("D2", 0)]
    assert gap.total == 261
    assert gap.by_subgroup == {"north": 90, "south": 160}


def test_where_is_the_gap_counts_the_people_to_move_out_when_lower_is_better() -> None:
    # Target 20% absent. D1: 20% of 500 = 100, has 310 -> 210; D2: 250 - 60 = 190;
    # D3: 640 - 200 = 440; D4: 150 - 40.2 = 109.8 -> 110.
    gap = where_is_the_gap(SCHOOLS, 20.0, LOWER)
    assert dict(gap.people_needed) == {"D3": 440, "D1": 210, "D2": 190, "D4": 110}
    assert gap.total == 950


def test_the_top_districts_account_for_a_share_of_the_gap() -> None:
    gap = where_is_the_gap(SCHOOLS, 80.0, HIGHER)
    top = top_concentration(gap, 2)
    assert (top.total, top.people, top.count, top.local_units) == (261, 250, 2, ("D3", "D1"))
    assert top.share == pytest.approx(250 / 261)


@pytest.mark.parametrize(
    ("share", "districts"),
    [
        (0.0, ()),
        (0.5, ("D3",)),
        (160 / 261, ("D3",)),
        (0.62, ("D3", "D1")),
        (1.0, ("D3", "D1", "D4")),
    ],
)
def test_the_fewest_districts_that_make_up_a_share_of_the_gap(
    share: float, districts: tuple[str, ...]
) -> None:
    gap = where_is_the_gap(SCHOOLS, 80.0, HIGHER)
    assert concentration_for_share(gap, share).local_units == districts


def test_a_gap_of_nobody_is_concentrated_nowhere() -> None:
    gap = where_is_the_gap(SCHOOLS, 0.0, HIGHER)
    assert gap.total == 0
    assert concentration_for_share(gap, 0.4).count == 0
    assert top_concentration(gap, 3).share == 0.0


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda: LocalUnitRate("D9", 11, 10),
            "D9: the numerator .* is larger than the denominator",
        ),
        (lambda: LocalUnitRate("D9", 1, 0), "D9: the denominator is zero"),
        (lambda: where_is_the_gap(SCHOOLS, 120.0, HIGHER), "between 0 and 100"),
        (lambda: where_is_the_gap([*SCHOOLS, SCHOOLS[0]], 80.0, HIGHER), "listed only once"),
        (lambda: concentration_for_share(_gap(), 1.5), "between 0 and 1"),
        (lambda: top_concentration(_gap(), -1), "cannot be negative"),
    ],
)
def test_where_is_the_gap_explains_impossible_figures(make: object, message: str) -> None:
    with pytest.raises(BenchmarkError, match=message):
        make()  # type: ignore[operator]


def _gap() -> GapLocation[str]:
    return where_is_the_gap(SCHOOLS, 80.0, HIGHER)


@pytest.mark.parametrize(
    ("count", "people"), [(85.00000000000001, 85), (84.2, 85), (85.0, 85), (0.0, 0), (-0.3, 0)]
)
def test_whole_people_round_up_but_ignore_floating_point_crumbs(count: float, people: int) -> None:
    assert whole_people(count) == people


counts = st.tuples(st.integers(0, 1000), st.integers(1, 1000)).map(
    lambda pair: (min(pair), max(pair[1], 1))
)


@given(st.lists(counts, min_size=1, max_size=20), st.floats(0, 100, allow_nan=False))
def test_moving_the_people_needed_reaches_the_target_in_every_district(
    figures: list[tuple[int, int]], target: float
) -> None:
    local_units = [LocalUnitRate(f"D{i}", n, d) for i, (n, d) in enumerate(figures)]
    for direction, sign in ((HIGHER, 1), (LOWER, -1)):
        gap = where_is_the_gap(local_units, target, direction)
        for each in local_units:
            moved = each.numerator + sign * gap.people_needed[each.key]
            assert sign * (100 * moved / each.denominator - target) >= -1e-9
            if gap.people_needed[each.key] > 0:  # and one fewer would not have done
                fewer = moved - sign
                assert sign * (100 * fewer / each.denominator - target) < 1e-9
        assert gap.total == sum(gap.people_needed.values())


# --- where is the gap, in bulk -----------------------------------------------------------------

_counts = st.tuples(
    st.integers(min_value=0, max_value=5_000), st.integers(min_value=1, max_value=5_000)
).map(lambda pair: (min(pair), max(pair)))


@given(
    st.lists(_counts, max_size=40),
    st.floats(min_value=0, max_value=100, allow_nan=False),
    st.sampled_from(list(Direction)),
)
def test_the_bulk_gap_is_the_same_as_one_local_unit_at_a_time(counts, target, direction):
    from deliverology.core.benchmarking import where_is_the_gap_in_bulk

    keys = [f"U{i}" for i in range(len(counts))]
    subgroups = ["low_income" if i % 2 else "english_learners" for i in range(len(counts))]
    one_by_one = where_is_the_gap(
        [
            LocalUnitRate(k, n, d, subgroup=s)
            for k, (n, d), s in zip(keys, counts, subgroups, strict=True)
        ],
        target,
        direction,
    )
    bulk = where_is_the_gap_in_bulk(
        keys,
        [n for n, _ in counts],
        [d for _, d in counts],
        target,
        direction,
        subgroups=subgroups,
    )
    assert list(bulk.people_needed.items()) == list(one_by_one.people_needed.items())
    assert bulk.total == one_by_one.total
    assert bulk.by_subgroup == one_by_one.by_subgroup


@pytest.mark.parametrize(
    ("numerator", "denominator", "message"),
    [(5, 0, "denominator is zero"), (12, 10, "larger than the denominator"), (-1, 10, "negative")],
)
def test_the_bulk_gap_refuses_impossible_counts_like_one_unit(numerator, denominator, message):
    from deliverology.core.benchmarking import where_is_the_gap_in_bulk

    with pytest.raises(BenchmarkError, match=f"B: .*{message}"):
        where_is_the_gap_in_bulk(
            ["A", "B"], [1, numerator], [2, denominator], 50.0, Direction.HIGHER_IS_BETTER
        )


def test_the_bulk_gap_refuses_a_local_unit_listed_twice():
    from deliverology.core.benchmarking import where_is_the_gap_in_bulk

    with pytest.raises(BenchmarkError, match="only once"):
        where_is_the_gap_in_bulk(["A", "A"], [1, 1], [2, 2], 50.0, Direction.HIGHER_IS_BETTER)
