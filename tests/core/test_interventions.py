from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deliverology.core.interventions import (
    BottomUp,
    Intervention,
    InterventionError,
    OverlapMethod,
    RampShape,
    Rollout,
    bottom_up_trajectory,
    check_interventions,
    shortfall_at_target,
    uncertainty_band,
)
from deliverology.core.periods import Period, PeriodKind
from deliverology.core.status import Direction
from deliverology.core.trajectories import TrajectoryError

HIGHER = Direction.HIGHER_IS_BETTER
LOWER = Direction.LOWER_IS_BETTER
ADDITIVE = OverlapMethod.ADDITIVE
MULTIPLICATIVE = OverlapMethod.MULTIPLICATIVE


def ay(year: int) -> Period:
    return Period(PeriodKind.ACADEMIC_YEAR, year)


def expected_values(bottom_up: BottomUp) -> list[float]:
    return [point.expected for point in bottom_up.points]


# The worked example: a graduation rate of 72% in 2024-25 with a target of 85% in 2030-31.
# Without new interventions it drifts up 0.5 a year: 72, 72.5, 73, 73.5, 74, 74.5, 75.
#
# tutoring: +6 points at full reach; rolled out over 2025-26 to 2027-28 (reach 1/3, 2/3, 1);
#   effects a year after it starts, so from 2026-27, at once (step).
#   2026-27: 6 × 2/3 = 4; from 2027-28: 6 × 1 = 6.
# early_warning: +4; reaches half the students from 2025-26 and 80% from 2027-28;
#   no lag, a linear ramp over two years (1/2 in 2025-26, full from 2026-27).
#   2025-26: 4 × 0.5 × 0.5 = 1; 2026-27: 4 × 0.5 × 1 = 2; from 2027-28: 4 × 0.8 = 3.2.
# summer_bridge: +3; reaches half the students from 2027-28, at once: 3 × 0.5 = 1.5.
TUTORING = Intervention("tutoring", 6.0, 3.0, 8.0, Rollout(ay(2025), ay(2027)), lag_periods=1)
EARLY_WARNING = Intervention(
    "early_warning",
    4.0,
    2.0,
    5.0,
    ((ay(2025), 0.5), (ay(2027), 0.8)),
    ramp=RampShape.LINEAR,
    ramp_periods=2,
)
SUMMER_BRIDGE = Intervention("summer_bridge", 3.0, 1.0, 4.0, Rollout(ay(2027), ay(2027), 0.5))
GRADUATION = [TUTORING, EARLY_WARNING, SUMMER_BRIDGE]


def graduation(overlap: OverlapMethod, interventions: list[Intervention] = GRADUATION) -> BottomUp:
    return bottom_up_trajectory(ay(2024), 72.0, ay(2030), 0.5, interventions, HIGHER, overlap)


def test_the_worked_example_adds_the_interventions_up() -> None:
    # Additive totals: 0, 1, 4 + 2 = 6, then 6 + 3.2 + 1.5 = 10.7 a year from 2027-28.
    bottom_up = graduation(ADDITIVE)
    assert bottom_up.counterfactual == pytest.approx((72, 72.5, 73, 73.5, 74, 74.5, 75))
    assert bottom_up.contributions["tutoring"] == pytest.approx((0, 0, 4, 6, 6, 6, 6))
    assert bottom_up.contributions["early_warning"] == pytest.approx((0, 1, 2, 3.2, 3.2, 3.2, 3.2))
    assert bottom_up.contributions["summer_bridge"] == pytest.approx((0, 0, 0, 1.5, 1.5, 1.5, 1.5))
    assert expected_values(bottom_up) == pytest.approx([72, 73.5, 79, 84.2, 84.7, 85.2, 85.7])
    shortfall = shortfall_at_target(bottom_up, 85.0, HIGHER)
    assert not shortfall.is_short
    assert shortfall.statement == (
        "the bottom-up estimate reaches 85.7 by 2030-31, meeting the target of 85"
    )


