"""LR-ASPP segmentation head (Howard et al. 2019, MobileNetV3)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from models.blocks.common import ConvBNAct
from models.blocks.dropout import MCDropout

__all__ = ["LRASPP"]


class LRASPP(nn.Module):
    """Lite reduced ASPP.

    high [B, in_high, h, w] -> 1x1 conv + BN + act, gated by sigmoid(1x1 conv(global average pool))
    -> dropout -> 1x1 classifier -> bilinear upsample to the low-level size; plus a 1x1 classifier on
    low [B, in_low, hl, wl]. Returns logits [B, num_classes, hl, wl] (at the low-level feature's stride).

    The high-branch classifier runs before the upsampling: a 1x1 conv commutes with bilinear
    interpolation (its weights sum to 1), so the result is the same at a fraction of the MACs.
    """

    def __init__(self, in_low: int, in_high: int, num_classes: int, *, channels: int = 128,
                 act: str = "relu", dropout: float = 0.0) -> None:
        super().__init__()
        self.cbr = ConvBNAct(in_high, channels, 1, act=act)
        self.gate = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(in_high, channels, 1, bias=False), nn.Sigmoid())
        self.drop = MCDropout(dropout)
        self.high_classifier = nn.Conv2d(channels, num_classes, 1)
        self.low_classifier = nn.Conv2d(in_low, num_classes, 1)

    def forward(self, low: torch.Tensor, high: torch.Tensor) -> torch.Tensor:
        y = self.high_classifier(self.drop(self.cbr(high) * self.gate(high)))
        y = F.interpolate(y, size=low.shape[-2:], mode="bilinear", align_corners=False)
        return y + self.low_classifier(low)
