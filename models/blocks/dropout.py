"""Dropout that can stay on at inference, for Monte-Carlo dropout."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["MCDropout", "set_mc_dropout", "has_dropout"]


class MCDropout(nn.Module):
    """Element-wise dropout with probability `p`, active in training and, when `mc_active` is True,
    also in eval mode (so T stochastic forward passes sample the MC-dropout posterior).

    `p == 0` is the identity and costs nothing.
    """

    def __init__(self, p: float = 0.0, mc_active: bool = False) -> None:
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError(f"dropout p: got {p}; allowed: [0, 1)")
        self.p = float(p)
        self.mc_active = bool(mc_active)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.p == 0.0:
            return x
        return F.dropout(x, self.p, training=self.training or self.mc_active)

    def extra_repr(self) -> str:
        return f"p={self.p}, mc_active={self.mc_active}"


def set_mc_dropout(module: nn.Module, active: bool) -> int:
    """Switch every `MCDropout` in `module` to stay on (or not) at eval; returns how many have p > 0."""
    n = 0
    for m in module.modules():
        if isinstance(m, MCDropout):
            m.mc_active = bool(active)
            n += m.p > 0
    return n


def has_dropout(module: nn.Module) -> bool:
    """True when some `MCDropout` in `module` has p > 0."""
    return any(isinstance(m, MCDropout) and m.p > 0 for m in module.modules())