def test_the_worked_example_with_multiplicative_overlap_ends_short() -> None:
    # In 2030-31 the room above the counterfactual is 100 - 75 = 25 points. On its own each
    # closes 6/25 = 0.24, 3.2/25 = 0.128 and 1.5/25 = 0.06 of it; together
    # 1 - 0.76 × 0.872 × 0.94 = 1 - 0.6229568 = 0.3770432 of it, 9.42608 points: 84.42608,
    # short of 85 by 0.57392.
    # A new intervention at full reach must close 0.57392 of the 25 - 9.42608 = 15.57392 left,
    # so its share is 0.57392 / 15.57392 and its effect 25 × that = 0.921284.
    # Summer bridge alone: the others leave 0.76 × 0.872 = 0.66272; 85 needs 10 of the 25
    # points (0.4), so 1 - s = 0.6 / 0.66272 -> s = 0.0946403, an effect of 2.366 points,
    # a reach of 2.366 / 3 = 78.9%. Tutoring would need 1 - 0.6 / (0.872 × 0.94) = 0.268 of
    # the room, 6.70 points, more than its 6 at full reach; early warning 4.003 of its 4.
    bottom_up = graduation(MULTIPLICATIVE)
    assert expected_values(bottom_up)[-1] == pytest.approx(84.42608)
    assert sum(bottom_up.contributions[key][-1] for key in bottom_up.contributions) == (
        pytest.approx(9.42608)
    )
    shortfall = shortfall_at_target(bottom_up, 85.0, HIGHER)
    assert shortfall.shortfall == pytest.approx(0.57392)
    assert shortfall.extra_effect_at_full_reach == pytest.approx(0.921284, abs=1e-6)
    assert shortfall.reach_needed["tutoring"] is None
    assert shortfall.reach_needed["early_warning"] is None
    assert shortfall.reach_needed["summer_bridge"] == pytest.approx(0.788669, abs=1e-6)
    assert shortfall.statement == (
        "the bottom-up estimate reaches 84.43 by 2030-31, 0.574 short of the target of 85. "
        "It would take interventions worth another 0.921 at full reach by 2030-31, or raising "
        "the reach of 'summer_bridge' from 50% to 79% by 2030-31"
    )


def test_closing_the_shortfall_as_stated_meets_the_target() -> None:
    bottom_up = graduation(MULTIPLICATIVE)
    shortfall = shortfall_at_target(bottom_up, 85.0, HIGHER)
    extra = shortfall.extra_effect_at_full_reach
    assert extra is not None
    new = Intervention("new", extra, extra, extra, ((ay(2025), 1.0),))
    assert expected_values(graduation(MULTIPLICATIVE, [*GRADUATION, new]))[-1] == (
        pytest.approx(85.0)
    )
    needed = shortfall.reach_needed["summer_bridge"]
    assert needed is not None
    wider = Intervention("summer_bridge", 3.0, 1.0, 4.0, Rollout(ay(2027), ay(2027), needed))
    closed = graduation(MULTIPLICATIVE, [TUTORING, EARLY_WARNING, wider])
    assert expected_values(closed)[-1] == pytest.approx(85.0)


def test_an_additive_shortfall_names_the_reach_that_would_close_it() -> None:
    # Without summer bridge: 85.7 - 1.5 = 84.2, 0.8 short. Early warning adds 4 per unit of
    # reach, so 0.8 / 4 = 0.2 more: 80% -> 100%. Tutoring would need 0.8 / 6 more than full.
    bottom_up = graduation(ADDITIVE, [TUTORING, EARLY_WARNING])
    shortfall = shortfall_at_target(bottom_up, 85.0, HIGHER)
    assert shortfall.shortfall == pytest.approx(0.8)
    assert shortfall.extra_effect_at_full_reach == pytest.approx(0.8)
    assert shortfall.reach_needed["early_warning"] == pytest.approx(1.0)
    assert shortfall.reach_needed["tutoring"] is None


def test_a_target_outside_the_range_cannot_be_closed() -> None:
    shortfall = shortfall_at_target(graduation(ADDITIVE), 100.5, HIGHER)
    assert shortfall.is_short
    assert shortfall.extra_effect_at_full_reach is None
    assert "outside the metric's range" in shortfall.statement


def test_the_worked_example_mirrors_for_a_dropout_rate() -> None:
    # Dropping out: 28% falling 0.5 a year, target 15%: the graduation example upside down.
    for overlap in OverlapMethod:
        rising = graduation(overlap)
        falling = bottom_up_trajectory(ay(2024), 28.0, ay(2030), -0.5, GRADUATION, LOWER, overlap)
        assert expected_values(falling) == pytest.approx([100 - v for v in expected_values(rising)])
        for key, contributions in falling.contributions.items():
            assert contributions == pytest.approx(tuple(-c for c in rising.contributions[key]))
        short_up = shortfall_at_target(rising, 85.0, HIGHER)
        short_down = shortfall_at_target(falling, 15.0, LOWER)
        assert short_down.shortfall == pytest.approx(short_up.shortfall)
        assert short_down.extra_effect_at_full_reach == pytest.approx(
            short_up.extra_effect_at_full_reach
        )


