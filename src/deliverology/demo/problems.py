"""The delivery unit's decisions on the demo's suggested problems (pure data).

After the demo is built the triggers are evaluated on its figures; these decisions are then
taken, each on the first suggested problem (in a fixed order) that matches it, so the demo
shows problems at every level, confirmed, escalated and dismissed, the same way every time.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoDecision:
    severity: str  # the suggested severity to look for
    local_unit_type: str  # where
    decision: str  # "confirm", "escalate" (to `to`) or "dismiss"
    reason: str
    to: str = ""


DECISIONS = (
    DemoDecision(
        "crisis",
        "state",
        "confirm",
        "Three years well below trajectory on a top priority: the Governor chairs a fortnightly "
        "action group.",
    ),
    DemoDecision(
        "priority_review",
        "district",
        "confirm",
        "A joint review along the delivery chain; field visits in March.",
    ),
    DemoDecision(
        "problem_solving",
        "district",
        "escalate",
        "The district's own data show the gap widening in every school: a full review.",
        to="priority_review",
    ),
    DemoDecision(
        "watch",
        "district",
        "dismiss",
        "The fall is one cohort's: the screener changed that year. Checked with the district.",
    ),
    DemoDecision(
        "watch",
        "region",
        "confirm",
        "Raised in the monthly note; the owner follows it up.",
    ),
)
