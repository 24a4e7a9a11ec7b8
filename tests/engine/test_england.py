"""The DfE's Level 2/3 attainment by 19 file, read with its saved mapping, reproduces England's
published state-sector figures by adding up regions and local authorities (ratio of sums)."""

from collections import defaultdict
from datetime import date

import pytest

from deliverology.core.aggregation import Aggregation, Measure, combine
from deliverology.core.periods import PeriodKind, parse_period
from deliverology.engine.england import (
    DASHBOARD_CSV,
    ENGLAND,
    LAST_MEASURED_COHORT,
    METRICS,
    REGIONS,
    SUBGROUPS,
    england_hierarchy,
    england_mapping,
    england_metrics,
    read_england,
)
from deliverology.engine.mapping import ColumnMapping
from deliverology.engine.reading import read_table

COHORTS = range(2005, LAST_MEASURED_COHORT + 1)
SOUTH_WEST = "E12000009"
# Isles of Scilly, left out of the local-authority rows (SOURCE.md): cohort, L2, L3 by 19.
SCILLY = {
    2005: (23, 20, 15),
    2010: (17, 17, 14),
    2011: (23, 22, 17),
    2015: (22, 22, 20),
    2019: (22, 19, 15),
    2022: (14, 12, 9),
}


def period(cohort):
    return parse_period(str(cohort), PeriodKind.ACADEMIC_YEAR).label


@pytest.fixture(scope="module")
def england():
    return read_england()


@pytest.fixture(scope="module")
def hierarchy():
    return england_hierarchy()


@pytest.fixture(scope="module")
def figures(england):
    """(metric, local unit, period, subgroup) → Measure."""
    return {
        (r.metric_code, r.local_unit_code, r.period, r.subgroup_code): Measure(
            r.numerator, r.denominator, r.value
        )
        for r in england.rows
    }


@pytest.fixture(scope="module")
def region_of(hierarchy):
    return {row.code: row.parent_code for row in hierarchy.rows if row.type == "local_authority"}


def test_the_saved_mapping_reads_the_whole_file_without_a_problem(england):
    assert england.problems == []
    assert england.stats.file_rows == 26_384
    assert england.stats.observations == 3 * (26_384 - 3_840)
    assert england.stats.missing == {}


def test_the_saved_mapping_is_plain_json_and_reads_back_the_same():
    mapping = england_mapping()
    assert ColumnMapping.from_dict(mapping.to_dict()) == mapping


def test_cohort_years_are_the_academic_years_they_end():
    assert period(2005) == "2004-05"
    assert {spec.frequency for spec in england_metrics().values()} == {PeriodKind.ACADEMIC_YEAR}


def test_the_cohorts_not_yet_measured_are_placeholders_kept_out(england):
    table = read_table(DASHBOARD_CSV)
    future = {row.line for row in table.rows if int(str(row.cells[0])) > LAST_MEASURED_COHORT}
    assert len(future) == 3_840
    assert {note.line for note in england.placeholders} == future
    assert {row.period for row in england.rows} == {period(c) for c in COHORTS}
    assert "are 0 while number_in_ss_cohort is" in england.placeholders[0].message


def test_the_hierarchy_is_england_nine_regions_and_the_local_authorities(hierarchy, region_of):
    assert hierarchy.problems == []
    roots = [row for row in hierarchy.rows if row.parent_code is None]
    assert [(row.code, row.name) for row in roots] == [(ENGLAND, "England")]
    regions = {row.code for row in hierarchy.rows if row.parent_code == ENGLAND}
    assert regions == set(REGIONS)
    assert len(region_of) == 154
    assert set(region_of.values()) == regions


def test_the_merges_are_validity_dates(hierarchy):
    dates = {row.code: (row.valid_from, row.valid_to) for row in hierarchy.rows}
    assert dates["E06000028"] == (None, date(2019, 3, 31))  # Bournemouth
    assert dates["E06000029"] == (None, date(2019, 3, 31))  # Poole
    assert dates["E06000058"] == (date(2019, 4, 1), None)  # Bournemouth, Christchurch and Poole
    assert dates["E10000021"] == (None, date(2021, 3, 31))  # Northamptonshire
    assert dates["E06000061"] == dates["E06000062"] == (date(2021, 4, 1), None)


