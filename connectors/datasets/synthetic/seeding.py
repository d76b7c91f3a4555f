"""Random streams derived from integer keys, never from global state.

Every random choice of the generator comes from ``stream(seed, *keys)``: a fresh numpy
Generator seeded by the whole key tuple. Two calls with the same keys give the same draws
whatever else ran before, which is what makes a frame depend only on ``(seed, index)``.
"""

from __future__ import annotations

import numpy as np

# Stream tags: one per independent concern, so that e.g. forcing the weather never shifts the
# draws that place buildings.
TAG_CONDITIONS = 1
TAG_LAYOUT = 2
TAG_FRAME = 3


def stream(seed: int, *keys: int) -> np.random.Generator:
    """A Generator determined only by ``seed`` and ``keys`` (all non-negative ints)."""
    return np.random.default_rng(np.random.SeedSequence([int(seed), *(int(k) for k in keys)]))


def check_seed(name: str, value: int) -> int:
    """Validate a seed-like integer argument and return it as a Python int."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ValueError(
            f"{name} must be a non-negative integer, got {value!r}; pass e.g. {name}=0"
        )
    return int(value)
