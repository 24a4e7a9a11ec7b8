"""Target setting for 10,000 schools: sub-targets by every method, stretched to meet the system
target, each school's trajectory over 60 months, and the bottom-up uncertainty band from 1,000
draws; the library (numpy, core) against a straightforward per-school Python loop, same run.

    python benchmarks/target_setting.py                  # 10,000 schools, 60 periods, 1,000 draws
    python benchmarks/target_setting.py --write          # ... and write benchmarks/results/
    python benchmarks/target_setting.py --schools 1000   # a quick run

Both paths compute the same numbers; the run checks that they agree before timing counts.
"""

from __future__ import annotations

import argparse
import math
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from deliverology.core.allocation import AllocationMethod, UnitBaseline, stretch_to_meet
from deliverology.core.interventions import (
    Intervention,
    RampShape,
    Rollout,
    bottom_up_trajectory,
    uncertainty_band,
)
from deliverology.core.periods import PeriodKind, parse_period
from deliverology.core.status import Direction
from deliverology.core.sub_trajectories import (
    implied_system_trajectory,
    sub_trajectories_array,
    trajectory_shape,
)
from deliverology.core.trajectories import s_curve_trajectory

RESULTS = Path(__file__).resolve().parent / "results" / "target_setting.md"
HIGHER = Direction.HIGHER_IS_BETTER
BASELINE = parse_period("2025-01", PeriodKind.MONTH)
SEED = 20261129
# The parameters the methods start from; each is then stretched to meet the system target.
BENCHMARK, FLOOR, UPLIFT = 85.0, 55.0, 8.0
PRECISION = 1e-12  # as in core.allocation: halve until known to this share of the largest value


@dataclass(frozen=True)
class Schools:
    baselines: list[float]
    denominators: list[float]
    system_target: float


def make_schools(count: int) -> Schools:
    rng = np.random.default_rng(SEED)
    baselines = np.round(100 * rng.beta(6, 4, count), 1)
    denominators = rng.integers(20, 300, count).astype(float)
    system = float(np.dot(baselines, denominators) / denominators.sum())
    return Schools(baselines.tolist(), denominators.tolist(), round(system + 8, 1))


def interventions() -> list[Intervention]:
    month = BASELINE
    return [
        Intervention(
            "coaching", 3.0, 1.5, 4.5, Rollout(month + 1, month + 24), 3, RampShape.LINEAR, 12
        ),
        Intervention(
            "tutoring",
            2.0,
            0.5,
            3.0,
            Rollout(month + 6, month + 30, 0.8),
            2,
            RampShape.LOGISTIC,
            18,
        ),
        Intervention("attendance", 1.5, 0.0, 2.5, [(month + 12, 0.5), (month + 24, 1.0)], 0),
    ]


# The library: numpy through deliverology.core -------------------------------------------------


def with_library(schools: Schools, periods: int, draws: int) -> dict[str, Any]:
    units = [
        UnitBaseline(i, base, den)
        for i, (base, den) in enumerate(zip(schools.baselines, schools.denominators, strict=True))
    ]
    baselines = np.array(schools.baselines)
    denominators = np.array(schools.denominators)
    system_baseline = float(np.dot(baselines, denominators) / denominators.sum())
    system = s_curve_trajectory(
        BASELINE, system_baseline, BASELINE + periods, schools.system_target
    )
    shape = trajectory_shape(system)
    results: dict[str, Any] = {}
    for method in AllocationMethod:
        stretch = stretch_to_meet(
            method,
            units,
            schools.system_target,
            HIGHER,
            benchmark=BENCHMARK,
            floor=FLOOR,
            proposals={each.key: each.baseline for each in units},
        )
        targets = np.fromiter(stretch.sub_targets.values(), np.float64, len(units))
        rows = sub_trajectories_array(baselines, targets, shape)
        implied = implied_system_trajectory(rows, denominators)
        results[method.value] = (stretch.parameter, rows, implied)
    bottom_up = bottom_up_trajectory(
        BASELINE, system_baseline, BASELINE + periods, 0.02, interventions(), HIGHER
    )
    band = uncertainty_band(bottom_up, seed=SEED, draws=draws)
    results["band"] = [(point.lower, point.upper) for point in band]
    return results


