"""ERFNet's downsampler block (`down`)."""

from __future__ import annotations

import torch
from torch import nn

from models.blocks.common import make_act
from models.blocks.dropout import MCDropout

__all__ = ["Downsampler"]


class Downsampler(nn.Module):
    """concat(3x3 stride-2 conv to cout - cin channels, 2x2 max-pool of the input) + BN + act -> dropout.

    [B, cin, H, W] -> [B, cout, ceil(H/2), ceil(W/2)] (the pool uses ceil_mode so odd sizes line up
    with the conv). Requires cout > cin and stride 2.
    """

    def __init__(self, cin: int, cout: int, stride: int = 2, *, act: str = "relu", dropout: float = 0.0) -> None:
        super().__init__()
        if stride != 2 or cout <= cin:
            raise ValueError(f"down: got stride {stride}, channels {cin} -> {cout}; allowed: stride 2, cout > cin")
        self.conv = nn.Conv2d(cin, cout - cin, 3, stride=2, padding=1, bias=False)
        self.pool = nn.MaxPool2d(2, stride=2, ceil_mode=True)
        self.bn = nn.BatchNorm2d(cout)
        self.act = make_act(act)
        self.drop = MCDropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.drop(self.act(self.bn(torch.cat([self.conv(x), self.pool(x)], dim=1))))
