from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deliverology.core.periods import Period, PeriodKind
from deliverology.core.problems import (
    STATUS_CODES,
    Fired,
    LinkRating,
    MilestoneDates,
    Move,
    Rating,
    Severity,
    TriggerKind,
    TriggerRules,
    chain_link_trigger,
    evidence_sentence,
    falling_runs,
    far_below_sub_target,
    likelihood_trigger,
    missed_milestones,
    next_step,
    on_track_run,
    progress_falling,
    stale_feed,
    status_codes,
    suggested_severity,
    trailing_run,
    trailing_runs,
    trajectory_trigger,
)
from deliverology.core.status import (
    Direction,
    StatusBands,
    TrajectoryStatus,
    assess_against_trajectory,
)

ON = TrajectoryStatus.ON_OR_ABOVE
SLIGHTLY = TrajectoryStatus.SLIGHTLY_BELOW
BELOW = TrajectoryStatus.BELOW
WELL = TrajectoryStatus.WELL_BELOW
NO_DATA = TrajectoryStatus.NO_DATA
HIGHER = Direction.HIGHER_IS_BETTER
LOWER = Direction.LOWER_IS_BETTER
RULES = TriggerRules()
TODAY = date(2026, 3, 1)


@pytest.mark.parametrize(
    ("statuses", "system_level", "kind", "periods"),
    [
        ((ON, ON), False, None, 0),
        ((ON, SLIGHTLY), False, None, 0),
        ((SLIGHTLY, SLIGHTLY), False, TriggerKind.SLIGHTLY_BELOW, 2),
        ((BELOW, SLIGHTLY), False, TriggerKind.SLIGHTLY_BELOW, 2),
        ((ON, BELOW), False, TriggerKind.BELOW, 1),
        ((ON, WELL), False, TriggerKind.WELL_BELOW, 1),
        ((WELL, NO_DATA, WELL, WELL), False, TriggerKind.WELL_BELOW, 3),
        ((WELL, NO_DATA, WELL, WELL), True, TriggerKind.SUSTAINED_WELL_BELOW, 3),
        ((ON, WELL, WELL), True, TriggerKind.WELL_BELOW, 2),
        ((WELL, WELL, ON), True, None, 0),
    ],
)
def test_it_fires_the_worst_trajectory_trigger_the_latest_run_allows(
    statuses: tuple[TrajectoryStatus, ...],
    system_level: bool,
    kind: TriggerKind | None,
    periods: int,
) -> None:
    fired = trajectory_trigger(statuses, RULES, system_level=system_level)
    if kind is None:
        assert fired is None
    else:
        assert fired is not None
        assert (fired.kind, fired.figures["periods"]) == (kind, periods)
        assert fired.severity == RULES.severities[kind]


@given(st.lists(st.sampled_from([ON, NO_DATA]), max_size=12), st.booleans())
def test_it_never_fires_for_a_unit_on_trajectory(
    statuses: list[TrajectoryStatus], system_level: bool
) -> None:
    assert trajectory_trigger(statuses, RULES, system_level=system_level) is None
    suggestion = next_step(None, [], on_track_run(statuses), RULES)
    assert suggestion.move is Move.NOTHING


@given(st.lists(st.sampled_from(list(TrajectoryStatus)), max_size=12))
def test_it_gives_the_same_answer_when_the_same_figures_are_evaluated_again(
    statuses: list[TrajectoryStatus],
) -> None:
    first = trajectory_trigger(statuses, RULES)
    again = trajectory_trigger(list(statuses), RULES)
    assert first == again
    fired = [first] if first else []
    current = suggested_severity(fired)
    settled = next_step(current, fired, on_track_run(statuses), RULES)
    assert settled.move is Move.NOTHING or settled.move in (Move.RESOLVE, Move.DE_ESCALATE)


@pytest.mark.parametrize(
    ("values", "direction", "periods"),
    [
        ((50.0, 49.0, 48.0), HIGHER, 2),
        ((50.0, 49.0, 49.05), HIGHER, 0),  # the last change is within the tolerance
        ((50.0, 51.0, 49.0), HIGHER, 1),
        ((10.0, 11.0, None, 12.0), LOWER, 2),
        ((12.0, 11.0, 10.0), LOWER, 0),
    ],
)
def test_it_counts_a_progress_metric_falling(
    values: tuple[float | None, ...], direction: Direction, periods: int
) -> None:
    fired = progress_falling(values, direction, 0.1, RULES)
    if periods < RULES.progress_falling_periods:
        assert fired is None
    else:
        assert fired is not None and fired.figures["periods"] == periods
    row = np.array([[np.nan if v is None else v for v in values]])
    assert falling_runs(row, direction, 0.1)[0] == periods


@pytest.mark.parametrize(
    ("milestones", "kind"),
    [
        ((), None),
        ((MilestoneDates(date(2026, 4, 1)),), None),
        ((MilestoneDates(date(2026, 1, 1), met_on=date(2026, 2, 1)),), None),
        ((MilestoneDates(date(2026, 1, 1)),), TriggerKind.MISSED_MILESTONE),
        (
            (MilestoneDates(date(2026, 1, 1)), MilestoneDates(date(2026, 2, 1))),
            TriggerKind.MISSED_MILESTONES,
        ),
    ],
)
def test_it_flags_missed_milestones(
    milestones: tuple[MilestoneDates, ...], kind: TriggerKind | None
) -> None:
    fired = missed_milestones(milestones, TODAY, RULES)
    assert (fired.kind if fired else None) == kind


