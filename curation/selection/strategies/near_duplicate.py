"""`near_duplicate`: a frame almost identical (cosine similarity of embeddings above `max_cosine`) to one
already labeled or queued, or to an earlier pick of this batch, would buy the same label twice.

Similarities are computed in blocks so memory stays bounded whatever the sizes.
"""

from __future__ import annotations

import numpy as np

# Similarities are computed in blocks of at most QUERY_BLOCK x REFERENCE_BLOCK (64 MiB of float32).
QUERY_BLOCK = 1024
REFERENCE_BLOCK = 16384


def unit_rows(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (float32); all-zero rows stay zero (similar to nothing)."""
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return np.divide(x, norms, out=np.zeros_like(x), where=norms > 0)


def max_cosine(queries: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """For each unit row of `queries` `[Q, D]`, its largest cosine similarity to a unit row of
    `reference` `[M, D]`: `[Q]` float32 (-inf when `reference` is empty)."""
    out = np.full(queries.shape[0], -np.inf, dtype=np.float32)
    for r in range(0, reference.shape[0], REFERENCE_BLOCK):
        ref_t = np.ascontiguousarray(reference[r : r + REFERENCE_BLOCK].T)
        for q in range(0, queries.shape[0], QUERY_BLOCK):
            block = queries[q : q + QUERY_BLOCK] @ ref_t
            np.maximum(out[q : q + QUERY_BLOCK], block.max(axis=1), out=out[q : q + QUERY_BLOCK])
    return out


def near_duplicates(queries: np.ndarray, reference: np.ndarray, threshold: float) -> np.ndarray:
    """`[Q]` bool: True where a unit query row has cosine similarity > threshold to some reference row."""
    return max_cosine(queries, reference) > threshold
