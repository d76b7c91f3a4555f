"""`EnsembleModule`: a thin LightningModule around an `Ensemble` (the network is passed in).

Batches are dicts:
    image  float [B, 3, H, W], normalised
    target long  [B, H, W] (segmentation, `ignore_index` allowed) or [B] (classification)
    weight float [B] per-sample loss weight (optional; default 1)

Loss (training): mean over members of `weighted_cross_entropy` (segmentation logits upsampled to the
target size) + beta * dpe_penalty(members) / num_train_samples. The DPE penalty is a sum over all
weights; dividing by the training-set size gives the usual per-sample scaling of a KL term, so the
value of beta does not have to change when the labelled set grows. beta = 0: plain deep ensemble.
`models.dpe_prior.elbo_beta(task, label_size)` gives the ELBO-consistent beta (0.5 for
classification, 0.5 / (H * W) for segmentation, whose CE is a per-pixel mean).

Validation: the ensemble-mean probability (mean of member softmaxes, upsampled to the target size
for segmentation) feeds a confusion matrix and 15 ECE bins; at epoch end it logs `val_miou`,
`val_iou_<c>` for every class c (NaN when c is absent from both predictions and targets), `val_acc`
(pixel accuracy for segmentation, sample accuracy for classification) and `val_ece`.
"""

from __future__ import annotations

from typing import Any, Literal, Sequence

import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from torch import Tensor

from models.dpe_prior import dpe_penalty
from models.ensemble import Ensemble
from models.losses import weighted_cross_entropy
from models.metrics import accuracy, calibration_bins, confusion_matrix, ece_from_bins, iou_per_class, mean_iou

__all__ = ["EnsembleModule", "CAMVID_IGNORE_INDEX"]

CAMVID_IGNORE_INDEX = 11
_SCHEDULES = ("cosine", "onecycle", "none")


