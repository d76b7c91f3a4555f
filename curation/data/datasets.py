"""torch Datasets over lake rows: labeled frames for training/validation, plain frames for scoring."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import torch
from torch.utils.data import Dataset

from connectors.images import ImageError, read_label, read_rgb
from curation.data.transforms import augment, resize_image, resize_mask, to_tensor


@dataclass(frozen=True)
class Sample:
    """One training or evaluation example as the lake describes it."""

    frame_id: str
    uri: str
    label_uri: str | None
    class_id: int | None
    weight: float
    drive_id: str = ""
    label_source: str = ""
    dataset: str = ""


class LabeledFrames(Dataset):
    """Decoded, resized, normalised frames with their targets.

    item: {"image": float32 [3, H, W], "target": int64 [H, W] (segmentation) or [] (classification),
           "weight": float32 [] (the label source's loss weight), "index": int64 []}
    Decoded frames are kept in memory (uint8, after resizing): a CPU epoch then costs no decoding, and a
    240x180 frame is 130 kB.
    """

    def __init__(self, samples: Sequence[Sample], task: str, size: tuple[int, int] | None,
                 train: bool, seed: int = 0, cache: bool = True):
        self.samples, self.task, self.size, self.train = list(samples), task, size, train
        self._cache: dict[int, tuple[np.ndarray, np.ndarray | None]] | None = {} if cache else None
        self._rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        return len(self.samples)

    def _load(self, index: int) -> tuple[np.ndarray, np.ndarray | None]:
        if self._cache is not None and index in self._cache:
            return self._cache[index]
        sample = self.samples[index]
        image = resize_image(read_rgb(sample.uri), self.size)
        mask = resize_mask(read_label(sample.label_uri), self.size) if self.task == "segmentation" else None
        if mask is not None and mask.shape != image.shape[:2]:
            raise ImageError(sample.label_uri or "", f"label size {mask.shape} differs from image {image.shape[:2]}")
        if self._cache is not None:
            self._cache[index] = (image, mask)
        return image, mask

    def __getitem__(self, index: int) -> dict[str, Any]:
        sample = self.samples[index]
        image, mask = self._load(index)
        if self.train:
            image, mask = augment(image, mask, self._rng)
        if self.task == "segmentation":
            target = torch.from_numpy(mask.astype(np.int64))
        else:
            target = torch.tensor(int(sample.class_id), dtype=torch.int64)
        return {
            "image": to_tensor(image),
            "target": target,
            "weight": torch.tensor(sample.weight, dtype=torch.float32),
            "index": torch.tensor(index, dtype=torch.int64),
        }
