"""Random helpers for layout sampling: picks, colour variations, Poisson placement along a road."""

from __future__ import annotations

import numpy as np

from .objects import RGB


def pick(rng: np.random.Generator, options):
    """One element of ``options``, uniformly."""
    return options[int(rng.integers(len(options)))]


def vary(rng: np.random.Generator, rgb: RGB, amount: float) -> RGB:
    """``rgb`` scaled by a random brightness factor and nudged per channel."""
    k = 1.0 + rng.uniform(-amount, amount)
    c = np.asarray(rgb, dtype=np.float64) * k + rng.uniform(-amount, amount, 3) * 40
    return tuple(int(x) for x in np.clip(c, 0, 255))


def poisson_positions(rng: np.random.Generator, s0: float, s1: float, per_100m: float) -> list[float]:
    """Arc lengths of a Poisson process of the given density on ``[s0, s1)``."""
    out, s = [], s0
    if per_100m <= 0:
        return out
    while True:
        s += rng.exponential(100.0 / per_100m)
        if s >= s1:
            return out
        out.append(s)
