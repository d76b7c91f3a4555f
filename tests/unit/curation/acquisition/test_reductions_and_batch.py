"""Per-frame reductions and the fused `score_batch`: hand-computed maps and agreement with the parts."""

import math

import pytest
import torch

from curation.acquisition import (
    ACQUISITION_COLUMNS,
    ACQUISITIONS,
    class_fractions,
    class_weights,
    confidence,
    reduce_class_weighted,
    reduce_mean,
    reduce_top_q,
    score_batch,
    score_logits,
)

MAP = torch.tensor([[[1.0, 2.0], [3.0, 4.0]]])  # [B=1, 2, 2]
VALID = torch.tensor([[[True, True], [True, False]]])  # the 4.0 pixel is ignore
PRED = torch.tensor([[[0, 0], [1, 1]]])


def test_mean_ignores_invalid_pixels():
    assert reduce_mean(MAP).item() == pytest.approx(2.5)
    assert reduce_mean(MAP, VALID).item() == pytest.approx(2.0)


def test_top_q_takes_the_top_share_of_valid_pixels():
    # 3 valid pixels, q=50% -> ceil(1.5) = 2 pixels: 3 and 2.
    assert reduce_top_q(MAP, VALID, q=50).item() == pytest.approx(2.5)
    assert reduce_top_q(MAP, VALID, q=1).item() == pytest.approx(3.0)  # at least one pixel
    assert reduce_top_q(MAP, VALID, q=100).item() == pytest.approx(2.0)
    with pytest.raises(ValueError, match=r"q in \(0, 100\]"):
        reduce_top_q(MAP, q=0)


def test_top_q_per_frame_with_different_valid_counts():
    values = torch.tensor([[5.0, 1.0, 1.0, 1.0], [2.0, 4.0, 6.0, 8.0]])
    valid = torch.tensor([[True, True, True, True], [False, False, True, True]])
    # frame 0: 4 valid, q=50 -> 2 pixels: 5, 1 -> 3; frame 1: 2 valid -> 1 pixel: 8.
    assert reduce_top_q(values, valid, q=50).tolist() == pytest.approx([3.0, 8.0])


def test_frames_without_valid_pixels_reduce_to_zero():
    none = torch.zeros_like(VALID)
    assert reduce_mean(MAP, none).item() == 0.0
    assert reduce_top_q(MAP, none).item() == 0.0
    assert reduce_class_weighted(MAP, PRED, 2, none).item() == 0.0


def test_class_weighted_uses_inverse_batch_frequency():
    # Valid pixels predicted: class 0 twice, class 1 once -> freq 2/3, 1/3 -> weights
    # 1/(2 * 2/3) = 0.75 and 1/(2 * 1/3) = 1.5 -> (1*0.75 + 2*0.75 + 3*1.5) / 3 = 2.25.
    assert class_weights(PRED, 2, VALID).tolist() == pytest.approx([0.75, 1.5])
    assert reduce_class_weighted(MAP, PRED, 2, VALID).item() == pytest.approx(2.25)


def test_class_weighted_with_priors_and_absent_classes():
    # priors 0.8 / 0.2 -> weights 1/(2*0.8) = 0.625, 1/(2*0.2) = 2.5
    w = class_weights(PRED, 2, priors=torch.tensor([8.0, 2.0]))
    assert w.tolist() == pytest.approx([0.625, 2.5])
    # class 2 never predicted: weight 0, the others share the normalisation
    assert class_weights(PRED, 3, VALID).tolist() == pytest.approx([0.75, 1.5, 0.0])
    with pytest.raises(ValueError, match="priors must all be > 0"):
        class_weights(PRED, 2, priors=torch.tensor([1.0, 0.0]))
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        class_weights(PRED, 3, priors=torch.tensor([1.0, 1.0]))


def test_class_weighted_ranks_rare_class_uncertainty_first():
    values = torch.tensor([[1.0, 0.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0]])  # same uncertainty...
    pred = torch.tensor([[0, 0, 0, 0], [1, 0, 0, 0]])  # ...but frame 1's uncertain pixel is the rare class
    assert reduce_mean(values)[0] == reduce_mean(values)[1]
    out = reduce_class_weighted(values, pred, 2)
    assert out[1] > out[0]


def test_class_fractions_and_confidence():
    assert class_fractions(PRED, 3, VALID)[0].tolist() == pytest.approx([2 / 3, 1 / 3, 0.0])
    assert class_fractions(PRED, 2)[0].tolist() == pytest.approx([0.5, 0.5])
    probs = torch.tensor([[[0.9, 0.1]], [[0.5, 0.5]]])  # [K=2, B=1, C=2]: mean [0.7, 0.3]
    assert confidence(probs).item() == pytest.approx(0.7)


