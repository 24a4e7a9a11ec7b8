"""Rolled-up figures: each parent's sums from its children, and how many children reported."""

from __future__ import annotations

from deliverology.web.performance.actions import refresh_rollups
from deliverology.web.performance.models import Observation, Rollup


def reporting(metric: str, period: str, subgroup: str = "all") -> dict[str, int]:
    found = Rollup.objects.filter(
        metric__code=metric, period=period, subgroup__code=subgroup
    ).values_list("local_unit__code", "reporting_children")
    return dict(found)


def test_each_parent_counts_the_children_with_a_figure(system):
    # Five schools in three districts (D1: S1, S2; D2: S3; D3: S4, S5), two regions, one state.
    assert reporting("reading", "2024-25") == {
        "D1": 2,
        "D2": 1,
        "D3": 2,
        "R1": 2,
        "R2": 1,
        "ST": 2,
    }


def test_a_child_whose_figure_is_missing_is_not_counted(system):
    Observation.objects.filter(local_unit__code="S1", period="2024-25").update(
        numerator=None, denominator=None, value=None, missing_reason="suppressed"
    )
    refresh_rollups()
    counts = reporting("reading", "2024-25")
    assert counts["D1"] == 1  # S2 only
    assert counts["R1"] == 2  # D1 still rolls up from S2, and D2


def test_a_district_with_no_school_figures_still_counts_when_it_reports_its_own(system):
    # D3 reports its own reading figure for 2024-25; with its schools' figures gone it has no
    # roll-up, but its own figure still counts for its region.
    Observation.objects.filter(local_unit__code__in=["S4", "S5"], period="2024-25").delete()
    refresh_rollups()
    counts = reporting("reading", "2024-25")
    assert "D3" not in counts
    assert counts["R2"] == 1


def test_the_management_command_rebuilds_roll_ups_with_their_coverage(system):
    from io import StringIO

    from django.core.management import call_command

    Rollup.objects.update(expected_children=0, coverage=1.0)
    Observation.objects.filter(local_unit__code="S1", period="2024-25").update(
        numerator=None, denominator=None, value=None, missing_reason="suppressed"
    )
    out = StringIO()
    call_command("refresh_rollups", stdout=out)
    assert out.getvalue().strip() == f"{Rollup.objects.count()} rolled-up figures rebuilt"
    district = Rollup.objects.get(
        metric__code="reading", local_unit__code="D1", subgroup__code="all", period="2024-25"
    )
    assert (district.expected_children, district.suppressed_children) == (2, 1)
    assert district.covered_share == 80 / 180  # S2's 80 of S1's last 100 and S2's 80
