"""`random` baseline: every candidate equally likely, reproducible from the spec's seed."""

from __future__ import annotations

import numpy as np


def random_term(n: int, rng: np.random.Generator) -> np.ndarray:
    """`[n]` float64 uniform in [0, 1): picking the largest is a uniform sample without replacement."""
    return rng.random(n)
