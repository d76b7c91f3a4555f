"""`gconv1x1`: grouped 1x1 conv with channel shuffle (ShuffleNet-style)."""

from __future__ import annotations

import torch
from torch import nn

from models.blocks.common import ConvBNAct
from models.blocks.dropout import MCDropout

__all__ = ["GroupedConv1x1", "channel_shuffle"]


def channel_shuffle(x: torch.Tensor, groups: int) -> torch.Tensor:
    """Interleave channels across `groups` so the next grouped conv sees every group.

    [B, C, H, W] -> [B, C, H, W]; channel g * (C/groups) + i moves to i * groups + g.
    """
    if groups == 1:
        return x
    b, c, h, w = x.shape
    # reshape (not view): works for channels_last inputs too.
    return x.reshape(b, groups, c // groups, h, w).transpose(1, 2).reshape(b, c, h, w)


class GroupedConv1x1(nn.Module):
    """1x1 conv with `groups` (stride) + BN + act -> channel shuffle -> dropout -> + input when the
    shape is unchanged. [B, cin, H, W] -> [B, cout, ceil(H/stride), ceil(W/stride)]."""

    def __init__(self, cin: int, cout: int, stride: int = 1, *, groups: int = 2, act: str = "relu",
                 dropout: float = 0.0) -> None:
        super().__init__()
        self.conv = ConvBNAct(cin, cout, 1, stride, groups=groups, act=act)
        self.groups = groups
        self.drop = MCDropout(dropout)
        self.residual = stride == 1 and cin == cout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.drop(channel_shuffle(self.conv(x), self.groups))
        return x + y if self.residual else y