def test_each_cohort_has_exactly_the_local_authorities_valid_at_its_end(hierarchy):
    table = read_table(DASHBOARD_CSV)
    in_file = defaultdict(set)
    for row in table.rows:
        if row.cells[3] != "ALL":
            in_file[int(str(row.cells[0]))].add(row.cells[3])
    for cohort, codes in in_file.items():
        end = date(cohort, 8, 31)
        valid = {
            r.code
            for r in hierarchy.rows
            if r.type == "local_authority"
            and (r.valid_from or date.min) <= end <= (r.valid_to or date.max)
        }
        assert codes == valid, cohort
    assert [len(in_file[c]) for c in (2018, 2019, 2020, 2021)] == [150, 149, 149, 150]


@pytest.mark.parametrize("metric", METRICS)
def test_regions_add_up_to_england_exactly_for_every_cohort_and_subgroup(figures, metric):
    checked = 0
    for cohort in COHORTS:
        for subgroup in SUBGROUPS:
            national = figures.get((metric, ENGLAND, period(cohort), subgroup))
            if national is None:  # no SEN breakdown in 2005
                assert subgroup.endswith("sen") or "sen_" in subgroup
                continue
            parts = [figures[(metric, region, period(cohort), subgroup)] for region in REGIONS]
            rolled = combine(Aggregation.RATE, parts)
            assert (rolled.numerator, rolled.denominator) == (
                national.numerator,
                national.denominator,
            )
            assert rolled.value == national.value
            checked += 1
    assert checked == 18 * 8 - 3


@pytest.mark.parametrize("metric", METRICS)
def test_local_authorities_add_up_to_their_region_except_scilly_in_the_south_west(
    figures, region_of, metric
):
    for cohort in COHORTS:
        by_region = defaultdict(list)
        for code, region in region_of.items():
            measure = figures.get((metric, code, period(cohort), "all"))
            if measure is not None:
                by_region[region].append(measure)
        for region, parts in by_region.items():
            rolled = combine(Aggregation.RATE, parts)
            reported = figures[(metric, region, period(cohort), "all")]
            short = reported.denominator - rolled.denominator
            assert short == 0 if region != SOUTH_WEST else 14 <= short <= 28, (cohort, region)


def test_the_local_authorities_fall_short_of_england_by_the_isles_of_scilly(figures, region_of):
    for cohort, (pupils, level2, level3) in SCILLY.items():
        found = []
        for metric in ("l2_by19", "l3_by19"):
            parts = [
                figures[(metric, code, period(cohort), "all")]
                for code in region_of
                if (metric, code, period(cohort), "all") in figures
            ]
            rolled = combine(Aggregation.RATE, parts)
            national = figures[(metric, ENGLAND, period(cohort), "all")]
            found.append(
                (national.denominator - rolled.denominator, national.numerator - rolled.numerator)
            )
            assert abs(rolled.value - national.value) < 0.01
        assert (found[0][0], found[0][1], found[1][1]) == (pupils, level2, level3)


@pytest.mark.parametrize(
    ("cohort", "metric", "published"),
    [
        (2005, "l2_by19", 66.80),
        (2005, "l3_by19", 42.48),
        (2005, "l2_with_em_by19", 45.38),
        (2010, "l2_by19", 78.85),
        (2011, "l3_by19", 53.58),
        (2015, "l2_with_em_by19", 67.99),
        (2019, "l3_by19", 57.07),
        (2022, "l2_by19", 81.69),
        (2022, "l3_by19", 60.68),
        (2022, "l2_with_em_by19", 71.85),
    ],
)
def test_the_regions_give_the_published_england_rates(figures, cohort, metric, published):
    parts = [figures[(metric, region, period(cohort), "all")] for region in REGIONS]
    assert round(combine(Aggregation.RATE, parts).value, 2) == published


def test_the_free_school_meals_gap_at_level_3_matches_the_2012_release(figures):
    def rate(cohort, subgroup):
        parts = [figures[("l3_by19", r, period(cohort), subgroup)] for r in REGIONS]
        return combine(Aggregation.RATE, parts)

    not_fsm, fsm = rate(2011, "not_fsm"), rate(2011, "fsm")
    assert (not_fsm.numerator, not_fsm.denominator) == (297_537, 524_887)
    assert (fsm.numerator, fsm.denominator) == (24_071, 75_334)
    gap_2011 = round(not_fsm.value - fsm.value, 1)
    gap_2010 = round(rate(2010, "not_fsm").value - rate(2010, "fsm").value, 1)
    assert (gap_2011, gap_2010) == (24.7, 24.2)
    assert round(gap_2011 - gap_2010, 1) == 0.5  # the release subtracts the rounded gaps
