"""The op and head catalogue: names, what each accepts, defaults. Pure data, no torch.

Block ops (the SqueezeNAS/FBNet space plus ERFNet's blocks):

| op | block | op options (default) |
|---|---|---|
| `ir_k{3,5}_e{1,3,6}` | inverted residual: [1x1 expand] -> kxk depthwise -> 1x1 project | `dilation` (1) |
| `dil3` | 3x3 dilated conv + BN + act | `dilation` (2) |
| `gconv1x1` | grouped 1x1 conv + BN + act, then channel shuffle | `groups` (2) |
| `skip` | identity, or 1x1 conv + BN when stride/channels change | - |
| `nb1d` | ERFNet non-bottleneck-1D (3x1, 1x3, 3x1 dil, 1x3 dil) | `dilation` (1) |
| `down` | ERFNet downsampler: concat(3x3 s2 conv, 2x2 maxpool) + BN + act | - |

Every op also accepts `act` (`relu` | `hardswish`, default: the spec's `act`) and `dropout`
(float in [0, 1), default 0.0: dropout on the block output, kept on at eval with MC dropout).

Heads:

| kind | task | options (default) |
|---|---|---|
| `lraspp` | segmentation | `channels` (128), `low_stride` (8), `dropout` (0.0), `act` |
| `deeplabv3plus_lite` | segmentation | `channels` (128), `low_channels` (48), `rates` ([3, 6]), `low_stride` (4), `dropout` (0.0), `act` |
| `linear` | classification | `hidden` (0: none), `dropout` (0.0), `act` |
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

__all__ = [
    "OpDef",
    "HeadDef",
    "OPS",
    "HEADS",
    "ACTIVATIONS",
    "COMMON_OP_OPTIONS",
    "SEGMENTATION_OUTPUT_STRIDE",
    "TASKS",
    "op_names",
]

ACTIVATIONS = ("relu", "hardswish")
TASKS = ("segmentation", "classification")

# Segmentation networks return logits at 1/4 of the input resolution: (ceil(H/4), ceil(W/4)).
SEGMENTATION_OUTPUT_STRIDE = 4

# Options every op accepts; `act: None` means "the spec's act".
COMMON_OP_OPTIONS: Mapping[str, Any] = {"act": None, "dropout": 0.0}


@dataclass(frozen=True)
class OpDef:
    """One block op. `family` selects the builder/cost model; kernel/expand only for `ir`."""

    name: str
    family: str
    defaults: Mapping[str, Any] = field(default_factory=dict)
    kernel: int = 0
    expand: int = 0


@dataclass(frozen=True)
class HeadDef:
    kind: str
    task: str
    defaults: Mapping[str, Any]


def _build_ops() -> dict[str, OpDef]:
    ops: dict[str, OpDef] = {}
    for k in (3, 5):
        for e in (1, 3, 6):
            name = f"ir_k{k}_e{e}"
            ops[name] = OpDef(name, "ir", {"dilation": 1}, kernel=k, expand=e)
    ops["dil3"] = OpDef("dil3", "dil", {"dilation": 2}, kernel=3)
    ops["gconv1x1"] = OpDef("gconv1x1", "gconv", {"groups": 2}, kernel=1)
    ops["skip"] = OpDef("skip", "skip", {})
    ops["nb1d"] = OpDef("nb1d", "nb1d", {"dilation": 1}, kernel=3)
    ops["down"] = OpDef("down", "down", {}, kernel=3)
    return ops


OPS: Mapping[str, OpDef] = _build_ops()

HEADS: Mapping[str, HeadDef] = {
    "lraspp": HeadDef(
        "lraspp", "segmentation", {"channels": 128, "low_stride": 8, "dropout": 0.0, "act": None}
    ),
    "deeplabv3plus_lite": HeadDef(
        "deeplabv3plus_lite",
        "segmentation",
        {"channels": 128, "low_channels": 48, "rates": [3, 6], "low_stride": 4, "dropout": 0.0, "act": None},
    ),
    "linear": HeadDef("linear", "classification", {"hidden": 0, "dropout": 0.0, "act": None}),
}

# The head a task gets when a spec's head belongs to the other task (see registry.create_model).
DEFAULT_HEAD_FOR_TASK: Mapping[str, str] = {"segmentation": "lraspp", "classification": "linear"}
__all__.append("DEFAULT_HEAD_FOR_TASK")


def op_names() -> list[str]:
    """All block op names, sorted."""
    return sorted(OPS)
