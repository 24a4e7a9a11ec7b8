"""Setting, negotiating and agreeing sub-targets: each change touches several rows and keeps its
history, so it happens here, in one transaction, for the views, the admin and the tests alike."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from deliverology.core.allocation import (
    AggregationCheck,
    AllocationError,
    AllocationMethod,
    Stretch,
    UnitBaseline,
    aggregation_check,
    cap_and_share,
    gap_closing,
    stretch_to_meet,
    uplifted,
)
from deliverology.core.sub_trajectories import sub_trajectories_array, trajectory_shape
from deliverology.core.trajectories import TrajectoryPoint, linear_trajectory
from deliverology.web.performance.models import LocalUnit, Metric, Subgroup
from deliverology.web.performance.series import load_series
from deliverology.web.priorities.models import Target
from deliverology.web.subtargets.models import (
    NegotiationStep,
    SubTarget,
    SubTargetPoint,
    SubTargetSet,
)

Status = SubTarget.Status
Step = NegotiationStep.Kind
# The parameters each method takes, besides the local units and the direction.
PARAMETERS: Mapping[AllocationMethod, tuple[str, ...]] = {
    AllocationMethod.UNIFORM_UPLIFT: ("uplift",),
    AllocationMethod.GAP_CLOSING: ("benchmark", "share"),
    AllocationMethod.FLOOR_PLUS_UPLIFT: ("floor", "uplift"),
    AllocationMethod.NEGOTIATED: (),
}


class SubTargetError(ValueError):
    """A sub-target change that cannot be made; the message says why, to the person who tried."""


def levels_under(target: Target) -> list[str]:
    """The types of local unit under the target's unit, nearest first."""
    below = LocalUnit.objects.subtree(target.local_unit).exclude(pk=target.local_unit_id)
    nearest: dict[str, int] = {}
    for unit_type, depth in below.values_list("type", "depth"):
        nearest[unit_type] = min(depth, nearest.get(unit_type, depth))
    return sorted(nearest, key=lambda unit_type: (nearest[unit_type], unit_type))


@transaction.atomic
def build_sub_targets(
    target: Target,
    *,
    level: str = "",
    subgroups: Sequence[Subgroup] = (),
    method: AllocationMethod,
    by: User | None,
    **parameters: float,
) -> SubTargetSet:
    """Share the target out by `method`: among the local units of `level` under its unit, or
    among `subgroups` of its unit (which should together make up the target's subgroup).

    A set still being negotiated is replaced (its history keeps the old one); an agreed set is
    not.
    """
    method = AllocationMethod(method)
    _check_metric(target.metric)
    existing = SubTargetSet.objects.filter(target=target).first()
    if existing is not None and existing.is_agreed:
        raise SubTargetError(
            _("The sub-targets of this target are agreed: they cannot be rebuilt.")
        )
    shares = _subgroup_shares(target, subgroups) if subgroups else _unit_shares(target, level)
    baselines = _baselines(target, shares)
    keyed = [UnitBaseline(share, value, den) for share, (_, den, value) in baselines.items()]
    allocated = _allocate(target, method, keyed, parameters)
    if existing is not None:
        existing.delete()
    chosen = {name: parameters[name] for name in PARAMETERS[method]}
    sub_target_set = SubTargetSet.objects.create(
        target=target,
        breakdown=SubTargetSet.Breakdown.SUBGROUPS
        if subgroups
        else SubTargetSet.Breakdown.LOCAL_UNITS,
        level="" if subgroups else level,
        method=method.value,
        parameters=chosen,
        created_by=by,
    )
    sub_targets = [
        _new_sub_target(sub_target_set, share, figures, allocated)
        for share, figures in baselines.items()
    ]
    bulk_create_with_history(sub_targets, SubTarget, default_user=by)
    sub_targets = list(sub_target_set.sub_targets.all())
    if allocated is not None:
        _record(sub_targets, Step.ALLOCATED, by, note=_describe(method, chosen))
    rebuild_trajectories(sub_target_set, sub_targets)
    return sub_target_set


