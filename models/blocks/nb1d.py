"""ERFNet's factorised non-bottleneck-1D block (`nb1d`), Romera et al. 2017."""

from __future__ import annotations

import torch
from torch import nn

from models.blocks.common import make_act
from models.blocks.dropout import MCDropout

__all__ = ["NonBottleneck1D"]


class NonBottleneck1D(nn.Module):
    """3x1 conv -> act -> 1x3 conv + BN -> act -> 3x1 dilated -> act -> 1x3 dilated + BN -> dropout
    -> act(x + .). Keeps the shape: [B, C, H, W] -> [B, C, H, W].

    Convs followed by BN carry no bias (it would be cancelled); the others keep theirs, as in ERFNet.
    """

    def __init__(self, cin: int, cout: int, stride: int = 1, *, dilation: int = 1, act: str = "relu",
                 dropout: float = 0.0) -> None:
        super().__init__()
        if stride != 1 or cin != cout:
            raise ValueError(f"nb1d keeps its shape: got stride {stride}, channels {cin} -> {cout}; "
                             "allowed: stride 1, cin == cout")
        c, d = cin, dilation
        self.conv3x1_1 = nn.Conv2d(c, c, (3, 1), padding=(1, 0), bias=True)
        self.conv1x3_1 = nn.Conv2d(c, c, (1, 3), padding=(0, 1), bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.conv3x1_2 = nn.Conv2d(c, c, (3, 1), padding=(d, 0), dilation=(d, 1), bias=True)
        self.conv1x3_2 = nn.Conv2d(c, c, (1, 3), padding=(0, d), dilation=(1, d), bias=False)
        self.bn2 = nn.BatchNorm2d(c)
        self.act1, self.act2, self.act3, self.act_out = (make_act(act) for _ in range(4))
        self.drop = MCDropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.act1(self.conv3x1_1(x))
        y = self.act2(self.bn1(self.conv1x3_1(y)))
        y = self.act3(self.conv3x1_2(y))
        y = self.drop(self.bn2(self.conv1x3_2(y)))
        return self.act_out(x + y)
