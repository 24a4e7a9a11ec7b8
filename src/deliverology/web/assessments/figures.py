"""Where each priority stands against its trajectory, for the system as a whole: one fixed set
of queries for all priorities, reused by the monthly note, the assessments and the report."""

from __future__ import annotations

from collections.abc import Sequence

from deliverology.web.performance.models import LocalUnit, Metric, Subgroup
from deliverology.web.performance.series import load_series
from deliverology.web.priorities.models import Priority, Target
from deliverology.web.priorities.progress import Progress
from deliverology.web.priorities.views import Lookup
from deliverology.web.subtargets.plans import agreed_sub_targets


def system_progress(priorities: Sequence[Priority]) -> dict[int, Progress]:
    """Each priority's goal metric against its trajectory at the top of the hierarchy."""
    root = LocalUnit.objects.roots().order_by("path").first()
    everyone = Subgroup.objects.filter(code=Subgroup.ALL).first()
    if root is None or everyone is None or not priorities:
        return {}
    metrics = [p.goal_metric for p in priorities]
    lookup = Lookup(
        series=load_series(metrics, [root.pk], [everyone]),
        targets=system_targets(metrics, root, everyone),
        agreed=agreed_sub_targets(metrics, [root], [everyone]),
        root=root,
        everyone=everyone,
    )
    return {p.pk: lookup.progress(p.goal_metric, root, everyone) for p in priorities}


def active_priorities() -> list[Priority]:
    return list(
        Priority.objects.filter(status=Priority.Status.ACTIVE)
        .select_related("goal_metric", "owner")
        .order_by("order", "code")
    )


def system_targets(
    metrics: Sequence[Metric], root: LocalUnit, everyone: Subgroup
) -> dict[tuple[int, int, int], Target]:
    found = Target.objects.filter(
        metric__in=metrics, local_unit=root, subgroup=everyone
    ).prefetch_related("trajectories__points")
    return {(t.metric_id, t.local_unit_id, t.subgroup_id): t for t in found}
