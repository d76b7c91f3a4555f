"""`topk` baseline: the raw column, highest first (ties broken by the seeded order)."""

from __future__ import annotations

import numpy as np

from curation.selection.strategies.weight import normalized


def topk_term(values: np.ndarray) -> np.ndarray:
    """`[N]` -> `[N]` in [0, 1] with exactly the order of `values` (rank-normalised); NaN last."""
    return normalized(values, "rank")