@pytest.mark.parametrize(
    ("links", "fires"),
    [
        ((LinkRating("Coaches", Rating.GREEN),), False),
        ((LinkRating("Coaches", Rating.RED, mitigated=True),), False),
        ((LinkRating("Coaches", Rating.AMBER_RED),), True),
        ((LinkRating("Books", Rating.AMBER_GREEN), LinkRating("Coaches", Rating.RED)), True),
    ],
)
def test_it_flags_a_weak_chain_link_without_mitigation(
    links: tuple[LinkRating, ...], fires: bool
) -> None:
    fired = chain_link_trigger(links, RULES)
    assert (fired is not None) is fires
    if fired:
        assert fired.figures["link"] == "Coaches"


@pytest.mark.parametrize(
    ("rating", "fires"),
    [(None, False), ("green", False), ("amber_green", False), ("amber_red", True), ("red", True)],
)
def test_it_flags_a_worrying_likelihood(rating: str | None, fires: bool) -> None:
    assert (likelihood_trigger(rating, RULES) is not None) is fires


def test_it_flags_a_stale_feed_by_the_pages_own_rule() -> None:
    latest = Period(PeriodKind.ACADEMIC_YEAR, 2023)  # 2024-25 ends 31 August 2025
    assert stale_feed(latest, date(2025, 12, 29), 120, RULES) is None
    fired = stale_feed(latest, date(2026, 1, 8), 120, RULES)
    assert fired is not None and fired.figures["due_by"] == "2025-12-29"


@pytest.mark.parametrize(("ratio", "fires"), [(None, False), (-0.2, False), (-0.5, True)])
def test_it_flags_a_local_unit_far_below_its_sub_target(ratio: float | None, fires: bool) -> None:
    assert (far_below_sub_target(ratio, RULES) is not None) is fires


@pytest.mark.parametrize(
    ("current", "fired", "on_track", "move", "severity"),
    [
        (None, [], 0, Move.NOTHING, None),
        (None, [TriggerKind.BELOW], 0, Move.OPEN, Severity.PROBLEM_SOLVING),
        (
            Severity.WATCH,
            [TriggerKind.STALE_FEED, TriggerKind.WELL_BELOW],
            0,
            Move.ESCALATE,
            Severity.PRIORITY_REVIEW,
        ),
        (
            Severity.PRIORITY_REVIEW,
            [TriggerKind.STALE_FEED],
            1,
            Move.NOTHING,
            Severity.PRIORITY_REVIEW,
        ),
        (Severity.PRIORITY_REVIEW, [TriggerKind.STALE_FEED], 2, Move.DE_ESCALATE, Severity.WATCH),
        (Severity.PRIORITY_REVIEW, [], 1, Move.NOTHING, Severity.PRIORITY_REVIEW),
        (Severity.PRIORITY_REVIEW, [], 2, Move.RESOLVE, None),
    ],
)
def test_it_comes_down_the_ladder_only_after_the_run_on_track(
    current: Severity | None,
    fired: list[TriggerKind],
    on_track: int,
    move: Move,
    severity: Severity | None,
) -> None:
    fires = [Fired(kind, RULES.severities[kind]) for kind in fired]
    suggestion = next_step(current, fires, on_track, RULES)
    assert (suggestion.move, suggestion.severity) == (move, severity)


def test_it_builds_the_sentence_from_the_stored_figures() -> None:
    fired = Fired(TriggerKind.BELOW, Severity.PROBLEM_SOLVING, {"periods": 2})
    sentence = evidence_sentence(
        fired, {"below": "{unit}: {periods} periods below."}, {"unit": "X"}
    )
    assert sentence == "X: 2 periods below."


def test_it_refuses_rules_that_could_never_settle() -> None:
    with pytest.raises(ValueError, match="on_track_periods_to_de_escalate"):
        TriggerRules(on_track_periods_to_de_escalate=0)


def test_it_treats_skipped_periods_as_neither_breaking_nor_extending_a_run() -> None:
    assert trailing_run((WELL, NO_DATA, WELL), frozenset({WELL})) == 2


_values = st.one_of(st.none(), st.floats(0, 100, allow_nan=False).map(lambda v: round(v, 1)))


@settings(max_examples=200)
@given(
    st.lists(st.tuples(_values, _values), min_size=1, max_size=6),
    st.floats(0, 100).map(lambda v: round(v, 1)),
    st.floats(0, 100).map(lambda v: round(v, 1)),
    st.sampled_from([HIGHER, LOWER]),
)
def test_it_gives_on_arrays_the_statuses_it_gives_one_series_at_a_time(
    pairs: list[tuple[float | None, float | None]],
    baseline: float,
    target: float,
    direction: Direction,
) -> None:
    bands = StatusBands()
    expected_statuses: list[TrajectoryStatus] = []
    previous: list[TrajectoryStatus] = []
    for actual, expected in pairs:
        result = assess_against_trajectory(
            actual, expected, baseline, target, direction, bands, tuple(previous)
        )
        expected_statuses.append(result.status)
        if result.status is not NO_DATA:
            previous.append(result.status)
    actual_row = np.array([[np.nan if a is None else a for a, _ in pairs]])
    expected_row = np.array([[np.nan if e is None else e for _, e in pairs]])
    codes, _ = status_codes(
        actual_row, expected_row, np.array([baseline]), np.array([target]), direction, bands
    )
    assert [STATUS_CODES[c] for c in codes[0]] == expected_statuses
    accepted = [STATUS_CODES.index(WELL)]
    assert trailing_runs(codes, accepted)[0] == trailing_run(expected_statuses, frozenset({WELL}))
