"""`diversity`: k-center greedy (farthest point first) in embedding space.

The term of a candidate is its distance to the nearest centre (an earlier pick of this run, plus the
labeled/queued frames when `against_labeled`), divided by the largest such distance among the eligible
pool, so it lies in [0, 1] and the farthest candidate gets 1. Before any centre exists every candidate
gets 1. Min distances are kept per pool member and updated with one matrix-vector product per pick:
O(pool x dim) per pick instead of O(N x picks x dim) for recomputing them.

metric: `euclidean` on the raw embeddings, or `cosine` (euclidean on unit rows; the reported distance
is then 1 - cosine similarity).
"""

from __future__ import annotations

import numpy as np

from curation.selection.strategies.near_duplicate import unit_rows

# Rows x centres per block when computing distances to many centres at once (16 MiB of float32: the block
# stays in cache for the reduction that follows the product).
_BLOCK = 1 << 22


def squared_distance_to_nearest(x: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """`[Q, D]`, `[M, D]` float32 -> `[Q]` float32 squared euclidean distance to the nearest centre
    (+inf when there is none). Blocked so memory stays bounded.

    min_j |x - c_j|^2 = |x|^2 - 2 max_j (x . c_j - |c_j|^2 / 2): one product and one in-place pass per
    block instead of three block-sized temporaries.
    """
    best = np.full(x.shape[0], -np.inf, dtype=np.float32)
    if centers.shape[0] == 0 or x.shape[0] == 0:
        return np.full(x.shape[0], np.inf, dtype=np.float32)
    c_rows = min(centers.shape[0], 8192)
    rows = max(1, _BLOCK // c_rows)
    for c0 in range(0, centers.shape[0], c_rows):
        c = centers[c0 : c0 + c_rows]
        half_sq = 0.5 * np.einsum("ij,ij->i", c, c)
        c_t = np.ascontiguousarray(c.T)
        for q0 in range(0, x.shape[0], rows):
            g = x[q0 : q0 + rows] @ c_t
            g -= half_sq
            np.maximum(best[q0 : q0 + rows], g.max(axis=1), out=best[q0 : q0 + rows])
    out = np.einsum("ij,ij->i", x, x) - 2.0 * best
    return np.maximum(out, 0.0, out=out)


class KCenter:
    """Min squared distances from pool members to the centres, kept up to date as centres are added."""

    def __init__(self, metric: str, initial_centers: np.ndarray | None = None):
        if metric not in ("euclidean", "cosine"):
            raise ValueError(f"unknown diversity metric {metric!r}; allowed: euclidean, cosine")
        self.metric = metric
        self.centers: list[np.ndarray] = []  # picks of this run, in the embedding space used here
        self.initial = self.prepare(initial_centers) if initial_centers is not None and len(initial_centers) else None
        self.emb = np.zeros((0, 0), dtype=np.float32)
        self.sq = np.zeros(0, dtype=np.float32)
        self.mind2 = np.zeros(0, dtype=np.float32)

    @property
    def has_centers(self) -> bool:
        return bool(self.centers) or self.initial is not None

    def prepare(self, rows: np.ndarray) -> np.ndarray:
        rows = np.ascontiguousarray(rows, dtype=np.float32)
        return unit_rows(rows) if self.metric == "cosine" else rows

    def add_members(self, rows: np.ndarray) -> None:
        """Append pool members `[Q, D]` and compute their distance to every centre so far."""
        x = self.prepare(rows)
        mind2 = np.full(x.shape[0], np.inf, dtype=np.float32)
        if self.initial is not None:
            mind2 = np.minimum(mind2, squared_distance_to_nearest(x, self.initial))
        if self.centers:
            mind2 = np.minimum(mind2, squared_distance_to_nearest(x, np.stack(self.centers)))
        if self.emb.shape[0] == 0:
            self.emb = x
        else:
            self.emb = np.concatenate([self.emb, x])
        self.sq = np.concatenate([self.sq, np.einsum("ij,ij->i", x, x)])
        self.mind2 = np.concatenate([self.mind2, mind2])

    def add_center(self, pool_position: int) -> None:
        """Make pool member `pool_position` a centre: one matrix-vector product over the pool."""
        c = self.emb[pool_position].copy()
        self.centers.append(c)
        # einsum, not BLAS: a matrix-vector product this size is memory-bound, and multi-threaded BLAS
        # on a busy machine spends far longer waking threads than computing (measured 20 ms vs 0.1 ms).
        d2 = np.einsum("ij,j->i", self.emb, c)
        d2 *= -2.0
        d2 += self.sq
        d2 += float(c @ c)
        np.maximum(d2, 0.0, out=d2)  # float rounding can leave tiny negatives for near-identical rows
        np.minimum(self.mind2, d2, out=self.mind2)
        self.mind2[pool_position] = 0.0

    def keep(self, mask: np.ndarray) -> None:
        """Keep only the members where `mask` is True (the pool was compacted)."""
        self.emb = self.emb[mask]
        self.sq = self.sq[mask]
        self.mind2 = self.mind2[mask]

    def retire(self, pool_positions: np.ndarray) -> None:
        """Members that can no longer be picked: their distance is set to 0 so they never set the scale."""
        self.mind2[pool_positions] = 0.0

    def terms(self) -> np.ndarray:
        """`[P]` float32 in [0, 1]: distance to the nearest centre / the largest among members not retired."""
        if not self.has_centers:
            return np.ones(self.mind2.shape[0], dtype=np.float32)
        top = float(self.mind2.max()) if self.mind2.size else 0.0
        if top <= 0.0:  # every eligible member sits on a centre: distance cannot separate them
            return np.zeros(self.mind2.shape[0], dtype=np.float32)
        out = self.mind2 * np.float32(1.0 / top)
        return np.sqrt(out, out=out)

    def distance(self, pool_position: int) -> float | None:
        """Distance of a member (not retired) to its nearest centre (cosine: 1 - similarity); None before
        any centre."""
        if not self.has_centers:
            return None
        d2 = max(0.0, float(self.mind2[pool_position]))
        return d2 / 2.0 if self.metric == "cosine" else float(np.sqrt(d2))
