"""The demo's year of routines."""

from __future__ import annotations

from datetime import date

import pytest

from deliverology.demo.generator import generate_demo_system
from deliverology.demo.routines import demo_routines
from deliverology.web.demo_system import install_demo_system
from deliverology.web.priorities.models import Priority
from deliverology.web.routines.actions import carried_into
from deliverology.web.routines.models import Action, Stocktake


def test_the_plan_holds_two_stocktakes_per_priority_in_the_year_and_schedules_one_more():
    today = date(2025, 11, 1)
    plan = demo_routines([("reading", "Reading"), ("maths", "Maths")], today)
    for code in ("reading", "maths"):
        held = [s for s in plan if s.priority_code == code and s.published_on]
        ahead = [s for s in plan if s.priority_code == code and s.held_on > today]
        assert len(held) == 2 and len(ahead) == 1
        assert all((today - s.held_on).days < 366 for s in held)
        assert all(s.held_on.weekday() == 0 for s in plan)  # Mondays


@pytest.mark.django_db
def test_the_demo_carries_open_actions_some_overdue_into_each_priority_s_next_stocktake():
    system = generate_demo_system(schools=120, districts=6, regions=1)
    install_demo_system(system, password="demo-pass-1", say=lambda _: None)
    today = date(2025, 11, 1)  # the tests' clock
    for priority in Priority.objects.filter(status=Priority.Status.ACTIVE):
        stocktakes = list(Stocktake.objects.filter(priorities=priority).order_by("held_on"))
        assert [s.is_published for s in stocktakes] == [True, True, False]
        carried = carried_into(stocktakes[1])
        assert len(carried) == 2  # of the first's three, one was done
        assert any(a.due < stocktakes[1].held_on for a in carried)
        assert stocktakes[0].rubric_ratings.count() == 4
    assert Action.objects.filter(closed_on__isnull=True, due__lt=today).exists()
