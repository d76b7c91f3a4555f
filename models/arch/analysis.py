"""Answer questions about an `ArchSpec` without building a network: per-layer output stride,
channels and spatial size, parameter count and multiply-accumulates (MACs).

Pure Python (no torch), so NAS can score thousands of candidate specs cheaply.

Counting conventions (they match a forward-hook count over `nn.Conv2d`/`nn.Linear` exactly, which
the contract test checks):
- MACs: conv = out_h * out_w * out_channels * (in_channels / groups) * kh * kw; linear = in * out;
  per image (batch 1). BatchNorm, activations, pooling, channel shuffle, residual adds and bilinear
  upsampling are not counted.
- Params: every trainable parameter, BatchNorm scale and shift included (running stats are buffers).
- Spatial sizes: every conv uses "same" padding, so a stride-s layer maps n -> ceil(n / s).
- Sizes are (H, W), torch order: CamVid 240x180 frames are `input_size=(180, 240)`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

from models.arch.normalize import normalize_spec
from models.arch.ops import OPS, SEGMENTATION_OUTPUT_STRIDE
from models.arch.spec import ArchSpec, SpecError

__all__ = ["LayerInfo", "SpecAnalysis", "analyze_spec", "count_params", "count_macs"]


@dataclass(frozen=True)
class LayerInfo:
    """One row of the analysis: the stem, one block, or the head.

    `stride` is the cumulative output stride relative to the input; `out_hw` is (H, W) of the output
    (for the head: its logits before the model's final resize).
    """

    name: str
    op: str
    in_channels: int
    out_channels: int
    stride: int
    out_hw: tuple[int, int]
    params: int
    macs: int


@dataclass(frozen=True)
class SpecAnalysis:
    """Whole-network figures for one input size and class count.

    `embedding_dim` is the channel count of the deepest backbone feature (what the pooled embedding
    holds). `logits_hw` is the spatial size of the model's output: (ceil(H/4), ceil(W/4)) for
    segmentation, None for classification.
    """

    spec: ArchSpec
    input_size: tuple[int, int]
    num_classes: int
    layers: tuple[LayerInfo, ...]
    params: int
    macs: int
    backbone_params: int
    backbone_macs: int
    out_stride: int
    embedding_dim: int
    task: str
    logits_hw: tuple[int, int] | None

    def table(self) -> str:
        """Human-readable per-layer table (for notebooks and `print`)."""
        rows = [f"{'layer':<22}{'op':<20}{'in':>6}{'out':>6}{'stride':>7}{'out_hw':>12}{'params':>11}{'MMACs':>10}"]
        for lay in self.layers:
            hw = f"{lay.out_hw[0]}x{lay.out_hw[1]}"
            rows.append(f"{lay.name:<22}{lay.op:<20}{lay.in_channels:>6}{lay.out_channels:>6}"
                        f"{lay.stride:>7}{hw:>12}{lay.params:>11,}{lay.macs / 1e6:>10.2f}")
        rows.append(f"total: {self.params:,} params, {self.macs / 1e6:.2f} MMACs at "
                    f"{self.input_size[0]}x{self.input_size[1]} (HxW)")
        return "\n".join(rows)


def analyze_spec(
    spec: ArchSpec | Mapping[str, Any],
    input_size: tuple[int, int],
    num_classes: int,
    in_channels: int = 3,
) -> SpecAnalysis:
    """Per-layer and total params/MACs of the network `spec` describes, at `input_size` (H, W).

    The spec is normalised first (defaults filled, errors raised as `SpecError`). The head counted is
    the spec's own head: call `spec_for_task` first to analyse what `create_model` builds for a task.
    """
    spec = normalize_spec(spec)
    h, w = _size(input_size)
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1:
        raise SpecError(f"num_classes: got {num_classes!r}; allowed: an integer >= 1")

    layers: list[LayerInfo] = []
    # stem
    cost = _Cost()
    hw = cost.conv(in_channels, spec.stem.channels, spec.stem.kernel, spec.stem.kernel,
                   spec.stem.stride, (h, w), bn=True)
    stride = spec.stem.stride
    layers.append(LayerInfo("stem", "conv_bn_act", in_channels, spec.stem.channels, stride, hw,
                            cost.params, cost.macs))
    features = {stride: (spec.stem.channels, hw)}  # last feature seen at each stride
    channels = spec.stem.channels

    for i, stage in enumerate(spec.stages):
        for j in range(stage.repeat):
            s = stage.stride if j == 0 else 1
            cin = channels
            cost = _Cost()
            hw = _block_cost(cost, stage.op, cin, stage.channels, s, hw, stage.options)
            stride *= s
            channels = stage.channels
            layers.append(LayerInfo(f"stages.{i}.{j}", stage.op, cin, channels, stride, hw,
                                    cost.params, cost.macs))
        features[stride] = (channels, hw)

    backbone_params = sum(lay.params for lay in layers)
    backbone_macs = sum(lay.macs for lay in layers)
    task = "classification" if spec.head.kind == "linear" else "segmentation"

    cost = _Cost()
    head_hw = _head_cost(cost, spec.head.kind, spec.head.options, (channels, hw), features, num_classes)
    layers.append(LayerInfo("head", spec.head.kind, channels, num_classes,
                            spec.head.options.get("low_stride", stride), head_hw, cost.params, cost.macs))
    logits_hw = None
    if task == "segmentation":
        logits_hw = (math.ceil(h / SEGMENTATION_OUTPUT_STRIDE), math.ceil(w / SEGMENTATION_OUTPUT_STRIDE))
    return SpecAnalysis(
        spec=spec,
        input_size=(h, w),
        num_classes=num_classes,
        layers=tuple(layers),
        params=backbone_params + cost.params,
        macs=backbone_macs + cost.macs,
        backbone_params=backbone_params,
        backbone_macs=backbone_macs,
        out_stride=stride,
        embedding_dim=channels,
        task=task,
        logits_hw=logits_hw,
    )


def count_params(spec: ArchSpec | Mapping[str, Any], num_classes: int) -> int:
    """Trainable parameter count (independent of input size)."""
    return analyze_spec(spec, (64, 64), num_classes).params


def count_macs(spec: ArchSpec | Mapping[str, Any], input_size: tuple[int, int], num_classes: int) -> int:
    """Multiply-accumulates for one image of `input_size` (H, W)."""
    return analyze_spec(spec, input_size, num_classes).macs


# -- cost models (each mirrors one builder in models/blocks or models/heads) -------------------------
class _Cost:
    def __init__(self) -> None:
        self.params = 0
        self.macs = 0

    def conv(self, cin: int, cout: int, kh: int, kw: int, stride: int | tuple[int, int],
             hw: tuple[int, int], groups: int = 1, bias: bool = False, bn: bool = False) -> tuple[int, int]:
        sh, sw = (stride, stride) if isinstance(stride, int) else stride
        out = (math.ceil(hw[0] / sh), math.ceil(hw[1] / sw))
        weights = cout * (cin // groups) * kh * kw
        self.params += weights + (cout if bias else 0) + (2 * cout if bn else 0)
        self.macs += out[0] * out[1] * weights
        return out

    def bn(self, c: int) -> None:
        self.params += 2 * c

    def linear(self, fin: int, fout: int) -> None:
        self.params += fin * fout + fout
        self.macs += fin * fout


def _block_cost(cost: _Cost, op: str, cin: int, cout: int, s: int, hw: tuple[int, int],
                opt: Mapping[str, Any]) -> tuple[int, int]:
    opdef = OPS[op]
    fam = opdef.family
    if fam == "ir":
        mid = cin * opdef.expand
        if opdef.expand != 1:
            cost.conv(cin, mid, 1, 1, 1, hw, bn=True)
        k = opdef.kernel
        out = cost.conv(mid, mid, k, k, s, hw, groups=mid, bn=True)
        cost.conv(mid, cout, 1, 1, 1, out, bn=True)
        return out
    if fam == "dil":
        return cost.conv(cin, cout, 3, 3, s, hw, bn=True)
    if fam == "gconv":
        return cost.conv(cin, cout, 1, 1, s, hw, groups=opt["groups"], bn=True)
    if fam == "skip":
        if s == 1 and cin == cout:
            return hw
        return cost.conv(cin, cout, 1, 1, s, hw, bn=True)
    if fam == "nb1d":
        # conv3x1 (bias) -> act -> conv1x3 + BN -> act -> dilated conv3x1 (bias) -> act -> dilated conv1x3 + BN
        for _ in range(2):
            cost.conv(cin, cin, 3, 1, 1, hw, bias=True)
            cost.conv(cin, cin, 1, 3, 1, hw, bn=True)
        return hw
    if fam == "down":
        out = cost.conv(cin, cout - cin, 3, 3, 2, hw)
        cost.bn(cout)
        return out
    raise AssertionError(f"no cost model for op family {fam!r}")  # normalize_spec rejects unknown ops


def _head_cost(cost: _Cost, kind: str, opt: Mapping[str, Any], high: tuple[int, tuple[int, int]],
               features: Mapping[int, tuple[int, tuple[int, int]]], n: int) -> tuple[int, int]:
    ch, hw_high = high
    if kind == "linear":
        feat = ch
        if opt["hidden"]:
            cost.conv(ch, opt["hidden"], 1, 1, 1, hw_high, bn=True)
            feat = opt["hidden"]
        cost.linear(feat, n)
        return (1, 1)
    cl, hw_low = features[opt["low_stride"]]
    a = opt["channels"]
    if kind == "lraspp":
        cost.conv(ch, a, 1, 1, 1, hw_high, bn=True)           # high branch
        cost.conv(ch, a, 1, 1, 1, (1, 1))                      # global-context gate
        cost.conv(a, n, 1, 1, 1, hw_high, bias=True)           # high classifier (before upsampling)
        cost.conv(cl, n, 1, 1, 1, hw_low, bias=True)           # low classifier
        return hw_low
    if kind == "deeplabv3plus_lite":
        rates = opt["rates"]
        cost.conv(ch, a, 1, 1, 1, hw_high, bn=True)            # ASPP 1x1 branch
        for _ in rates:                                        # ASPP separable dilated branches
            cost.conv(ch, ch, 3, 3, 1, hw_high, groups=ch, bn=True)
            cost.conv(ch, a, 1, 1, 1, hw_high, bn=True)
        cost.conv(ch, a, 1, 1, 1, (1, 1), bias=True)           # ASPP image-pooling branch
        cost.conv(a * (len(rates) + 2), a, 1, 1, 1, hw_high, bn=True)  # ASPP projection
        lc = opt["low_channels"]
        cost.conv(cl, lc, 1, 1, 1, hw_low, bn=True)            # low-level reduction
        cost.conv(a + lc, a + lc, 3, 3, 1, hw_low, groups=a + lc, bn=True)  # fuse: separable 3x3
        cost.conv(a + lc, a, 1, 1, 1, hw_low, bn=True)
        cost.conv(a, n, 1, 1, 1, hw_low, bias=True)            # classifier
        return hw_low
    raise AssertionError(f"no cost model for head {kind!r}")


def _size(input_size: Any) -> tuple[int, int]:
    ok = (isinstance(input_size, (tuple, list)) and len(input_size) == 2
          and all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in input_size))
    if not ok:
        raise SpecError(f"input_size: got {input_size!r}; allowed: (H, W) positive integers, "
                        "e.g. (180, 240) for CamVid 240x180 frames")
    return int(input_size[0]), int(input_size[1])