def check_of(
    sub_target_set: SubTargetSet, sub_targets: Sequence[SubTarget] | None = None
) -> AggregationCheck:
    """The aggregation check of the sub-targets as they stand: denominator-weighted."""
    sub_targets = list(sub_target_set.sub_targets.all()) if sub_targets is None else sub_targets
    target = sub_target_set.target
    metric = target.metric
    return aggregation_check(
        {each.pk: each.value for each in sub_targets},
        [each.unit_baseline() for each in sub_targets],
        target.target_value,
        metric.core_direction,
        metric.scale,
    )


def stretch_of(
    sub_target_set: SubTargetSet, sub_targets: Sequence[SubTarget] | None = None
) -> Stretch[int]:
    """The least stretch that meets the system target.

    While every sub-target is as allocated, the method's own parameter is stretched (a larger
    share of each gap, a larger uplift). Once any was proposed or adjusted, the same smallest
    uplift is added to every sub-target as it stands, so nobody's negotiated figure is lost.
    """
    sub_targets = list(sub_target_set.sub_targets.all()) if sub_targets is None else sub_targets
    target = sub_target_set.target
    metric = target.metric
    units = [each.unit_baseline() for each in sub_targets]
    method = sub_target_set.core_method
    extra: dict[str, Any] = {}
    if method is AllocationMethod.NEGOTIATED or any(
        each.status != Status.ALLOCATED for each in sub_targets
    ):
        method = AllocationMethod.NEGOTIATED
        extra["proposals"] = {each.pk: each.value for each in sub_targets}
    else:
        extra = {k: v for k, v in sub_target_set.parameters.items() if k in ("benchmark", "floor")}
    try:
        return stretch_to_meet(
            method,
            units,
            target.target_value,
            metric.core_direction,
            scale=metric.scale,
            **extra,
        )
    except AllocationError as error:
        raise SubTargetError(str(error)) from error


@transaction.atomic
def stretch(sub_target_set: SubTargetSet, *, by: User | None) -> Stretch[int]:
    """Apply the least stretch that meets the system target (one click on the page)."""
    _check_open(sub_target_set)
    sub_targets = list(sub_target_set.sub_targets.select_for_update())
    found = stretch_of(sub_target_set, sub_targets)
    by_pk = {each.pk: each for each in sub_targets}
    changed = [
        each for pk, value in found.sub_targets.items() if (each := by_pk[pk]).value != value
    ]
    if found.method is AllocationMethod.NEGOTIATED:
        note = _("stretched to meet the system target: %(uplift).4g added to every one") % {
            "uplift": found.parameter
        }
        for each in changed:
            each.adjusted_value = each.value = found.sub_targets[each.pk]
            each.status = Status.ADJUSTED
        _record(changed, Step.ADJUSTED, by, note=note)
    else:
        name = "share" if found.method is AllocationMethod.GAP_CLOSING else "uplift"
        sub_target_set.parameters = {**sub_target_set.parameters, name: found.parameter}
        sub_target_set.save(update_fields=["parameters"])
        note = _("stretched: %(how)s") % {"how": _describe(found.method, sub_target_set.parameters)}
        for each in changed:
            each.allocated_value = each.value = found.sub_targets[each.pk]
        _record(changed, Step.ALLOCATED, by, note=note)
    _save(changed, by, "allocated_value", "adjusted_value", "value", "status")
    rebuild_trajectories(sub_target_set, changed)
    return found


@transaction.atomic
def propose(sub_target: SubTarget, value: float, *, by: User | None, note: str = "") -> SubTarget:
    """A local unit proposes its own sub-target."""
    return _change(sub_target, value, Step.PROPOSED, by, note)


@transaction.atomic
def adjust(sub_target: SubTarget, value: float, *, by: User | None, note: str = "") -> SubTarget:
    """The delivery unit adjusts a sub-target."""
    return _change(sub_target, value, Step.ADJUSTED, by, note)


