"""Building blocks of the op space; `build_stage` turns one normalised `StageSpec` into modules.

Every block has the signature `Block(cin, cout, stride, *, act, dropout, **op_options)` and maps
[B, cin, H, W] -> [B, cout, ceil(H/stride), ceil(W/stride)].
"""

from __future__ import annotations

from torch import nn

from models.arch.ops import OPS
from models.arch.spec import StageSpec
from models.blocks.common import ConvBN, ConvBNAct, make_act
from models.blocks.dilated import DilatedConv
from models.blocks.downsampler import Downsampler
from models.blocks.dropout import MCDropout, has_dropout, set_mc_dropout
from models.blocks.grouped import GroupedConv1x1, channel_shuffle
from models.blocks.inverted_residual import InvertedResidual
from models.blocks.nb1d import NonBottleneck1D
from models.blocks.skip import Skip

__all__ = [
    "build_block", "build_stage", "BLOCK_FAMILIES",
    "ConvBN", "ConvBNAct", "make_act", "MCDropout", "set_mc_dropout", "has_dropout",
    "InvertedResidual", "DilatedConv", "GroupedConv1x1", "channel_shuffle", "Skip",
    "NonBottleneck1D", "Downsampler",
]

BLOCK_FAMILIES: dict[str, type[nn.Module]] = {
    "ir": InvertedResidual,
    "dil": DilatedConv,
    "gconv": GroupedConv1x1,
    "skip": Skip,
    "nb1d": NonBottleneck1D,
    "down": Downsampler,
}


def build_block(op: str, cin: int, cout: int, stride: int, options: dict) -> nn.Module:
    """One block of `op` with normalised `options` (see `models.arch.ops`)."""
    if op not in OPS:
        raise ValueError(f"op: got {op!r}; allowed: {sorted(OPS)}")
    opdef = OPS[op]
    kwargs = dict(options)
    if opdef.family == "ir":
        kwargs.update(kernel=opdef.kernel, expand=opdef.expand)
    return BLOCK_FAMILIES[opdef.family](cin, cout, stride, **kwargs)


def build_stage(stage: StageSpec, cin: int) -> nn.Sequential:
    """`stage.repeat` blocks; the first takes the stride and the channel change."""
    blocks = []
    for j in range(stage.repeat):
        blocks.append(build_block(stage.op, cin if j == 0 else stage.channels, stage.channels,
                                  stage.stride if j == 0 else 1, dict(stage.options)))
    return nn.Sequential(*blocks)
