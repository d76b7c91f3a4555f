"""`skip`: identity, or a 1x1 projection when stride or channels change (NAS "no-op" choice)."""

from __future__ import annotations

import torch
from torch import nn

from models.blocks.common import ConvBN
from models.blocks.dropout import MCDropout

__all__ = ["Skip"]


class Skip(nn.Module):
    """Identity when stride 1 and cin == cout, else 1x1 conv (stride) + BN; then dropout.

    [B, cin, H, W] -> [B, cout, ceil(H/stride), ceil(W/stride)].
    """

    def __init__(self, cin: int, cout: int, stride: int = 1, *, act: str = "relu", dropout: float = 0.0) -> None:
        super().__init__()
        del act  # accepted for a uniform block signature; a skip has no activation
        self.proj = nn.Identity() if stride == 1 and cin == cout else ConvBN(cin, cout, 1, stride)
        self.drop = MCDropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.drop(self.proj(x))
