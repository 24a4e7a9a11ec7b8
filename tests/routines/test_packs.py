"""The stocktake documents' builders: plain data in, a context out."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deliverology.configuration import load_method_config
from deliverology.core.status import TrajectoryStatus
from deliverology.web.routines.packs import (
    ActionLine,
    FigureLine,
    Pack,
    PrioritySection,
    prebrief_context,
)

FIGURE = st.decimals(min_value=0, max_value=100, places=1).map(lambda d: f"{d}%")


def section(goal: FigureLine, worst: tuple[FigureLine, ...], overdue: int) -> PrioritySection:
    actions = tuple(
        ActionLine(f"Action {i}", "Maria Lopez", date(2025, 10, 1), "Open", overdue=True)
        for i in range(overdue)
    )
    return PrioritySection("Grade 3 reading", "reading", goal, "", (), worst, actions)


def pack(*sections: PrioritySection) -> Pack:
    return Pack(date(2025, 10, 20), "Grace Okafor", (), "", "", (), sections)


@given(
    FIGURE,
    FIGURE,
    st.sampled_from(
        [TrajectoryStatus.WELL_BELOW, TrajectoryStatus.BELOW, TrajectoryStatus.SLIGHTLY_BELOW]
    ),
)
def test_the_prebrief_presses_with_the_same_figures_as_its_table(actual, expected, status):
    goal = FigureLine("Grade 3 reading", "2024-25", actual, expected, status)
    context = prebrief_context(pack(section(goal, (), 0)), load_method_config())
    [(brief, questions)] = context["briefs"]
    first = questions[0].text
    assert brief.goal.actual in first and brief.goal.expected in first
    assert brief.goal.period in first
    assert "plan to get back on track" in first


@pytest.mark.parametrize("overdue", [0, 3])
def test_the_prebrief_names_the_units_behind_and_counts_overdue_actions(overdue):
    goal = FigureLine("Grade 3 reading", "2024-25", "58.0%", "64.0%", TrajectoryStatus.BELOW)
    worst = (
        FigureLine("South Region", "2024-25", "51.0%", "60.0%", TrajectoryStatus.WELL_BELOW),
        FigureLine("North Region", "2024-25", "66.0%", "64.0%", TrajectoryStatus.ON_OR_ABOVE),
    )
    context = prebrief_context(pack(section(goal, worst, overdue)), load_method_config())
    texts = [q.text for q in context["briefs"][0][1]]
    assert any(t.startswith("South Region are furthest behind") for t in texts)
    assert not any("North Region" in t for t in texts)  # on track: not pressed
    assert any(f"overdue: {overdue}." in t for t in texts) == bool(overdue)
    assert texts[-1] == "How can we help you?"
