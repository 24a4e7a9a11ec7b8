"""The suggested likelihood of delivery: the worst sub-rating, moved by the evidence."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deliverology.configuration import load_method_config
from deliverology.core.assessment import (
    RAG4_ORDER,
    Evidence,
    Step,
    SubCriterion,
    SuggestionRules,
    is_override,
    notches,
    suggest_likelihood,
)
from deliverology.core.config import Rag4
from deliverology.core.status import TrajectoryStatus as S

RULES = SuggestionRules(
    status_notches={
        S.ON_OR_ABOVE: 1,
        S.SLIGHTLY_BELOW: 0,
        S.BELOW: 0,
        S.WELL_BELOW: -1,
        S.NO_DATA: 0,
    },
    weak_links_lower_at=1,
    missed_milestones_lower_at=2,
)


def ratings(*values: str | None) -> dict[SubCriterion, str | None]:
    return dict(zip(SubCriterion, values, strict=True))


ALL_AMBER_GREEN = ratings(*["amber_green"] * 6)
ONE_AMBER_RED = ratings("green", "green", "amber_red", "green", "amber_green", "green")


def test_the_scale_is_the_configured_rag4_scale_worst_first():
    assert [Rag4(value) for value in RAG4_ORDER] == [
        Rag4.RED,
        Rag4.AMBER_RED,
        Rag4.AMBER_GREEN,
        Rag4.GREEN,
    ]


@pytest.mark.parametrize(
    ("status", "sub_ratings", "links", "missed", "expected"),
    [
        (S.ON_OR_ABOVE, ONE_AMBER_RED, None, None, "amber_green"),  # raised one notch
        (S.SLIGHTLY_BELOW, ONE_AMBER_RED, None, None, "amber_red"),
        (S.WELL_BELOW, ONE_AMBER_RED, None, None, "red"),
        (S.WELL_BELOW, ratings(*["red"] * 6), None, None, "red"),  # never below red
        (S.ON_OR_ABOVE, ratings(*["green"] * 6), None, None, "green"),  # never above green
        (S.ON_OR_ABOVE, ALL_AMBER_GREEN, 1, None, "amber_green"),  # up, then down for a link
        (S.BELOW, ALL_AMBER_GREEN, 0, 1, "amber_green"),  # one missed milestone: not enough
        (S.BELOW, ALL_AMBER_GREEN, 2, 3, "red"),
        (S.NO_DATA, ratings("green", None, None, None, None, None), None, None, "green"),
    ],
)
def test_it_suggests_from_the_worst_sub_rating_moved_by_the_evidence(
    status, sub_ratings, links, missed, expected
):
    suggestion = suggest_likelihood(Evidence(status, sub_ratings, links, missed), RULES)
    assert suggestion.likelihood == expected


def test_it_suggests_nothing_until_a_sub_criterion_is_rated():
    suggestion = suggest_likelihood(Evidence(S.ON_OR_ABOVE, ratings(*[None] * 6)), RULES)
    assert suggestion.likelihood is None
    assert suggestion.unrated == tuple(SubCriterion)


def test_its_reasons_name_the_figures_each_step_used():
    suggestion = suggest_likelihood(Evidence(S.ON_OR_ABOVE, ONE_AMBER_RED, 2, None), RULES)
    first, trajectory, links = suggestion.reasons
    assert first.step is Step.WORST_SUB_RATING and first.after == "amber_red"
    assert first.criteria == (SubCriterion.MANAGING_PERFORMANCE,)
    assert (trajectory.status, trajectory.before, trajectory.after) == (
        S.ON_OR_ABOVE,
        "amber_red",
        "amber_green",
    )
    assert (links.step, links.count, links.after) == (Step.WEAK_LINKS, 2, "amber_red")


def test_an_unknown_chain_or_plan_is_left_out_of_the_reasons():
    suggestion = suggest_likelihood(Evidence(S.BELOW, ALL_AMBER_GREEN), RULES)
    assert [reason.step for reason in suggestion.reasons] == [
        Step.WORST_SUB_RATING,
        Step.TRAJECTORY,
    ]


def test_the_default_configuration_gives_these_rules():
    rules = load_method_config().assessment.rules
    assert rules.status_notches == RULES.status_notches
    assert (rules.weak_links_lower_at, rules.missed_milestones_lower_at) == (1, 2)


def test_a_final_rating_unlike_the_suggestion_is_an_override():
    assert is_override("amber_red", "green")
    assert not is_override("green", "green")
    assert not is_override(None, "green")


rag = st.sampled_from(RAG4_ORDER)
status = st.sampled_from(list(S))
counts = st.none() | st.integers(min_value=0, max_value=5)


@given(st.lists(rag, min_size=6, max_size=6), status, counts, counts)
def test_the_suggestion_never_rises_more_than_one_notch_above_the_worst_rating(
    values, status, links, missed
):
    suggestion = suggest_likelihood(Evidence(status, ratings(*values), links, missed), RULES)
    assert suggestion.likelihood in RAG4_ORDER
    worst = min(notches(v) for v in values)
    assert notches(suggestion.likelihood) <= worst + 1


@given(st.lists(rag, min_size=6, max_size=6), st.integers(0, 5), status, counts, counts)
def test_a_better_sub_rating_never_lowers_the_suggestion(values, which, status, links, missed):
    better = list(values)
    better[which] = RAG4_ORDER[min(notches(values[which]) + 1, 3)]
    before = suggest_likelihood(Evidence(status, ratings(*values), links, missed), RULES)
    after = suggest_likelihood(Evidence(status, ratings(*better), links, missed), RULES)
    assert notches(after.likelihood) >= notches(before.likelihood)


@given(st.lists(rag, min_size=6, max_size=6), counts, counts)
def test_a_better_trajectory_status_never_lowers_the_suggestion(values, links, missed):
    ladder = [S.WELL_BELOW, S.BELOW, S.SLIGHTLY_BELOW, S.ON_OR_ABOVE]
    suggested = [
        notches(suggest_likelihood(Evidence(s, ratings(*values), links, missed), RULES).likelihood)
        for s in ladder
    ]
    assert suggested == sorted(suggested)
