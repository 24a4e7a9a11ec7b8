"""Priority reviews and crisis groups (docs/concepts.md, "Problems and momentum"): which sites a
review should visit, and whether a crisis group's exit criteria are met.

Pure functions over plain values: the latest figure of the priority's goal metric for each local
unit, and the metric's direction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from deliverology.core.status import Direction


class SiteKind(StrEnum):
    """Why a site is suggested: the worst performer, the best, or a typical one."""

    WORST = "worst"
    BEST = "best"
    TYPICAL = "typical"


class RootCauseKind(StrEnum):
    """What a problem's root-cause analysis links it to: a diagnostic hypothesis, a driver of
    performance, or a link of one of the priority's delivery chains."""

    HYPOTHESIS = "hypothesis"
    DRIVER = "driver"
    LINK = "link"


@dataclass(frozen=True)
class SiteSuggestion:
    code: str
    kind: SiteKind
    value: float


def suggest_sites(latest: Mapping[str, float | None], direction: Direction) -> list[SiteSuggestion]:
    """The worst, best and typical (median) local units by their latest figure, each at most
    once; units with no figure are left out. Ties break on the code, so the choice is stable."""
    known = [(value, code) for code, value in latest.items() if value is not None]
    if not known:
        return []
    better_first = direction is Direction.HIGHER_IS_BETTER
    ranked = sorted(known, key=lambda pair: (-pair[0] if better_first else pair[0], pair[1]))
    picks = (
        (SiteKind.WORST, ranked[-1]),
        (SiteKind.BEST, ranked[0]),
        (SiteKind.TYPICAL, ranked[(len(ranked) - 1) // 2]),
    )
    chosen: list[SiteSuggestion] = []
    for kind, (value, code) in picks:
        if all(site.code != code for site in chosen):
            chosen.append(SiteSuggestion(code=code, kind=kind, value=value))
    return chosen


def exit_criterion_met(latest: float | None, threshold: float, direction: Direction) -> bool:
    """Whether the latest figure has reached the exit value: at or above it when higher is
    better, at or below it when lower is better. No figure is not met."""
    if latest is None:
        return False
    if direction is Direction.HIGHER_IS_BETTER:
        return latest >= threshold
    return latest <= threshold
