"""`Ensemble`: K independently initialised members run side by side.

Shape convention (shared with `curation` acquisition functions): member outputs are stacked on a new
leading axis, `[K, B, C, ...]`: K members, B images, C classes, then (h, w) for segmentation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

import torch
from torch import Tensor, nn

from models.arch.spec import ArchSpec

__all__ = ["Ensemble", "stack_member_outputs"]


def stack_member_outputs(members: Sequence[nn.Module], x: Tensor, return_embedding: bool = False):
    """Run each member on `x` in a plain loop (measured fastest on CPU) and stack.

    Returns logits [K, B, C, ...], or (logits [K, B, C, ...], embeddings [K, B, D] float32).
    """
    if not return_embedding:
        return torch.stack([m(x) for m in members])
    outs = [m(x, return_embedding=True) for m in members]
    return torch.stack([o[0] for o in outs]), torch.stack([o[1].float() for o in outs])


class Ensemble(nn.Module):
    """K networks of one architecture; `members[i]` is an ordinary `nn.Module` returning logits and
    accepting `return_embedding=True` (every `models.Network` does).

    - `forward(x)` -> logits [K, B, C, ...] (gradients flow: this is what training calls);
    - `predict_proba(x)` -> probs [K, B, C, ...] float32, softmax over C per member;
    - `predict_with_embedding(x)` -> (probs [K, B, C, ...] float32, member-mean embedding [B, D] float32);
    - `logits_with_embedding(x)` -> the same with the members' logits in place of probs (what scoring uses).

    `predict_*` run under `torch.no_grad()` and leave train/eval mode to the caller (call `.eval()`
    first for scoring). They work inside `torch.autocast("cpu", dtype=torch.bfloat16)` and with
    channels_last models and inputs; the softmax is always taken in float32.
    """

    def __init__(self, members: Sequence[nn.Module]) -> None:
        super().__init__()
        members = list(members)
        if not members:
            raise ValueError("Ensemble: got 0 members; pass a non-empty list of networks (K >= 1)")
        self.members = nn.ModuleList(members)

    @classmethod
    def from_spec(cls, name_or_spec: str | Path | ArchSpec | Mapping[str, Any], task: str, num_classes: int,
                  k: int = 5, seed: int = 0, **opts: Any) -> "Ensemble":
        """K members built by `create_model(name_or_spec, task, num_classes, seed=seed + i, **opts)`:
        same architecture, independent initialisations (reproducible from `seed`)."""
        from models.registry import create_model  # local: registry imports the network stack

        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise ValueError(f"k: got {k!r}; allowed: an integer >= 1 (number of members)")
        if "seed" in opts:
            raise TypeError("Ensemble.from_spec: pass `seed` (the first member's seed), not a per-member seed")
        return cls([create_model(name_or_spec, task, num_classes, seed=seed + i, **opts) for i in range(k)])

    @property
    def num_members(self) -> int:
        return len(self.members)

    @property
    def embedding_dim(self) -> int | None:
        return getattr(self.members[0], "embedding_dim", None)

    @property
    def spec(self) -> ArchSpec | None:
        """The members' (normalised) architecture, when they are `models.Network`s."""
        return getattr(self.members[0], "spec", None)

    @property
    def task(self) -> str | None:
        return getattr(self.members[0], "task", None)

    @property
    def num_classes(self) -> int | None:
        return getattr(self.members[0], "num_classes", None)

    def forward(self, x: Tensor) -> Tensor:
        """x [B, 3, H, W] -> logits [K, B, C, ...] (dtype follows autocast)."""
        return stack_member_outputs(self.members, x)

    @torch.no_grad()
    def predict_proba(self, x: Tensor) -> Tensor:
        """x [B, 3, H, W] -> probs [K, B, C, ...] float32 (softmax over C for each member)."""
        return torch.softmax(self.forward(x).float(), dim=2)

    @torch.no_grad()
    def predict_with_embedding(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """x [B, 3, H, W] -> (probs [K, B, C, ...] float32, embedding [B, D] float32).

        The embedding is the mean over members of each member's pooled deepest feature.
        """
        logits, emb = self.logits_with_embedding(x)
        return torch.softmax(logits.float(), dim=2), emb

    @torch.no_grad()
    def logits_with_embedding(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """x [B, 3, H, W] -> (logits [K, B, C, ...] as the members computed them (dtype follows autocast,
        memory format follows the members), embedding [B, D] float32): for `curation.acquisition.score_logits`.
        """
        logits, emb = stack_member_outputs(self.members, x, return_embedding=True)
        return logits, emb.mean(dim=0)
