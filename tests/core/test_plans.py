"""The delivery plan's completeness check, its quality RAG, overdue milestones and risk scores."""

from __future__ import annotations

import copy
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deliverology.configuration import default_settings
from deliverology.core.config import ConfigError, Rag4, method_config_from_mapping
from deliverology.core.plans import (
    RISK_SCALE,
    Checklist,
    ChecklistItem,
    MilestoneFacts,
    MilestoneStatus,
    PlanError,
    PlanFacts,
    PlanSection,
    RagThresholds,
    RiskBands,
    RiskFacts,
    RiskStatus,
    Rule,
    check_plan,
    date_problem,
    days_overdue,
    heat_map,
    is_overdue,
    overdue_first,
    quality_rag,
    risk_band,
    risk_score,
)

TODAY = date(2025, 11, 1)
ALL_FILLED = {section: True for section in PlanSection}
THRESHOLDS = RagThresholds(green=1.0, amber_green=0.8, amber_red=0.6)
BANDS = RiskBands(green=3, amber_green=6, amber_red=9)


def milestone(
    name: str = "m", *, owned: bool = True, due: date | None = TODAY, status: str = "on_track"
) -> MilestoneFacts:
    return MilestoneFacts(name, owned, due, MilestoneStatus(status))


def risk(
    name: str = "r",
    *,
    owned: bool = True,
    mitigated: bool = True,
    likelihood: int = 2,
    impact: int = 2,
    status: str = "open",
) -> RiskFacts:
    return RiskFacts(name, owned, mitigated, likelihood, impact, RiskStatus(status))


def complete_plan(**changes: object) -> PlanFacts:
    facts = {"filled": ALL_FILLED, "milestones": [milestone()], "risks": [risk()]}
    facts.update(changes)
    return PlanFacts(**facts)  # type: ignore[arg-type]


def missing_of(plan: PlanFacts, red_links: list[str] | None = None) -> dict[str, tuple[str, ...]]:
    return {item.key: item.missing for item in check_plan(plan, red_links).missing}


def test_it_passes_a_plan_with_every_section_owner_date_and_mitigation() -> None:
    checklist = check_plan(complete_plan(), [])
    assert checklist.complete and checklist.share == 1.0
    assert quality_rag(checklist, THRESHOLDS) == Rag4.GREEN


@pytest.mark.parametrize("section", list(PlanSection))
def test_it_names_each_empty_section(section: PlanSection) -> None:
    plan = complete_plan(filled={**ALL_FILLED, section: False})
    assert missing_of(plan) == {section.value: ()}


@pytest.mark.parametrize(
    ("plan", "rule", "named"),
    [
        (
            complete_plan(milestones=[milestone("a", owned=False), milestone("b")]),
            Rule.MILESTONES_OWNED,
            ("a",),
        ),
        (
            complete_plan(milestones=[milestone("a"), milestone("b", due=None)]),
            Rule.MILESTONES_DATED,
            ("b",),
        ),
        (complete_plan(risks=[risk("x", owned=False)]), Rule.RISKS_OWNED, ("x",)),
        (
            complete_plan(risks=[risk("x", mitigated=False), risk("y")]),
            Rule.RISKS_MITIGATED,
            ("x",),
        ),
    ],
)
def test_it_names_what_breaks_each_rule(
    plan: PlanFacts, rule: Rule, named: tuple[str, ...]
) -> None:
    assert missing_of(plan) == {rule.value: named}


def test_a_closed_risk_needs_no_owner_or_mitigation() -> None:
    plan = complete_plan(risks=[risk("old", owned=False, mitigated=False, status="closed")])
    assert missing_of(plan) == {}


def test_it_names_the_unmitigated_red_links_it_is_given() -> None:
    assert missing_of(complete_plan(), ["District → school"]) == {
        Rule.RED_LINKS_MITIGATED.value: ("District → school",)
    }


def test_with_no_chain_known_the_red_link_rule_is_left_out_not_passed() -> None:
    keys = [item.key for item in check_plan(complete_plan()).items]
    assert Rule.RED_LINKS_MITIGATED.value not in keys
    assert Rule.RED_LINKS_MITIGATED.value in [i.key for i in check_plan(complete_plan(), []).items]


