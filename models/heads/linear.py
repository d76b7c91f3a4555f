"""Pooled linear classification head."""

from __future__ import annotations

import torch
from torch import nn

from models.blocks.common import ConvBNAct
from models.blocks.dropout import MCDropout

__all__ = ["PooledLinear"]


class PooledLinear(nn.Module):
    """[optional 1x1 conv + BN + act to `hidden`] -> global average pool -> dropout -> Linear.

    high [B, in_high, h, w] -> logits [B, num_classes].
    """

    def __init__(self, in_high: int, num_classes: int, *, hidden: int = 0, act: str = "relu",
                 dropout: float = 0.0) -> None:
        super().__init__()
        self.hidden = ConvBNAct(in_high, hidden, 1, act=act) if hidden else nn.Identity()
        self.drop = MCDropout(dropout)
        self.fc = nn.Linear(hidden or in_high, num_classes)

    def forward(self, high: torch.Tensor) -> torch.Tensor:
        return self.fc(self.drop(self.hidden(high).mean(dim=(2, 3))))
