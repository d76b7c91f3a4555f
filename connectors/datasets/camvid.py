"""CamVid in the SegNet layout: `<split>/` frames and `<split>annot/` label maps for train, val and test.

File names are `<sequence>_<frame>.png`: the sequence is a drive, the frame a 30 fps video index. CamVid
gives no calendar date, so `ts` = 2008-01-01 UTC (nominal) + frame / 30 s; frame order and gaps are exact.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Iterator

from connectors.datasets.base import DatasetItem, DatasetLayoutError, epoch
from connectors.datasets.registry import CAMVID

SPLITS = ("train", "val", "test")
FPS = 30.0
RECORDED = epoch(2008)
DUSK_SEQUENCES = {"0001TP"}
CLASSES = CAMVID
_NAME = re.compile(r"^(?P<seq>[0-9A-Za-z]+)_f?(?P<frame>\d+)$")
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg"}


def _index(root: Path, split: str) -> dict[str, Path] | None:
    """Image path -> label path from `<split>.txt` when present (it may list files that are missing)."""
    txt = root / f"{split}.txt"
    if not txt.exists():
        return None
    pairs = {}
    for line in txt.read_text().splitlines():
        parts = line.split()
        if len(parts) >= 2:
            pairs[str(_resolve(root, parts[0]))] = _resolve(root, parts[1])
    return pairs


def _resolve(root: Path, listed: str) -> Path:
    # SegNet's index files carry absolute paths of the machine that made them (/SegNet/CamVid/train/x.png):
    # keep only the last two components, which are relative to the dataset folder.
    parts = Path(listed).parts
    return root.joinpath(*parts[-2:])


def read_camvid(root: str | Path) -> Iterator[DatasetItem]:
    """Yield one item per frame of every split present under `root` (a folder with train/, val/, test/)."""
    root = Path(root)
    if not root.is_dir():
        raise DatasetLayoutError(f"camvid: {root} is not a directory; expected a folder with train/ (and trainannot/), val/, test/")
    splits = [s for s in SPLITS if (root / s).is_dir()]
    if not splits:
        raise DatasetLayoutError(
            f"camvid: no train/, val/ or test/ folder under {root}; expected the SegNet layout "
            "(<split>/<seq>_<frame>.png with labels in <split>annot/)"
        )
    for split in splits:
        images = {p.resolve(): p for p in sorted((root / split).iterdir()) if p.suffix.lower() in IMAGE_SUFFIXES}
        listed = _index(root, split) or {}
        # Frames named in the index but missing on disk are reported, not silently dropped.
        for image_path in sorted(set(Path(p).resolve() for p in listed) - set(images)):
            yield _item(root, split, image_path, None, problem=f"listed in {split}.txt but the image file is missing")
        annot = root / f"{split}annot"
        for image_path in images.values():
            label = annot / image_path.name
            if not label.exists():
                label = annot / (image_path.stem + ".png")
            yield _item(root, split, image_path, label if annot.is_dir() else None)


def _item(root: Path, split: str, image: Path, label: Path | None, problem: str | None = None) -> DatasetItem:
    match = _NAME.match(image.stem)
    seq, frame_no = (match["seq"], int(match["frame"])) if match else (image.stem, 0)
    frame = {
        "frame_id": f"camvid:{image.stem}",
        "drive_id": seq,
        "camera": "front",
        "ts": RECORDED + dt.timedelta(seconds=frame_no / FPS),
        "uri": str(image.resolve()),
        "domain": "real",
        "source": "camvid",
        "split": split,
        "weather": "clear",
        "time_of_day": "dusk" if seq in DUSK_SEQUENCES else "day",
        "location": "Cambridge, UK",
        "lat": 52.2053,
        "lon": 0.1218,
    }
    if label is not None and not label.exists() and problem is None:
        problem = f"label map missing: expected {label}"
    return DatasetItem(frame=frame, label_uri=str(label.resolve()) if label is not None else None, problem=problem)
