"""Roll-ups computed in DuckDB, in columns, equal the Python rebuild's field by field, for
generated trees and figures with every kind of gap: suppressed and rate-only figures,
provisional ones, units opening and closing mid-series, units never measured for a subgroup,
zero denominators, three levels and several subgroups and periods, for each aggregation."""

from __future__ import annotations

import math
import random
from datetime import date
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deliverology.web.performance.actions import (
    refresh_rollups_in_columns,
    refresh_rollups_in_python,
)
from deliverology.web.performance.models import LocalUnit, Metric, Observation, Rollup, Subgroup

YEARS = (2019, 2020, 2021, 2022, 2023, 2024)
LABELS = tuple(f"{year}-{(year + 1) % 100:02d}" for year in YEARS)
KINDS = ("counts", "counts", "counts", "none", "suppressed", "not_collected", "rate_only", "zero")
COUNTS = ("reporting_children", "expected_children", "suppressed_children", "uncounted_children")
FLOATS = ("numerator", "denominator", "value", "covered_share", "coverage")


def some_date(rng: random.Random) -> date | None:
    """A validity date inside the series (academic years end on 31 August), or none."""
    if rng.random() < 0.7:
        return None
    return date(rng.choice(YEARS) + rng.choice((0, 1)), rng.choice((3, 8, 9)), rng.choice((1, 30)))


def build_tree(rng: random.Random) -> list[LocalUnit]:
    """Regions, districts and schools (and now and then a school right under a region, or a
    district without schools), some of them opening or closing mid-series."""
    state = LocalUnit.objects.create(code="ST", name="State", type="state")
    units = [state]
    for r in range(rng.randint(1, 2)):
        region = LocalUnit.objects.create(code=f"R{r}", name="R", type="region", parent=state)
        units.append(region)
        for d in range(rng.randint(1, 3)):
            district = LocalUnit.objects.create(
                code=f"R{r}D{d}",
                name="D",
                type="district",
                parent=region,
                valid_from=some_date(rng) if rng.random() < 0.2 else None,
                valid_to=some_date(rng) if rng.random() < 0.2 else None,
            )
            units.append(district)
            for s in range(rng.choice((0, 1, 2, 3, 4))):
                units.append(school(rng, f"R{r}D{d}S{s}", district))
        if rng.random() < 0.3:
            units.append(school(rng, f"R{r}X", region))
    return units


def school(rng: random.Random, code: str, parent: LocalUnit) -> LocalUnit:
    return LocalUnit.objects.create(
        code=code,
        name="S",
        type="school",
        parent=parent,
        valid_from=some_date(rng),
        valid_to=some_date(rng),
    )


def figure(rng: random.Random, metric: Metric, kind: str) -> dict[str, Any]:
    """The numbers of one figure of the given kind, as the metric's aggregation has them."""
    ratio = metric.aggregation in ("rate", "mean")
    denominator = float(rng.randint(1, 300))
    numerator = float(rng.randint(0, int(denominator)))
    provisional = rng.random() < 0.15
    if kind in ("suppressed", "not_collected"):
        return {"missing_reason": kind}
    if kind == "none":
        return {"numerator": None, "denominator": None, "value": None}
    if not ratio:
        sized = rng.random() < 0.3
        value = float(rng.randint(0, 500)) + rng.random()
        return {
            "value": value,
            "denominator": denominator if sized else None,
            "provisional": provisional,
        }
    if kind == "rate_only":
        return {"value": rng.uniform(0, metric.scale), "provisional": provisional}
    if kind == "zero":
        return {"numerator": 0.0, "denominator": 0.0, "value": None}
    value = metric.measure_value(numerator, denominator)
    return {
        "numerator": numerator,
        "denominator": denominator,
        "value": value,
        "provisional": provisional,
    }


