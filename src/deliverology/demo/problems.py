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


# One priority review (on the first confirmed problem at priority-review level) and one crisis
# group (on the first confirmed crisis), written the same way every time.
REVIEW_SCOPE = (
    "Why reading is falling behind in this district: the delivery chain from the state's "
    "literacy coaches to the K-3 classroom, with visits to the worst, best and a typical school."
)
REVIEW_FINDING = "Coaching visits happen, but half the classrooms have no daily phonics block."
REVIEW_FINDING_RATING = "amber_red"
REVIEW_RECOMMENDATIONS = (
    ("Every K-3 classroom runs a daily 45-minute phonics block", 30),
    ("Coaches observe and model the block in the ten lowest schools each fortnight", 45),
    ("The district reports the block's coverage in the monthly return", 60),
)
REVIEW_FOLLOW_UP_DAYS = 90
# The reviewed problem's root causes: the priority's first hypothesis, first driver and the link
# the review's finding rated, each with why it explains the problem.
REVIEW_ROOT_CAUSES = {
    "hypothesis": "The diagnostic's pattern matches this district: the schools without a coach "
    "are the ones falling.",
    "driver": "The review's visits saw it in half the classrooms: the main cause here.",
    "link": "The weak link the review rated: coaching reaches schools but not the daily lesson.",
}

CRISIS_CADENCE = "fortnightly"
CRISIS_EXIT_MARGIN = 5.0  # the exit value: this many points better than the latest figure
CRISIS_MEETING_NOTES = (
    "First meeting: the Governor asked each region for its plan for the lowest schools.",
    "Second meeting: two regions behind on coaching; owners asked to report next time.",
)
CRISIS_ACTIONS = (
    ("Each region names its ten lowest schools and their coach", 7),
    ("Regions report coaching visits against plan", 14),
)
