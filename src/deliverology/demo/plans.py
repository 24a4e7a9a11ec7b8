"""The demo's delivery plans: plain data, no I/O. Dates are days from `today`, so that some
milestones are always overdue and some are done whenever the demo is built."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class DemoMilestone:
    title: str
    owner: str  # a demo person's username; "" for nobody yet
    starts: int  # days from today
    due: int  # days from today
    status: str
    evidence: str = ""
    trajectory_period: str = ""
    district: bool = False  # in the demo's first district (where the district user works)


@dataclass(frozen=True)
class DemoRisk:
    description: str
    likelihood: int
    impact: int
    owner: str
    mitigation: str
    trigger: str
    status: str = "open"


@dataclass(frozen=True)
class DemoRaci:
    activity: str
    responsible: str
    accountable: str
    consulted: tuple[str, ...] = ()
    informed: tuple[str, ...] = ()


@dataclass(frozen=True)
class DemoStakeholder:
    name: str
    interest: str
    influence: str
    engagement: str


@dataclass(frozen=True)
class DemoPlan:
    priority_code: str
    owner: str
    status: str
    starts: int  # days from today
    ends_on: date
    strategy: str
    delivery_chain: str
    performance_management: str
    benchmarks: str
    resources_people: str
    budget: int | None
    resource_gap: str
    gap_closure: str
    milestones: tuple[DemoMilestone, ...]
    risks: tuple[DemoRisk, ...]
    raci: tuple[DemoRaci, ...]
    stakeholders: tuple[DemoStakeholder, ...]


def on(today: date, days: int) -> date:
    return today + timedelta(days=days)


PLANS = (
    DemoPlan(
        priority_code="early-literacy",
        owner="owner",
        status="approved",
        starts=-420,
        ends_on=date(2030, 6, 30),
        strategy=(
            "Structured literacy in every K-3 classroom: evidence-based materials, a coach for "
            "every five schools and screening three times a year, so that teachers act on what "
            "each child cannot yet do."
        ),
        delivery_chain=(
            "State literacy office → regional coaches → district literacy leads → principals → "
            "K-3 teachers → students. Weakest link: principals' time for classroom walk-throughs; "
            "addressed by a fortnightly 30-minute protocol agreed with the principals' association."
        ),
        performance_management=(
            "Screening results (fall, winter, spring) by school; coaching visits logged weekly; "
            "the share of classrooms using the new materials. Watch the share of students "
            "exempted from testing."
        ),
        benchmarks=(
            "Our own fastest-improving districts and two neighbouring states; a termly "
            "practice forum for district literacy leads."
        ),
        resources_people="40 literacy coaches (32 hired), a programme manager, two analysts.",
        budget=9_500_000,
        resource_gap="8 coaching posts unfilled in rural districts.",
        gap_closure="Shared coaches between neighbouring districts until the spring hiring round.",
        milestones=(
            DemoMilestone(
                "Coaches hired for the first wave",
                "owner",
                -400,
                -250,
                "done",
                "32 of 40 coaches in post",
                "2024-25",
            ),
            DemoMilestone(
                "Materials in every K-3 classroom", "analyst", -300, -120, "done", "Delivery notes"
            ),
            DemoMilestone(
                "Fall screening complete in every district",
                "district",
                -60,
                -14,
                "late",
                "",
                "2025-26",
                district=True,
            ),
            DemoMilestone("Principals' walk-through protocol agreed", "owner", -45, -5, "at_risk"),
            DemoMilestone("Winter screening", "district", 30, 90, "not_started", "", "2025-26"),
            DemoMilestone("Second coaching wave recruited", "owner", 20, 150, "on_track"),
            DemoMilestone(
                "Spring screening and mid-year review", "analyst", 120, 200, "not_started"
            ),
        ),
        risks=(
            DemoRisk(
                "Coaching posts stay unfilled in rural districts",
                3,
                3,
                "owner",
                "Shared coaches across districts; a relocation allowance.",
                "Fewer than 36 coaches in post by January",
                "mitigating",
            ),
            DemoRisk(
                "Teachers drop the materials after the first term",
                2,
                4,
                "analyst",
                "Coaches check use on every visit; principals' walk-throughs.",
                "Use below 80% of classrooms in the winter survey",
            ),
            DemoRisk(
                "Screening data arrive too late to act on",
                2,
                2,
                "district",
                "Districts upload within ten days; the delivery unit chases.",
                "A district misses the upload window",
            ),
        ),
        raci=(
            DemoRaci("Coaching in classrooms", "owner", "leader", ("district",), ("viewer",)),
            DemoRaci("Screening and data", "district", "analyst", ("owner",), ("leader",)),
            DemoRaci("Materials and training", "analyst", "owner", ("district",)),
        ),
        stakeholders=(
            DemoStakeholder(
                "Teachers' union", "high", "high", "Termly meeting; joint guidance on coaching."
            ),
            DemoStakeholder(
                "Principals' association", "high", "medium", "Co-designed the walk-through."
            ),
            DemoStakeholder("Parents' council", "medium", "low", "Newsletter each term."),
        ),
    ),
    DemoPlan(
        priority_code="graduation",
        owner="analyst",
        status="in_review",
        starts=-200,
        ends_on=date(2030, 6, 30),
        strategy=(
            "Early-warning teams in every high school meet fortnightly on students off track; "
            "credit recovery for those behind."
        ),
        delivery_chain=(
            "State → districts → high-school principals → early-warning teams → counsellors → "
            "students. Weak link: counsellors' caseloads in the largest districts."
        ),
        performance_management="Ninth-grade on-track rate each semester; credits earned.",
        benchmarks="",
        resources_people="Early-warning lead in every high school.",
        budget=4_200_000,
        resource_gap="",
        gap_closure="",
        milestones=(
            DemoMilestone("Early-warning teams trained", "analyst", -180, -60, "done", "Rosters"),
            DemoMilestone("Credit-recovery courses online", "leader", -90, -20, "late"),
            DemoMilestone("First semester review of on-track data", "analyst", 10, 75, "on_track"),
            DemoMilestone("Counsellor caseload plan agreed", "", 30, 120, "not_started"),
        ),
        risks=(
            DemoRisk(
                "Counsellors' caseloads too high to follow up",
                4,
                3,
                "leader",
                "",
                "More than 400 students per counsellor",
            ),
            DemoRisk(
                "Credit recovery seen as an easy route",
                2,
                3,
                "analyst",
                "Course quality reviewed each semester.",
                "Pass rates above 95%",
            ),
        ),
        raci=(DemoRaci("Early-warning meetings", "district", "analyst", ("owner",), ("leader",)),),
        stakeholders=(DemoStakeholder("High-school principals", "high", "high", "Monthly call."),),
    ),
    DemoPlan(
        priority_code="attendance",
        owner="owner",
        status="draft",
        starts=-150,
        ends_on=date(2030, 6, 30),
        strategy="Family outreach in the first 30 days and attendance nudges by text message.",
        delivery_chain="",
        performance_management="First-30-days attendance by school, weekly.",
        benchmarks="Pre-pandemic attendance in our own schools.",
        resources_people="Outreach workers in 60 schools.",
        budget=2_000_000,
        resource_gap="Text-message platform not yet bought.",
        gap_closure="",
        milestones=(
            DemoMilestone("Outreach workers in post", "owner", -140, -40, "done", "Payroll"),
            DemoMilestone("Text-message platform bought", "analyst", -60, -30, "at_risk"),
            DemoMilestone("First-30-days review", "district", 0, 45, "not_started", "", "2025-26"),
        ),
        risks=(
            DemoRisk(
                "Families do not answer outreach",
                3,
                2,
                "owner",
                "Home visits after two missed calls.",
                "Contact rate below half",
            ),
        ),
        raci=(),
        stakeholders=(),
    ),
    DemoPlan(
        priority_code="middle-math",
        owner="analyst",
        status="draft",
        starts=-100,
        ends_on=date(2030, 6, 30),
        strategy="High-dosage tutoring in grades 6-8 and a stronger middle-school sequence.",
        delivery_chain="State maths office → districts → middle schools → tutors → students.",
        performance_management="Tutoring sessions per student per week; unit tests.",
        benchmarks="Tutoring programmes in two other states.",
        resources_people="300 tutors through a university partnership.",
        budget=6_800_000,
        resource_gap="",
        gap_closure="",
        milestones=(
            DemoMilestone("Tutoring partner contracted", "leader", -90, -50, "done", "Contract"),
            DemoMilestone("Tutors in the first 40 schools", "analyst", -40, 20, "on_track"),
            DemoMilestone("Tutors' safeguarding checks complete", "district", -30, -7, "at_risk"),
            DemoMilestone("New grade 6 sequence adopted", "owner", 60, 240, "not_started"),
        ),
        risks=(
            DemoRisk(
                "Tutors leave mid-year",
                3,
                4,
                "analyst",
                "Stipend paid per term completed.",
                "Tutor attrition above 15%",
            ),
        ),
        raci=(DemoRaci("Tutoring", "analyst", "leader", (), ("owner",)),),
        stakeholders=(DemoStakeholder("University partner", "high", "medium", "Weekly call."),),
    ),
)
