"""Blocks of the op space: shapes, residual paths, shuffle, dropout switches."""

import math

import pytest
import torch

from models.arch.ops import OPS
from models.blocks import (
    Downsampler, InvertedResidual, MCDropout, NonBottleneck1D, Skip, build_block, channel_shuffle,
    has_dropout, set_mc_dropout,
)


def _options(op):
    return {**OPS[op].defaults, "act": "hardswish", "dropout": 0.0}


# nb1d only keeps its shape; down only halves it (normalize_spec enforces both).
_CASES = [(op, s) for op in sorted(OPS) for s in (1, 2)
          if not (op == "nb1d" and s == 2) and not (op == "down" and s == 1)]


@pytest.mark.parametrize(("op", "stride"), _CASES)
def test_every_op_builds_with_the_documented_shape(op, stride):
    cin = 8
    cout = 12 if op == "down" else (16 if stride == 2 else 8)
    block = build_block(op, cin, cout, stride, _options(op))
    y = block(torch.randn(2, cin, 9, 11))
    assert y.shape == (2, cout, math.ceil(9 / stride), math.ceil(11 / stride))


def test_channel_shuffle_by_hand():
    x = torch.arange(6.0).view(1, 6, 1, 1)
    # groups of 2: [0 1 2 | 3 4 5] -> interleaved 0 3 1 4 2 5
    assert channel_shuffle(x, 2).flatten().tolist() == [0, 3, 1, 4, 2, 5]
    assert channel_shuffle(x, 3).flatten().tolist() == [0, 2, 4, 1, 3, 5]
    cl = torch.randn(2, 6, 3, 4).contiguous(memory_format=torch.channels_last)
    assert torch.equal(channel_shuffle(cl, 2), channel_shuffle(cl.contiguous(), 2))


def test_inverted_residual_adds_input_only_when_shape_is_kept():
    block = InvertedResidual(8, 8, 1, kernel=3, expand=3)
    torch.nn.init.zeros_(block.project[1].weight)  # zero the branch: output must be the input
    block.eval()
    x = torch.randn(1, 8, 5, 5)
    assert torch.equal(block(x), x)
    assert not InvertedResidual(8, 16, 1, kernel=3, expand=3).residual
    assert not InvertedResidual(8, 8, 2, kernel=3, expand=3).residual
    assert isinstance(InvertedResidual(8, 8, expand=1).expand, torch.nn.Identity)


def test_skip_is_identity_or_projection():
    x = torch.randn(1, 4, 5, 5)
    assert Skip(4, 4, 1)(x) is x
    assert Skip(4, 6, 2)(x).shape == (1, 6, 3, 3)


def test_downsampler_lines_up_odd_sizes_and_keeps_pooled_input():
    block = Downsampler(3, 8).eval()
    x = torch.randn(1, 3, 45, 61)
    assert block(x).shape == (1, 8, 23, 31)
    with pytest.raises(ValueError, match="cout > cin"):
        Downsampler(8, 8)


def test_nb1d_keeps_shape_and_refuses_changes():
    block = NonBottleneck1D(6, 6, dilation=4)
    assert block(torch.randn(2, 6, 7, 9)).shape == (2, 6, 7, 9)
    with pytest.raises(ValueError, match="keeps its shape"):
        NonBottleneck1D(6, 8)


def test_mc_dropout_switch():
    drop = MCDropout(0.5)
    x = torch.ones(1000)
    drop.eval()
    assert torch.equal(drop(x), x)
    assert set_mc_dropout(drop, True) == 1
    y = drop(x)
    assert set(y.unique().tolist()) <= {0.0, 2.0} and 0 < (y == 0).sum() < 1000
    assert MCDropout(0.0).train()(x) is x
    assert has_dropout(drop) and not has_dropout(MCDropout(0.0))
    with pytest.raises(ValueError, match=r"allowed: \[0, 1\)"):
        MCDropout(1.0)
