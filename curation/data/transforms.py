"""Frames and masks as tensors: resizing, normalisation and the (few) augmentations we train with.

Shapes: an image is uint8 [H, W, 3] from the decoder and float32 [3, H, W] after `to_tensor`; a mask is
uint8 [H, W] of class ids. Resizing keeps masks exact (nearest) and images smooth (bilinear).
"""

from __future__ import annotations

import numpy as np
import torch
from PIL import Image

# Per-channel statistics of natural images (ImageNet), in 0..1 units: a fixed, documented normalisation so a
# model's checkpoint needs no dataset statistics to score new frames.
MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)


def resize_image(image: np.ndarray, size: tuple[int, int] | None) -> np.ndarray:
    """Bilinear resize of uint8 [H, W, 3] to size = (height, width); returned as is when it already fits."""
    if size is None or image.shape[:2] == tuple(size):
        return image
    return np.asarray(Image.fromarray(image).resize((size[1], size[0]), Image.BILINEAR))


def resize_mask(mask: np.ndarray, size: tuple[int, int] | None) -> np.ndarray:
    """Nearest-neighbour resize of a class-id mask uint8 [H, W] to size = (height, width)."""
    if size is None or mask.shape[:2] == tuple(size):
        return mask
    return np.asarray(Image.fromarray(mask).resize((size[1], size[0]), Image.NEAREST))


def to_tensor(image: np.ndarray) -> torch.Tensor:
    """uint8 [H, W, 3] -> normalised float32 [3, H, W]."""
    array = (image.astype(np.float32) / 255.0 - MEAN) / STD
    return torch.from_numpy(np.ascontiguousarray(array.transpose(2, 0, 1)))


def augment(image: np.ndarray, mask: np.ndarray | None, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray | None]:
    """Training augmentation: horizontal flip (p = 0.5) and a mild brightness/contrast jitter.

    Driving scenes are left/right symmetric enough for flips; vertical flips and rotations are not used
    because the horizon and gravity are part of what the classes look like.
    """
    if rng.random() < 0.5:
        image = image[:, ::-1]
        mask = mask[:, ::-1] if mask is not None else None
    gain = rng.uniform(0.8, 1.2)
    bias = rng.uniform(-20, 20)
    image = np.clip(image.astype(np.float32) * gain + bias, 0, 255).astype(np.uint8)
    return np.ascontiguousarray(image), (np.ascontiguousarray(mask) if mask is not None else None)
