"""The figures of each document as plain data (JSON), so that publishing can freeze them.

A builder reads the database and returns dictionaries of text and numbers only (charts as SVG
text). The page shows the builder's output live while a document is a draft; publishing stores
that output (`frozen`) and the published page shows it, with what has changed since.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from deliverology.configuration import load_method_config
from deliverology.core.assessment import SubCriterion
from deliverology.core.league import (
    RatedPriority,
    change,
    movement,
    priority_order,
)
from deliverology.core.status import Direction, TrajectoryStatus
from deliverology.reports.numbers import measure, number
from deliverology.web.accounts.access import Access
from deliverology.web.assessments.figures import active_priorities, system_progress
from deliverology.web.assessments.league import RankedUnit, agreed_plans, ranked_units
from deliverology.web.assessments.models import (
    Assessment,
    LeagueSnapshot,
    MonthlyNote,
    ReportingRound,
)
from deliverology.web.assessments.note_delivery import note_delivery
from deliverology.web.performance.models import LocalUnit, Metric, Subgroup
from deliverology.web.performance.series import UnitFigure, load_series
from deliverology.web.priorities import charts, clock
from deliverology.web.priorities.progress import Progress, plan_for, progress_of
from deliverology.web.routines.models import Action

Figures = dict[str, Any]


def progress_figures(progress: Progress | None) -> Figures:
    """The latest figure against the trajectory; the latest period is always the latest with a
    figure, and a figure past its refresh date says it is stale."""
    config = load_method_config()
    latest = progress.latest if progress else None
    if progress is None or latest is None:
        status = TrajectoryStatus.NO_DATA.value
        return {"status": status, "status_label": config.status_labels[status], "period": ""}
    unit = progress.metric.measure_unit
    status = progress.status.value
    return {
        "status": status,
        "status_label": config.status_labels[status],
        "period": latest.period.label,
        "value": latest.actual,
        "value_text": measure(latest.actual, unit),
        "expected_text": measure(latest.expected, unit),
        "stale": progress.stale,
        "provisional": latest.provisional,
        "trend": progress.trend.value,
        "trend_label": config.trend_labels[progress.trend.value],
    }


def note_figures(note: MonthlyNote) -> Figures:
    """Per priority: the latest figure against the trajectory, the change since last month's
    published note and a suggested headline."""
    priorities = active_priorities()
    progress = system_progress(priorities)
    previous = (
        MonthlyNote.objects.filter(month__lt=note.month, published_at__isnull=False)
        .order_by("-month")
        .first()
    )
    before = _by_code(previous.frozen if previous and previous.frozen else {})
    delivery = note_delivery(priorities, note.month, clock.today())
    rows = []
    for priority in priorities:
        now = progress_figures(progress.get(priority.pk))
        then = before.get(priority.code)
        rows.append(
            {
                "code": priority.code,
                "title": priority.title,
                **now,
                "change": _change_since(now, then, previous),
                "suggested_headline": _headline(priority.title, now),
                **delivery.get(priority.pk, {}),
            }
        )
    return {"month": note.month.isoformat(), "priorities": rows}


def _by_code(frozen: Mapping[str, Any]) -> dict[str, Figures]:
    return {row["code"]: row for row in frozen.get("priorities", [])}


def _change_since(now: Figures, then: Figures | None, previous: MonthlyNote | None) -> str:
    if previous is None or then is None:
        return _("No published note last month to compare with.")
    month = previous.month.strftime("%B %Y")
    if then.get("period") == now.get("period"):
        return _("No new figure since the note of %(month)s (still %(period)s).") % {
            "month": month,
            "period": now.get("period") or _("none"),
        }
    if then["status"] == now["status"]:
        return _("New figure for %(period)s; still %(status)s, as in %(month)s.") % {
            "period": now["period"],
            "status": now["status_label"].lower(),
            "month": month,
        }
    return _("New figure for %(period)s: %(status)s, was %(was)s in %(month)s.") % {
        "period": now["period"],
        "status": now["status_label"].lower(),
        "was": then["status_label"].lower(),
        "month": month,
    }


def _headline(title: str, now: Figures) -> str:
    if not now.get("period"):
        return _("%(title)s: no figure against the trajectory yet.") % {"title": title}
    text = _("%(title)s: %(status)s in %(period)s, %(value)s against %(expected)s expected.") % {
        "title": title,
        "status": now["status_label"].lower(),
        "period": now["period"],
        "value": now["value_text"],
        "expected": now["expected_text"],
    }
    if now.get("stale"):
        text += " " + _("The figure is overdue for a refresh.")
    return text


def note_changes(frozen: Figures, live: Figures) -> list[str]:
    """What has changed since a note was published, one sentence per priority."""
    published = _by_code(frozen)
    changes = []
    for row in live["priorities"]:
        then = published.get(row["code"])
        if then is None:
            continue
        if (then.get("period"), then.get("value")) != (row.get("period"), row.get("value")):
            changes.append(
                _(
                    "%(title)s: now %(value)s in %(period)s (%(status)s); published: %(was)s in "
                    "%(was_period)s."
                )
                % {
                    "title": row["title"],
                    "value": row.get("value_text", "–"),
                    "period": row.get("period") or _("none"),
                    "status": row["status_label"].lower(),
                    "was": then.get("value_text", "–"),
                    "was_period": then.get("period") or _("none"),
                }
            )
    return changes


# Reasons for a suggested likelihood, as sentences built from the stored figures.


def reason_sentences(reasons: Sequence[Mapping[str, Any]]) -> list[str]:
    config = load_method_config()
    rag = config.rag4_labels
    criteria = config.assessment.sub_criterion_labels
    sentences = []
    for reason in reasons:
        step, after = reason["step"], rag[reason["after"]]
        before = rag.get(reason.get("before") or "", "")
        if step == "worst_sub_rating":
            names = ", ".join(criteria[c].lower() for c in reason["criteria"])
            sentences.append(
                _("The worst sub-rating is %(rating)s (%(criteria)s): the starting point.")
                % {"rating": after, "criteria": names}
            )
        elif step == "trajectory":
            status = config.status_labels[reason["status"]].lower()
            sentences.append(
                _moved(_("The trajectory status is %(status)s") % {"status": status}, before, after)
            )
        elif step == "weak_links":
            text = _("%(count)s delivery-chain links are rated red or amber-red") % {
                "count": reason["count"]
            }
            sentences.append(_moved(text, before, after))
        elif step == "missed_milestones":
            text = _("%(count)s milestones were missed") % {"count": reason["count"]}
            sentences.append(_moved(text, before, after))
    return sentences


def _moved(text: str, before: str, after: str) -> str:
    if before == after:
        return _("%(text)s: it stays %(rating)s.") % {"text": text, "rating": after}
    return _("%(text)s: %(before)s becomes %(after)s.") % {
        "text": text,
        "before": before,
        "after": after,
    }


# The delivery report.


def previous_round(reporting_round: ReportingRound) -> ReportingRound | None:
    return ReportingRound.objects.filter(as_of__lt=reporting_round.as_of).order_by("-as_of").first()


def delivery_report(reporting_round: ReportingRound, *, with_charts: bool = True) -> Figures:
    """The cover league table of priorities and one page per priority; `with_charts` False
    leaves the charts out (to compare figures with a published report)."""
    config = load_method_config()
    labels = config.assessment
    assessments = list(
        Assessment.objects.filter(reporting_round=reporting_round)
        .select_related("priority__goal_metric")
        .order_by("priority__order", "priority__code")
    )
    before = previous_round(reporting_round)
    previous = (
        dict(
            Assessment.objects.filter(reporting_round=before).values_list(
                "priority_id", "likelihood"
            )
        )
        if before
        else {}
    )
    progress = system_progress([a.priority for a in assessments])
    actions = actions_open_on([a.priority_id for a in assessments], reporting_round.as_of)
    pages: list[Figures] = []
    for a in assessments:
        figures = progress.get(a.priority_id)
        was = previous.get(a.priority_id) or None
        pages.append(
            {
                "code": a.priority.code,
                "title": a.priority.title,
                "challenge": labels.challenge_labels.get(a.challenge, ""),
                "challenge_key": a.challenge or None,
                "stage": labels.stage_labels.get(a.stage, ""),
                "sub_ratings": [
                    {
                        "label": labels.sub_criterion_labels[c.value],
                        "rating": getattr(a, c.value),
                        "rating_label": config.rag4_labels.get(getattr(a, c.value), ""),
                    }
                    for c in SubCriterion
                ],
                "likelihood": a.likelihood or None,
                "likelihood_label": config.rag4_labels.get(a.likelihood, ""),
                "previous": was,
                "previous_label": config.rag4_labels.get(was or "", ""),
                "change": change(a.likelihood or None, was),
                "suggested_label": config.rag4_labels.get(a.suggested_likelihood, ""),
                "is_override": a.is_override,
                "final": a.status == Assessment.Status.FINAL,
                "rationale": a.rationale,
                "to_move_up": a.to_move_up,
                "narrative": a.narrative,
                "key_actions": a.key_actions,
                "actions": actions.get(a.priority_id, []),
                "figures": progress_figures(figures),
                "chart": charts.trajectory(figures, title=a.priority.goal_metric.name)
                if with_charts and figures is not None and figures.rows
                else "",
            }
        )
    order = priority_order(
        [
            RatedPriority(p["code"], p["title"], p["likelihood"], p["previous"], p["challenge_key"])
            for p in pages
        ]
    )
    by_code = {p["code"]: p for p in pages}
    return {
        "round": reporting_round.name,
        "as_of": reporting_round.as_of.isoformat(),
        "previous_round": before.name if before else "",
        "league": [by_code[r.key] for r in order],
        "pages": pages,
        "themes": reporting_round.cross_cutting_themes,
    }


def actions_open_on(priority_ids: Sequence[int], day: dt.date) -> dict[int, list[Figures]]:
    """Each priority's actions open on a day (raised by then, not closed by then), soonest due
    first, with their owner and whether they were overdue on that day: one query."""
    open_then = (
        Action.objects.filter(priority_id__in=priority_ids, raised_on__lte=day)
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gt=day))
        .select_related("owner")
        .order_by("due", "pk")
    )
    found: dict[int, list[Figures]] = {}
    for action in open_then:
        if action.priority_id is None:
            continue  # not reached: filtered by priority
        owner = action.owner.get_full_name() or action.owner.get_username()
        found.setdefault(action.priority_id, []).append(
            {
                "description": action.description,
                "owner": owner,
                "due": action.due.isoformat(),
                "overdue": action.due < day,
            }
        )
    return found


# League tables of local units.


def snapshot_label(day: dt.date) -> str:
    """The snapshot period a day falls in: "2026-Q3" for quarters, else "2026-P5"."""
    months = load_method_config().assessment.league_snapshot_months
    index = (day.month - 1) // months + 1
    return f"{day.year}-Q{index}" if months == 3 else f"{day.year}-P{index}"


def league_levels() -> list[str]:
    """The local-unit types below the top of the hierarchy."""
    types = LocalUnit.objects.filter(parent__isnull=False).values_list("type", flat=True)
    return sorted(set(types.order_by().distinct()))


def league_table(
    metric: Metric,
    local_unit_type: str,
    view: str,
    today: dt.date,
    *,
    previous: LeagueSnapshot | None,
    until: str | None = None,
    ranked: Sequence[RankedUnit] | None = None,
) -> Figures:
    """Local units of a type, ranked by level or by progress against their own trajectory (or
    sub-target), with their size and data-quality flags; a fixed number of queries. The places
    are worked out for every unit (`league.ranked_units`); the rows are built for `ranked`, a
    part of that order (a page), or for every unit when None. `until` leaves out the figures of
    later periods (the table as it stood then)."""
    config = load_method_config()
    root = LocalUnit.objects.roots().order_by("path").first()
    everyone = Subgroup.objects.filter(code=Subgroup.ALL).first()
    if root is None or everyone is None:
        return {"rows": [], "metric": metric.name, "view": view}
    if ranked is None:
        ranked = ranked_units(metric, local_unit_type, view, until=until)
    units = {u.pk: u for u in LocalUnit.objects.filter(pk__in=[r.pk for r in ranked])}
    series = load_series([metric], [root.pk, *units], [everyone])
    if until is not None:
        last = metric.parse_period(until)
        series = {
            key: {p: f for p, f in found.items() if metric.parse_period(p) <= last}
            for key, found in series.items()
        }
    targets = {
        (t.local_unit_id, t.subgroup_id): t
        for t in metric.target_set.filter(
            Q(local_unit=root) | Q(local_unit__in=list(units)), subgroup=everyone
        ).prefetch_related("trajectories__points")
    }
    for target in targets.values():
        target.metric = metric  # saves a query per target
    agreed = agreed_plans(metric, everyone, Q(local_unit__in=list(units)))
    system_figures = series.get((metric.pk, root.pk, everyone.pk), {})
    system_target = targets.get((root.pk, everyone.pk))
    system_plan = plan_for(metric, system_figures, system_target, None)
    known = [metric.parse_period(p) for p, f in system_figures.items() if f.value is not None]
    system_latest = max(known, default=None)

    def progress(pk: int) -> Progress:
        figures = series.get((metric.pk, pk, everyone.pk), {})
        plan = plan_for(
            metric,
            figures,
            targets.get((pk, everyone.pk)),
            system_target,
            agreed.get(pk),
            system_plan=system_plan,
        )
        return progress_of(metric, figures, plan, config, today, system_latest)

    before = {row["code"]: row["place"] for row in (previous.frozen["rows"] if previous else [])}
    rows = [
        {
            "code": r.code,
            "name": r.name,
            "path": r.path,
            "place": r.place,
            "tied": r.tied,
            "movement": movement(r.place, before.get(r.code)),
            **_league_facts(progress(r.pk), view),
        }
        for r in ranked
    ]
    return {
        "metric": metric.name,
        "metric_code": metric.code,
        "local_unit_type": local_unit_type,
        "view": view,
        "as_of": today.isoformat(),
        "previous": previous.quarter if previous else "",
        "rows": rows,
    }


def _league_facts(progress: Progress, view: str) -> Figures:
    latest = progress.latest
    figure: UnitFigure | None = latest.figure if latest else None
    value = latest.actual if latest else None
    gap_ratio = latest.assessment.gap_ratio if latest else None
    if view == LeagueSnapshot.View.PROGRESS:
        score = gap_ratio
    else:
        lower = progress.metric.core_direction is Direction.LOWER_IS_BETTER
        score = None if value is None else (-value if lower else value)
    unit = progress.metric.measure_unit
    return {
        "score": score,
        "value_text": measure(value, unit),
        "period": latest.period.label if latest else "",
        "expected_text": measure(latest.expected if latest else None, unit),
        "gap_text": "" if gap_ratio is None else f"{number(100 * gap_ratio, 0)}%",
        "status_label": load_method_config().status_labels[progress.status.value],
        "size": None if progress.size is None else round(progress.size),
        "coverage": _coverage_text(figure),
        "partial": bool(figure and figure.is_partial),
        "provisional": bool(latest and latest.provisional),
        "stale": progress.stale,
        "no_trajectory": progress.trajectory_source == "none",
    }


def _coverage_text(figure: UnitFigure | None) -> str:
    if figure is None or figure.coverage is None or figure.reported is not None:
        return ""
    config = load_method_config().coverage
    cover = figure.coverage
    text = _("%(reporting)s of %(expected)s %(units)s") % {
        "reporting": cover.reporting,
        "expected": cover.expected,
        "units": config.plural(figure.children_type),
    }
    if cover.share is not None:
        text += ", " + _("%(share)s%% of %(noun)s") % {
            "share": number(100 * cover.share, 0),
            "noun": config.size_noun,
        }
    return text


def visible_rows(table: Figures, access: Access) -> Figures:
    """The rows a person may see: local-unit users see the units in their own subtrees, with
    the places they hold in the whole table."""
    if access.sees_everything:
        return table
    roots = [root.path for root in access.roots]
    rows = [r for r in table["rows"] if any(r["path"].startswith(p) for p in roots)]
    return {**table, "rows": rows}