def _probs(k=3, b=4, c=5, h=6, w=7, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.softmax(3 * torch.randn(k, b, c, h, w, generator=g), dim=2)


@pytest.mark.parametrize("reduction", ["mean", "top_q", "class_weighted"])
def test_score_batch_matches_the_separate_functions(reduction):
    probs = _probs()
    valid = torch.rand(4, 6, 7, generator=torch.Generator().manual_seed(1)) > 0.2
    out = score_batch(probs, reduction=reduction, valid=valid, q=20)
    assert set(out) == {*ACQUISITION_COLUMNS, "confidence", "class_fractions"}
    predicted = probs.mean(0).argmax(1)
    for name in ACQUISITION_COLUMNS:
        per_pixel = ACQUISITIONS[name](probs)
        if reduction == "mean":
            expected = reduce_mean(per_pixel, valid)
        elif reduction == "top_q":
            expected = reduce_top_q(per_pixel, valid, q=20)
        else:
            expected = reduce_class_weighted(per_pixel, predicted, 5, valid)
        assert out[name].shape == (4,)
        assert torch.allclose(out[name], expected, atol=1e-5), name
    assert torch.allclose(out["confidence"], confidence(probs, valid))
    assert torch.allclose(out["class_fractions"], class_fractions(predicted, 5, valid))
    assert torch.allclose(out["class_fractions"].sum(1), torch.ones(4))


def test_score_batch_classification_and_bf16():
    probs = torch.tensor([[[1.0, 0.0], [0.5, 0.5]], [[0.0, 1.0], [0.5, 0.5]]])  # [K=2, B=2, C=2]
    out = score_batch(probs.to(torch.bfloat16))
    assert out["mutual_information"].dtype == torch.float32
    assert out["mutual_information"].tolist() == pytest.approx([math.log(2), 0.0], abs=1e-6)
    assert out["entropy"].tolist() == pytest.approx([math.log(2), math.log(2)])
    assert out["variation_ratio"].tolist() == pytest.approx([0.5, 0.0])
    assert out["class_fractions"].shape == (2, 2)


def test_score_batch_rejects_bad_arguments():
    with pytest.raises(ValueError, match="unknown reduction 'median'; allowed: mean, top_q, class_weighted"):
        score_batch(_probs(), reduction="median")
    with pytest.raises(ValueError, match=r"valid mask must have shape \(4, 6, 7\)"):
        score_batch(_probs(), valid=torch.ones(4, 6, dtype=torch.bool))


def _logits(k=3, b=4, c=5, h=6, w=7, seed=0):
    g = torch.Generator().manual_seed(seed)
    return 3 * torch.randn(k, b, c, h, w, generator=g)


@pytest.mark.parametrize("reduction", ["mean", "top_q", "class_weighted"])
def test_score_logits_equals_score_batch_of_the_softmax(reduction):
    logits = _logits()
    valid = torch.rand(4, 6, 7, generator=torch.Generator().manual_seed(1)) > 0.2
    expected = score_batch(torch.softmax(logits, dim=2), reduction=reduction, valid=valid, q=20)
    out = score_logits(logits, reduction=reduction, valid=valid, q=20)
    assert set(out) == set(expected)
    for name, value in expected.items():
        assert out[name].dtype == torch.float32
        assert torch.allclose(out[name], value, atol=1e-5), name


def test_score_logits_from_bf16_channels_last_logits_as_the_network_gives_them():
    # [K, B, C, H, W] with classes innermost in memory, in bf16: what members under autocast +
    # channels_last return. The votes are taken from these logits directly.
    logits = _logits(k=5, b=2, c=11, h=9, w=12).to(torch.bfloat16)
    members = [m.contiguous(memory_format=torch.channels_last) for m in logits]
    stacked = torch.stack(members)
    assert stacked.stride(2) == 1
    expected = score_batch(torch.softmax(logits.float(), dim=2))
    out = score_logits(stacked)
    for name, value in expected.items():
        assert torch.allclose(out[name], value, atol=1e-5), name


def test_score_logits_classification_and_bad_input():
    logits = torch.tensor([[[4.0, -4.0], [0.0, 0.0]], [[-4.0, 4.0], [0.0, 0.0]]])  # [K=2, B=2, C=2]
    out = score_logits(logits)
    assert out["variation_ratio"].tolist() == pytest.approx([0.5, 0.0])
    assert out["mutual_information"][1].item() == pytest.approx(0.0, abs=1e-6)
    assert out["mutual_information"][0].item() > 0.6
    with pytest.raises(ValueError, match=r"logits must be a float tensor \[K members, B frames, C >= 2"):
        score_logits(torch.zeros(2, 3))
    with pytest.raises(ValueError, match="logits must be a float tensor"):
        score_logits(torch.zeros(2, 3, 4, dtype=torch.long))