@transaction.atomic
def adjust_many(
    sub_target_set: SubTargetSet, values: Mapping[int, float], *, by: User | None, note: str
) -> list[SubTarget]:
    """Adjust several sub-targets at once (a spreadsheet), `values` by sub-target id; those with
    the same value are left as they are."""
    sub_targets = list(sub_target_set.sub_targets.filter(pk__in=list(values)))
    scale = sub_target_set.target.metric.scale
    changed = []
    for each in sub_targets:
        value = values[each.pk]
        if not math.isclose(value, each.value, rel_tol=0, abs_tol=1e-9):
            _check_open(sub_target_set)
            _check_value(value, scale)
            each.adjusted_value = each.value = value
            each.status = Status.ADJUSTED
            changed.append(each)
    _save(changed, by, "adjusted_value", "value", "status")
    _record(changed, Step.ADJUSTED, by, note=note)
    rebuild_trajectories(sub_target_set, changed)
    return changed


@transaction.atomic
def agree(sub_target_set: SubTargetSet, *, by: User | None) -> SubTargetSet:
    """Agree every sub-target, but only when together they meet the system target."""
    _check_open(sub_target_set)
    sub_targets = list(sub_target_set.sub_targets.select_for_update().select_related("local_unit"))
    waiting = [
        each.local_unit.name for each in sub_targets if each.status == Status.AWAITING_PROPOSAL
    ]
    if waiting:
        raise SubTargetError(
            _(
                "%(n)d local units have no proposal yet (%(names)s): wait for them, or adjust "
                "their sub-targets, before agreeing."
            )
            % {"n": len(waiting), "names": ", ".join(waiting[:5])}
        )
    check = check_of(sub_target_set, sub_targets)
    if check.is_short:
        raise SubTargetError(
            _(
                "The sub-targets add up to %(implied).4g, short of the system target of "
                "%(target)g by %(people)s people: stretch or adjust them before agreeing."
            )
            % {
                "implied": check.implied_system_value,
                "target": check.system_target,
                "people": f"{check.shortfall_people:,}",
            }
        )
    for each in sub_targets:
        each.agreed_value = each.value
        each.status = Status.AGREED
    _save(sub_targets, by, "agreed_value", "status")
    _record(sub_targets, Step.AGREED, by, note="")
    sub_target_set.status = SubTargetSet.Status.AGREED
    sub_target_set.agreed_by = by
    sub_target_set.agreed_at = timezone.now()
    sub_target_set.save()
    return sub_target_set


def rebuild_trajectories(sub_target_set: SubTargetSet, sub_targets: Sequence[SubTarget]) -> None:
    """Each sub-target's own trajectory, shaped like the system target's current trajectory.

    If the system trajectory has a new version since the set's trajectories were shaped, every
    sub-target of the set is reshaped, not only `sub_targets`.
    """
    target = sub_target_set.target
    current = target.current_trajectory()
    version = current.version if current is not None else None
    if version != sub_target_set.trajectory_version:
        sub_targets = list(sub_target_set.sub_targets.all())
        sub_target_set.trajectory_version = version
        sub_target_set.save(update_fields=["trajectory_version"])
    if not sub_targets:
        return
    points = system_trajectory(target)
    rows = sub_trajectories_array(
        np.array([each.baseline_value for each in sub_targets]),
        np.array([each.value for each in sub_targets]),
        trajectory_shape(points),
    )
    SubTargetPoint.objects.filter(sub_target__in=sub_targets).delete()
    SubTargetPoint.objects.bulk_create(
        SubTargetPoint(
            sub_target=each,
            period=point.period.label,
            period_start=point.period.start,
            expected=float(expected),
        )
        for each, row in zip(sub_targets, rows, strict=True)
        for point, expected in zip(points, row, strict=True)
    )


