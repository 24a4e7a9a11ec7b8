"""The demo has two published delivery-report rounds with movement, recent monthly notes and a
league-table snapshot from last quarter, so the league table shows movement."""

from __future__ import annotations

import pytest

from deliverology.demo.generator import generate_demo_system
from deliverology.web.assessments.models import (
    Assessment,
    AssessmentComment,
    LeagueSnapshot,
    MonthlyNote,
    ReportingRound,
)
from deliverology.web.demo_system import install_demo_system


@pytest.fixture
def demo():
    system = generate_demo_system(schools=60, districts=6, regions=1)
    install_demo_system(system, password="demo-pass-1", say=lambda _: None)
    return system


@pytest.mark.django_db
def test_the_demo_has_two_published_rounds_whose_league_of_priorities_moves(demo):
    first, second = ReportingRound.objects.order_by("as_of")
    assert first.is_published and second.is_published
    assert not Assessment.objects.exclude(status=Assessment.Status.FINAL).exists()
    assert all(a.rationale and a.to_move_up for a in Assessment.objects.all())
    changes = [page["change"] for page in second.frozen["pages"]]
    assert any(change for change in changes), changes  # some priority moved since January
    assert Assessment.objects.filter(is_override=True, reporting_round=second).count() == 1
    assert AssessmentComment.objects.filter(kind="challenge").exists()


@pytest.mark.django_db
def test_the_demo_has_published_notes_for_recent_months_and_a_draft_for_this_one(demo):
    notes = list(MonthlyNote.objects.order_by("month"))
    assert [n.is_published for n in notes] == [True, True, True, False]
    assert all(n.frozen["priorities"] for n in notes[:3])


@pytest.mark.django_db
def test_the_demo_keeps_last_quarters_league_tables_with_the_figures_of_then(demo):
    kept = LeagueSnapshot.objects.all()
    assert {s.view for s in kept} == {"level", "progress"}
    periods = {row["period"] for s in kept for row in s.frozen["rows"] if row["period"]}
    assert periods == {"2024-25"}  # one period before the latest, as it stood then