def test_a_bottom_up_trajectory_stays_within_the_range() -> None:
    big = Intervention("big", 40.0, 30.0, 50.0, ((ay(2025), 1.0),))
    bottom_up = graduation(ADDITIVE, [big])
    assert expected_values(bottom_up) == pytest.approx([72, 100, 100, 100, 100, 100, 100])
    assert bottom_up.contributions["big"] == pytest.approx((0, 27.5, 27, 26.5, 26, 25.5, 25))


def test_effects_never_show_at_the_baseline() -> None:
    early = Intervention("early", 5.0, 5.0, 5.0, ((ay(2020), 1.0),))
    bottom_up = graduation(ADDITIVE, [early])
    assert expected_values(bottom_up)[:2] == pytest.approx([72, 77.5])


@pytest.mark.parametrize(
    ("ramp", "ramp_periods", "expected"),
    [
        (RampShape.STEP, 1, [0, 1, 1, 1, 1]),
        (RampShape.LINEAR, 4, [0, 0.25, 0.5, 0.75, 1]),
        # Logistic: (L(6 × (x - 0.5)) - L(-3)) / (L(3) - L(-3)) at x = 1/4, 1/2, 3/4, 1, where
        # L(-1.5) = 0.18243, L(-3) = 0.04743, L(3) = 0.95257: (0.18243 - 0.04743) / 0.90515.
        (RampShape.LOGISTIC, 4, [0, 0.1491, 0.5, 0.8509, 1]),
    ],
)
def test_ramps_rise_from_nothing_to_full_effect(
    ramp: RampShape, ramp_periods: int, expected: list[float]
) -> None:
    intervention = Intervention(
        "x", 1.0, 1.0, 1.0, ((ay(2021), 1.0),), 1, ramp=ramp, ramp_periods=ramp_periods
    )
    ramps = [intervention.ramp_in(ay(year)) for year in range(2021, 2026)]
    assert ramps == pytest.approx(expected, abs=1e-4)
    assert intervention.ramp_in(ay(2030)) == 1.0


def test_a_reach_schedule_holds_each_share_until_the_next() -> None:
    intervention = Intervention("x", 1.0, 1.0, 1.0, [(ay(2024), 0.6), (ay(2022), 0.2)])
    reach = [intervention.reach_in(ay(year)) for year in range(2021, 2026)]
    assert reach == [0.0, 0.2, 0.2, 0.6, 0.6]


def test_a_rollout_reaches_its_final_share_in_equal_steps() -> None:
    intervention = Intervention("x", 1.0, 1.0, 1.0, Rollout(ay(2022), ay(2025), 0.8))
    reach = [intervention.reach_in(ay(year)) for year in range(2021, 2028)]
    assert reach == pytest.approx([0, 0.2, 0.4, 0.6, 0.8, 0.8, 0.8])


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"reach": ((ay(2025), -0.1),)}, "the reach in 2025-26 is -0.1; a reach is a share"),
        ({"reach": ((ay(2025), 1.2),)}, "the reach in 2025-26 is 1.2"),
        ({"reach": Rollout(ay(2025), ay(2026), 1.5)}, "the final reach of its rollout is 1.5"),
        (
            {"reach": Rollout(ay(2026), ay(2025))},
            "its rollout reaches full in 2025-26, before it starts in 2026-27",
        ),
        ({"reach": ()}, "its reach schedule is empty"),
        (
            {"reach": ((ay(2025), 0.1), (ay(2025), 0.2))},
            "its reach schedule has two shares for 2025-26",
        ),
        ({"effect_low": 7.0}, "its effects must go low ≤ central ≤ high, but they are 7, 6 and 8"),
        ({"effect_high": 5.0}, "its effects must go low ≤ central ≤ high, but they are 3, 6 and 5"),
        ({"effect": float("nan")}, "its effects must be numbers"),
        ({"lag_periods": -1}, "its lag cannot be negative"),
        ({"ramp_periods": 0, "ramp": RampShape.LINEAR}, "its ramp must last at least one period"),
        ({"ramp_periods": 3}, "a step ramp takes full effect at once"),
        ({"ramp": "sudden"}, "'sudden' is not a ramp shape"),
    ],
)
def test_an_intervention_explains_what_is_wrong_with_it(
    parameters: dict[str, Any], message: str
) -> None:
    fields: dict[str, Any] = {
        "key": "tutoring",
        "effect": 6.0,
        "effect_low": 3.0,
        "effect_high": 8.0,
        "reach": ((ay(2025), 0.5),),
        **parameters,
    }
    with pytest.raises(InterventionError, match=f"the intervention 'tutoring': {message}"):
        Intervention(**fields)


