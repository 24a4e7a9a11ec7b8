"""Spotting problems early (docs/concepts.md, "Problems and momentum"): trigger rules, the
severity they suggest and when a problem may come down the ladder.

Every rule is a pure function over plain values: statuses against the trajectory, figures,
dates, ratings. The product *suggests* a problem and its severity from the rules that fire; the
delivery unit confirms, changes or dismisses it. Thresholds and severities come from the
configuration (`[problems]` in method_defaults.toml), never from code.

The array functions (`status_codes`, `trailing_runs`, `falling_runs`) apply the same rules to
many series at once, so every local unit and subgroup is evaluated in a few numpy operations;
tests check that they agree with the one-series functions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from types import MappingProxyType

import numpy as np
import numpy.typing as npt

from deliverology.core.periods import Period
from deliverology.core.status import Direction, StatusBands, TrajectoryStatus, is_stale


class Severity(StrEnum):
    """The four levels of the ladder, lowest first (docs/concepts.md)."""

    WATCH = "watch"
    PROBLEM_SOLVING = "problem_solving"
    PRIORITY_REVIEW = "priority_review"
    CRISIS = "crisis"

    @property
    def level(self) -> int:
        """1 (watch) to 4 (crisis)."""
        return list(Severity).index(self) + 1


class TriggerKind(StrEnum):
    SLIGHTLY_BELOW = "slightly_below"
    BELOW = "below"
    WELL_BELOW = "well_below"
    SUSTAINED_WELL_BELOW = "sustained_well_below"
    PROGRESS_FALLING = "progress_falling"
    MISSED_MILESTONE = "missed_milestone"
    MISSED_MILESTONES = "missed_milestones"
    CHAIN_LINK = "chain_link"
    LIKELIHOOD = "likelihood"
    STALE_FEED = "stale_feed"
    FAR_BELOW_SUB_TARGET = "far_below_sub_target"


class Rating(StrEnum):
    """The four-point scale of chain links and likelihood (the same values as core.config.Rag4)."""

    RED = "red"
    AMBER_RED = "amber_red"
    AMBER_GREEN = "amber_green"
    GREEN = "green"


WORRYING = frozenset({Rating.RED, Rating.AMBER_RED})


@dataclass(frozen=True)
class TriggerRules:
    """When each trigger fires and the severity it suggests (see method_defaults.toml)."""

    slightly_below_periods: int = 2
    below_periods: int = 1
    well_below_periods: int = 1
    sustained_well_below_periods: int = 3
    progress_falling_periods: int = 2
    several_missed_milestones: int = 2
    far_below_sub_target: float = -0.5
    on_track_periods_to_de_escalate: int = 2
    severities: Mapping[TriggerKind, Severity] = field(
        default_factory=lambda: MappingProxyType(DEFAULT_SEVERITIES)
    )

    def __post_init__(self) -> None:
        for name in (
            "slightly_below_periods",
            "below_periods",
            "well_below_periods",
            "sustained_well_below_periods",
            "progress_falling_periods",
            "several_missed_milestones",
            "on_track_periods_to_de_escalate",
        ):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be 1 or more (it is {getattr(self, name)})")
        if self.far_below_sub_target >= 0:
            raise ValueError(
                f"far_below_sub_target must be below 0 (it is {self.far_below_sub_target:g})"
            )
        missing = [kind for kind in TriggerKind if kind not in self.severities]
        if missing:
            raise ValueError(f"no severity for the triggers {', '.join(missing)}")


DEFAULT_SEVERITIES: dict[TriggerKind, Severity] = {
    TriggerKind.SLIGHTLY_BELOW: Severity.WATCH,
    TriggerKind.BELOW: Severity.PROBLEM_SOLVING,
    TriggerKind.WELL_BELOW: Severity.PRIORITY_REVIEW,
    TriggerKind.SUSTAINED_WELL_BELOW: Severity.CRISIS,
    TriggerKind.PROGRESS_FALLING: Severity.WATCH,
    TriggerKind.MISSED_MILESTONE: Severity.WATCH,
    TriggerKind.MISSED_MILESTONES: Severity.PROBLEM_SOLVING,
    TriggerKind.CHAIN_LINK: Severity.PROBLEM_SOLVING,
    TriggerKind.LIKELIHOOD: Severity.PRIORITY_REVIEW,
    TriggerKind.STALE_FEED: Severity.WATCH,
    TriggerKind.FAR_BELOW_SUB_TARGET: Severity.PROBLEM_SOLVING,
}

Figure = str | int | float


@dataclass(frozen=True)
class Fired:
    """A trigger that fired, with the figures that made it fire (the evidence)."""

    kind: TriggerKind
    severity: Severity
    figures: Mapping[str, Figure] = field(default_factory=dict)

    def evidence(self) -> dict[str, Figure]:
        return {"trigger": str(self.kind), "severity": str(self.severity), **self.figures}


# --- Trajectory status -----------------------------------------------------------------------

_BELOW_OR_WORSE = frozenset({TrajectoryStatus.BELOW, TrajectoryStatus.WELL_BELOW})
_SLIGHTLY_OR_WORSE = _BELOW_OR_WORSE | {TrajectoryStatus.SLIGHTLY_BELOW}


def trailing_run(statuses: Sequence[TrajectoryStatus], accepted: frozenset[str]) -> int:
    """How many of the latest statuses in a row are among `accepted` (periods with no data are
    skipped, neither breaking nor extending the run)."""
    run = 0
    for status in reversed([s for s in statuses if s is not TrajectoryStatus.NO_DATA]):
        if status not in accepted:
            break
        run += 1
    return run


def trajectory_trigger(
    statuses: Sequence[TrajectoryStatus], rules: TriggerRules, *, system_level: bool = False
) -> Fired | None:
    """The worst trajectory trigger the latest statuses fire (oldest first in `statuses`).

    A sustained severe miss (crisis) is judged only on the system's own figure
    (`system_level`): a crisis is the leader's, not one school's.
    """
    well = trailing_run(statuses, frozenset({TrajectoryStatus.WELL_BELOW}))
    below = trailing_run(statuses, _BELOW_OR_WORSE)
    slightly = trailing_run(statuses, _SLIGHTLY_OR_WORSE)
    candidates = (
        (TriggerKind.SUSTAINED_WELL_BELOW, well, rules.sustained_well_below_periods, system_level),
        (TriggerKind.WELL_BELOW, well, rules.well_below_periods, True),
        (TriggerKind.BELOW, below, rules.below_periods, True),
        (TriggerKind.SLIGHTLY_BELOW, slightly, rules.slightly_below_periods, True),
    )
    for kind, run, needed, applies in candidates:
        if applies and run >= needed:
            return Fired(kind, rules.severities[kind], {"periods": run})
    return None


def on_track_run(statuses: Sequence[TrajectoryStatus]) -> int:
    """The latest periods in a row on or above the trajectory."""
    return trailing_run(statuses, frozenset({TrajectoryStatus.ON_OR_ABOVE}))


# --- Other triggers --------------------------------------------------------------------------


def progress_falling(
    values: Sequence[float | None], direction: Direction, tolerance: float, rules: TriggerRules
) -> Fired | None:
    """A leading (progress) metric worsening, beyond `tolerance`, for the configured number of
    periods in a row (missing figures are skipped)."""
    present = [value for value in values if value is not None]
    run = _falling_run(present, direction, tolerance)
    if run < rules.progress_falling_periods:
        return None
    change = present[-1] - present[-1 - run]
    return Fired(
        TriggerKind.PROGRESS_FALLING,
        rules.severities[TriggerKind.PROGRESS_FALLING],
        {"periods": run, "change": round(change, 6)},
    )


def steady_run(values: Sequence[float | None], direction: Direction, tolerance: float) -> int:
    """How many of a progress metric's latest changes in a row did not worsen beyond
    `tolerance`: its run "on track", for coming down the ladder."""
    present = [value for value in values if value is not None]
    run = 0
    for later, earlier in zip(reversed(present[1:]), reversed(present[:-1]), strict=True):
        change = later - earlier
        worse = -change if direction is Direction.HIGHER_IS_BETTER else change
        if worse > tolerance:
            break
        run += 1
    return run


def _falling_run(present: Sequence[float], direction: Direction, tolerance: float) -> int:
    run = 0
    for later, earlier in zip(reversed(present[1:]), reversed(present[:-1]), strict=True):
        change = later - earlier
        worse = -change if direction is Direction.HIGHER_IS_BETTER else change
        if worse <= tolerance:
            break
        run += 1
    return run


@dataclass(frozen=True)
class MilestoneDates:
    """A milestone as the rule needs it: when it was due, and when it was met (None if not)."""

    due: date
    met_on: date | None = None

    def is_missed(self, today: date) -> bool:
        if self.met_on is not None:
            return self.met_on > self.due
        return today > self.due


def missed_milestones(
    milestones: Sequence[MilestoneDates], today: date, rules: TriggerRules
) -> Fired | None:
    """Milestones past their due date and not met by it: one is worth watching, several
    (`several_missed_milestones`) call for problem-solving. Only those still unmet count; the
    evidence holds dates, not days, so it is the same on every later day."""
    missed = [m for m in milestones if m.met_on is None and m.is_missed(today)]
    if not missed:
        return None
    kind = (
        TriggerKind.MISSED_MILESTONES
        if len(missed) >= rules.several_missed_milestones
        else TriggerKind.MISSED_MILESTONE
    )
    oldest = min(m.due for m in missed)
    return Fired(
        kind,
        rules.severities[kind],
        {
            "missed": len(missed),
            "oldest_due": oldest.isoformat(),
            "days_late": (today - oldest).days,
        },
    )


@dataclass(frozen=True)
class LinkRating:
    """A delivery-chain link as the rule needs it."""

    name: str
    rating: Rating
    mitigated: bool = False


def chain_link_trigger(links: Sequence[LinkRating], rules: TriggerRules) -> Fired | None:
    """A red or amber-red link in the delivery chain with no mitigation."""
    weak = sorted(
        (link for link in links if Rating(link.rating) in WORRYING and not link.mitigated),
        key=lambda link: (Rating(link.rating) is not Rating.RED, link.name),
    )
    if not weak:
        return None
    return Fired(
        TriggerKind.CHAIN_LINK,
        rules.severities[TriggerKind.CHAIN_LINK],
        {"links": len(weak), "link": weak[0].name, "rating": str(weak[0].rating)},
    )


def likelihood_trigger(rating: Rating | str | None, rules: TriggerRules) -> Fired | None:
    """The likelihood of delivery judged red or amber-red."""
    if rating is None or Rating(rating) not in WORRYING:
        return None
    return Fired(
        TriggerKind.LIKELIHOOD, rules.severities[TriggerKind.LIKELIHOOD], {"rating": str(rating)}
    )


def stale_feed(
    latest: Period | None, today: date, lag_days: int, rules: TriggerRules
) -> Fired | None:
    """The metric's next figure is overdue (the same rule the pages use to flag stale data).
    The evidence names the date it was due by, so it reads the same on every later day."""
    if latest is None or not is_stale(latest, today, lag_days):
        return None
    due = (latest + 1).end + timedelta(days=lag_days)
    return Fired(
        TriggerKind.STALE_FEED,
        rules.severities[TriggerKind.STALE_FEED],
        {"latest_period": latest.label, "due_by": due.isoformat()},
    )


def far_below_sub_target(gap_ratio: float | None, rules: TriggerRules) -> Fired | None:
    """A local unit whose gap to its own agreed sub-target's trajectory is at least the
    configured share of the improvement expected (-0.5: half of it missing)."""
    if gap_ratio is None or gap_ratio > rules.far_below_sub_target:
        return None
    return Fired(
        TriggerKind.FAR_BELOW_SUB_TARGET,
        rules.severities[TriggerKind.FAR_BELOW_SUB_TARGET],
        {"gap_ratio": round(gap_ratio, 6)},
    )


# --- Severity and the ladder -----------------------------------------------------------------


def suggested_severity(fired: Sequence[Fired]) -> Severity | None:
    """The highest severity any fired trigger suggests; None when nothing fired."""
    return max((f.severity for f in fired), key=lambda s: s.level, default=None)


class Move(StrEnum):
    """What the evaluation suggests for a problem (or the lack of one)."""

    NOTHING = "nothing"
    OPEN = "open"
    ESCALATE = "escalate"
    DE_ESCALATE = "de_escalate"
    RESOLVE = "resolve"


@dataclass(frozen=True)
class Suggestion:
    move: Move
    severity: Severity | None


def next_step(
    current: Severity | None, fired: Sequence[Fired], on_track: int, rules: TriggerRules
) -> Suggestion:
    """What to suggest, given the severity a problem holds now (None: no open problem), the
    triggers that fired and the latest run of periods on or above the trajectory.

    A problem goes up as soon as a trigger calls for more; it comes down, or is resolved, only
    after `on_track_periods_to_de_escalate` periods in a row on or above the trajectory.
    """
    wanted = suggested_severity(fired)
    if current is None:
        return Suggestion(Move.OPEN, wanted) if wanted else Suggestion(Move.NOTHING, None)
    if wanted is not None and wanted.level > current.level:
        return Suggestion(Move.ESCALATE, wanted)
    if on_track < rules.on_track_periods_to_de_escalate:
        return Suggestion(Move.NOTHING, current)
    if wanted is None:
        return Suggestion(Move.RESOLVE, None)
    if wanted.level < current.level:
        return Suggestion(Move.DE_ESCALATE, wanted)
    return Suggestion(Move.NOTHING, current)


def evidence_sentence(
    fired: Fired, templates: Mapping[str, str], context: Mapping[str, Figure]
) -> str:
    """The sentence for a fired trigger, from the configured template and the same figures
    stored as its evidence (with `context`, such as the metric's and unit's names)."""
    return templates[str(fired.kind)].format_map({**context, **fired.figures})


# --- The same rules on arrays ----------------------------------------------------------------

STATUS_CODES = (
    TrajectoryStatus.NO_DATA,
    TrajectoryStatus.ON_OR_ABOVE,
    TrajectoryStatus.SLIGHTLY_BELOW,
    TrajectoryStatus.BELOW,
    TrajectoryStatus.WELL_BELOW,
)
NO_DATA, ON_OR_ABOVE, SLIGHTLY_BELOW, BELOW, WELL_BELOW = range(5)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def status_codes(
    actual: FloatArray,
    expected: FloatArray,
    baseline: FloatArray,
    target: FloatArray,
    direction: Direction,
    bands: StatusBands,
) -> tuple[IntArray, FloatArray]:
    """The status (as an index of STATUS_CODES) and gap ratio of each series (rows) in each
    period (columns), as `core.status.assess_against_trajectory` gives them one at a time.

    `baseline` and `target` hold one value per row; NaN marks a missing figure.
    """
    sign = -1.0 if direction is Direction.LOWER_IS_BETTER else 1.0
    difference = actual - expected
    same = np.isclose(actual, expected, rtol=1e-9, atol=1e-12)
    gap = np.where(same, 0.0, sign * difference)
    base = baseline[:, None]
    reference = np.where(
        ~np.isclose(expected, base, rtol=1e-9, atol=1e-12),
        expected,
        np.where(np.isclose(target, baseline, rtol=1e-9, atol=1e-12), np.nan, target)[:, None],
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = gap / np.abs(reference - base)
    codes = np.full(actual.shape, NO_DATA, dtype=np.int64)
    present = ~np.isnan(actual) & ~np.isnan(expected)
    codes[present & (ratio > bands.slightly_below)] = SLIGHTLY_BELOW
    codes[present & (ratio <= bands.slightly_below)] = BELOW
    codes[present & ((ratio <= bands.below) | np.isnan(ratio))] = WELL_BELOW
    codes[present & (gap >= 0)] = ON_OR_ABOVE
    _consecutive_below(codes, bands.consecutive_below_for_well_below)
    return codes, np.where(present, ratio, np.nan)


def _consecutive_below(codes: IntArray, periods: int) -> None:
    """`below` after periods-1 periods at below or worse (skipping periods with no data)
    becomes `well_below`, column by column as the scalar rule does."""
    if periods == 0:
        return
    run = np.zeros(codes.shape[0], dtype=np.int64)
    for column in range(codes.shape[1]):
        now = codes[:, column]
        promote = (now == BELOW) & (run >= periods - 1)
        now[promote] = WELL_BELOW
        has_data = now != NO_DATA
        bad = (now == BELOW) | (now == WELL_BELOW)
        run = np.where(has_data, np.where(bad, run + 1, 0), run)


def trailing_runs(codes: IntArray, accepted: Sequence[int]) -> IntArray:
    """For each row, how many of its latest periods with data in a row are among `accepted`."""
    run = np.zeros(codes.shape[0], dtype=np.int64)
    open_run = np.ones(codes.shape[0], dtype=bool)
    for column in range(codes.shape[1] - 1, -1, -1):
        now = codes[:, column]
        has_data = now != NO_DATA
        good = np.isin(now, accepted)
        run += open_run & has_data & good
        open_run &= ~has_data | good
    return run


def falling_runs(values: FloatArray, direction: Direction, tolerance: float) -> IntArray:
    """For each row, how many of its latest changes in a row worsened by more than `tolerance`
    (missing figures skipped), as `progress_falling` counts them."""
    rows, columns = values.shape
    run = np.zeros(rows, dtype=np.int64)
    open_run = np.ones(rows, dtype=bool)
    later = np.full(rows, np.nan)
    for column in range(columns - 1, -1, -1):
        now = values[:, column]
        present = ~np.isnan(now)
        comparable = present & ~np.isnan(later)
        change = later - now
        worse = -change if direction is Direction.HIGHER_IS_BETTER else change
        falling = comparable & (worse > tolerance)
        run += open_run & falling
        open_run &= ~(comparable & ~falling)
        later = np.where(present, now, later)
    return run
