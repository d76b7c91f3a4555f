"""Weighted cross-entropy against hand values and torch's own reduction."""

import math

import pytest
import torch
import torch.nn.functional as F

from models.losses import weighted_cross_entropy


def test_sample_weights_by_hand():
    logits = torch.tensor([[0.0, 0.0], [math.log(3.0), 0.0]])
    target = torch.tensor([0, 0])
    # ce: ln 2 and -ln(3/4) = ln(4/3); weights 1 and 3
    expected = (math.log(2) + 3 * math.log(4 / 3)) / 4
    got = weighted_cross_entropy(logits, target, sample_weight=torch.tensor([1.0, 3.0]))
    assert got.item() == pytest.approx(expected, rel=1e-6)


def test_matches_torch_with_class_weights_and_ignore():
    torch.manual_seed(0)
    logits = torch.randn(2, 4, 5, 6)
    target = torch.randint(0, 5, (2, 5, 6))  # 4 is the ignore id here
    cw = torch.tensor([1.0, 2.0, 0.5, 3.0])
    expected = F.cross_entropy(logits, target, weight=cw, ignore_index=4)
    got = weighted_cross_entropy(logits, target, torch.ones(2), cw, ignore_index=4)
    torch.testing.assert_close(got, expected)


def test_upsamples_stride4_logits_to_the_target():
    logits = torch.randn(1, 3, 2, 3, requires_grad=True)
    target = torch.randint(0, 3, (1, 8, 12))
    loss = weighted_cross_entropy(logits, target)
    up = F.interpolate(logits, size=(8, 12), mode="bilinear", align_corners=False)
    torch.testing.assert_close(loss, F.cross_entropy(up, target))
    loss.backward()
    assert logits.grad is not None


def test_all_ignored_or_zero_weight_gives_zero_not_nan():
    logits = torch.randn(2, 3, requires_grad=True)
    assert weighted_cross_entropy(logits, torch.tensor([5, 5]), ignore_index=5).item() == 0.0
    loss = weighted_cross_entropy(logits, torch.tensor([0, 1]), sample_weight=torch.zeros(2))
    assert loss.item() == 0.0
    loss.backward()
    assert torch.isfinite(logits.grad).all()
    with pytest.raises(ValueError, match=r"sample_weight: got shape \(3,\)"):
        weighted_cross_entropy(logits, torch.tensor([0, 1]), sample_weight=torch.ones(3))
