"""EnsembleModule: loss composition, metric logging through a real Trainer, optimiser setup."""

import math
import warnings

import pytest
import pytorch_lightning as pl
import torch
from torch import nn
from torch.utils.data import DataLoader

from models import ArchSpec, HeadSpec, StageSpec, StemSpec
from models.dpe_prior import dpe_penalty
from models.ensemble import Ensemble
from models.lightning_module import EnsembleModule
from models.losses import weighted_cross_entropy

TINY = ArchSpec(StemSpec(8, stride=2), (StageSpec("ir_k3_e3", 8, 2), StageSpec("ir_k3_e3", 16, 2)),
                HeadSpec("lraspp", {"channels": 8, "low_stride": 4}))


def _trainer(**kw):
    return pl.Trainer(accelerator="cpu", devices=1, logger=False, enable_checkpointing=False,
                      enable_progress_bar=False, enable_model_summary=False, **kw)


def _seg_batches(n=4, num_classes=3, size=(16, 20)):
    g = torch.Generator().manual_seed(0)
    return [{"image": torch.randn(3, *size, generator=g),
             "target": torch.randint(0, num_classes + 1, size, generator=g),  # id num_classes = ignore
             "weight": torch.tensor(1.0)} for _ in range(n)]


def test_training_loss_is_member_mean_nll_plus_scaled_dpe():
    ens = Ensemble.from_spec(TINY, "segmentation", 3, k=2, seed=0)
    module = EnsembleModule(ens, "segmentation", 3, ignore_index=3, beta=2.0, num_train_samples=50)
    batch = {k: torch.stack([s[k] for s in _seg_batches(2)]) for k in ("image", "target", "weight")}
    batch["weight"] = torch.tensor([1.0, 0.5])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # self.log outside a Trainer warns and does nothing
        loss = module.training_step(batch, 0)
    logits = ens(batch["image"])
    nll = sum(weighted_cross_entropy(lg, batch["target"], batch["weight"], None, 3) for lg in logits) / 2
    expected = nll + 2.0 * dpe_penalty(ens.members) / 50
    torch.testing.assert_close(loss, expected)
    loss.backward()
    assert all(p.grad is not None for p in ens.parameters())


def test_defaults_and_argument_errors():
    ens = Ensemble.from_spec(TINY, "segmentation", 3, k=1, seed=0)
    assert EnsembleModule(ens, "segmentation", 3).ignore_index == 11
    assert EnsembleModule(ens, "classification", 3).ignore_index is None
    assert EnsembleModule(ens, "classification", 3, ignore_index=-1).ignore_index is None
    with pytest.raises(ValueError, match="needs K >= 2"):
        EnsembleModule(ens, "segmentation", 3, beta=1.0, num_train_samples=10)
    ens2 = Ensemble.from_spec(TINY, "segmentation", 3, k=2, seed=0)
    with pytest.raises(ValueError, match="num_train_samples"):
        EnsembleModule(ens2, "segmentation", 3, beta=1.0)
    with pytest.raises(ValueError, match=r"class_weights: got shape \(2,\)"):
        EnsembleModule(ens2, "segmentation", 3, class_weights=[1.0, 2.0])


class Echo(nn.Module):
    """A 'network' whose logits are its input: predictions are set by hand."""

    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(()))

    def forward(self, x, return_embedding=False):
        out = x * self.scale
        return (out, out.mean(dim=(2, 3))) if return_embedding else out


def test_validation_metrics_by_hand():
    # confidences 0.8 everywhere; predictions [[0, 1], [1, 0]], targets [[0, 1], [2, ignore]]
    p = torch.tensor([0.8, 0.1, 0.1])
    logits = torch.empty(3, 2, 2)
    for (i, j), c in {(0, 0): 0, (0, 1): 1, (1, 0): 1, (1, 1): 0}.items():
        logits[:, i, j] = p.roll(c).log()
    data = [{"image": logits, "target": torch.tensor([[0, 1], [2, 3]])}]
    module = EnsembleModule(Ensemble([Echo(), Echo()]), "segmentation", 3, ignore_index=3)
    _trainer().validate(module, DataLoader(data, batch_size=1), verbose=False)
    m = module.trainer.callback_metrics
    # class 0: TP 1 -> IoU 1; class 1: TP 1, FP 1 -> 1/2; class 2: FN 1 -> 0
    assert m["val_iou_0"].item() == pytest.approx(1.0)
    assert m["val_iou_1"].item() == pytest.approx(0.5)
    assert m["val_iou_2"].item() == pytest.approx(0.0)
    assert m["val_miou"].item() == pytest.approx(0.5)
    assert m["val_acc"].item() == pytest.approx(2 / 3)
    assert m["val_ece"].item() == pytest.approx(abs(2 / 3 - 0.8), abs=1e-6)


@pytest.mark.parametrize("schedule", ["cosine", "onecycle"])
def test_fit_runs_end_to_end_and_logs(schedule):
    torch.manual_seed(0)
    ens = Ensemble.from_spec(TINY, "segmentation", 3, k=2, seed=0)
    module = EnsembleModule(ens, "segmentation", 3, ignore_index=3, beta=1.0, num_train_samples=4,
                            schedule=schedule, lr=1e-2)
    before = [p.detach().clone() for p in ens.parameters()]
    loader = DataLoader(_seg_batches(), batch_size=2)
    trainer = _trainer(max_epochs=1, limit_val_batches=1, num_sanity_val_steps=0)
    trainer.fit(module, loader, loader)
    m = trainer.callback_metrics
    assert {"train_loss", "train_nll", "train_dpe", "val_miou", "val_acc", "val_ece", "val_iou_2"} <= set(m)
    assert math.isfinite(m["train_loss"].item())
    assert any(not torch.equal(a, b) for a, b in zip(before, ens.parameters()))
    opt = trainer.optimizers[0]
    # weight decay only on conv/linear weights
    assert opt.param_groups[0]["weight_decay"] == 1e-4 and opt.param_groups[1]["weight_decay"] == 0.0
    assert all(p.dim() > 1 for p in opt.param_groups[0]["params"])


def test_predict_step_returns_probs_and_embedding():
    ens = Ensemble.from_spec(TINY, "segmentation", 3, k=2, seed=0).eval()
    module = EnsembleModule(ens, "segmentation", 3)
    out = module.predict_step({"image": torch.randn(2, 3, 16, 20)}, 0)
    assert out["probs"].shape == (2, 2, 3, 4, 5) and out["embedding"].shape == (2, 16)


def test_checkpoint_round_trip(tmp_path):
    ens = Ensemble.from_spec(TINY, "segmentation", 3, k=2, seed=0)
    module = EnsembleModule(ens, "segmentation", 3, ignore_index=3, beta=0.5, num_train_samples=7,
                            class_weights=[1.0, 2.0, 1.0])
    trainer = _trainer(max_steps=1, limit_val_batches=0, num_sanity_val_steps=0)
    trainer.fit(module, DataLoader(_seg_batches(2), batch_size=2))
    path = tmp_path / "m.ckpt"
    trainer.save_checkpoint(path)
    fresh = Ensemble.from_spec(ens.spec, "segmentation", 3, k=2, seed=99)
    loaded = EnsembleModule.load_from_checkpoint(path, ensemble=fresh)
    assert loaded.beta == 0.5 and loaded.num_train_samples == 7 and loaded.ignore_index == 3
    torch.testing.assert_close(loaded.class_weights, torch.tensor([1.0, 2.0, 1.0]))
    for a, b in zip(ens.parameters(), fresh.parameters()):
        assert torch.equal(a, b)
