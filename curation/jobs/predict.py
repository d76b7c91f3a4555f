"""Pre-annotations for Label Studio from the latest trained ensemble.

`load_predictor(lake)` returns a callable `(frames) -> [Prediction | None]` (the contract in
`curation.jobs.labelstudio.predictor`): the ensemble-mean prediction of each frame at the frame's own
resolution (segmentation: class-id mask; classification: class id) and its confidence (mean max
probability), which Label Studio uses to serve the least confident frames first. Frames of datasets the
model was not trained on get no pre-annotation rather than a meaningless one.
"""

from __future__ import annotations

import json
from typing import Optional

import numpy as np
import torch
import torch.nn.functional as F

from connectors.images import ImageError, read_rgb
from connectors.lake import Lake
from curation.data import queries
from curation.data.transforms import resize_image, to_tensor
from curation.jobs.checkpoints import CheckpointError, LoadedModel, load
from curation.jobs.labelstudio.predictor import Prediction
from curation.jobs.score import member_probs, predictor_for


class EnsemblePredictor:
    """Callable predictor over one loaded model (see the module docstring)."""

    def __init__(self, model: LoadedModel, datasets: set[str] | None, batch_size: int = 8, precision: str = "bf16"):
        self.model, self.datasets, self.batch_size, self.precision = model, datasets, batch_size, precision
        self.model.ensemble.eval().to(memory_format=torch.channels_last)
        self._predictor = predictor_for(model, mc_samples=5)

    def _predict_batch(self, frames: list[dict]) -> list[Optional[Prediction]]:
        images, kept = [], []
        for i, frame in enumerate(frames):
            try:
                images.append(to_tensor(resize_image(read_rgb(frame["uri"]), self.model.input_size)))
                kept.append(i)
            except ImageError:
                pass  # an unreadable frame simply gets no pre-annotation; the push job reports the image itself
        out: list[Optional[Prediction]] = [None] * len(frames)
        if not images:
            return out
        probs, _ = member_probs(self._predictor, torch.stack(images), self.precision)
        mean = probs.mean(0)  # [B, C, ...]
        for j, i in enumerate(kept):
            frame = frames[i]
            p = mean[j]
            if self.model.task == "segmentation":
                # Upsample probabilities (not labels) to the frame's size, then take the most likely class.
                full = F.interpolate(p[None], size=(int(frame["height"]), int(frame["width"])), mode="bilinear",
                                     align_corners=False)[0]
                confidence, mask = full.max(0)
                out[i] = Prediction(mask=mask.to(torch.uint8).numpy().astype(np.uint8), class_id=None,
                                    confidence=float(confidence.mean()), model_version=self.model.model_version)
            else:
                confidence, cls = p.max(0)
                out[i] = Prediction(mask=None, class_id=int(cls), confidence=float(confidence),
                                    model_version=self.model.model_version)
        return out

    def __call__(self, frames: list[dict]) -> list[Optional[Prediction]]:
        results: list[Optional[Prediction]] = [None] * len(frames)
        todo = [i for i, f in enumerate(frames) if self.datasets is None or f.get("source") in self.datasets]
        for start in range(0, len(todo), self.batch_size):
            idx = todo[start:start + self.batch_size]
            for i, prediction in zip(idx, self._predict_batch([frames[i] for i in idx])):
                results[i] = prediction
        return results


def load_predictor(lake: Lake, model_version: str = "latest") -> Optional[EnsemblePredictor]:
    """The predictor of `model_version` (default: the newest model), or None when the lake has no model."""
    row = queries.model_row(lake, model_version)
    if row is None:
        return None
    try:
        model = load(row["checkpoint_uri"])
    except CheckpointError:
        return None
    datasets = json.loads(row.get("label_set") or "{}").get("datasets")
    return EnsemblePredictor(model, set(datasets) if datasets else None)
