"""Frames' images put where Label Studio can serve them: `<document root>/<project folder>/<file>.png`.

Every frame is decoded with `connectors.images.read_rgb` (GTSRB frames are zip members, CamVid frames
plain files) and written as PNG, atomically, once: a file already there is kept. The file name is the
frame id made filesystem-safe plus a short hash of the id, so two ids that differ only in unsafe
characters never share a file.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from PIL import Image

from connectors.images import read_rgb


def project_folder(project_id: int) -> str:
    """The document-root subfolder of a project's images (also the local storage's path)."""
    return f"project-{int(project_id)}"


def frame_file_name(frame_id: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", frame_id).strip("._")[:120] or "frame"
    digest = hashlib.sha1(frame_id.encode()).hexdigest()[:8]
    return f"{safe}-{digest}.png"


def stage_image(uri: str, frame_id: str, document_root: Path, folder: str) -> str:
    """Write frame `frame_id` (read from `uri`) as PNG under the document root; returns its path relative
    to the document root (what the task's image URL names). Raises connectors.images.ImageError when
    the source cannot be decoded."""
    relative = f"{folder}/{frame_file_name(frame_id)}"
    target = Path(document_root) / relative
    if target.exists():
        return relative
    target.parent.mkdir(parents=True, exist_ok=True)
    rgb = read_rgb(uri)
    tmp = target.with_name(f".{target.name}.tmp")
    Image.fromarray(rgb).save(tmp, format="PNG")
    tmp.replace(target)
    return relative
