"""The demo's reform strategies, comparators and diagnostic findings: plain data, no I/O.

Effects are in the goal metric's own unit (percentage points) and positive means better, also
for chronic absenteeism, where lower is better. Comparator figures are given as gaps to the
state's own figure each period, so that they stay plausible whatever seed built the system.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoIntervention:
    title: str
    description: str
    theory_of_action: str
    owner: str  # a demo person's username
    impact: str
    difficulty: str
    effect_low: float
    effect: float
    effect_high: float
    reach_share: float
    rollout_start: str
    rollout_full: str
    lag_periods: int
    ramp: str
    ramp_periods: int
    cost: int
    status: str
    depends_on: str = ""
    # Regions (by name) it is rolled out in; none for the whole state. Its reach is a share
    # of their students.
    reach_regions: tuple[str, ...] = ()


@dataclass(frozen=True)
class DemoStopItem:
    activity: str
    reason: str
    status: str


@dataclass(frozen=True)
class DemoHypothesis:
    kind: str  # hypothesis or pattern
    statement: str
    evidence: str
    status: str
    subgroup_code: str = ""
    # The statement and its subgroup are written from the figures (the diagnostic's own
    # sentences), so that the pattern never contradicts the tables beside it.
    from_figures: bool = False


@dataclass(frozen=True)
class DemoComparator:
    name: str
    kind: str  # external or international
    # The comparator's figure minus the state's, one per history period, oldest first.
    gaps: tuple[float, ...]
    source: str


@dataclass(frozen=True)
class DemoStrategy:
    priority_code: str
    interventions: tuple[DemoIntervention, ...]
    stop_list: tuple[DemoStopItem, ...]
    hypotheses: tuple[DemoHypothesis, ...]
    comparators: tuple[DemoComparator, ...]


def _intervention(
    title: str,
    description: str,
    theory: str,
    owner: str,
    ratings: tuple[str, str],
    effects: tuple[float, float, float],
    reach: float,
    rollout: tuple[str, str],
    lag: int,
    ramp: tuple[str, int],
    cost: int,
    status: str,
    depends_on: str = "",
    reach_regions: tuple[str, ...] = (),
) -> DemoIntervention:
    return DemoIntervention(
        title=title,
        description=description,
        theory_of_action=theory,
        owner=owner,
        impact=ratings[0],
        difficulty=ratings[1],
        effect_low=effects[0],
        effect=effects[1],
        effect_high=effects[2],
        reach_share=reach,
        rollout_start=rollout[0],
        rollout_full=rollout[1],
        lag_periods=lag,
        ramp=ramp[0],
        ramp_periods=ramp[1],
        cost=cost,
        status=status,
        depends_on=depends_on,
        reach_regions=reach_regions,
    )


_NATIONAL = "National (NAEP-linked estimate)"
_PEERS = ("Eastmoor", "Northvale")


def _comparators(
    national: tuple[float, ...], first_peer: tuple[float, ...], second_peer: tuple[float, ...]
) -> tuple[DemoComparator, ...]:
    return (
        DemoComparator(_NATIONAL, "external", national, "National Center for Education Statistics"),
        DemoComparator(_PEERS[0], "external", first_peer, "Eastmoor Department of Education"),
        DemoComparator(_PEERS[1], "external", second_peer, "Northvale Public Instruction"),
    )


STRATEGIES = (
    DemoStrategy(
        "early-literacy",
        interventions=(
            _intervention(
                "Structured phonics in K-3",
                "A state-adopted structured literacy curriculum in every K-3 classroom.",
                "Explicit, systematic phonics lifts decoding, the main barrier to reading by "
                "grade 3.",
                "owner",
                ("high", "medium_high"),
                (3.0, 5.0, 7.0),
                0.9,
                ("2024-25", "2026-27"),
                1,
                ("linear", 2),
                18_000_000,
                "under_way",
            ),
            _intervention(
                "Literacy coaches in priority schools",
                "One literacy coach for every lowest-performing elementary school.",
                "Coaching makes the new curriculum land in classrooms, not only on shelves.",
                "owner",
                ("medium_high", "medium_high"),
                (1.0, 2.0, 3.5),
                0.85,  # of the students of the two regions furthest behind
                ("2025-26", "2026-27"),
                1,
                ("logistic", 3),
                9_500_000,
                "approved",
                depends_on="Structured phonics in K-3",
                reach_regions=("Capital", "Western Prairie"),
            ),
            _intervention(
                "Universal K-2 reading screener",
                "Screen every student three times a year and share the results with families.",
                "Finding struggling readers early lets schools act before grade 3.",
                "analyst",
                ("medium_low", "low"),
                (0.5, 1.0, 2.0),
                1.0,
                ("2024-25", "2025-26"),
                1,
                ("step", 1),
                2_400_000,
                "under_way",
            ),
            _intervention(
                "Summer reading academies",
                "Four-week summer programmes for rising 2nd and 3rd graders below benchmark.",
                "Extra time on reading for the students furthest behind.",
                "owner",
                ("medium_low", "medium_high"),
                (0.3, 0.8, 1.5),
                0.2,
                ("2025-26", "2027-28"),
                0,
                ("linear", 2),
                6_000_000,
                "proposed",
            ),
        ),
        stop_list=(
            DemoStopItem(
                "Leveled-reader guessing strategies (three-cueing) in K-2",
                "Contradicts structured phonics and takes the same classroom time.",
                "agreed",
            ),
            DemoStopItem(
                "Separate district reading benchmark tests",
                "Duplicates the universal screener; frees two testing days a year.",
                "stopped",
            ),
            DemoStopItem(
                "Annual literacy poster campaign",
                "No evidence of effect; the budget moves to coaching.",
                "proposed",
            ),
        ),
        hypotheses=(
            DemoHypothesis(
                "pattern",
                "",  # written from the state's figures when the demo is installed
                "State and subgroup trends on the performance diagnostic.",
                "supported",
                from_figures=True,
            ),
            DemoHypothesis(
                "hypothesis",
                "Districts still using three-cueing materials improve more slowly than those "
                "that adopted structured phonics.",
                "Compare the improvement of adopting and non-adopting districts since 2022-23.",
                "open",
            ),
            DemoHypothesis(
                "hypothesis",
                "Kindergarten readiness explains most of the difference between districts.",
                "Scatter of district readiness against grade 3 reading: the fit is weak.",
                "rejected",
            ),
        ),
        comparators=_comparators(
            (1.5, 0.8, 0.6, 0.9, 1.2, 1.0),
            (3.2, 2.5, 2.9, 3.1, 3.4, 3.6),
            (-2.4, -2.8, -2.2, -1.9, -1.5, -1.6),
        ),
    ),
    DemoStrategy(
        "graduation",
        interventions=(
            _intervention(
                "Early-warning teams in every high school",
                "Weekly review of attendance, behaviour and course performance for 9th graders.",
                "Students flagged off track in grade 9 get help before they fall behind.",
                "analyst",
                ("high", "medium_low"),
                (1.0, 2.0, 3.0),
                1.0,
                ("2024-25", "2025-26"),
                2,
                ("linear", 2),
                7_200_000,
                "under_way",
            ),
            _intervention(
                "Credit recovery online",
                "Online credit recovery with a teacher of record for students short of credits.",
                "Lets students make up failed courses without repeating a year.",
                "analyst",
                ("medium_high", "low"),
                (0.5, 1.2, 2.0),
                0.6,
                ("2025-26", "2026-27"),
                1,
                ("step", 1),
                3_100_000,
                "approved",
                depends_on="Early-warning teams in every high school",
            ),
            _intervention(
                "Ninth-grade academies",
                "Small learning communities with shared teachers for every 9th grader.",
                "A smoother move into high school keeps more students on track.",
                "owner",
                ("medium_high", "high"),
                (0.5, 1.5, 2.5),
                0.4,
                ("2026-27", "2027-28"),
                1,
                ("logistic", 2),
                12_000_000,
                "proposed",
            ),
        ),
        stop_list=(
            DemoStopItem(
                "End-of-year-only transcript audits",
                "Replaced by the early-warning teams' termly reviews.",
                "agreed",
            ),
            DemoStopItem(
                "Stand-alone dropout-prevention grant reports",
                "Three separate reports for one programme; one dashboard replaces them.",
                "proposed",
            ),
        ),
        hypotheses=(
            DemoHypothesis(
                "pattern",
                "Most students who do not graduate were already off track at the end of grade 9.",
                "Ninth-grade on-track and four-year graduation move together across districts.",
                "supported",
            ),
            DemoHypothesis(
                "hypothesis",
                "Students with disabilities leave with certificates rather than diplomas in "
                "some districts.",
                "Check the subgroup gap by district against the diploma rules.",
                "open",
                "students_with_disabilities",
            ),
        ),
        comparators=_comparators(
            (-1.8, -1.5, -1.2, -1.4, -1.1, -1.0),
            (0.6, 0.9, 1.1, 1.0, 1.3, 1.2),
            (-3.1, -2.6, -2.9, -2.4, -2.2, -2.0),
        ),
    ),
    DemoStrategy(
        "attendance",
        interventions=(
            _intervention(
                "Early-warning attendance outreach",
                "Text and phone outreach to families after the second absence in a month.",
                "Most chronic absence builds up quietly; early contact stops the drift.",
                "analyst",
                ("high", "low"),
                (1.5, 3.0, 4.5),
                1.0,
                ("2024-25", "2025-26"),
                0,
                ("linear", 2),
                2_800_000,
                "under_way",
            ),
            _intervention(
                "Attendance mentors for chronically absent students",
                "A trained adult mentor meets each chronically absent student weekly.",
                "A relationship with an adult at school brings students back.",
                "owner",
                ("medium_high", "medium_high"),
                (1.0, 2.0, 3.0),
                0.5,
                ("2025-26", "2027-28"),
                1,
                ("logistic", 2),
                8_400_000,
                "approved",
                depends_on="Early-warning attendance outreach",
            ),
            _intervention(
                "School-based health clinics",
                "Clinics in high-need schools so minor illness does not mean a lost day.",
                "Illness is the most common reason given for absence.",
                "owner",
                ("medium_low", "high"),
                (0.3, 1.0, 1.8),
                0.25,
                ("2026-27", "2028-29"),
                1,
                ("linear", 2),
                15_000_000,
                "proposed",
            ),
        ),
        stop_list=(
            DemoStopItem(
                "Suspending students for truancy",
                "Keeps absent students out of school for longer.",
                "stopped",
            ),
            DemoStopItem(
                "Perfect-attendance award ceremonies",
                "Reward students who already attend; no effect on the chronically absent.",
                "agreed",
            ),
        ),
        hypotheses=(
            DemoHypothesis(
                "pattern",
                "Chronic absenteeism doubled in the pandemic and has fallen only half way back.",
                "State trend 2019-20 to 2024-25 on the performance page.",
                "supported",
            ),
            DemoHypothesis(
                "hypothesis",
                "Absence in the first 30 days predicts chronic absence for the year.",
                "First-30-days attendance against chronic absence by school.",
                "supported",
            ),
            DemoHypothesis(
                "hypothesis",
                "Low-income students miss more days because of transport.",
                "Compare bus-route schools with walk-zone schools.",
                "open",
                "low_income",
            ),
        ),
        comparators=_comparators(
            (0.5, 1.8, 1.2, 0.9, 0.4, 0.3),
            (-1.2, -0.4, -0.8, -1.1, -1.4, -1.5),
            (1.4, 2.9, 2.2, 1.8, 1.3, 1.1),
        ),
    ),
    DemoStrategy(
        "middle-math",
        interventions=(
            _intervention(
                "High-dosage tutoring in grades 6-8",
                "Three tutoring sessions a week, in groups of three or fewer, during school.",
                "Frequent small-group tutoring is the best-evidenced way to accelerate maths.",
                "owner",
                ("high", "high"),
                (2.0, 4.0, 6.0),
                0.5,
                ("2024-25", "2026-27"),
                1,
                ("logistic", 3),
                22_000_000,
                "under_way",
            ),
            _intervention(
                "Double-dose algebra",
                "A second maths period for students entering algebra below grade level.",
                "More time on algebra readiness for the students who need it most.",
                "owner",
                ("medium_high", "medium_low"),
                (1.0, 2.0, 3.0),
                0.3,
                ("2025-26", "2026-27"),
                1,
                ("step", 1),
                4_500_000,
                "approved",
                depends_on="High-dosage tutoring in grades 6-8",
            ),
            _intervention(
                "Middle-school maths curriculum refresh",
                "Adopt a high-quality grades 6-8 curriculum with teacher training.",
                "Coherent materials raise the floor in every classroom.",
                "analyst",
                ("medium_high", "medium_high"),
                (1.0, 2.5, 4.0),
                0.8,
                ("2026-27", "2027-28"),
                1,
                ("linear", 2),
                11_000_000,
                "proposed",
            ),
            _intervention(
                "Maths homework hotline",
                "An evening phone line staffed by teachers.",
                "Help with homework outside school hours.",
                "analyst",
                ("low", "low"),
                (0.0, 0.2, 0.5),
                0.1,
                ("2024-25", "2024-25"),
                0,
                ("step", 1),
                600_000,
                "dropped",
            ),
        ),
        stop_list=(
            DemoStopItem(
                "Tracking students out of algebra in grade 7",
                "Closes the path to algebra by grade 9 for most students.",
                "agreed",
            ),
            DemoStopItem(
                "Stand-alone test-preparation weeks",
                "Two weeks of instruction lost each spring.",
                "proposed",
            ),
            DemoStopItem(
                "After-school maths club grants",
                "Low take-up by the students furthest behind.",
                "kept",
            ),
        ),
        hypotheses=(
            DemoHypothesis(
                "pattern",
                "Grade 8 maths fell further than reading in the pandemic and is recovering more "
                "slowly.",
                "State trends of grade 8 maths and grade 3 reading since 2019-20.",
                "supported",
            ),
            DemoHypothesis(
                "hypothesis",
                "Testing exemptions are higher where grade 8 maths looks best.",
                "Compare exemption rates with results by district.",
                "open",
            ),
        ),
        comparators=_comparators(
            (1.9, 1.2, 1.0, 1.4, 1.6, 1.8),
            (3.8, 3.1, 3.5, 3.9, 4.2, 4.4),
            (-1.5, -2.2, -1.9, -1.6, -1.3, -1.1),
        ),
    ),
)
