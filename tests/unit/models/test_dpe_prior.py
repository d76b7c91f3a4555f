"""DPE penalty against values computed by hand."""

import math

import pytest
import torch
from torch import nn

from models.dpe_prior import (
    VAR_FLOOR, dpe_penalty, gaussian_prior_penalty, init_from_prior, named_priors, parameter_prior,
)

LOG_001 = math.log(0.01)
LOG_004 = math.log(0.04)


class Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 1)   # weight [2, 1, 1, 1]: prior var 2 / (2 * 1 * 1) = 1
        self.bn = nn.BatchNorm2d(2)
        self.fc = nn.Linear(2, 1)        # weight [1, 2]: prior var 2 / 1 = 2


def _member(conv_w, conv_b, bn_w, bn_b, fc_w, fc_b):
    m = Tiny()
    with torch.no_grad():
        m.conv.weight.copy_(torch.tensor(conv_w).view(2, 1, 1, 1))
        m.conv.bias.copy_(torch.tensor(conv_b))
        m.bn.weight.copy_(torch.tensor(bn_w))
        m.bn.bias.copy_(torch.tensor(bn_b))
        m.fc.weight.copy_(torch.tensor([fc_w]))
        m.fc.bias.copy_(torch.tensor([fc_b]))
    return m


def test_penalty_of_a_two_member_model_by_hand():
    a = _member([1.0, -1.0], [0.1, 0.0], [1.0, 0.9], [0.0, 0.0], [0.0, 2.0], 0.0)
    b = _member([3.0, 1.0], [0.3, 0.2], [1.2, 1.3], [0.2, 0.2], [2.0, 4.0], 0.2)
    # Per position: m = (a+b)/2, v = ((a-b)/2)^2, term = log v + prior_var/v + (m - prior_mean)^2/v
    conv_w = (0 + 1 / 1 + 2**2 / 1) + (0 + 1 / 1 + 0)                       # m=2,v=1 ; m=0,v=1 ; prior (0, 1)
    conv_b = (LOG_001 + 1 + 0.2**2 / 0.01) + (LOG_001 + 1 + 0.1**2 / 0.01)   # v=0.01 ; prior (0, 0.01)
    bn_w = (LOG_001 + 1 + 0.1**2 / 0.01) + (LOG_004 + 0.01 / 0.04 + 0.1**2 / 0.04)  # prior (1, 0.01)
    bn_b = 2 * (LOG_001 + 1 + 0.1**2 / 0.01)
    fc_w = (0 + 2 / 1 + 1**2 / 1) + (0 + 2 / 1 + 3**2 / 1)                  # prior (0, 2)
    fc_b = LOG_001 + 1 + 0.1**2 / 0.01
    expected = conv_w + conv_b + bn_w + bn_b + fc_w + fc_b
    got = dpe_penalty([a, b])
    assert got.item() == pytest.approx(expected, rel=1e-5)


def test_priors_table():
    conv = nn.Conv2d(4, 8, 3, groups=2)
    assert parameter_prior(conv, "weight", conv.weight) == (0.0, 2 / (8 * 9))
    assert parameter_prior(conv, "bias", conv.bias) == (0.0, 0.01)
    fc = nn.Linear(3, 5)
    assert parameter_prior(fc, "weight", fc.weight) == (0.0, 2 / 5)
    bn = nn.BatchNorm2d(4)
    assert parameter_prior(bn, "weight", bn.weight) == (1.0, 0.01)
    assert parameter_prior(bn, "bias", bn.bias) == (0.0, 0.01)
    emb = nn.Embedding(3, 2)
    with pytest.raises(ValueError, match="no DPE prior for parameter 'weight' of Embedding"):
        parameter_prior(emb, "weight", emb.weight)
    assert [n for n, *_ in named_priors(Tiny())] == [n for n, _ in Tiny().named_parameters()]


def test_identical_members_hit_the_floor_not_inf():
    stacked = torch.tensor([[0.5], [0.5]])
    got = gaussian_prior_penalty(stacked, prior_mean=0.0, prior_var=1.0)
    expected = math.log(VAR_FLOOR) + 1 / VAR_FLOOR + 0.25 / VAR_FLOOR
    assert torch.isfinite(got) and got.item() == pytest.approx(expected, rel=1e-6)


def test_penalty_is_differentiable_and_needs_two_members():
    a, b = Tiny(), Tiny()
    dpe_penalty([a, b]).backward()
    assert all(p.grad is not None for p in list(a.parameters()) + list(b.parameters()))
    with pytest.raises(ValueError, match="K >= 2"):
        dpe_penalty([a])


def test_members_drawn_from_the_prior_have_its_spread():
    gen = torch.Generator().manual_seed(0)
    conv = init_from_prior(nn.Conv2d(64, 32, 3), gen)
    assert conv.weight.std().item() == pytest.approx(math.sqrt(2 / (32 * 9)), rel=0.05)
    bn = init_from_prior(nn.BatchNorm2d(4000), gen)
    assert bn.weight.mean().item() == pytest.approx(1.0, abs=0.01)
    assert bn.weight.std().item() == pytest.approx(0.1, rel=0.05)


def test_elbo_beta():
    from models.dpe_prior import elbo_beta

    assert elbo_beta("classification") == 0.5
    assert elbo_beta("segmentation", (180, 240)) == pytest.approx(0.5 / 43200)
    with pytest.raises(ValueError, match="label_size"):
        elbo_beta("segmentation")