@pytest.mark.parametrize(
    ("share", "rag"),
    [
        (1.0, Rag4.GREEN),
        (0.8, Rag4.AMBER_GREEN),
        (0.79, Rag4.AMBER_RED),
        (0.6, Rag4.AMBER_RED),
        (0.59, Rag4.RED),
        (0.0, Rag4.RED),
    ],
)
def test_the_rag_follows_the_thresholds(share: float, rag: Rag4) -> None:
    passed = round(share * 100)
    items = tuple(ChecklistItem(passed=i < passed, rule=Rule.RISKS_OWNED) for i in range(100))
    assert quality_rag(Checklist(items), THRESHOLDS) == rag


@pytest.mark.parametrize(
    ("due", "status", "overdue", "days"),
    [
        (TODAY - timedelta(days=1), "on_track", True, 1),
        (TODAY - timedelta(days=30), "late", True, 30),
        (TODAY - timedelta(days=30), "done", False, 0),
        (TODAY, "not_started", False, 0),
        (TODAY + timedelta(days=1), "at_risk", False, 0),
        (None, "not_started", False, 0),
    ],
)
def test_a_milestone_is_overdue_once_its_date_has_passed_and_it_is_not_done(
    due: date | None, status: str, overdue: bool, days: int
) -> None:
    assert is_overdue(due, MilestoneStatus(status), TODAY) is overdue
    assert days_overdue(due, MilestoneStatus(status), TODAY) == days


def test_overdue_milestones_come_first_longest_overdue_first_then_by_date() -> None:
    ms = [
        milestone("later", due=TODAY + timedelta(days=9)),
        milestone("undated", due=None),
        milestone("a little late", due=TODAY - timedelta(days=2)),
        milestone("done long ago", due=TODAY - timedelta(days=99), status="done"),
        milestone("very late", due=TODAY - timedelta(days=40)),
    ]
    assert [m.name for m in overdue_first(ms, TODAY)] == [
        "very late",
        "a little late",
        "done long ago",
        "later",
        "undated",
    ]


@pytest.mark.parametrize(
    ("likelihood", "impact", "band"),
    [
        (1, 1, Rag4.GREEN),
        (1, 3, Rag4.GREEN),
        (2, 2, Rag4.AMBER_GREEN),
        (2, 3, Rag4.AMBER_GREEN),
        (2, 4, Rag4.AMBER_RED),
        (3, 3, Rag4.AMBER_RED),
        (3, 4, Rag4.RED),
        (4, 4, Rag4.RED),
    ],
)
def test_a_risk_is_banded_by_likelihood_times_impact(
    likelihood: int, impact: int, band: Rag4
) -> None:
    assert risk_band(likelihood, impact, BANDS) == band


@pytest.mark.parametrize("value", [0, 5, -1, True, 2.5])
def test_a_rating_off_the_four_point_scale_is_refused(value: object) -> None:
    with pytest.raises(PlanError, match="1, 2, 3 or 4"):
        risk_score(value, 2)  # type: ignore[arg-type]


def test_the_heat_map_counts_open_risks_in_every_cell() -> None:
    counts = heat_map(
        [risk(likelihood=4, impact=3), risk(likelihood=4, impact=3), risk(status="closed")]
    )
    assert len(counts) == 16 and counts[(4, 3)] == 2 and sum(counts.values()) == 2


@pytest.mark.parametrize(
    ("due", "problem"),
    [
        (date(2025, 8, 31), "before_start"),
        (date(2025, 9, 1), None),
        (date(2030, 7, 1), "after_end"),
    ],
)
def test_a_milestone_must_fall_within_the_plan(due: date, problem: str | None) -> None:
    assert date_problem(due, date(2025, 9, 1), date(2030, 6, 30)) == problem


