"""Monte-Carlo dropout: one network, dropout kept on, sampled T times (Gal & Ghahramani 2016).

The baseline DPE is compared with "a single network with MC dropout at the same compute": T = K
stochastic passes of one member cost what one pass of K members does.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from models.blocks.dropout import MCDropout, has_dropout
from models.ensemble import stack_member_outputs

__all__ = ["MCDropoutSampler"]


class MCDropoutSampler(nn.Module):
    """Wraps one network with dropout; answers the `Ensemble` interface with T samples in place of K
    members: `forward(x)` -> logits [T, B, C, ...], `predict_proba(x)` -> probs [T, B, C, ...],
    `predict_with_embedding(x)` -> (probs [T, B, C, ...], mean embedding [B, D]), `logits_with_embedding(x)`.

    Dropout layers (`MCDropout`) are switched on for the duration of each call and restored after, so
    the wrapped network is unchanged for other users; everything else (BatchNorm) stays in whatever
    mode the caller set (`.eval()` for scoring). Build the network with dropout, e.g.
    `create_model("fbnet_tiny", "segmentation", 11, dropout=0.1)`.
    """

    def __init__(self, network: nn.Module, samples: int = 5) -> None:
        super().__init__()
        if not has_dropout(network):
            raise ValueError("MCDropoutSampler: the network has no dropout (every MCDropout has p = 0); "
                             "build it with dropout, e.g. create_model(..., dropout=0.1)")
        if isinstance(samples, bool) or not isinstance(samples, int) or samples < 1:
            raise ValueError(f"samples: got {samples!r}; allowed: an integer >= 1")
        self.network = network
        self.samples = samples

    @property
    def num_members(self) -> int:
        return self.samples

    @property
    def embedding_dim(self) -> int | None:
        return getattr(self.network, "embedding_dim", None)

    def _sample(self, x: Tensor, return_embedding: bool):
        drops = [m for m in self.network.modules() if isinstance(m, MCDropout)]
        previous = [d.mc_active for d in drops]
        for d in drops:
            d.mc_active = True
        try:
            return stack_member_outputs([self.network] * self.samples, x, return_embedding)
        finally:
            for d, p in zip(drops, previous):
                d.mc_active = p

    def forward(self, x: Tensor) -> Tensor:
        """x [B, 3, H, W] -> logits [T, B, C, ...]."""
        return self._sample(x, return_embedding=False)

    @torch.no_grad()
    def predict_proba(self, x: Tensor) -> Tensor:
        """x -> probs [T, B, C, ...] float32."""
        return torch.softmax(self.forward(x).float(), dim=2)

    @torch.no_grad()
    def predict_with_embedding(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """x -> (probs [T, B, C, ...] float32, embedding [B, D] float32 averaged over samples)."""
        logits, emb = self.logits_with_embedding(x)
        return torch.softmax(logits.float(), dim=2), emb

    @torch.no_grad()
    def logits_with_embedding(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """x -> (logits [T, B, C, ...], embedding [B, D] float32 averaged over samples)."""
        logits, emb = self._sample(x, return_embedding=True)
        return logits, emb.mean(dim=0)
