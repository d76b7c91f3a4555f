"""Spec analysis: params, MACs, strides computed by hand."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.arch import ArchSpec, HeadSpec, SpecError, StageSpec, StemSpec, analyze_spec


def test_tiny_spec_by_hand():
    spec = ArchSpec(StemSpec(8, stride=2), (StageSpec("ir_k3_e1", 8),), HeadSpec("linear"))
    a = analyze_spec(spec, (4, 4), num_classes=2)
    stem, block, head = a.layers
    # stem: 3x3 conv 3->8 = 216 weights + BN 16; output 2x2 -> 4 * 216 MACs
    assert (stem.params, stem.macs, stem.out_hw, stem.stride) == (232, 864, (2, 2), 2)
    # ir e1: dw 8*9=72 (+16 BN), 4*72 MACs; project 8*8=64 (+16 BN), 4*64 MACs
    assert (block.params, block.macs) == (168, 544)
    # linear 8 -> 2 with bias
    assert (head.params, head.macs) == (18, 16)
    assert (a.params, a.macs, a.out_stride, a.embedding_dim) == (418, 1424, 2, 8)
    assert a.task == "classification" and a.logits_hw is None


def test_gconv_and_skip_projection_by_hand():
    spec = ArchSpec(StemSpec(8, stride=1, kernel=1),
                    (StageSpec("gconv1x1", 8, options={"groups": 2}), StageSpec("skip", 8), StageSpec("skip", 4, 2)),
                    HeadSpec("linear"))
    a = analyze_spec(spec, (3, 5), num_classes=1)
    g, ident, proj = a.layers[1:4]
    assert (g.params, g.macs) == (8 * 4 + 16, 15 * 32)
    assert (ident.params, ident.macs) == (0, 0)
    # 1x1 stride-2 conv 8 -> 4 on 3x5 -> 2x3
    assert (proj.params, proj.macs, proj.out_hw, proj.stride) == (32 + 8, 6 * 32, (2, 3), 2)


def test_segmentation_strides_and_output_size():
    spec = ArchSpec(StemSpec(8), (StageSpec("ir_k3_e3", 16, 2), StageSpec("ir_k5_e6", 24, 2),
                                  StageSpec("down", 32, 2)), HeadSpec("lraspp", {"low_stride": 8}))
    a = analyze_spec(spec, (180, 240), num_classes=11)
    assert [lay.stride for lay in a.layers[:-1]] == [2, 4, 8, 16]
    assert [lay.out_hw for lay in a.layers[:-1]] == [(90, 120), (45, 60), (23, 30), (12, 15)]
    assert a.layers[-1].out_hw == (23, 30)  # head works at the stride-8 tap
    assert a.logits_hw == (45, 60)
    assert a.task == "segmentation" and a.out_stride == 16


def test_bad_input_size_is_explained():
    spec = ArchSpec(StemSpec(8), (StageSpec("skip", 8),), HeadSpec("linear"))
    with pytest.raises(SpecError, match=r"input_size: got \(0, 4\)"):
        analyze_spec(spec, (0, 4), 2)


@settings(max_examples=30, deadline=None)
@given(h=st.integers(8, 64), w=st.integers(8, 64), c=st.sampled_from([2, 5, 11]))
def test_macs_scale_with_area_and_params_do_not(h, w, c):
    spec = ArchSpec(StemSpec(8, stride=1), (StageSpec("ir_k3_e3", 8),), HeadSpec("linear"))
    a, b = analyze_spec(spec, (h, w), c), analyze_spec(spec, (2 * h, 2 * w), c)
    assert a.params == b.params
    assert b.backbone_macs == 4 * a.backbone_macs
