"""FBNet/MobileNetV2 inverted residual (`ir_k{3,5}_e{1,3,6}`)."""

from __future__ import annotations

import torch
from torch import nn

from models.blocks.common import ConvBN, ConvBNAct
from models.blocks.dropout import MCDropout

__all__ = ["InvertedResidual"]


class InvertedResidual(nn.Module):
    """[1x1 expand to cin*expand + BN + act] -> kxk depthwise (stride, dilation) + BN + act ->
    1x1 project + BN (linear bottleneck) -> dropout -> + input when stride 1 and cin == cout.

    With expand == 1 the expand conv is omitted (MobileNetV2 convention).
    [B, cin, H, W] -> [B, cout, ceil(H/stride), ceil(W/stride)].
    """

    def __init__(self, cin: int, cout: int, stride: int = 1, *, kernel: int = 3, expand: int = 1,
                 dilation: int = 1, act: str = "relu", dropout: float = 0.0) -> None:
        super().__init__()
        mid = cin * expand
        self.expand = ConvBNAct(cin, mid, 1, act=act) if expand != 1 else nn.Identity()
        self.depthwise = ConvBNAct(mid, mid, kernel, stride, groups=mid, dilation=dilation, act=act)
        self.project = ConvBN(mid, cout, 1)
        self.drop = MCDropout(dropout)
        self.residual = stride == 1 and cin == cout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.drop(self.project(self.depthwise(self.expand(x))))
        return x + y if self.residual else y
