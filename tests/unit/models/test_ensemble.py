"""Ensemble and MC-dropout: shapes, independence, autocast and channels_last paths."""

import pytest
import torch

from models import create_model
from models.ensemble import Ensemble
from models.mc_dropout import MCDropoutSampler


@pytest.fixture(scope="module")
def seg_ensemble():
    torch.manual_seed(0)
    return Ensemble.from_spec("fbnet_tiny", "segmentation", num_classes=4, k=3, seed=10).eval()


def test_shapes_and_member_independence(seg_ensemble):
    x = torch.randn(2, 3, 32, 40)
    logits = seg_ensemble(x)
    assert logits.shape == (3, 2, 4, 8, 10)
    probs, emb = seg_ensemble.predict_with_embedding(x)
    assert probs.shape == (3, 2, 4, 8, 10) and probs.dtype == torch.float32
    torch.testing.assert_close(probs.sum(dim=2), torch.ones(3, 2, 8, 10))
    assert emb.shape == (2, seg_ensemble.embedding_dim)
    # members differ (different seeds) ...
    assert not torch.allclose(logits[0], logits[1])
    # ... and the embedding is the member mean
    per_member = torch.stack([m.embed(x) for m in seg_ensemble.members])
    torch.testing.assert_close(emb, per_member.mean(0))
    torch.testing.assert_close(seg_ensemble.predict_proba(x), probs)


def test_from_spec_is_reproducible():
    a = Ensemble.from_spec("cls_tiny", "classification", 3, k=2, seed=5)
    b = Ensemble.from_spec("cls_tiny", "classification", 3, k=2, seed=5)
    for pa, pb in zip(a.parameters(), b.parameters()):
        assert torch.equal(pa, pb)
    with pytest.raises(ValueError, match="k: got 0"):
        Ensemble.from_spec("cls_tiny", "classification", 3, k=0)


def test_bf16_autocast_and_channels_last_track_fp32(seg_ensemble):
    x = torch.randn(2, 3, 32, 40)
    ref, ref_emb = seg_ensemble.predict_with_embedding(x)
    cl = Ensemble([m for m in seg_ensemble.members]).to(memory_format=torch.channels_last)
    probs_cl, emb_cl = cl.predict_with_embedding(x.contiguous(memory_format=torch.channels_last))
    torch.testing.assert_close(probs_cl, ref, atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(emb_cl, ref_emb, atol=1e-4, rtol=1e-4)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        probs_bf, emb_bf = cl.predict_with_embedding(x.contiguous(memory_format=torch.channels_last))
    assert probs_bf.dtype == torch.float32 and emb_bf.dtype == torch.float32
    # bf16 keeps ~3 significant digits: probabilities agree to a few hundredths
    assert (probs_bf - ref).abs().max() < 0.1
    seg_ensemble.to(memory_format=torch.contiguous_format)


def test_mc_dropout_samples_differ_and_network_is_restored():
    torch.manual_seed(0)
    net = create_model("cls_tiny", "classification", 5, dropout=0.2, seed=0).eval()
    sampler = MCDropoutSampler(net, samples=4)
    x = torch.randn(3, 3, 32, 32)
    logits = sampler(x)
    assert logits.shape == (4, 3, 5)
    assert not torch.allclose(logits[0], logits[1])
    probs, emb = sampler.predict_with_embedding(x)
    assert probs.shape == (4, 3, 5) and emb.shape == (3, net.embedding_dim)
    # after sampling, plain eval is deterministic again
    assert torch.equal(net(x), net(x))
    with pytest.raises(ValueError, match="no dropout"):
        MCDropoutSampler(create_model("cls_tiny", "classification", 5), samples=2)


def test_mc_dropout_option_keeps_dropout_on_at_eval():
    net = create_model("cls_tiny", "classification", 5, dropout=0.3, mc_dropout=True, seed=0).eval()
    x = torch.randn(2, 3, 32, 32)
    assert not torch.equal(net(x), net(x))