def needs_reshaping(sub_target_set: SubTargetSet) -> bool:
    """Whether the system trajectory has a new version the sub-target trajectories do not follow."""
    current = sub_target_set.target.current_trajectory()
    return (current.version if current else None) != sub_target_set.trajectory_version


@transaction.atomic
def reshape(sub_target_set: SubTargetSet, *, by: User | None) -> SubTargetSet:
    """Shape every sub-target's trajectory like the system's current one (agreed sets too: the
    sub-targets stay, only the path to them follows the system trajectory)."""
    rebuild_trajectories(sub_target_set, list(sub_target_set.sub_targets.all()))
    return sub_target_set


def system_trajectory(target: Target) -> list[TrajectoryPoint]:
    """The target's current trajectory, or a straight line from baseline to target."""
    current = target.current_trajectory()
    if current is not None:
        points = current.core_points()
        if len(points) >= 2:
            return points
    return linear_trajectory(
        target.baseline(), target.baseline_value, target.target(), target.target_value
    )


def _change(
    sub_target: SubTarget, value: float, kind: NegotiationStep.Kind, by: User | None, note: str
) -> SubTarget:
    sub_target_set = sub_target.sub_target_set
    _check_open(sub_target_set)
    _check_value(value, sub_target_set.target.metric.scale)
    if kind == Step.PROPOSED:
        sub_target.proposed_value = value
    else:
        sub_target.adjusted_value = value
    sub_target.value = value
    sub_target.status = Status(kind.value)
    sub_target._history_user = by  # type: ignore[attr-defined]
    sub_target.save()
    _record([sub_target], kind, by, note=note)
    rebuild_trajectories(sub_target_set, [sub_target])
    return sub_target


def _check_metric(metric: Metric) -> None:
    if metric.aggregation != Metric.AggregationChoice.RATE:
        raise SubTargetError(
            _(
                "Sub-targets are checked as rates (numerator over denominator); %(metric)s is "
                "not a rate."
            )
            % {"metric": metric.name}
        )


def _check_open(sub_target_set: SubTargetSet) -> None:
    if sub_target_set.is_agreed:
        raise SubTargetError(_("These sub-targets are agreed: they can no longer change."))


def _check_value(value: float, scale: float) -> None:
    if not (math.isfinite(value) and 0 <= value <= scale):
        raise SubTargetError(
            _("A sub-target lies between 0 and %(scale)g (this one is %(value)g).")
            % {"scale": scale, "value": value}
        )


class Share(NamedTuple):
    """Who gets a sub-target: a local unit and a subgroup."""

    local_unit: LocalUnit
    subgroup: Subgroup


def _unit_shares(target: Target, level: str) -> list[Share]:
    """The local units of `level` under the target's unit that were open in its baseline period
    (a local unit merged away before then has no share of the target)."""
    baseline = target.baseline()
    units = list(
        LocalUnit.objects.subtree(target.local_unit)
        .filter(type=level)
        .exclude(pk=target.local_unit_id)
        .exclude(valid_to__lt=baseline.start)
        .exclude(valid_from__gt=baseline.end)
        .order_by("path")
    )
    if not units:
        raise SubTargetError(
            _("There are no local units of type “%(level)s” under %(unit)s.")
            % {"level": level, "unit": target.local_unit}
        )
    return [Share(unit, target.subgroup) for unit in units]


def _subgroup_shares(target: Target, subgroups: Sequence[Subgroup]) -> list[Share]:
    if len(subgroups) < 2 or target.subgroup in subgroups:
        raise SubTargetError(
            _(
                "Choose at least two subgroups that together make up %(subgroup)s, "
                "not %(subgroup)s itself."
            )
            % {"subgroup": target.subgroup}
        )
    return [Share(target.local_unit, subgroup) for subgroup in subgroups]


Figures = tuple[float | None, float, float]  # numerator, denominator, value


