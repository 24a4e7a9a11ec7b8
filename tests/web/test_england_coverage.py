"""The England data set (Open Government Licence v3.0) through the import: every roll-up of the
published figures is complete, and a region whose own figure is taken away, with three of its
local authorities suppressed, is shown as a partial roll-up with its coverage."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from deliverology.engine.england import (
    ENGLAND,
    REGIONS,
)
from deliverology.web.accounts.models import Profile
from deliverology.web.performance.actions import refresh_rollups
from deliverology.web.performance.models import Metric, Observation, Rollup
from deliverology.web.priorities.models import Aspiration, Priority

LONDON = "E12000007"
LATEST, BEFORE = "2021-22", "2020-21"


@pytest.fixture
def england(england_figures):
    analyst = User.objects.create_user("analyst", is_staff=True, is_superuser=True)
    Profile.objects.create(user=analyst, role=Profile.Role.DELIVERY_UNIT)
    Priority.objects.create(
        aspiration=Aspiration.objects.create(statement="Skills for all", horizon_year=2027),
        code="level3",
        title="Level 3 by 19",
        goal_metric=Metric.objects.get(code="l3_by19"),
        owner=analyst,
    )
    return analyst


def test_the_published_figures_roll_up_complete_in_every_cohort(england):
    rollups = Rollup.objects.filter(metric__code="l3_by19", subgroup__code="all")
    regions = rollups.filter(local_unit__code__in=list(REGIONS))
    assert regions.count() == 9 * 18
    # Merged authorities are expected only while they are open: every region is complete.
    for rollup in regions:
        assert rollup.expected_children == rollup.reporting_children
        assert (rollup.suppressed_children, rollup.coverage) == (0, 1.0)
    national = rollups.get(local_unit__code=ENGLAND, period=LATEST)
    assert (national.expected_children, national.reporting_children) == (9, 9)
    published = Observation.objects.get(
        metric__code="l3_by19", local_unit__code=ENGLAND, subgroup__code="all", period=LATEST
    )
    counts = (published.numerator, published.denominator)
    assert (national.numerator, national.denominator) == counts


def test_a_region_without_its_own_figure_shows_its_partial_roll_up_and_coverage(england, client):
    figures = Observation.objects.filter(metric__code="l3_by19", subgroup__code="all")
    authorities = list(
        figures.filter(local_unit__parent__code=LONDON, period=LATEST)
        .order_by("-denominator")
        .values_list("local_unit__code", "denominator")
    )
    suppressed = [code for code, _ in authorities[:3]]
    figures.filter(local_unit__code__in=[LONDON, *suppressed], period=LATEST).update(
        numerator=None, denominator=None, value=None, missing_reason="suppressed"
    )
    refresh_rollups(Metric.objects.filter(code="l3_by19"))

    covered = sum(size for code, size in authorities if code not in suppressed)
    earlier = figures.filter(local_unit__code__in=suppressed, period=BEFORE)
    left_out = sum(earlier.values_list("denominator", flat=True))
    client.force_login(england)
    page = client.get(f"/priorities/level3/units/{LONDON}/").content.decode()
    summary = page.split('id="summary-heading"')[1].split("</section>")[0]
    n = len(authorities)
    assert "rolled up (partial)" in summary
    assert (
        f"{n - 3} of {n} local authorities, {100 * covered / (covered + left_out):,.0f}% of "
        "students, 3 suppressed"
    ) in summary
    national = client.get(f"/priorities/level3/units/{ENGLAND}/").content.decode()
    assert '<span class="source source-reported">reported</span>' in national
