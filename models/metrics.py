"""Evaluation maths as pure functions: confusion matrix, IoU, accuracy, expected calibration error.

Conventions: a confusion matrix `cm` is [C, C] int64 with rows = target class, columns = predicted
class. Pixels/samples whose target equals `ignore_index` are left out everywhere.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

__all__ = [
    "confusion_matrix",
    "iou_per_class",
    "mean_iou",
    "accuracy",
    "calibration_bins",
    "ece_from_bins",
    "expected_calibration_error",
]


def _valid_mask(target: Tensor, num_classes: int, ignore_index: int | None) -> Tensor:
    valid = torch.ones_like(target, dtype=torch.bool) if ignore_index is None else target != ignore_index
    bad = valid & ((target < 0) | (target >= num_classes))
    if bad.any():
        values = sorted(set(target[bad].unique().tolist()))[:5]
        raise ValueError(f"target holds class id(s) {values} outside [0, {num_classes}) and not the "
                         f"ignore_index ({ignore_index}); fix the labels or pass the right ignore_index")
    return valid


def confusion_matrix(pred: Tensor, target: Tensor, num_classes: int, ignore_index: int | None = None) -> Tensor:
    """pred, target: integer class ids of one shape ([B] or [B, H, W]) -> cm [C, C] int64 (rows = target)."""
    if pred.shape != target.shape:
        raise ValueError(f"pred {tuple(pred.shape)} and target {tuple(target.shape)} must have one shape")
    valid = _valid_mask(target, num_classes, ignore_index)
    idx = target[valid].long() * num_classes + pred[valid].long()
    return torch.bincount(idx, minlength=num_classes * num_classes).view(num_classes, num_classes)


def iou_per_class(cm: Tensor) -> Tensor:
    """cm [C, C] -> IoU [C] float64 = TP / (TP + FP + FN); NaN for a class absent from both the
    predictions and the targets (it has no IoU, and must not count as 0 or 1)."""
    cm = cm.double()
    tp = cm.diagonal()
    denom = cm.sum(0) + cm.sum(1) - tp
    return torch.where(denom > 0, tp / denom.clamp_min(1), torch.full_like(tp, math.nan))


def mean_iou(cm: Tensor) -> float:
    """Mean IoU over classes present in predictions or targets (NaN if none are)."""
    iou = iou_per_class(cm)
    present = ~iou.isnan()
    return float(iou[present].mean()) if present.any() else math.nan


def accuracy(cm: Tensor) -> float:
    """Fraction of counted pixels/samples predicted correctly (NaN if nothing was counted)."""
    total = cm.sum()
    return float(cm.diagonal().sum().double() / total) if total > 0 else math.nan


def calibration_bins(probs: Tensor, target: Tensor, n_bins: int = 15,
                     ignore_index: int | None = None) -> tuple[Tensor, Tensor, Tensor]:
    """Accumulators for ECE.

    probs: [B, C, ...] one predictive distribution per item (e.g. the ensemble mean); target [B, ...].
    Confidence = max prob, prediction = argmax. Bin i holds confidences in (i/n, (i+1)/n].
    Returns (count, confidence sum, correct count), each [n_bins] float64; they add up across batches.
    """
    conf, pred = probs.float().max(dim=1)
    valid = _valid_mask(target, probs.shape[1], ignore_index)
    conf, correct = conf[valid].double(), (pred[valid] == target[valid]).double()
    bins = (torch.ceil(conf * n_bins).long() - 1).clamp(0, n_bins - 1)
    count = torch.bincount(bins, minlength=n_bins).double()
    conf_sum = torch.bincount(bins, weights=conf, minlength=n_bins)
    correct_sum = torch.bincount(bins, weights=correct, minlength=n_bins)
    return count, conf_sum, correct_sum


def ece_from_bins(count: Tensor, conf_sum: Tensor, correct_sum: Tensor) -> float:
    """ECE = sum_b (n_b / N) |acc_b - conf_b| = sum_b |correct_b - conf_sum_b| / N (NaN if N = 0)."""
    total = count.sum()
    return float((correct_sum - conf_sum).abs().sum() / total) if total > 0 else math.nan


def expected_calibration_error(probs: Tensor, target: Tensor, n_bins: int = 15,
                               ignore_index: int | None = None) -> float:
    """ECE (Guo et al. 2017) of probs [B, C, ...] against target [B, ...] with `n_bins` equal-width bins."""
    return ece_from_bins(*calibration_bins(probs, target, n_bins, ignore_index))
