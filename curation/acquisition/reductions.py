"""Per-frame reductions of per-pixel uncertainty maps: `[B, ...] -> [B]`.

Every reduction takes an optional boolean `valid` mask of the same shape as the map (False = ignore
pixel, e.g. the ego-vehicle hood or the dataset's ignore label). A frame with no valid pixel reduces
to 0. A map without spatial dims (`[B]`, classification) is its own reduction.
"""

from __future__ import annotations

import math
from typing import Callable

import torch
from torch import Tensor


def _flat(values: Tensor, valid: Tensor | None) -> tuple[Tensor, Tensor]:
    """`values` and `valid` as float32 `[B, P]` and bool `[B, P]`, after checking their shapes agree."""
    if values.ndim < 1:
        raise ValueError(f"an uncertainty map needs a frame dim [B, ...], got a scalar of shape {tuple(values.shape)}")
    if valid is None:
        valid = torch.ones_like(values, dtype=torch.bool)
    elif valid.shape != values.shape:
        raise ValueError(f"valid mask shape {tuple(valid.shape)} differs from the map's {tuple(values.shape)}")
    b = values.shape[0]
    return values.float().reshape(b, -1), valid.to(torch.bool).reshape(b, -1)


def reduce_mean(values: Tensor, valid: Tensor | None = None) -> Tensor:
    """Mean over valid pixels. `[B, ...] -> [B]`."""
    if valid is None and values.ndim >= 1 and values.numel() > 0:  # every pixel counts: a plain mean
        return values.float().reshape(values.shape[0], -1).mean(1)
    v, m = _flat(values, valid)
    n = m.sum(1)
    return torch.where(m, v, torch.zeros_like(v)).sum(1) / n.clamp_min(1)


def reduce_top_q(values: Tensor, valid: Tensor | None = None, q: float = 10.0) -> Tensor:
    """Mean of the top `q` percent of valid pixels (at least one pixel). `[B, ...] -> [B]`.

    Picks out frames with a small, very uncertain region (a pedestrian at the kerb) that a plain mean
    over a frame of confident road and sky would hide.
    """
    if not (0.0 < q <= 100.0):
        raise ValueError(f"top_q needs q in (0, 100] percent of pixels, got q={q}")
    v, m = _flat(values, valid)
    n_valid = m.sum(1)
    take = torch.ceil(n_valid.double() * (q / 100.0)).long().clamp(min=1)
    take = torch.minimum(take, n_valid.clamp_min(1))
    k = int(take.max().item()) if v.shape[0] else 1
    k = max(1, min(k, v.shape[1]))
    # Invalid pixels become -inf so they sort last and never enter a frame's top q.
    top = torch.where(m, v, torch.full_like(v, -math.inf)).topk(k, dim=1).values
    cumsum = torch.where(torch.isfinite(top), top, torch.zeros_like(top)).cumsum(1)
    picked = cumsum.gather(1, (take - 1).clamp(max=k - 1).unsqueeze(1)).squeeze(1)
    return torch.where(n_valid > 0, picked / take, torch.zeros_like(picked))


def class_weights(
    predicted: Tensor, num_classes: int, valid: Tensor | None = None, priors: Tensor | None = None
) -> Tensor:
    """Per-class weights `[C]` that up-weight rare classes: w_c proportional to 1 / frequency_c.

    The frequency is `priors` (e.g. the labeled set's class shares; any positive scale) when given,
    else the share of valid pixels of the batch predicted as each class. Weights are scaled so that the
    average weight over that distribution is 1, so weighted and plain means stay comparable. Classes
    with frequency 0 (absent from the batch) get weight 0: no pixel can use them.
    """
    if priors is not None:
        priors = torch.as_tensor(priors, dtype=torch.float32, device=predicted.device)
        if priors.shape != (num_classes,):
            raise ValueError(f"class priors must have shape ({num_classes},), got {tuple(priors.shape)}")
        if not bool((priors > 0).all()):
            raise ValueError(
                f"class priors must all be > 0, got {priors.tolist()}; smooth them (add a small count per class)"
            )
        freq = priors / priors.sum()
    else:
        p, m = _flat(predicted, valid)
        counts = torch.zeros(num_classes, dtype=torch.float32, device=predicted.device)
        counts.scatter_add_(0, p.long()[m], torch.ones_like(p[m]))
        freq = counts / counts.sum().clamp_min(1.0)
    present = freq > 0
    n_present = int(present.sum().item())
    weights = torch.zeros_like(freq)
    weights[present] = 1.0 / (n_present * freq[present])
    return weights


def reduce_class_weighted(
    values: Tensor,
    predicted: Tensor,
    num_classes: int,
    valid: Tensor | None = None,
    priors: Tensor | None = None,
) -> Tensor:
    """Mean over valid pixels of `values * w[predicted class]`. `[B, ...] -> [B]`.

    `predicted` is the `[B, ...]` class id map (argmax of the member mean); `w` comes from
    `class_weights` (inverse frequency in the batch, or in `priors`). A frame whose uncertain pixels
    are predicted as a rare class (pedestrian, bicyclist) outranks one equally unsure about road.
    """
    if predicted.shape != values.shape:
        raise ValueError(f"predicted class map shape {tuple(predicted.shape)} differs from the map's {tuple(values.shape)}")
    w = class_weights(predicted, num_classes, valid, priors)
    return reduce_mean(values.float() * w[predicted.long()], valid)


REDUCTIONS: dict[str, Callable[..., Tensor]] = {
    "mean": reduce_mean,
    "top_q": reduce_top_q,
    "class_weighted": reduce_class_weighted,
}


def check_reduction(name: str) -> str:
    """`name` if it is a known reduction, else a ValueError listing the allowed ones."""
    if name not in REDUCTIONS:
        raise ValueError(f"unknown reduction {name!r}; allowed: {', '.join(REDUCTIONS)}")
    return name
