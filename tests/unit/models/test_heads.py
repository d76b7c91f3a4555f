"""Heads: output resolution and the LR-ASPP classify-then-upsample shortcut."""

import torch
import torch.nn.functional as F

from models.heads import LRASPP, DeepLabV3PlusLite, PooledLinear


def test_segmentation_heads_return_logits_at_the_low_level_size():
    low, high = torch.randn(2, 8, 12, 15), torch.randn(2, 16, 3, 4)
    assert LRASPP(8, 16, 5, channels=12)(low, high).shape == (2, 5, 12, 15)
    assert DeepLabV3PlusLite(8, 16, 5, channels=12, low_channels=6, rates=(2, 3))(low, high).shape == (2, 5, 12, 15)


def test_lraspp_classifying_before_upsampling_equals_after():
    head = LRASPP(8, 16, 5, channels=12).eval()
    low, high = torch.randn(1, 8, 12, 15), torch.randn(1, 16, 3, 4)
    feat = head.cbr(high) * head.gate(high)
    after = head.high_classifier(F.interpolate(feat, size=(12, 15), mode="bilinear", align_corners=False))
    expected = after + head.low_classifier(low)
    torch.testing.assert_close(head(low, high), expected, rtol=1e-5, atol=1e-5)


def test_pooled_linear():
    head = PooledLinear(16, 7, hidden=32)
    assert head(torch.randn(3, 16, 4, 4)).shape == (3, 7)
    # the pool is a plain mean: a constant map gives fc(constant) with no hidden layer
    plain = PooledLinear(4, 2).eval()
    x = torch.full((1, 4, 3, 3), 2.0)
    torch.testing.assert_close(plain(x), plain.fc(torch.full((1, 4), 2.0)))