def test_crossed_thresholds_are_refused() -> None:
    with pytest.raises(PlanError):
        RagThresholds(green=0.7, amber_green=0.8, amber_red=0.6)
    with pytest.raises(PlanError):
        RiskBands(green=7, amber_green=6, amber_red=9)


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        ("quality_from", {"green": 0.7, "amber_green": 0.8, "amber_red": 0.6}, "must not cross"),
        ("risk_band_upto", {"green": 3, "amber_green": 2, "amber_red": 9}, "must not cross"),
        ("risk_band_upto", {"green": 3, "amber_green": 6, "amber_red": 16}, "from 1 to 15"),
        ("likelihood_labels", ["Low", "High"], "list of 4"),
    ],
)
def test_the_configuration_refuses_bad_plan_settings(key: str, value: object, problem: str) -> None:
    settings = copy.deepcopy(default_settings())
    settings["plans"][key] = value
    with pytest.raises(ConfigError, match=problem):
        method_config_from_mapping(settings)


milestones = st.lists(
    st.builds(
        MilestoneFacts,
        name=st.text(min_size=1, max_size=5),
        owned=st.booleans(),
        due=st.none() | st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 1, 1)),
        status=st.sampled_from(MilestoneStatus),
    ),
    max_size=12,
)
risks = st.lists(
    st.builds(
        RiskFacts,
        name=st.text(min_size=1, max_size=5),
        owned=st.booleans(),
        mitigated=st.booleans(),
        likelihood=st.sampled_from(RISK_SCALE),
        impact=st.sampled_from(RISK_SCALE),
        status=st.sampled_from(RiskStatus),
    ),
    max_size=8,
)
filled = st.fixed_dictionaries({section: st.booleans() for section in PlanSection})


@given(filled, milestones, risks)
def test_the_plan_is_complete_exactly_when_nothing_is_missing(
    sections: dict[PlanSection, bool], ms: list[MilestoneFacts], rs: list[RiskFacts]
) -> None:
    checklist = check_plan(PlanFacts(sections, ms, rs), [])
    expected = (
        all(sections.values())
        and all(m.owned and m.due for m in ms)
        and all(r.owned and r.mitigated for r in rs if r.status != RiskStatus.CLOSED)
    )
    assert checklist.complete is expected
    assert 0 <= checklist.share <= 1
    assert (quality_rag(checklist, THRESHOLDS) == Rag4.GREEN) is expected


@given(filled, milestones, risks, st.booleans())
def test_fixing_something_missing_never_lowers_the_rating(
    sections: dict[PlanSection, bool], ms: list[MilestoneFacts], rs: list[RiskFacts], own: bool
) -> None:
    before = check_plan(PlanFacts(sections, ms, rs), [])
    fixed = [MilestoneFacts(m.name, True if own else m.owned, m.due or TODAY, m.status) for m in ms]
    after = check_plan(PlanFacts({s: True for s in sections}, fixed, rs), [])
    order = [Rag4.RED, Rag4.AMBER_RED, Rag4.AMBER_GREEN, Rag4.GREEN]
    assert after.share >= before.share
    assert order.index(quality_rag(after, THRESHOLDS)) >= order.index(
        quality_rag(before, THRESHOLDS)
    )


@given(milestones, st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 1, 1)))
def test_overdue_first_keeps_every_milestone_and_puts_the_overdue_ahead(
    ms: list[MilestoneFacts], today: date
) -> None:
    ordered = overdue_first(ms, today)
    assert sorted(map(id, ordered)) == sorted(map(id, ms))
    flags = [is_overdue(m.due, m.status, today) for m in ordered]
    assert flags == sorted(flags, reverse=True)


@given(st.sampled_from(RISK_SCALE), st.sampled_from(RISK_SCALE), st.sampled_from(RISK_SCALE))
def test_a_likelier_risk_is_never_in_a_lower_band(likelihood: int, impact: int, more: int) -> None:
    order = [Rag4.GREEN, Rag4.AMBER_GREEN, Rag4.AMBER_RED, Rag4.RED]
    higher = max(likelihood, more)
    assert order.index(risk_band(higher, impact, BANDS)) >= order.index(
        risk_band(likelihood, impact, BANDS)
    )
    assert 1 <= risk_score(likelihood, impact) <= 16
