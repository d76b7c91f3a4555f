"""Heads: LR-ASPP and DeepLabV3+-lite for segmentation, pooled linear for classification.

Segmentation heads take (low, high) features and return logits at the low-level feature's
resolution; `models.network.Network` then resizes them to stride 4 (see README: output convention).
"""

from __future__ import annotations

from torch import nn

from models.arch.spec import HeadSpec
from models.heads.deeplab_lite import ASPPLite, DeepLabV3PlusLite
from models.heads.linear import PooledLinear
from models.heads.lraspp import LRASPP

__all__ = ["build_head", "LRASPP", "DeepLabV3PlusLite", "ASPPLite", "PooledLinear"]


def build_head(head: HeadSpec, in_low: int | None, in_high: int, num_classes: int) -> nn.Module:
    """The head for a normalised `HeadSpec`; `in_low` is ignored by the classification head."""
    opt = {k: v for k, v in head.options.items() if k != "low_stride"}
    if head.kind == "lraspp":
        return LRASPP(in_low, in_high, num_classes, **opt)
    if head.kind == "deeplabv3plus_lite":
        return DeepLabV3PlusLite(in_low, in_high, num_classes, **opt)
    if head.kind == "linear":
        return PooledLinear(in_high, num_classes, **opt)
    raise ValueError(f"head.kind: got {head.kind!r}; allowed: ['deeplabv3plus_lite', 'linear', 'lraspp']")
