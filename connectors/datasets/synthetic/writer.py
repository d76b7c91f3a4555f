"""``generate``: render a synthetic data set to PNG files, idempotently and cheaply.

Re-running ``generate`` on the same folder must be cheap (the ingest job calls it every time) and
must never leave stale frames behind. ``generator.json`` in the folder records, per seed, the
parameters the files were rendered with. When they match the call, existing files are trusted
and only missing frames are rendered; otherwise (or with ``verify=True``) every frame is
rendered again and a file is rewritten only where its bytes differ.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from .conditions import check_overrides
from .frame import DEFAULT_FRAMES_PER_DRIVE, GENERATOR_VERSION, frame_meta, render_scene

STATE_FILE = "generator.json"


def _png(array: np.ndarray, mode: str) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array, mode).save(buf, format="PNG", compress_level=6)
    return buf.getvalue()


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=path.suffix, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _write_if_changed(path: Path, data: bytes) -> bool:
    """Write ``data`` atomically unless ``path`` already holds exactly these bytes."""
    if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
        return False
    _atomic_write(path, data)
    return True


def _read_state(root: Path) -> dict:
    try:
        state = json.loads((root / STATE_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def generate(
    out_dir: str | os.PathLike,
    frames: int,
    seed: int,
    width: int = 240,
    height: int = 180,
    frames_per_drive: int = DEFAULT_FRAMES_PER_DRIVE,
    conditions: dict | None = None,
    verify: bool = False,
) -> list[dict]:
    """Render frames ``0..frames-1`` of data set ``seed`` under ``out_dir``.

    Writes ``images/<drive_id>/<name>.png`` (RGB) and ``labels/<drive_id>/<name>.png``
    (single-channel, pixel = CamVid class id), plus ``generator.json`` (see module doc).

    Args:
        out_dir: output folder (created if missing).
        frames: number of frames, >= 0.
        seed, width, height, frames_per_drive, conditions: as for ``render_scene``.
        verify: render every frame and compare it with the file on disk even when the folder
            says it was made with these parameters (repairs damaged files).

    Returns:
        One record per frame, in index order: ``image_path`` and ``label_path`` (relative to
        ``out_dir``, with forward slashes) plus every key of ``SyntheticFrame.meta``.
    """
    if isinstance(frames, bool) or not isinstance(frames, (int, np.integer)) or frames < 0:
        raise ValueError(f"frames must be a non-negative integer, got {frames!r}")
    check_overrides(conditions)
    root = Path(out_dir)
    params = json.loads(json.dumps({
        "generator_version": GENERATOR_VERSION,
        "width": width,
        "height": height,
        "frames_per_drive": frames_per_drive,
        "conditions": conditions or {},
    }, sort_keys=True))
    state = _read_state(root)
    trusted = not verify and state.get(str(seed)) == params
    records = []
    for index in range(int(frames)):
        meta = frame_meta(seed, index, width, height, conditions, frames_per_drive=frames_per_drive)
        image_rel = f"images/{meta['drive_id']}/{meta['name']}.png"
        label_rel = f"labels/{meta['drive_id']}/{meta['name']}.png"
        if not (trusted and (root / image_rel).is_file() and (root / label_rel).is_file()):
            frame = render_scene(seed, index, width, height, conditions, frames_per_drive=frames_per_drive)
            _write_if_changed(root / image_rel, _png(frame.image, "RGB"))
            _write_if_changed(root / label_rel, _png(frame.mask, "L"))
        records.append({"image_path": image_rel, "label_path": label_rel, **meta})
    if state.get(str(seed)) != params:
        state[str(seed)] = params
        _atomic_write(root / STATE_FILE, json.dumps(state, indent=1, sort_keys=True).encode())
    return records
