"""`dil3`: a 3x3 dilated conv block (SqueezeNAS-style context op)."""

from __future__ import annotations

import torch
from torch import nn

from models.blocks.common import ConvBNAct
from models.blocks.dropout import MCDropout

__all__ = ["DilatedConv"]


class DilatedConv(nn.Module):
    """3x3 conv (dilation, stride) + BN + act -> dropout -> + input when the shape is unchanged.

    [B, cin, H, W] -> [B, cout, ceil(H/stride), ceil(W/stride)].
    """

    def __init__(self, cin: int, cout: int, stride: int = 1, *, dilation: int = 2, act: str = "relu",
                 dropout: float = 0.0) -> None:
        super().__init__()
        self.conv = ConvBNAct(cin, cout, 3, stride, dilation=dilation, act=act)
        self.drop = MCDropout(dropout)
        self.residual = stride == 1 and cin == cout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.drop(self.conv(x))
        return x + y if self.residual else y
