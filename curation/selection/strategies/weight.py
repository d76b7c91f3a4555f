"""`weight`: a numeric column (an acquisition score) as a term in [0, 1], higher = pick first."""

from __future__ import annotations

import numpy as np
from scipy.stats import rankdata


def normalized(values: np.ndarray, method: str = "rank") -> np.ndarray:
    """`[N]` float64 -> `[N]` float64 in [0, 1]; NaN (no score) -> 0.

    rank: (average rank - 1) / (n - 1) over the non-NaN values (ties share a value; robust to outliers).
    minmax: (x - min) / (max - min).
    A column with one distinct value maps to 0.5 either way: it cannot order anything.
    """
    out = np.zeros(values.shape[0], dtype=np.float64)
    ok = ~np.isnan(values)
    x = values[ok]
    if x.size == 0:
        return out
    lo, hi = x.min(), x.max()
    if hi == lo:
        out[ok] = 0.5
        return out
    if method == "rank":
        out[ok] = (rankdata(x, method="average") - 1.0) / (x.size - 1.0)
    elif method == "minmax":
        out[ok] = (x - lo) / (hi - lo)
    else:
        raise ValueError(f"unknown normalisation {method!r}; allowed: rank, minmax")
    return out
