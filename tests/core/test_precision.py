import pytest
from hypothesis import given
from hypothesis import strategies as st

from deliverology.core.precision import (
    Interval,
    Precision,
    allowed_values,
    count_interval,
    ratio_interval,
)


def test_a_count_rounded_to_ten_stands_for_five_either_side_never_below_zero():
    assert count_interval(90, 10) == Interval(85, 95)
    assert count_interval(0, 10) == Interval(0, 5)
    assert count_interval(90, 1) == Interval(90, 90)


def test_rounded_counts_allow_a_range_of_rates():
    rates = ratio_interval(90, 320, scale=100, counts_rounded_to=10)
    assert rates.low == pytest.approx(100 * 85 / 325)
    assert rates.high == pytest.approx(100 * 95 / 315)


def test_a_whole_number_percentage_of_rounded_counts_agrees_when_the_range_holds_it():
    precision = Precision(value_decimals=0, counts_rounded_to=10)
    allowed = allowed_values(90, 320, scale=100, precision=precision)
    assert 29 in allowed
    assert 31 not in allowed
    assert 29 not in allowed_values(90, 320, scale=100, precision=Precision(value_decimals=0))


def test_a_value_rounded_twice_is_allowed_both_roundings():
    once = allowed_values(2846, 10000, scale=100, precision=Precision(value_decimals=0))
    twice = allowed_values(
        2846, 10000, scale=100, precision=Precision(value_decimals=0, first_rounded_to_decimals=1)
    )
    assert 29 not in once  # 28.46 rounds to 28
    assert 29 in twice  # 28.46 → 28.5 → 29


def test_a_rate_never_goes_above_its_scale_but_a_mean_may():
    assert ratio_interval(10, 10, scale=100, counts_rounded_to=10).high == 100
    assert ratio_interval(10, 10, scale=1, counts_rounded_to=10, at_most_one=False).high > 1


@pytest.mark.parametrize(
    "precision",
    [
        {"value_decimals": -1},
        {"counts_rounded_to": 0},
        {"value_decimals": 1, "first_rounded_to_decimals": 1},
    ],
)
def test_an_impossible_precision_is_refused(precision):
    with pytest.raises(ValueError, match="must be"):
        Precision(**precision)


@given(
    numerator=st.integers(0, 10_000),
    extra=st.integers(100, 10_000),
    rounded_to=st.sampled_from([1, 5, 10, 100]),
    decimals=st.integers(0, 3),
)
def test_the_true_rate_rounded_is_always_allowed(numerator, extra, rounded_to, decimals):
    denominator = numerator + extra
    published = round(100 * numerator / denominator, decimals)
    shown_top = rounded_to * round(numerator / rounded_to)
    shown_bottom = rounded_to * round(denominator / rounded_to)
    precision = Precision(value_decimals=decimals, counts_rounded_to=rounded_to)
    assert published in allowed_values(shown_top, shown_bottom, scale=100, precision=precision)
