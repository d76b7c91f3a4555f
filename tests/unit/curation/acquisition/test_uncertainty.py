"""Acquisition maps: values computed on paper, and properties that must hold for any probabilities."""

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from curation.acquisition import (
    ACQUISITIONS,
    entropy,
    expected_entropy,
    get_acquisition,
    least_confidence,
    margin,
    mutual_information,
    variation_ratio,
)


def _p(*members):
    """[K, B=1, C] from K lists of class probabilities."""
    return torch.tensor([[m] for m in members], dtype=torch.float32)


def test_two_uniform_classes():
    probs = _p([0.5, 0.5])
    assert entropy(probs).item() == pytest.approx(math.log(2))
    assert expected_entropy(probs).item() == pytest.approx(math.log(2))
    assert mutual_information(probs).item() == pytest.approx(0.0, abs=1e-7)
    assert variation_ratio(probs).item() == 0.0
    assert margin(probs).item() == pytest.approx(0.0)
    assert least_confidence(probs).item() == pytest.approx(0.5)


def test_identical_members_have_zero_mutual_information():
    probs = _p([0.7, 0.2, 0.1], [0.7, 0.2, 0.1], [0.7, 0.2, 0.1])
    h = -(0.7 * math.log(0.7) + 0.2 * math.log(0.2) + 0.1 * math.log(0.1))
    assert entropy(probs).item() == pytest.approx(h, rel=1e-6)
    assert expected_entropy(probs).item() == pytest.approx(h, rel=1e-6)
    assert mutual_information(probs).item() == pytest.approx(0.0, abs=1e-6)
    assert variation_ratio(probs).item() == 0.0
    assert margin(probs).item() == pytest.approx(-0.5)
    assert least_confidence(probs).item() == pytest.approx(0.3)


def test_two_confident_members_that_disagree():
    # Members say [1, 0] and [0, 1]: the mean is uniform (entropy ln 2) but each member is certain
    # (expected entropy 0), so all of it is disagreement (MI ln 2); one vote each (variation ratio 1/2).
    probs = _p([1.0, 0.0], [0.0, 1.0])
    assert entropy(probs).item() == pytest.approx(math.log(2))
    assert expected_entropy(probs).item() == pytest.approx(0.0, abs=1e-7)
    assert mutual_information(probs).item() == pytest.approx(math.log(2))
    assert variation_ratio(probs).item() == pytest.approx(0.5)
    assert margin(probs).item() == pytest.approx(0.0)
    assert least_confidence(probs).item() == pytest.approx(0.5)


def test_two_members_partial_disagreement():
    # Member 1 [0.9, 0.1], member 2 [0.4, 0.6]; mean [0.65, 0.35].
    probs = _p([0.9, 0.1], [0.4, 0.6])
    h_mean = -(0.65 * math.log(0.65) + 0.35 * math.log(0.35))  # 0.64745
    h1 = -(0.9 * math.log(0.9) + 0.1 * math.log(0.1))  # 0.32508
    h2 = -(0.4 * math.log(0.4) + 0.6 * math.log(0.6))  # 0.67301
    assert entropy(probs).item() == pytest.approx(0.64745, abs=1e-5)
    assert entropy(probs).item() == pytest.approx(h_mean, rel=1e-6)
    assert expected_entropy(probs).item() == pytest.approx((h1 + h2) / 2, rel=1e-6)
    assert mutual_information(probs).item() == pytest.approx(0.14840, abs=1e-5)
    assert variation_ratio(probs).item() == pytest.approx(0.5)  # votes: class 0 and class 1
    assert margin(probs).item() == pytest.approx(-0.3)
    assert least_confidence(probs).item() == pytest.approx(0.35)


def test_ranking_prefers_disagreement_for_bald():
    agree = _p([0.5, 0.5], [0.5, 0.5])
    disagree = _p([1.0, 0.0], [0.0, 1.0])
    both = torch.cat([agree, disagree], dim=1)  # [K=2, B=2, C=2]
    mi = mutual_information(both)
    ent = entropy(both)
    assert mi[1] > mi[0]
    assert ent[0] == pytest.approx(ent[1].item())  # entropy cannot tell them apart


def test_spatial_maps_keep_pixel_dims():
    probs = torch.softmax(torch.randn(3, 2, 4, 5, 6, generator=torch.Generator().manual_seed(0)), dim=2)
    for fn in ACQUISITIONS.values():
        assert fn(probs).shape == (2, 5, 6)


def test_half_precision_is_computed_in_float32():
    probs = _p([0.9, 0.1], [0.4, 0.6])
    out = mutual_information(probs.to(torch.bfloat16))
    assert out.dtype == torch.float32
    assert out.item() == pytest.approx(0.1484, abs=5e-3)  # bf16 rounds the inputs themselves


def test_bad_shapes_say_what_is_expected():
    with pytest.raises(ValueError, match=r"\[K members, B frames, C classes"):
        entropy(torch.tensor([0.5, 0.5]))
    with pytest.raises(ValueError, match="at least 2 classes"):
        entropy(torch.ones(2, 3, 1))
    with pytest.raises(TypeError, match="floating point"):
        entropy(torch.ones(2, 3, 2, dtype=torch.long))


def test_registry_lookup_and_unknown_name():
    assert get_acquisition("mutual_information") is mutual_information
    assert list(ACQUISITIONS) == [
        "entropy", "expected_entropy", "mutual_information", "variation_ratio", "margin", "least_confidence",
    ]
    with pytest.raises(ValueError, match="unknown acquisition function 'bald'.*allowed: entropy, expected_entropy"):
        get_acquisition("bald")


@st.composite
def member_probs(draw, identical=False):
    k = 1 if identical else draw(st.integers(1, 5))
    b = draw(st.integers(1, 4))
    c = draw(st.integers(2, 6))
    seed = draw(st.integers(0, 2**31 - 1))
    sharpness = draw(st.sampled_from([0.1, 1.0, 5.0, 30.0]))
    g = torch.Generator().manual_seed(seed)
    probs = torch.softmax(sharpness * torch.randn(k, b, c, 3, generator=g), dim=2)
    if identical:
        probs = probs.expand(draw(st.integers(1, 5)), -1, -1, -1).contiguous()
    return probs


@settings(max_examples=60, deadline=None)
@given(member_probs(), st.randoms(use_true_random=False))
def test_invariant_to_class_permutation(probs, rnd):
    perm = list(range(probs.shape[2]))
    rnd.shuffle(perm)
    permuted = probs[:, :, perm]
    for name, fn in ACQUISITIONS.items():
        assert torch.allclose(fn(probs), fn(permuted), atol=1e-5), name


@settings(max_examples=60, deadline=None)
@given(member_probs())
def test_information_bounds(probs):
    c = probs.shape[2]
    h, mi = entropy(probs), mutual_information(probs)
    assert bool((mi >= 0).all())
    assert bool((mi <= h + 1e-5).all())
    assert bool((h <= math.log(c) + 1e-5).all())
    assert bool((h >= -1e-6).all())
    vr = variation_ratio(probs)
    assert bool((vr >= 0).all()) and bool((vr <= 1 - 1 / probs.shape[0] + 1e-6).all())
    assert bool((margin(probs) <= 0).all()) and bool((margin(probs) >= -1).all())
    assert bool((least_confidence(probs) <= 1 - 1 / c + 1e-6).all())


@settings(max_examples=40, deadline=None)
@given(member_probs(identical=True))
def test_agreeing_members_carry_no_mutual_information(probs):
    assert torch.allclose(mutual_information(probs), torch.zeros(()), atol=1e-5)
    assert bool((variation_ratio(probs) == 0).all())
