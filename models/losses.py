"""Training losses as pure functions."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = ["weighted_cross_entropy"]


def weighted_cross_entropy(logits: Tensor, target: Tensor, sample_weight: Tensor | None = None,
                           class_weight: Tensor | None = None, ignore_index: int | None = None) -> Tensor:
    """Cross-entropy averaged with per-sample and per-class weights.

    logits: [B, C] or [B, C, h, w]; target: [B] or [B, H, W] long. Segmentation logits of another
    size than the target are bilinearly upsampled to it first (the networks emit stride-4 logits).
    sample_weight: [B] >= 0 (None: ones); class_weight: [C] (None: ones).

    Returns sum_i w_i * ce_i / sum_i w_i over counted items i (pixels or samples whose target is not
    `ignore_index`), with w_i = sample_weight[b(i)] * class_weight[target_i]. With unit sample weights
    this is exactly `F.cross_entropy(..., weight=class_weight, ignore_index=...)`. Zero total weight
    gives 0 (not NaN), so an all-ignored batch contributes nothing.
    """
    if logits.dim() == 4 and logits.shape[-2:] != target.shape[-2:]:
        logits = F.interpolate(logits, size=target.shape[-2:], mode="bilinear", align_corners=False)
    logits = logits.float()
    valid = torch.ones_like(target, dtype=torch.bool) if ignore_index is None else target != ignore_index
    safe_target = torch.where(valid, target, torch.zeros_like(target))
    ce = F.cross_entropy(logits, safe_target, reduction="none")
    w = valid.to(ce.dtype)
    if class_weight is not None:
        w = w * class_weight.to(ce)[safe_target]
    if sample_weight is not None:
        if sample_weight.shape != target.shape[:1]:
            raise ValueError(f"sample_weight: got shape {tuple(sample_weight.shape)}; expected [B] = "
                             f"[{target.shape[0]}], one weight per image")
        w = w * sample_weight.to(ce).view(-1, *([1] * (target.dim() - 1)))
    return (w * ce).sum() / w.sum().clamp_min(torch.finfo(ce.dtype).tiny)