@pytest.mark.parametrize(
    ("interventions", "message"),
    [
        (
            [Intervention("late", 1, 1, 1, ((ay(2028), 1.0),), 3)],
            "'late' would show its first effect in 2031-32, after the target period 2030-31",
        ),
        ([TUTORING, TUTORING], "two interventions are called 'tutoring'"),
        (
            [Intervention("q", 1, 1, 1, ((Period(PeriodKind.QUARTER, 2025, 1), 1.0),))],
            "'q' is scheduled in 2025-Q1, a quarter, but the target period 2030-31 is an",
        ),
    ],
)
def test_check_interventions_explains_what_cannot_be_stacked(
    interventions: list[Intervention], message: str
) -> None:
    with pytest.raises(InterventionError, match=message):
        check_interventions(interventions, ay(2030))
    with pytest.raises(InterventionError, match=message):
        graduation(ADDITIVE, interventions)


def test_an_intervention_whose_effect_shows_in_the_target_period_is_fine() -> None:
    check_interventions([Intervention("x", 1, 1, 1, ((ay(2027), 1.0),), 3)], ay(2030))


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: bottom_up_trajectory(ay(2024), 72, ay(2023), 0, [], HIGHER),
            TrajectoryError,
            "before the baseline",
        ),
        (
            lambda: bottom_up_trajectory(ay(2024), 120, ay(2030), 0, [], HIGHER),
            InterventionError,
            "the baseline value 120 is outside the metric's range",
        ),
        (
            lambda: bottom_up_trajectory(
                ay(2024), 72, ay(2030), 0, [], HIGHER, MULTIPLICATIVE, scale=None
            ),
            InterventionError,
            "a higher-is-better metric needs a scale",
        ),
        (
            lambda: bottom_up_trajectory(ay(2024), 72, ay(2030), 0, [], HIGHER, "sideways"),  # type: ignore[arg-type]
            InterventionError,
            "'sideways' is not a way to overlap",
        ),
        (
            lambda: shortfall_at_target(graduation(ADDITIVE), 15.0, LOWER),
            InterventionError,
            "built for a higher-is-better metric, not a lower-is-better one",
        ),
        (
            lambda: uncertainty_band(graduation(ADDITIVE), seed=1, draws=0),
            InterventionError,
            "at least one draw",
        ),
        (
            lambda: uncertainty_band(graduation(ADDITIVE), seed=1, quantiles=(0.9, 0.1)),
            InterventionError,
            "0 ≤ low ≤ high ≤ 1",
        ),
    ],
)
def test_a_bottom_up_trajectory_explains_impossible_requests(
    call: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        call()


def test_a_count_without_a_top_can_still_be_stacked() -> None:
    more = Intervention("more", 50.0, 20.0, 80.0, ((ay(2025), 1.0),))
    bottom_up = bottom_up_trajectory(ay(2024), 900.0, ay(2026), 10.0, [more], HIGHER, scale=None)
    assert expected_values(bottom_up) == pytest.approx([900, 960, 970])


def test_the_band_of_the_worked_example_brackets_it_and_is_repeatable() -> None:
    bottom_up = graduation(ADDITIVE)
    band = uncertainty_band(bottom_up, seed=2024)
    assert band == uncertainty_band(bottom_up, seed=2024)
    assert band != uncertainty_band(bottom_up, seed=2025)
    assert (band[0].lower, band[0].upper) == (72.0, 72.0)
    # In 2030-31 every effect is at full reach: the totals range from 3 + 1.6 + 0.5 = 5.1 to
    # 8 + 4 + 2 = 14 points above 75, so the band must lie inside 80.1 to 89.
    last = band[-1]
    assert last.lower is not None and last.upper is not None
    assert 80.1 < last.lower < last.expected < last.upper < 89.0


def test_certain_effects_give_no_band() -> None:
    certain = Intervention("certain", 2.0, 2.0, 2.0, ((ay(2025), 1.0),))
    band = uncertainty_band(graduation(MULTIPLICATIVE, [certain]), seed=3, draws=50)
    assert all(point.lower == point.expected == point.upper for point in band)


years = st.integers(2000, 2090)
shares = st.floats(0, 1, allow_nan=False)


@st.composite
def interventions_strategy(draw: st.DrawFn, baseline_year: int) -> list[Intervention]:
    interventions = []
    for index in range(draw(st.integers(0, 4))):
        low, effect, high = sorted(draw(st.lists(st.floats(-5, 20), min_size=3, max_size=3)))
        start = baseline_year + draw(st.integers(0, 3))
        interventions.append(
            Intervention(
                f"i{index}",
                effect,
                low,
                high,
                Rollout(ay(start), ay(start + draw(st.integers(0, 3))), draw(shares)),
                lag_periods=draw(st.integers(0, 2)),
                ramp=draw(st.sampled_from(list(RampShape))),
            )
            if draw(st.booleans())
            else Intervention(f"i{index}", effect, low, high, ((ay(start), draw(shares)),))
        )
    return interventions


@settings(deadline=None, max_examples=60)
@given(
    st.data(),
    years,
    st.floats(0, 100, allow_nan=False),
    st.floats(-3, 3, allow_nan=False),
    st.sampled_from(list(OverlapMethod)),
    st.sampled_from([HIGHER, LOWER]),
)
def test_the_band_always_contains_the_central_trajectory(
    data: st.DataObject,
    year: int,
    baseline: float,
    trend: float,
    overlap: OverlapMethod,
    direction: Direction,
) -> None:
    interventions = data.draw(interventions_strategy(year))
    bottom_up = bottom_up_trajectory(
        ay(year), baseline, ay(year + 8), trend, interventions, direction, overlap
    )
    band = uncertainty_band(bottom_up, seed=data.draw(st.integers(0, 2**32)), draws=200)
    for point in band:
        assert point.lower is not None and point.upper is not None
        assert point.lower <= point.expected <= point.upper
        assert 0 <= point.lower and point.upper <= 100
    assert band[0].expected == baseline
    total = [sum(c[t] for c in bottom_up.contributions.values()) for t in range(9)]
    for point, counterfactual, added in zip(
        bottom_up.points, bottom_up.counterfactual, total, strict=True
    ):
        assert point.expected == pytest.approx(counterfactual + added, abs=1e-9)


@given(
    years,
    st.integers(1, 60),
    st.floats(0, 100, allow_nan=False),
    st.floats(-5, 5, allow_nan=False),
    st.sampled_from(list(OverlapMethod)),
    st.sampled_from([HIGHER, LOWER]),
)
def test_with_no_interventions_the_bottom_up_trajectory_is_the_counterfactual(
    year: int,
    length: int,
    baseline: float,
    trend: float,
    overlap: OverlapMethod,
    direction: Direction,
) -> None:
    bottom_up = bottom_up_trajectory(
        ay(year), baseline, ay(year + length), trend, [], direction, overlap
    )
    assert expected_values(bottom_up) == list(bottom_up.counterfactual)
    assert bottom_up.counterfactual[0] == baseline
    assert bottom_up.contributions == {}
    steps = range(length + 1)
    assert bottom_up.counterfactual == pytest.approx(
        tuple(min(100.0, max(0.0, baseline + trend * step)) for step in steps)
    )


@settings(deadline=None)
@given(st.data(), years, st.floats(0, 100, allow_nan=False), st.floats(-3, 3))
def test_mirroring_a_metric_mirrors_its_bottom_up_trajectory(
    data: st.DataObject, year: int, baseline: float, trend: float
) -> None:
    interventions = data.draw(interventions_strategy(year))
    for overlap in OverlapMethod:
        up = bottom_up_trajectory(
            ay(year), baseline, ay(year + 6), trend, interventions, HIGHER, overlap
        )
        down = bottom_up_trajectory(
            ay(year), 100 - baseline, ay(year + 6), -trend, interventions, LOWER, overlap
        )
        mirrored = [100 - value for value in expected_values(up)]
        assert expected_values(down) == pytest.approx(mirrored, abs=1e-9)