def build_figures(
    rng: random.Random, metric: Metric, units: list[LocalUnit], subgroups: list[Subgroup]
) -> None:
    """Figures for most schools (some never measured for a subgroup) and a few of the units
    above them, in some of the periods."""
    periods = [label for label in LABELS if rng.random() < 0.8] or [LABELS[-1]]
    rows = []
    for unit in units:
        chance = 0.9 if unit.type == "school" else 0.15
        for subgroup in subgroups:
            if rng.random() < 0.15:
                continue  # never measured for this subgroup
            for label in periods:
                if rng.random() > chance:
                    continue
                period = metric.parse_period(label)
                rows.append(
                    Observation(
                        metric=metric,
                        local_unit=unit,
                        subgroup=subgroup,
                        period=period.label,
                        period_start=period.start,
                        **figure(rng, metric, rng.choice(KINDS)),
                    )
                )
    Observation.objects.bulk_create(rows)


def stored(metric: Metric) -> dict[tuple[int, int, str], dict[str, Any]]:
    fields = ("period_start", "provisional", "children_type", *COUNTS, *FLOATS)
    return {
        (row["local_unit_id"], row["subgroup_id"], row["period"]): row
        for row in Rollup.objects.filter(metric=metric).values(
            "local_unit_id", "subgroup_id", "period", *fields
        )
    }


def assert_same(found: dict[str, Any], expected: dict[str, Any], key: Any) -> None:
    for name, wanted in expected.items():
        got = found[name]
        if name in FLOATS and wanted is not None and got is not None:
            assert math.isclose(got, wanted, rel_tol=1e-9, abs_tol=1e-12), (key, name)
        else:
            assert got == wanted, (key, name, got, wanted)


def assert_parity(metric: Metric) -> int:
    """The Python rebuild's roll-ups, then the columnar ones, are the same rows."""
    expected_count = refresh_rollups_in_python([metric])
    expected = stored(metric)
    found_count = refresh_rollups_in_columns([metric])
    found = stored(metric)
    assert found_count == expected_count == len(expected)
    assert found.keys() == expected.keys()
    for key, row in expected.items():
        assert_same(found[key], row, key)
    return len(found)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.randoms(use_true_random=False),
    st.sampled_from(["rate", "mean", "sum", "count"]),
    st.sampled_from([100.0, 1.0]),
)
def test_columnar_roll_ups_equal_the_python_rebuild(db, rng, aggregation, scale):
    with transaction.atomic():
        units = build_tree(rng)
        subgroups = [
            Subgroup.objects.create(code=f"g{n}", name=f"G{n}", order=n)
            for n in range(rng.randint(1, 3))
        ]
        metric = Metric.objects.create(code="m", name="M", aggregation=aggregation, scale=scale)
        build_figures(rng, metric, units, subgroups)
        assert_parity(metric)
        transaction.set_rollback(True)


def test_the_small_system_rolls_up_the_same_in_columns(system):
    for metric in system.metrics.values():
        assert assert_parity(metric) > 0


def test_a_metric_without_figures_has_no_roll_ups(system):
    metric = system.metrics["absence"]
    Observation.objects.filter(metric=metric).delete()
    assert refresh_rollups_in_columns([metric]) == 0
    assert not Rollup.objects.filter(metric=metric).exists()


@pytest.mark.parametrize("aggregation", ["rate", "sum"])
def test_a_gap_of_every_kind_rolls_up_the_same(system, aggregation):
    """The hand-made system with a suppressed school, a rate-only one, a closed one and a
    provisional one."""
    metric = system.metrics["reading"]
    Metric.objects.filter(pk=metric.pk).update(aggregation=aggregation)
    metric.refresh_from_db()
    reading = Observation.objects.filter(metric=metric, period="2024-25")
    reading.filter(local_unit__code="S1").update(
        numerator=None, denominator=None, value=None, missing_reason="suppressed"
    )
    reading.filter(local_unit__code="S2").update(numerator=None, denominator=None)
    reading.filter(local_unit__code="S3").update(provisional=True)
    LocalUnit.objects.filter(code="S4").update(valid_to=date(2023, 12, 31))
    reading.filter(local_unit__code="S4").delete()
    assert assert_parity(metric) > 0
