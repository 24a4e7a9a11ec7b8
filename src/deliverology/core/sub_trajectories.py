"""Every sub-target's own trajectory, shaped like the system's (docs/method.md).

A local unit's trajectory runs from its own baseline to its own sub-target, making in each period
the same share of its improvement as the system trajectory makes of the system's. So when the
sub-targets add up to the system target (weighted by the denominators), the sub-trajectories add
up to the system trajectory in every period, not only at the end.

One row per local unit, one column per period; numpy all the way, for 10,000 schools at once.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from deliverology.core.trajectories import TrajectoryError, TrajectoryPoint

Floats = npt.NDArray[np.float64]


def trajectory_shape(points: Sequence[TrajectoryPoint]) -> Floats:
    """The share of the trajectory's whole change made by each period: 0 at the baseline, 1 at
    the end.

    A trajectory that ends where it started has no shape to share out, so a straight line is
    used.
    """
    if len(points) < 2:
        raise TrajectoryError("a trajectory needs at least a baseline and a target period")
    expected = np.array([point.expected for point in points], dtype=np.float64)
    change = expected[-1] - expected[0]
    if change == 0:
        return np.linspace(0.0, 1.0, len(points))
    shape: Floats = (expected - expected[0]) / change
    return shape


def sub_trajectories_array(baselines: Floats, targets: Floats, shape: Floats) -> Floats:
    """baseline + shape × (sub-target − baseline), one row per local unit."""
    return baselines[:, np.newaxis] + np.outer(targets - baselines, shape)


def implied_system_trajectory(trajectories: Floats, denominators: Floats) -> Floats:
    """Σ trajectory × denominator / Σ denominator in each period: never the mean of the rates."""
    return np.asarray(denominators @ trajectories / np.sum(denominators), dtype=np.float64)
