"""Learning curves from `simulations` rows, and how many labels a strategy needs to come close to the full pool.

Pure functions over plain rows (dicts with strategy, seed, labels_used, metric, ...): no lake, no files.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Mapping, Optional, Sequence


@dataclass(frozen=True)
class CurvePoint:
    """One budget of one strategy: mean and sample standard deviation of the metric over its seeds."""

    labels_used: int
    mean: float
    std: float  # 0.0 with one seed
    n_seeds: int
    wall_s: float  # mean seconds per seed for this round


def _finite(values: Iterable[Optional[float]]) -> list[float]:
    return [float(v) for v in values if v is not None and not math.isnan(float(v))]


def mean_std(values: Sequence[float]) -> tuple[float, float]:
    """(mean, sample std with n - 1); std is 0 for a single value, both NaN for none."""
    vals = _finite(values)
    if not vals:
        return math.nan, math.nan
    mean = sum(vals) / len(vals)
    if len(vals) == 1:
        return mean, 0.0
    return mean, math.sqrt(sum((v - mean) ** 2 for v in vals) / (len(vals) - 1))


def learning_curves(rows: Iterable[Mapping]) -> dict[str, list[CurvePoint]]:
    """{strategy: points sorted by labels_used}, aggregating seeds that share a labels_used."""
    groups: dict[str, dict[int, list[Mapping]]] = {}
    for row in rows:
        groups.setdefault(row["strategy"], {}).setdefault(int(row["labels_used"]), []).append(row)
    out: dict[str, list[CurvePoint]] = {}
    for strategy, by_budget in groups.items():
        points = []
        for labels, rs in sorted(by_budget.items()):
            mean, std = mean_std([r["metric"] for r in rs])
            wall = _finite(r.get("wall_s") for r in rs)
            points.append(CurvePoint(labels, mean, std, len(rs), sum(wall) / len(wall) if wall else math.nan))
        out[strategy] = points
    return out


def labels_to_reach(labels: Sequence[int], metric: Sequence[float], target: float,
                    interpolate: bool = False) -> Optional[float]:
    """Fewest labels at which the curve reaches `target`, or None if it never does.

    labels: increasing label counts; metric: the (mean) metric at each. Without `interpolate` the answer
    is the first measured budget with metric >= target (what was actually observed). With it, the
    crossing is placed by linear interpolation between the last budget below and the first at or above.
    """
    if len(labels) != len(metric):
        raise ValueError(f"labels ({len(labels)}) and metric ({len(metric)}) must have one value per budget")
    if any(b <= a for a, b in zip(labels, labels[1:])):
        raise ValueError(f"labels must increase, got {list(labels)}")
    for i, (n, m) in enumerate(zip(labels, metric)):
        if m is None or math.isnan(m) or m < target:
            continue
        if not interpolate or i == 0:
            return float(n)
        prev_n, prev_m = labels[i - 1], metric[i - 1]
        if prev_m is None or math.isnan(prev_m) or m == prev_m:
            return float(n)
        return prev_n + (target - prev_m) / (m - prev_m) * (n - prev_n)
    return None


def fraction_to_reach(labels: Sequence[int], metric: Sequence[float], pool_size: int, level: float = 0.95,
                      full_metric: Optional[float] = None, interpolate: bool = False) -> Optional[float]:
    """Share of the pool a strategy needs to reach `level` x its full-pool metric.

    full_metric: the metric of a model trained on the whole pool; by default the curve's own value at
    labels == pool_size (the config's final budget 1.0). Returns None when there is no full-pool value or
    the curve never reaches the target.
    """
    if pool_size < 1:
        raise ValueError(f"pool_size must be >= 1, got {pool_size}")
    if full_metric is None:
        at_full = [m for n, m in zip(labels, metric) if n == pool_size]
        if not at_full or at_full[0] is None or math.isnan(at_full[0]):
            return None
        full_metric = at_full[0]
    needed = labels_to_reach(labels, metric, level * full_metric, interpolate=interpolate)
    return None if needed is None else needed / pool_size
