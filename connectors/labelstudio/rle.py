"""Label Studio's brush RLE <-> binary masks.

A brush region is stored as the run-length encoding of an RGBA image flattened row-major
([H, W, 4] -> H*W*4 bytes); the alpha channel says where the brush painted. The encoder and the decoder
are the ones the Label Studio SDK ships (`label_studio_sdk.converter.brush`), so what we write is what
the editor reads. The header's value count is checked before decoding, so a mask of the wrong size is
refused without decoding it (a hostile count could otherwise ask for gigabytes).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from label_studio_sdk.converter.brush import decode_rle, mask2rle

from connectors.labelstudio.errors import AnnotationRejected

# Alpha values at or above this count as painted: the editor paints with alpha 255, and anti-aliased
# edges (if any) belong to the stroke only when more than half opaque.
ALPHA_PAINTED = 128
_HEADER_BYTES = 4  # the value count is the first 32 bits


def encode_mask(mask: np.ndarray) -> list[int]:
    """RLE of a binary mask: `mask` bool or 0/1 [H, W] -> list of byte values (0..255).

    The RGBA image encoded has all four channels 255 where `mask` is set, 0 elsewhere.
    """
    if mask.ndim != 2:
        raise ValueError(f"encode_mask expects a 2-D mask [H, W], got shape {mask.shape}")
    return mask2rle(np.where(np.asarray(mask).astype(bool), 255, 0).astype(np.uint8))


def rle_value_count(rle: Sequence[int]) -> int:
    """The number of values (H*W*4) an RLE says it holds, read from its 32-bit header."""
    if len(rle) < _HEADER_BYTES:
        raise AnnotationRejected(f"brush RLE too short to hold a header ({len(rle)} bytes)")
    count = 0
    for byte in rle[:_HEADER_BYTES]:
        count = (count << 8) | int(byte)
    return count


def decode_mask(rle: Sequence[int], height: int, width: int) -> np.ndarray:
    """Decode a brush RLE into a bool mask [height, width] (True = painted).

    Raises AnnotationRejected when the RLE is not for an image of this size or cannot be decoded.
    """
    if not isinstance(rle, (list, tuple)) or not all(isinstance(b, int) and 0 <= b <= 255 for b in rle):
        raise AnnotationRejected("brush RLE is not a list of byte values 0..255")
    expected = height * width * 4
    count = rle_value_count(rle)
    if count != expected:
        # Report the size the RLE would fit when the count is a multiple of 4 (what an editor produces).
        raise AnnotationRejected(
            f"brush mask has {count // 4 if count % 4 == 0 else count / 4} pixels, the frame has "
            f"{height}x{width} = {height * width}: mask of the wrong size"
        )
    try:
        flat = decode_rle(bytes(rle))
    except (ValueError, IndexError) as exc:
        raise AnnotationRejected(f"brush RLE is corrupt: {exc}") from None
    if flat.size != expected:
        raise AnnotationRejected(f"brush RLE decoded to {flat.size} values, expected {expected}")
    return flat.reshape(height, width, 4)[:, :, 3] >= ALPHA_PAINTED
