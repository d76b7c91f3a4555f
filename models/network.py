"""`Network`: the one model class every preset and NAS spec builds (timm style: variants are specs)."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from models.arch.normalize import spec_for_task, stage_strides
from models.arch.ops import SEGMENTATION_OUTPUT_STRIDE
from models.arch.spec import ArchSpec
from models.blocks import ConvBNAct, build_stage, set_mc_dropout
from models.dpe_prior import init_from_prior
from models.heads import build_head

__all__ = ["Network"]


class Network(nn.Module):
    """Stem -> stages -> head, built from an `ArchSpec`.

    Input: x [B, in_channels, H, W], float, normalised.
    `forward(x)` returns logits:
      - segmentation: [B, num_classes, ceil(H/4), ceil(W/4)] (stride 4; the consumer upsamples to
        the label size, e.g. bilinear on logits);
      - classification: [B, num_classes].
    `forward(x, return_embedding=True)` returns (logits, embedding [B, embedding_dim] float32), the
    embedding being the deepest backbone feature, global-average pooled.

    Attributes: `spec` (normalised, with the head actually built), `task`, `num_classes`,
    `embedding_dim`, `output_stride` (4 for segmentation, None for classification).

    Parameters are drawn from the DPE prior (`models.dpe_prior.init_from_prior`) using `generator`.
    """

    def __init__(self, spec: ArchSpec, task: str, num_classes: int, *, in_channels: int = 3,
                 mc_dropout: bool = False, generator: torch.Generator | None = None) -> None:
        super().__init__()
        spec = spec_for_task(spec, task)
        self.spec = spec
        self.task = task
        self.num_classes = int(num_classes)
        self.stem = ConvBNAct(in_channels, spec.stem.channels, spec.stem.kernel, spec.stem.stride, act=spec.act)
        stages, cin = [], spec.stem.channels
        for stage in spec.stages:
            stages.append(build_stage(stage, cin))
            cin = stage.channels
        self.stages = nn.ModuleList(stages)
        self.embedding_dim = cin
        channels = [spec.stem.channels] + [s.channels for s in spec.stages]
        if task == "segmentation":
            strides = stage_strides(spec)
            low_stride = spec.head.options["low_stride"]
            # Index into [stem, stage 0, ...]: the last feature at the low-level stride.
            self._low_index = max(i for i, s in enumerate(strides) if s == low_stride)
            self.head = build_head(spec.head, channels[self._low_index], cin, self.num_classes)
            self.output_stride: int | None = SEGMENTATION_OUTPUT_STRIDE
        else:
            self._low_index = -1
            self.head = build_head(spec.head, None, cin, self.num_classes)
            self.output_stride = None
        init_from_prior(self, generator)
        set_mc_dropout(self, mc_dropout)

    def _features(self, x: Tensor) -> tuple[Tensor | None, Tensor]:
        """(low-level feature or None, deepest feature)."""
        y = self.stem(x)
        low = y if self._low_index == 0 else None
        for i, stage in enumerate(self.stages, start=1):
            y = stage(y)
            if i == self._low_index:
                low = y
        return low, y

    def forward_features(self, x: Tensor) -> Tensor:
        """Deepest backbone feature map [B, embedding_dim, ceil(H/s), ceil(W/s)] (s = spec's out stride)."""
        return self._features(x)[1]

    def embed(self, x: Tensor) -> Tensor:
        """Pooled embedding [B, embedding_dim], float32."""
        return self.forward_features(x).float().mean(dim=(2, 3))

    def forward(self, x: Tensor, return_embedding: bool = False) -> Tensor | tuple[Tensor, Tensor]:
        low, high = self._features(x)
        if self.task == "segmentation":
            logits = self.head(low, high)
            out_hw = (math.ceil(x.shape[-2] / SEGMENTATION_OUTPUT_STRIDE),
                      math.ceil(x.shape[-1] / SEGMENTATION_OUTPUT_STRIDE))
            if tuple(logits.shape[-2:]) != out_hw:
                logits = F.interpolate(logits, size=out_hw, mode="bilinear", align_corners=False)
        else:
            logits = self.head(high)
        if return_embedding:
            return logits, high.float().mean(dim=(2, 3))
        return logits