class EnsembleModule(pl.LightningModule):
    """Train and evaluate an `Ensemble` (K >= 1 members) with the optional DPE prior.

    Args:
        ensemble: the networks (e.g. `Ensemble.from_spec("fbnet_tiny", "segmentation", 11, k=3)`).
        task: "segmentation" or "classification".
        num_classes: C.
        ignore_index: target id left out of loss and metrics. "auto" (default): 11 (CamVid) for
            segmentation, none for classification. None or -1: none.
        beta: DPE prior weight (0 = plain ensemble; > 0 needs K >= 2 and `num_train_samples`).
        num_train_samples: size of the training set N (the penalty is divided by it).
        lr, weight_decay: AdamW; decay applies to conv/linear weights only, not to BN or biases.
        class_weights: optional [C] loss weights per class.
        schedule: "cosine" (per-step cosine decay to 0), "onecycle" (OneCycleLR peaking at lr) or
            "none"; step counts come from `trainer.estimated_stepping_batches`.
        ece_bins: number of equal-width confidence bins for `val_ece` (15).
    """

    def __init__(self, ensemble: Ensemble, task: str, num_classes: int, *,
                 ignore_index: int | None | Literal["auto"] = "auto", beta: float = 0.0,
                 num_train_samples: int | None = None, lr: float = 1e-3, weight_decay: float = 1e-4,
                 class_weights: Sequence[float] | Tensor | None = None,
                 schedule: Literal["cosine", "onecycle", "none"] = "cosine", ece_bins: int = 15) -> None:
        super().__init__()
        if task not in ("segmentation", "classification"):
            raise ValueError(f"task: got {task!r}; allowed: ['segmentation', 'classification']")
        if not isinstance(ensemble, Ensemble):
            raise TypeError(f"ensemble: got {type(ensemble).__name__}; pass a models.ensemble.Ensemble "
                            "(wrap a single network as Ensemble([net]))")
        if ignore_index == "auto":
            ignore_index = CAMVID_IGNORE_INDEX if task == "segmentation" else None
        if ignore_index == -1:
            ignore_index = None
        if beta < 0:
            raise ValueError(f"beta: got {beta}; allowed: >= 0 (0 = plain deep ensemble)")
        if beta > 0 and ensemble.num_members < 2:
            raise ValueError(f"beta: got {beta} with {ensemble.num_members} member; the DPE prior needs "
                             "K >= 2 members. Use beta=0 for a single network.")
        if beta > 0 and (not num_train_samples or num_train_samples < 1):
            raise ValueError(f"num_train_samples: got {num_train_samples!r}; with beta > 0 pass the "
                             "training-set size (the DPE penalty is divided by it)")
        if schedule not in _SCHEDULES:
            raise ValueError(f"schedule: got {schedule!r}; allowed: {list(_SCHEDULES)}")
        if class_weights is not None:
            class_weights = torch.as_tensor(class_weights, dtype=torch.float32)
            if class_weights.shape != (num_classes,):
                raise ValueError(f"class_weights: got shape {tuple(class_weights.shape)}; expected [{num_classes}]")
        self.ensemble = ensemble
        self.task = task
        self.num_classes = int(num_classes)
        self.ignore_index = ignore_index
        self.beta = float(beta)
        self.num_train_samples = num_train_samples
        self.lr = float(lr)
        self.weight_decay = float(weight_decay)
        self.schedule = schedule
        self.ece_bins = int(ece_bins)
        self.register_buffer("class_weights", class_weights, persistent=False)
        # Only constructor arguments (load_from_checkpoint passes them back): rebuild with
        # EnsembleModule.load_from_checkpoint(path, ensemble=Ensemble.from_spec(spec, task, C, k=K)).
        self.save_hyperparameters(
            {"task": task, "num_classes": num_classes, "ignore_index": ignore_index, "beta": beta,
             "num_train_samples": num_train_samples, "lr": lr, "weight_decay": weight_decay,
             "class_weights": None if class_weights is None else class_weights.tolist(),
             "schedule": schedule, "ece_bins": ece_bins}
        )
        self._reset_val_state()

    # -- steps ------------------------------------------------------------------------------------
    def forward(self, x: Tensor) -> Tensor:
        """x [B, 3, H, W] -> logits [K, B, C, ...]."""
        return self.ensemble(x)

    def training_step(self, batch: dict[str, Tensor], batch_idx: int) -> Tensor:
        image, target = batch["image"], batch["target"]
        weight = batch.get("weight")
        logits = self.ensemble(image)
        nll = torch.stack([
            weighted_cross_entropy(member_logits, target, weight, self.class_weights, self.ignore_index)
            for member_logits in logits
        ]).mean()
        loss = nll
        bs = image.shape[0]
        if self.beta > 0:
            penalty = dpe_penalty(self.ensemble.members)
            loss = nll + self.beta * penalty / self.num_train_samples
            self.log("train_dpe", penalty.detach(), batch_size=bs)
        self.log("train_nll", nll.detach(), batch_size=bs)
        self.log("train_loss", loss.detach(), prog_bar=True, batch_size=bs)
        return loss

    def validation_step(self, batch: dict[str, Tensor], batch_idx: int) -> None:
        image, target = batch["image"], batch["target"]
        probs = self.mean_probs(image, target.shape[-2:] if self.task == "segmentation" else None)
        pred = probs.argmax(dim=1)
        cm = confusion_matrix(pred, target, self.num_classes, self.ignore_index)
        bins = calibration_bins(probs, target, self.ece_bins, self.ignore_index)
        self._cm = cm if self._cm is None else self._cm + cm
        self._bins = bins if self._bins is None else tuple(a + b for a, b in zip(self._bins, bins))

    def on_validation_epoch_end(self) -> None:
        if self._cm is None:
            return
        # Sum the accumulators over processes (identity on one device) before computing ratios.
        cm = self.trainer.strategy.reduce(self._cm.to(self.device), reduce_op="sum")
        bins = [self.trainer.strategy.reduce(b.to(self.device), reduce_op="sum") for b in self._bins]
        self.log("val_miou", mean_iou(cm), prog_bar=True)
        self.log("val_acc", accuracy(cm))
        self.log("val_ece", ece_from_bins(*bins))
        for c, iou in enumerate(iou_per_class(cm).tolist()):
            self.log(f"val_iou_{c}", iou)
        self._reset_val_state()

    def predict_step(self, batch: dict[str, Tensor] | Tensor, batch_idx: int) -> dict[str, Tensor]:
        """-> {"probs": [K, B, C, ...] float32 (stride-4 for segmentation), "embedding": [B, D] float32}."""
        image = batch["image"] if isinstance(batch, dict) else batch
        probs, emb = self.ensemble.predict_with_embedding(image)
        return {"probs": probs, "embedding": emb}

    # -- helpers ----------------------------------------------------------------------------------
    def mean_probs(self, image: Tensor, size: Sequence[int] | None = None) -> Tensor:
        """Ensemble-mean probabilities [B, C, ...] float32; segmentation logits are resized to `size`
        (e.g. the label size) before each member's softmax."""
        logits = self.ensemble(image).float()
        if size is not None and logits.dim() == 5 and tuple(logits.shape[-2:]) != tuple(size):
            k, b = logits.shape[:2]
            logits = F.interpolate(logits.flatten(0, 1), size=tuple(size), mode="bilinear",
                                   align_corners=False).unflatten(0, (k, b))
        return torch.softmax(logits, dim=2).mean(dim=0)

    def _reset_val_state(self) -> None:
        self._cm: Tensor | None = None
        self._bins: tuple[Tensor, Tensor, Tensor] | None = None

    def configure_optimizers(self) -> Any:
        decay, no_decay = [], []
        for p in self.ensemble.parameters():
            if p.requires_grad:
                (decay if p.dim() > 1 else no_decay).append(p)
        optimizer = torch.optim.AdamW(
            [{"params": decay, "weight_decay": self.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
            lr=self.lr,
        )
        if self.schedule == "none":
            return optimizer
        total = self.trainer.estimated_stepping_batches
        if not torch.isfinite(torch.tensor(float(total))):
            raise ValueError(f"schedule {self.schedule!r} needs a finite number of steps; got "
                             f"{total}. Set Trainer(max_epochs=...) or max_steps, or use schedule='none'")
        total = max(1, int(total))
        if self.schedule == "cosine":
            scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=total)
        else:
            scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=self.lr, total_steps=total)
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": scheduler, "interval": "step"}}
