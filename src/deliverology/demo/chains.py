"""The demo's delivery chains, activity profiles and drivers of performance: plain data, no I/O.

Every priority has one chain, drawn for its first intervention, from the state department down
to the students, with at least one red and one amber-red link (the unit's problems to solve);
some links have been rated twice, so that their history shows. Dates are fixed, so the demo is
the same every time it is built.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoRating:
    rating: str
    evidence: str
    rated_on: str  # ISO date
    rated_by: str  # a demo person's username


@dataclass(frozen=True)
class DemoLink:
    actor_kind: str
    actor: str
    owner_name: str
    levers: str
    ratings: tuple[DemoRating, ...]  # oldest first
    mitigation: str = ""
    owner: str = ""  # a demo person's username, when the owner has an account
    all_regions: bool = False  # the link covers every region


@dataclass(frozen=True)
class DemoActivity:
    name: str
    kind: str
    owner_name: str
    cost: int | None
    reach: int | None
    intended_effect: str
    evidence_of_impact: str
    evidence_notes: str
    stop_candidate: bool = False


@dataclass(frozen=True)
class DemoDriver:
    statement: str  # empty: promote the priority's first open or supported hypothesis
    evidence: str
    confidence: str


@dataclass(frozen=True)
class DemoChainSet:
    priority_code: str
    chain_title: str
    front_line_change: str
    links: tuple[DemoLink, ...]
    activities: tuple[DemoActivity, ...]
    drivers: tuple[DemoDriver, ...]


def _r(rating: str, evidence: str, rated_on: str, rated_by: str = "analyst") -> DemoRating:
    return DemoRating(rating, evidence, rated_on, rated_by)


def _department(owner: str, ratings: tuple[DemoRating, ...]) -> DemoLink:
    return DemoLink(
        "department",
        "State Department of Education",
        owner,
        "Sets the priority, the budget and the accountability framework.",
        ratings,
        owner="leader",
    )


CHAIN_SETS = (
    DemoChainSet(
        priority_code="early-literacy",
        chain_title="Structured phonics in every K-3 classroom",
        front_line_change="K-3 teachers teach a daily structured phonics block with new materials.",
        links=(
            _department(
                "Deputy Commissioner for Teaching and Learning",
                (_r("green", "Budget and materials list approved by the Board.", "2025-09-12"),),
            ),
            DemoLink(
                "region",
                "Regional education service centres",
                "Regional literacy directors",
                "Training contracts and coaching time funded by the state.",
                (
                    _r(
                        "amber_green",
                        "Four of five centres ran the summer institute.",
                        "2025-09-15",
                    ),
                    _r("green", "All centres now run monthly coach networks.", "2026-02-03"),
                ),
                all_regions=True,
            ),
            DemoLink(
                "district",
                "District curriculum offices",
                "District literacy leads",
                "Materials grants tied to adopting an approved curriculum.",
                (
                    _r("amber_green", "Most districts adopted approved materials.", "2025-09-20"),
                    _r(
                        "amber_red",
                        "A third of districts still use three-cueing materials alongside.",
                        "2026-01-28",
                    ),
                ),
                mitigation="Materials grant conditional on retiring three-cueing kits by spring.",
            ),
            DemoLink(
                "school",
                "Elementary schools",
                "Principals",
                "Walkthroughs and the phonics block on the timetable.",
                (
                    _r(
                        "amber_green",
                        "Timetables show the block in 90% of sampled schools.",
                        "2026-01-30",
                    ),
                ),
            ),
            DemoLink(
                "teacher",
                "K-3 teachers",
                "Grade-level team leads",
                "Coaching cycles and lesson observation.",
                (
                    _r("amber_red", "Coaching reaches half of new teachers.", "2025-10-02"),
                    _r(
                        "red",
                        "Fidelity 41%: teachers trained but not coached in 60% of schools.",
                        "2026-02-10",
                        "owner",
                    ),
                ),
            ),
            DemoLink(
                "student",
                "K-3 students",
                "Classroom teachers",
                "Daily instruction and the universal screener's intervention groups.",
                (),
            ),
        ),
        activities=(
            DemoActivity(
                "Reading Recovery (legacy programme)",
                "programme",
                "Office of Early Learning",
                2_400_000,
                3_100,
                "One-to-one tutoring for the weakest first-grade readers.",
                "weak",
                "State evaluation 2021: early gains fade by grade 3.",
                stop_candidate=True,
            ),
            DemoActivity(
                "Literacy coaching grants",
                "funding_stream",
                "Federal programs office",
                6_800_000,
                41_000,
                "A coach for every priority school.",
                "moderate",
                "Quasi-experimental study 2023: +3 points in coached schools.",
            ),
            DemoActivity(
                "Summer reading academies",
                "initiative",
                "Regional service centres",
                1_900_000,
                8_500,
                "Stop the summer slide for students below benchmark.",
                "strong",
                "Randomised trial in two regions, 2022.",
            ),
            DemoActivity(
                "Annual literacy poster campaign",
                "initiative",
                "Communications office",
                350_000,
                None,
                "Raise awareness of reading at home.",
                "none",
                "Never evaluated.",
                stop_candidate=True,
            ),
        ),
        drivers=(
            DemoDriver("", "District improvement since 2022-23 by materials adopted.", "medium"),
            DemoDriver(
                "Teachers trained in structured phonics but not coached do not change practice.",
                "Classroom observations 2025-26: fidelity 72% with coaching, 38% without.",
                "high",
            ),
        ),
    ),
    DemoChainSet(
        priority_code="graduation",
        chain_title="Early-warning teams in every high school",
        front_line_change="Each off-track ninth grader has a named adult and a weekly check-in.",
        links=(
            _department(
                "Assistant Commissioner for High Schools",
                (_r("green", "Early-warning indicators published every six weeks.", "2025-09-10"),),
            ),
            DemoLink(
                "district",
                "District student-information offices",
                "District data coordinators",
                "The early-warning data feed and its deadlines.",
                (
                    _r(
                        "amber_red",
                        "Attendance data arrives three weeks late in half of districts.",
                        "2025-10-08",
                    ),
                    _r(
                        "red",
                        "Feed broken in the two largest districts since January.",
                        "2026-02-05",
                    ),
                ),
                mitigation="State data team to host the feed for districts without capacity.",
            ),
            DemoLink(
                "school",
                "High schools",
                "Assistant principals",
                "Protected meeting time for early-warning teams.",
                (_r("amber_green", "Teams meet fortnightly in most schools.", "2026-01-22"),),
            ),
            DemoLink(
                "teacher",
                "Ninth-grade advisers",
                "Advisory leads",
                "Caseloads and the weekly check-in protocol.",
                (
                    _r(
                        "amber_red",
                        "Caseloads of 60+ in urban schools; check-ins lapse.",
                        "2026-01-22",
                    ),
                ),
            ),
            DemoLink(
                "student",
                "Ninth-grade students off track",
                "Advisers",
                "Check-ins, credit recovery places and family contact.",
                (),
            ),
        ),
        activities=(
            DemoActivity(
                "Credit recovery online licences",
                "funding_stream",
                "Office of High Schools",
                1_200_000,
                9_000,
                "Recover failed credits before graduation.",
                "weak",
                "Completion rates high, but course pass rates do not predict later success.",
            ),
            DemoActivity(
                "Ninth-grade academies",
                "programme",
                "District high-school offices",
                3_500_000,
                22_000,
                "Smaller learning communities for the transition year.",
                "moderate",
                "On-track rates 6 points higher in academy schools (2024).",
            ),
            DemoActivity(
                "Senior-year exit exam preparation",
                "initiative",
                "Assessment office",
                800_000,
                15_000,
                "Pass the exit exam, retired from 2026.",
                "none",
                "The exam it prepares for is being retired.",
                stop_candidate=True,
            ),
        ),
        drivers=(
            DemoDriver(
                "Ninth graders failing a core course in the first semester rarely graduate.",
                "Cohort analysis 2019-2023: 58% of those students graduate in four years.",
                "high",
            ),
        ),
    ),
    DemoChainSet(
        priority_code="attendance",
        chain_title="Family outreach for chronically absent students",
        front_line_change="Families of students missing 10% of days get a call within two days.",
        links=(
            _department(
                "Director of Student Support",
                (_r("green", "Outreach guidance and funding issued.", "2025-08-28"),),
            ),
            DemoLink(
                "region",
                "Regional attendance networks",
                "Regional support managers",
                "Peer networks and shared outreach scripts.",
                (_r("amber_green", "Networks meet termly; uneven attendance.", "2025-11-12"),),
                all_regions=True,
            ),
            DemoLink(
                "school",
                "Schools' attendance teams",
                "Attendance officers",
                "Daily absence lists and outreach logs.",
                (
                    _r(
                        "amber_red",
                        "Outreach logs show calls within two days in 55% of cases.",
                        "2025-11-15",
                    ),
                    _r(
                        "amber_red",
                        "No better: officers shared between three schools.",
                        "2026-02-12",
                    ),
                ),
            ),
            DemoLink(
                "family",
                "Families",
                "Attendance mentors",
                "Calls, home visits and transport help.",
                (
                    _r(
                        "red",
                        "Phone numbers out of date for a third of families.",
                        "2026-02-12",
                        "owner",
                    ),
                ),
                mitigation="Data refresh at re-enrolment; mentors to visit where calls fail.",
            ),
            DemoLink(
                "student",
                "Chronically absent students",
                "Attendance mentors",
                "Mentoring and attendance incentives.",
                (),
            ),
        ),
        activities=(
            DemoActivity(
                "Automated absence text messages",
                "initiative",
                "IT services",
                150_000,
                120_000,
                "Tell families the same day a student is absent.",
                "moderate",
                "Randomised trial in 2023: absence down 0.8 days a year.",
            ),
            DemoActivity(
                "Truancy court referrals",
                "programme",
                "District legal offices",
                900_000,
                2_400,
                "Compel attendance through the courts.",
                "weak",
                "Referred students' attendance did not improve (2022 review).",
                stop_candidate=True,
            ),
        ),
        drivers=(DemoDriver("", "Outreach logs and absence figures, 2025-26.", "low"),),
    ),
    DemoChainSet(
        priority_code="middle-math",
        chain_title="High-dosage tutoring in grades 6-8",
        front_line_change="Students below grade level get three 30-minute sessions a week.",
        links=(
            _department(
                "Director of Mathematics",
                (_r("green", "Tutoring contracts signed for three years.", "2025-09-05"),),
            ),
            DemoLink(
                "district",
                "District tutoring coordinators",
                "District maths leads",
                "Tutor recruitment and the schedule.",
                (_r("amber_red", "Tutor vacancies at 30% in rural districts.", "2025-12-01"),),
                mitigation="Online tutors for rural districts from January.",
            ),
            DemoLink(
                "school",
                "Middle schools",
                "Principals",
                "Tutoring in the school day, not after it.",
                (
                    _r("amber_green", "Most schools timetabled tutoring.", "2025-10-10"),
                    _r(
                        "red",
                        "Sessions dropped for test preparation in 40% of schools.",
                        "2026-03-02",
                    ),
                ),
            ),
            DemoLink(
                "teacher",
                "Tutors",
                "Tutoring providers' site leads",
                "Training and session plans aligned to the curriculum.",
                (
                    _r(
                        "amber_green",
                        "Session plans aligned; quality checks monthly.",
                        "2026-01-15",
                    ),
                ),
            ),
            DemoLink(
                "student",
                "Students below grade level",
                "Tutors",
                "Three sessions a week in groups of three or fewer.",
                (),
            ),
        ),
        activities=(
            DemoActivity(
                "High-dosage tutoring",
                "programme",
                "Office of Mathematics",
                7_500_000,
                18_000,
                "Close gaps before algebra.",
                "strong",
                "Multiple randomised trials; 0.3 SD in a year.",
            ),
            DemoActivity(
                "Maths homework hotline",
                "initiative",
                "Office of Mathematics",
                420_000,
                5_000,
                "Evening help with homework.",
                "none",
                "Call volumes fell 60% since 2021; no outcome data.",
                stop_candidate=True,
            ),
        ),
        drivers=(
            DemoDriver(
                "Students who miss grade 6 fractions fall behind in every later maths course.",
                "Item analysis of state tests 2022-2025.",
                "medium",
            ),
        ),
    ),
)
