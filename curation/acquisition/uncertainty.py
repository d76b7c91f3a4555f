"""Uncertainty maps from member probabilities: pure maths, higher always means "label this first".

Shape convention, stated once for the whole package:

    probs:  [K, B, C, ...]   K ensemble members (or MC samples), B frames, C classes, then optional
                             spatial dims (H, W for segmentation; none for classification).
                             Each probs[k, b, :, ...] sums to 1. Any float dtype; maths runs in float32.
    result: [B, ...]         one value per frame and pixel (the class dim and the member dim reduced).

Logs are taken of probabilities clamped to `eps`, so exact zeros give 0 * log(eps) = 0, never NaN.
"""

from __future__ import annotations

import torch
from torch import Tensor

EPS = 1e-12


def check_probs(probs: Tensor) -> Tensor:
    """`probs` as float32 after checking it is `[K, B, C, ...]` with K >= 1 and C >= 2.

    bf16/fp16 inputs are upcast here once: entropies of half-precision probabilities lose the small
    terms that separate confident frames.
    """
    if not isinstance(probs, Tensor):
        raise TypeError(f"probs must be a torch.Tensor [K, B, C, ...], got {type(probs).__name__}")
    if probs.ndim < 3:
        raise ValueError(
            f"probs must have shape [K members, B frames, C classes, ...], got shape {tuple(probs.shape)} "
            "(add a leading member dim with probs.unsqueeze(0) for a single model)"
        )
    if probs.shape[2] < 2:
        raise ValueError(f"probs needs at least 2 classes on dim 2, got shape {tuple(probs.shape)}")
    if not probs.is_floating_point():
        raise TypeError(f"probs must be floating point probabilities, got dtype {probs.dtype}")
    return probs.float()


def _entropy_over_classes(p: Tensor, dim: int, eps: float) -> Tensor:
    return -(p * p.clamp_min(eps).log()).sum(dim)


def entropy(probs: Tensor, eps: float = EPS) -> Tensor:
    """Predictive entropy of the member mean, in nats: H[mean_k p_k]. `[K, B, C, ...] -> [B, ...]`.

    Total uncertainty: between 0 (one class certain) and ln C (uniform).
    """
    p = check_probs(probs)
    return _entropy_over_classes(p.mean(0), 1, eps)


def expected_entropy(probs: Tensor, eps: float = EPS) -> Tensor:
    """Mean member entropy, in nats: mean_k H[p_k]. `[K, B, C, ...] -> [B, ...]`.

    The aleatoric part: high where every member is unsure (blurry, ambiguous pixels).
    """
    p = check_probs(probs)
    return _entropy_over_classes(p, 2, eps).mean(0)


def mutual_information(probs: Tensor, eps: float = EPS) -> Tensor:
    """BALD: entropy - expected_entropy, clamped at 0, in nats. `[K, B, C, ...] -> [B, ...]`.

    The epistemic part: high where members disagree, 0 where they agree. The clamp removes the
    tiny negatives that float rounding leaves when members are identical.
    """
    p = check_probs(probs)
    mean = p.mean(0)
    return (_entropy_over_classes(mean, 1, eps) - _entropy_over_classes(p, 2, eps).mean(0)).clamp_min(0.0)


def vote_counts(probs: Tensor) -> Tensor:
    """How many members vote for each class: `[K, B, C, ...] -> [B, C, ...]` int32 (sums to K over C)."""
    return count_votes(probs.argmax(2), probs.shape[2])


def count_votes(votes: Tensor, num_classes: int) -> Tensor:
    """Member votes (class ids) `[K, B, ...]` -> how many members vote for each class `[B, C, ...]` int32.

    Votes can come from probabilities or straight from logits (softmax keeps the argmax).
    """
    k, c = votes.shape[0], num_classes
    counts = torch.zeros(votes.shape[1:2] + (c,) + votes.shape[2:], dtype=torch.int32, device=votes.device)
    ones = torch.ones_like(votes[0], dtype=torch.int32).unsqueeze(1)
    # One scatter per member keeps memory at [B, C, ...] instead of a [K, B, C, ...] one-hot.
    for m in range(k):
        counts.scatter_add_(1, votes[m].unsqueeze(1), ones)
    return counts


def variation_ratio(probs: Tensor) -> Tensor:
    """1 - (members voting for the modal class) / K. `[K, B, C, ...] -> [B, ...]`, in [0, 1 - 1/min(K, C)].

    0 when all members vote alike; with a single member it is always 0.
    """
    p = check_probs(probs)
    return 1.0 - vote_counts(p).amax(1).float() / p.shape[0]


def margin(probs: Tensor) -> Tensor:
    """Negative margin between the two largest mean probabilities: -(p1 - p2). `[K, B, C, ...] -> [B, ...]`.

    In [-1, 0]; 0 (the highest) when the top two classes tie.
    """
    p = check_probs(probs)
    top2 = p.mean(0).topk(2, dim=1).values
    return -(top2[:, 0] - top2[:, 1])


def least_confidence(probs: Tensor) -> Tensor:
    """1 - the largest mean probability. `[K, B, C, ...] -> [B, ...]`, in [0, 1 - 1/C]."""
    p = check_probs(probs)
    return 1.0 - p.mean(0).amax(1)
