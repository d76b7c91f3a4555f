"""All acquisition columns of a batch in one pass: what the scoring job writes to the `scores` table.

`score_batch` computes the member mean, its log and the per-member entropies once and derives the six
acquisition maps from them, then reduces each map per frame. It gives the same numbers as calling each
function of `curation.acquisition.uncertainty` and a reduction separately, at a fraction of the memory
traffic.
"""

from __future__ import annotations

import torch
from torch import Tensor

from curation.acquisition.reductions import check_reduction, class_weights, reduce_mean, reduce_top_q
from curation.acquisition.uncertainty import EPS, check_probs, vote_counts

# The per-frame acquisition columns of `scores`, in schema order; higher = label first.
ACQUISITION_COLUMNS = (
    "entropy",
    "expected_entropy",
    "mutual_information",
    "variation_ratio",
    "margin",
    "least_confidence",
)


def class_fractions(predicted: Tensor, num_classes: int, valid: Tensor | None = None) -> Tensor:
    """Share of valid pixels predicted as each class: `[B, ...]` class ids -> `[B, C]` float32, rows sum
    to 1 (0 for a frame with no valid pixel)."""
    b = predicted.shape[0]
    p = predicted.reshape(b, -1).long()
    m = torch.ones_like(p, dtype=torch.bool) if valid is None else valid.reshape(b, -1).to(torch.bool)
    counts = torch.zeros(b, num_classes, dtype=torch.float32, device=predicted.device)
    counts.scatter_add_(1, p, m.float())
    return counts / m.sum(1, keepdim=True).clamp_min(1).float()


def confidence(probs: Tensor, valid: Tensor | None = None) -> Tensor:
    """Mean over valid pixels of the largest member-mean probability: `[K, B, C, ...] -> [B]` in [1/C, 1].

    Label Studio shows it as the prediction's score.
    """
    return reduce_mean(check_probs(probs).mean(0).amax(1), valid)


def score_batch(
    probs: Tensor,
    reduction: str = "mean",
    valid: Tensor | None = None,
    q: float = 10.0,
    class_priors: Tensor | None = None,
    eps: float = EPS,
) -> dict[str, Tensor]:
    """Every acquisition column for a batch, reduced per frame.

    probs: `[K, B, C, ...]` member probabilities (any float dtype; computed in float32).
    reduction: how pixel maps become one value per frame: "mean", "top_q" (mean of the top `q` percent
        of valid pixels) or "class_weighted" (pixels weighted by the inverse frequency of their predicted
        class, from `class_priors` `[C]` if given, else from this batch).
    valid: optional bool mask `[B, ...]` (spatial shape of probs without K and C); False pixels are ignored.

    Returns float32 tensors: the six `ACQUISITION_COLUMNS` `[B]` (higher = label first), `confidence` `[B]`
    (mean max probability, unreduced by `reduction` because it is a display score) and
    `class_fractions` `[B, C]` (share of valid pixels predicted as each class).
    """
    check_reduction(reduction)
    p = check_probs(probs)
    k, b, c = p.shape[:3]
    spatial = p.shape[3:]
    if valid is not None and tuple(valid.shape) != (b, *spatial):
        raise ValueError(f"valid mask must have shape {(b, *spatial)} (probs without K and C), got {tuple(valid.shape)}")

    mean = p.mean(0)  # [B, C, ...]
    total = -(mean * mean.clamp_min(eps).log()).sum(1)  # [B, ...]
    aleatoric = -(p * p.clamp_min(eps).log()).sum(2).mean(0)  # [B, ...]
    top2 = mean.topk(2, dim=1)
    p1, p2 = top2.values[:, 0], top2.values[:, 1]
    predicted = top2.indices[:, 0]  # [B, ...]
    modal_votes = vote_counts(p).amax(1).float()  # [B, ...]

    maps = {
        "entropy": total,
        "expected_entropy": aleatoric,
        "mutual_information": (total - aleatoric).clamp_min(0.0),
        "variation_ratio": 1.0 - modal_votes / k,
        "margin": -(p1 - p2),
        "least_confidence": 1.0 - p1,
    }
    if reduction == "mean":
        reduced = {name: reduce_mean(m, valid) for name, m in maps.items()}
    elif reduction == "top_q":
        reduced = {name: reduce_top_q(m, valid, q=q) for name, m in maps.items()}
    else:
        # One set of weights for every column, so the columns stay comparable with each other.
        w = class_weights(predicted, c, valid, class_priors)[predicted]
        reduced = {name: reduce_mean(m * w, valid) for name, m in maps.items()}
    reduced["confidence"] = reduce_mean(p1, valid)
    reduced["class_fractions"] = class_fractions(predicted, c, valid)
    return reduced