# The straightforward loop: one school, one period, one draw at a time -------------------------


def with_loop(schools: Schools, periods: int, draws: int) -> dict[str, Any]:
    baselines, denominators = schools.baselines, schools.denominators
    total = sum(denominators)
    system_baseline = sum(b * d for b, d in zip(baselines, denominators, strict=True)) / total
    system = s_curve_trajectory(
        BASELINE, system_baseline, BASELINE + periods, schools.system_target
    )
    start, end = system[0].expected, system[-1].expected
    shape = [(point.expected - start) / (end - start) for point in system]
    results: dict[str, Any] = {}
    for method in AllocationMethod:
        allocate, largest = _loop_method(method, baselines)
        parameter = _loop_stretch(allocate, largest, schools, total)
        targets = [allocate(parameter, base) for base in baselines]
        rows = [
            [base + fraction * (target - base) for fraction in shape]
            for base, target in zip(baselines, targets, strict=True)
        ]
        implied = [
            sum(row[t] * den for row, den in zip(rows, denominators, strict=True)) / total
            for t in range(len(shape))
        ]
        results[method.value] = (parameter, rows, implied)
    results["band"] = _loop_band(system_baseline, periods, draws)
    return results


def _clip(value: float) -> float:
    return min(100.0, max(0.0, value))


def _loop_method(
    method: AllocationMethod, baselines: list[float]
) -> tuple[Callable[[float, float], float], float]:
    if method is AllocationMethod.GAP_CLOSING:
        return (lambda p, base: _clip(base + p * max(BENCHMARK - base, 0.0))), 1.0
    if method is AllocationMethod.FLOOR_PLUS_UPLIFT:
        return (lambda u, base: max(_clip(base + u), FLOOR)), 100.0
    # Uniform uplift, and negotiated proposals (here each school's baseline) plus an uplift.
    return (lambda u, base: _clip(base + u)), 100.0


def _loop_stretch(
    allocate: Callable[[float, float], float], largest: float, schools: Schools, total: float
) -> float:
    def meets(parameter: float) -> bool:
        weighted = sum(
            allocate(parameter, base) * den
            for base, den in zip(schools.baselines, schools.denominators, strict=True)
        )
        return weighted / total >= schools.system_target

    if meets(0.0):
        return 0.0
    low, high = 0.0, largest
    while high - low > PRECISION * largest:
        middle = (low + high) / 2
        if meets(middle):
            high = middle
        else:
            low = middle
    return high


def _loop_band(system_baseline: float, periods: int, draws: int) -> list[tuple[float, float]]:
    steps = interventions()
    months = [BASELINE + t for t in range(periods + 1)]
    factors = [
        [each.reach_in(m) * each.ramp_in(m) if t else 0.0 for t, m in enumerate(months)]
        for each in steps
    ]
    uniforms = np.random.default_rng(SEED).random((draws, len(steps))).tolist()
    counterfactual = [min(100.0, system_baseline + 0.02 * t) for t in range(len(months))]
    drawn: list[list[float]] = [[] for _ in months]
    for draw in uniforms:
        effects = [
            _triangular(u, s.effect_low, s.effect, s.effect_high)
            for u, s in zip(draw, steps, strict=True)
        ]
        for t, base in enumerate(counterfactual):
            total = sum(effect * factor[t] for effect, factor in zip(effects, factors, strict=True))
            drawn[t].append(base + min(max(total, -base), 100.0 - base))
    central = [
        base
        + min(
            max(sum(s.effect * f[t] for s, f in zip(steps, factors, strict=True)), -base),
            100.0 - base,
        )
        for t, base in enumerate(counterfactual)
    ]
    band = []
    for t, values in enumerate(drawn):
        values.sort()
        band.append(
            (min(_quantile(values, 0.1), central[t]), max(_quantile(values, 0.9), central[t]))
        )
    return band


