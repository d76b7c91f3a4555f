"""DeepLabV3+-lite segmentation head: a separable ASPP and a one-layer decoder."""

from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from models.blocks.common import ConvBNAct, make_act
from models.blocks.dropout import MCDropout

__all__ = ["ASPPLite", "DeepLabV3PlusLite"]


class ASPPLite(nn.Module):
    """ASPP with depthwise-separable dilated branches.

    [B, cin, h, w] -> concat(1x1; per rate: dw 3x3 dilated + 1x1; image pooling) -> 1x1 projection
    -> [B, channels, h, w]. The pooling branch has no BatchNorm (1x1 maps break it at batch size 1).
    """

    def __init__(self, cin: int, channels: int, rates: Sequence[int], act: str = "relu") -> None:
        super().__init__()
        self.branches = nn.ModuleList([ConvBNAct(cin, channels, 1, act=act)])
        for r in rates:
            self.branches.append(nn.Sequential(
                ConvBNAct(cin, cin, 3, groups=cin, dilation=r, act=act),
                ConvBNAct(cin, channels, 1, act=act),
            ))
        self.pool = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(cin, channels, 1, bias=True), make_act(act))
        self.project = ConvBNAct(channels * (len(rates) + 2), channels, 1, act=act)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        outs = [b(x) for b in self.branches]
        outs.append(self.pool(x).expand(-1, -1, x.shape[-2], x.shape[-1]))
        return self.project(torch.cat(outs, dim=1))


class DeepLabV3PlusLite(nn.Module):
    """ASPP on the high-level feature, upsampled to the low-level feature, concatenated with a 1x1
    reduction of it (`low_channels`), fused by one separable 3x3 conv, then a 1x1 classifier.

    low [B, in_low, hl, wl], high [B, in_high, h, w] -> logits [B, num_classes, hl, wl].
    """

    def __init__(self, in_low: int, in_high: int, num_classes: int, *, channels: int = 128,
                 low_channels: int = 48, rates: Sequence[int] = (3, 6), act: str = "relu",
                 dropout: float = 0.0) -> None:
        super().__init__()
        self.aspp = ASPPLite(in_high, channels, rates, act=act)
        self.low_reduce = ConvBNAct(in_low, low_channels, 1, act=act)
        fused = channels + low_channels
        self.fuse = nn.Sequential(
            ConvBNAct(fused, fused, 3, groups=fused, act=act),
            ConvBNAct(fused, channels, 1, act=act),
        )
        self.drop = MCDropout(dropout)
        self.classifier = nn.Conv2d(channels, num_classes, 1)

    def forward(self, low: torch.Tensor, high: torch.Tensor) -> torch.Tensor:
        y = F.interpolate(self.aspp(high), size=low.shape[-2:], mode="bilinear", align_corners=False)
        y = self.fuse(torch.cat([y, self.low_reduce(low)], dim=1))
        return self.classifier(self.drop(y))
