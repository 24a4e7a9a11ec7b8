from hypothesis import given
from hypothesis import strategies as st

from deliverology.core.aggregation import Aggregation
from deliverology.core.periods import PeriodKind
from deliverology.engine.cells import fold_markers
from deliverology.engine.figures import FigureProblem, Figures, MetricSpec, read_figures
from deliverology.engine.mapping import DEFAULT_SUPPRESSION_MARKERS, Role

RATE = MetricSpec("reading", Aggregation.RATE, PeriodKind.ACADEMIC_YEAR)
MEAN = MetricSpec("score", Aggregation.MEAN, PeriodKind.ACADEMIC_YEAR)
SUM = MetricSpec("change", Aggregation.SUM, PeriodKind.ACADEMIC_YEAR)
MARKERS = fold_markers(DEFAULT_SUPPRESSION_MARKERS)


def figures(spec, **cells):
    return read_figures({Role(role): cell for role, cell in cells.items()}, spec, MARKERS)


def test_a_rate_is_worked_out_from_its_numerator_and_denominator():
    assert figures(RATE, numerator="3", denominator=4) == Figures(3, 4, 75.0)


def test_a_mean_may_be_negative_but_a_sum_may_be_too():
    assert figures(MEAN, numerator=-6, denominator=3) == Figures(-6, 3, -2.0)
    assert figures(SUM, value="-12") == Figures(None, None, -12)


@given(
    marker=st.sampled_from(sorted(DEFAULT_SUPPRESSION_MARKERS)), denominator=st.integers(1, 10**6)
)
def test_a_marker_is_never_read_as_a_zero(marker, denominator):
    found = figures(RATE, numerator=marker, denominator=denominator)
    assert found == Figures(None, None, None, DEFAULT_SUPPRESSION_MARKERS[marker])


@given(numerator=st.integers(0, 10**6), extra=st.integers(0, 10**6))
def test_any_numerator_up_to_its_denominator_makes_a_rate_between_0_and_100(numerator, extra):
    found = figures(RATE, numerator=numerator, denominator=numerator + extra or 1)
    assert isinstance(found, Figures)
    assert 0 <= found.value <= 100


def test_every_bad_cell_is_reported_not_just_the_first():
    assert figures(RATE, numerator="ten", denominator="#N/A") == [
        FigureProblem(Role.NUMERATOR, "'ten' is not a number", "a number like 1234 or 56.7", "ten"),
        FigureProblem(
            Role.DENOMINATOR,
            "'#N/A' is a spreadsheet error, not a number",
            "a number like 1234 or 56.7",
            "#N/A",
        ),
    ]


def test_a_row_said_missing_takes_markers_and_blanks_but_not_figures():
    cells = {Role.NUMERATOR: "c", Role.DENOMINATOR: ""}
    assert read_figures(cells, RATE, MARKERS, "suppressed") == Figures(
        None, None, None, "suppressed"
    )
