"""What `curate push` needs from a model: one pre-annotation per frame.

A predictor is any callable `(frames: list[dict]) -> list[Prediction | None]`, one entry per frame, in
order. Each frame dict has `frame_id`, `uri`, `width`, `height`, `source`, `rank`. A None entry means
"no pre-annotation for this frame". The model-based predictor comes from
`curation.jobs.predict.load_predictor(lake)`; tests build one from ground truth.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np


@dataclass(frozen=True)
class Prediction:
    """A model's answer for one frame.

    mask: uint8 class ids [H, W] (segmentation; the ignore value where the model abstains), or None.
    class_id: the predicted class (classification), or None.
    confidence: the ensemble's confidence in [0, 1] (e.g. mean max probability); sent as the prediction's
        `score`, so Label Studio's uncertainty sampling serves the least confident frames first.
    model_version: the `models.model_version` that made it.
    """

    mask: Optional[np.ndarray]
    class_id: Optional[int]
    confidence: float
    model_version: str


Predictor = Callable[[list[dict]], list[Optional[Prediction]]]
