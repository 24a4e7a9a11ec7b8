"""Which sites a priority review visits, and a crisis group's exit criteria."""

from __future__ import annotations

import pytest

from deliverology.core.reviews import SiteKind, exit_criterion_met, suggest_sites
from deliverology.core.status import Direction

HIGHER, LOWER = Direction.HIGHER_IS_BETTER, Direction.LOWER_IS_BETTER


@pytest.mark.parametrize(
    ("latest", "direction", "expected"),
    [
        (
            {"A": 40.0, "B": 60.0, "C": 50.0},
            HIGHER,
            [("A", "worst"), ("B", "best"), ("C", "typical")],
        ),
        (
            {"A": 40.0, "B": 60.0, "C": 50.0},
            LOWER,
            [("B", "worst"), ("A", "best"), ("C", "typical")],
        ),
        (
            {"A": 40.0, "B": None, "C": 50.0, "D": 45.0},
            HIGHER,
            [("A", "worst"), ("C", "best"), ("D", "typical")],
        ),
        ({"A": 40.0, "B": 60.0}, HIGHER, [("A", "worst"), ("B", "best")]),
        ({"A": 40.0}, HIGHER, [("A", "worst")]),
        ({"A": None}, HIGHER, []),
        (
            {"B": 50.0, "A": 50.0, "C": 50.0},
            HIGHER,
            [("C", "worst"), ("A", "best"), ("B", "typical")],
        ),
    ],
)
def test_it_suggests_the_worst_best_and_typical_sites(
    latest: dict[str, float | None], direction: Direction, expected: list[tuple[str, str]]
) -> None:
    chosen = suggest_sites(latest, direction)
    assert [(site.code, site.kind.value) for site in chosen] == expected
    assert all(site.value == latest[site.code] for site in chosen)
    assert {site.kind for site in chosen} <= set(SiteKind)


@pytest.mark.parametrize(
    ("latest", "threshold", "direction", "met"),
    [
        (70.0, 70.0, HIGHER, True),
        (69.9, 70.0, HIGHER, False),
        (20.0, 25.0, LOWER, True),
        (25.1, 25.0, LOWER, False),
        (None, 25.0, LOWER, False),
    ],
)
def test_it_checks_the_exit_criterion_against_the_latest_figure(
    latest: float | None, threshold: float, direction: Direction, met: bool
) -> None:
    assert exit_criterion_met(latest, threshold, direction) is met
