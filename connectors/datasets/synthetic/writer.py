"""``generate``: render a synthetic data set to PNG files, idempotently."""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from .frame import DEFAULT_FRAMES_PER_DRIVE, render_scene


def _png(array: np.ndarray, mode: str) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array, mode).save(buf, format="PNG", compress_level=6)
    return buf.getvalue()


def _write_if_changed(path: Path, data: bytes) -> bool:
    """Write ``data`` atomically unless ``path`` already holds exactly these bytes."""
    if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".png", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return True


def generate(
    out_dir: str | os.PathLike,
    frames: int,
    seed: int,
    width: int = 240,
    height: int = 180,
    frames_per_drive: int = DEFAULT_FRAMES_PER_DRIVE,
    conditions: dict | None = None,
) -> list[dict]:
    """Render frames ``0..frames-1`` of data set ``seed`` under ``out_dir``.

    Writes ``images/<drive_id>/<name>.png`` (RGB) and ``labels/<drive_id>/<name>.png``
    (single-channel, pixel = CamVid class id). A file that already holds identical bytes is
    left untouched, so re-running is cheap and changes nothing on disk.

    Args:
        out_dir: output folder (created if missing).
        frames: number of frames, >= 0.
        seed, width, height, frames_per_drive, conditions: as for ``render_scene``.

    Returns:
        One record per frame, in index order: ``image_path`` and ``label_path`` (relative to
        ``out_dir``, with forward slashes) plus every key of ``SyntheticFrame.meta``.
    """
    if isinstance(frames, bool) or not isinstance(frames, (int, np.integer)) or frames < 0:
        raise ValueError(f"frames must be a non-negative integer, got {frames!r}")
    root = Path(out_dir)
    records = []
    for index in range(int(frames)):
        frame = render_scene(seed, index, width, height, conditions, frames_per_drive=frames_per_drive)
        meta = frame.meta
        image_rel = f"images/{meta['drive_id']}/{meta['name']}.png"
        label_rel = f"labels/{meta['drive_id']}/{meta['name']}.png"
        _write_if_changed(root / image_rel, _png(frame.image, "RGB"))
        _write_if_changed(root / label_rel, _png(frame.mask, "L"))
        records.append({"image_path": image_rel, "label_path": label_rel, **meta})
    return records