def _baselines(target: Target, shares: list[Share]) -> dict[Share, Figures]:
    """Each share's figure in the target's baseline period; every one is needed to weigh it."""
    metric = target.metric
    units = {share.local_unit.pk for share in shares}
    series = load_series([metric], units, {share.subgroup for share in shares})
    found: dict[Share, Figures] = {}
    missing = []
    for share in shares:
        key = (metric.pk, share.local_unit.pk, share.subgroup.pk)
        figure = series.get(key, {}).get(target.baseline_period)
        measure = figure.effective if figure is not None else None
        if measure is None or measure.value is None or not measure.denominator:
            missing.append(_name_of(share, target))
            continue
        found[share] = (measure.numerator, measure.denominator, measure.value)
    if missing:
        more = _(" and %(n)d more") % {"n": len(missing) - 5} if len(missing) > 5 else ""
        raise SubTargetError(
            _(
                "No figure with a denominator in the baseline period %(period)s for "
                "%(units)s%(more)s: every local unit needs one to be weighed."
            )
            % {"period": target.baseline_period, "units": ", ".join(missing[:5]), "more": more}
        )
    return found


def _name_of(share: Share, target: Target) -> str:
    if share.subgroup.pk == target.subgroup_id:
        return share.local_unit.name
    return f"{share.local_unit.name}, {share.subgroup.name}"


def _allocate(
    target: Target,
    method: AllocationMethod,
    units: list[UnitBaseline[Share]],
    parameters: Mapping[str, float],
) -> dict[Share, float] | None:
    """The allocated sub-targets by unit id; None for negotiated ones, which units propose."""
    missing = [name for name in PARAMETERS[method] if parameters.get(name) is None]
    if missing:
        raise SubTargetError(
            _("The %(method)s method needs the %(missing)s.")
            % {"method": method, "missing": _(" and the ").join(missing)}
        )
    metric = target.metric
    direction, scale = metric.core_direction, metric.scale
    try:
        match method:
            case AllocationMethod.UNIFORM_UPLIFT:
                wanted = uplifted(units, parameters["uplift"], direction)
                return dict(cap_and_share(units, wanted, direction, scale).sub_targets)
            case AllocationMethod.GAP_CLOSING:
                return gap_closing(
                    units, parameters["benchmark"], parameters["share"], direction, scale
                )
            case AllocationMethod.FLOOR_PLUS_UPLIFT:
                _check_value(parameters["floor"], scale)
                wanted = uplifted(units, parameters["uplift"], direction, parameters["floor"])
                return dict(cap_and_share(units, wanted, direction, scale).sub_targets)
            case AllocationMethod.NEGOTIATED:
                return None
    except AllocationError as error:
        raise SubTargetError(str(error)) from error


def _new_sub_target(
    sub_target_set: SubTargetSet,
    share: Share,
    figures: Figures,
    allocated: dict[Share, float] | None,
) -> SubTarget:
    numerator, denominator, value = figures
    given = None if allocated is None else allocated[share]
    return SubTarget(
        sub_target_set=sub_target_set,
        local_unit=share.local_unit,
        subgroup=share.subgroup,
        baseline_numerator=numerator,
        baseline_denominator=denominator,
        baseline_value=value,
        allocated_value=given,
        value=value if given is None else given,
        status=Status.AWAITING_PROPOSAL if given is None else Status.ALLOCATED,
    )


def _record(sub_targets: Iterable[SubTarget], kind: str, by: User | None, *, note: str) -> None:
    NegotiationStep.objects.bulk_create(
        NegotiationStep(sub_target=each, kind=kind, value=each.value, note=note, by=by)
        for each in sub_targets
    )


def _save(sub_targets: list[SubTarget], by: User | None, *fields: str) -> None:
    if sub_targets:
        bulk_update_with_history(sub_targets, SubTarget, list(fields), default_user=by)


def _describe(method: AllocationMethod, parameters: Mapping[str, Any]) -> str:
    shown = ", ".join(f"{name} {value:.4g}" for name, value in parameters.items())
    return f"{method.value}: {shown}" if shown else method.value