def _triangular(u: float, low: float, mode: float, high: float) -> float:
    width = high - low
    split = (mode - low) / width if width > 0 else 1.0
    if u < split:
        return low + math.sqrt(u * width * (mode - low))
    return high - math.sqrt((1 - u) * width * (high - mode))


def _quantile(ordered: list[float], q: float) -> float:
    position = q * (len(ordered) - 1)
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (position - below) * (ordered[above] - ordered[below])


# Running, checking and reporting --------------------------------------------------------------


def agree(library: dict[str, Any], loop: dict[str, Any]) -> float:
    """The largest difference between the two paths' numbers."""
    worst = 0.0
    for method in AllocationMethod:
        lib_p, lib_rows, lib_implied = library[method.value]
        loop_p, loop_rows, loop_implied = loop[method.value]
        worst = max(
            worst,
            abs(lib_p - loop_p),
            float(np.max(np.abs(lib_rows - np.array(loop_rows)))),
            float(np.max(np.abs(lib_implied - np.array(loop_implied)))),
        )
    worst = max(worst, float(np.max(np.abs(np.array(library["band"]) - np.array(loop["band"])))))
    return worst


def timed(run: Callable[[], Any], repeats: int) -> tuple[list[float], Any]:
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    return times, result


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown CPU",
    )
    cores = subprocess.run(["nproc"], capture_output=True, text=True, check=True).stdout.strip()  # noqa: S607
    return (
        f"{cpu}, {cores} cores (nproc), Python {platform.python_version()}, {platform.platform()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--schools", type=int, default=10_000)
    parser.add_argument("--periods", type=int, default=60)
    parser.add_argument("--draws", type=int, default=1_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--write", action="store_true", help=f"write {RESULTS.name}")
    args = parser.parse_args()
    schools = make_schools(args.schools)
    library_times, library = timed(
        lambda: with_library(schools, args.periods, args.draws), args.repeats
    )
    loop_times, loop = timed(lambda: with_loop(schools, args.periods, args.draws), args.repeats)
    difference = agree(library, loop)
    assert difference < 1e-6, f"the two paths disagree by {difference}"
    fast, slow = statistics.median(library_times), statistics.median(loop_times)
    report = _report(args, schools, library_times, loop_times, fast, slow, difference)
    print(report)
    if args.write:
        RESULTS.write_text(report, encoding="utf-8")
    if fast >= 2.0:
        sys.exit(f"too slow: {fast:.2f} s, the target is under 2 s")


def _report(
    args: argparse.Namespace,
    schools: Schools,
    library_times: list[float],
    loop_times: list[float],
    fast: float,
    slow: float,
    difference: float,
) -> str:
    def shown(times: list[float]) -> str:
        return ", ".join(f"{t:.3f}" for t in times)

    command = "python benchmarks/target_setting.py" + " ".join(
        [""] + [arg for arg in sys.argv[1:] if arg != "--write"]
    )
    return f"""# Target setting: sub-targets, trajectories and the uncertainty band

Command: `{command}`
Machine: {machine()}
Run: {time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}

Work, per run: {args.schools:,} schools (baselines and denominators drawn with a fixed seed); for
each of the four methods (uniform uplift, gap closing toward {BENCHMARK:g}, floor of {FLOOR:g}
plus uplift, negotiated proposals plus uplift) the least stretch that meets the system target of
{schools.system_target:g} (weighted by denominators), every school's trajectory over
{args.periods} months shaped like the system's S-curve ({args.schools * (args.periods + 1) * 4:,}
values), and the implied system trajectory; then the bottom-up trajectory from three
interventions and its 10-90% uncertainty band from {args.draws:,} draws.

| path | median s | runs (s) |
|---|---:|---:|
| library (numpy via `deliverology.core`) | {fast:.3f} | {shown(library_times)} |
| per-school Python loop | {slow:.3f} | {shown(loop_times)} |

Ratio: the loop takes **{slow / fast:,.0f}x** the library's time. Target: under 2 s
({"met" if fast < 2 else "NOT met"}). Largest difference between the two paths' numbers:
{difference:.1e}.
"""


if __name__ == "__main__":
    main()
