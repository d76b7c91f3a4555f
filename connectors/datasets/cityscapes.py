"""Cityscapes: `leftImg8bit/<split>/<city>/<city>_<seq>_<frame>_leftImg8bit.png`, with optional
`gtFine/<split>/<city>/<city>_<seq>_<frame>_gtFine_labelIds.png` mapped to the 19 train ids (ignore = 19).

A (city, sequence) pair is a drive. Cityscapes gives no dates: `ts` = 2015-01-01 UTC (nominal) +
frame / 17 s (its video rate).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Iterator

import numpy as np

from connectors.datasets.base import DatasetItem, DatasetLayoutError, epoch
from connectors.datasets import cityscapes_classes
from connectors.datasets.registry import CITYSCAPES

CLASSES = CITYSCAPES
RECORDED = epoch(2015)
FPS = 17.0
_NAME = re.compile(r"^(?P<city>.+)_(?P<seq>\d+)_(?P<frame>\d+)_leftImg8bit$")
_LUT = np.array(cityscapes_classes.label_lut(), dtype=np.uint8)


def to_train_ids(label_ids: np.ndarray) -> np.ndarray:
    """Map a gtFine labelIds map to train ids (0..18, ignore 19)."""
    return _LUT[label_ids]


def read_cityscapes(root: str | Path) -> Iterator[DatasetItem]:
    root = Path(root)
    images = root / "leftImg8bit"
    if not images.is_dir():
        raise DatasetLayoutError(
            f"cityscapes: no leftImg8bit/ under {root}; expected leftImg8bit/<split>/<city>/"
            "<city>_<seq>_<frame>_leftImg8bit.png (and optionally gtFine/ beside it)"
        )
    for split_dir in sorted(p for p in images.iterdir() if p.is_dir()):
        for path in sorted(split_dir.glob("*/*_leftImg8bit.png")):
            match = _NAME.match(path.stem)
            if not match:
                continue
            city, seq, frame_no = match["city"], match["seq"], int(match["frame"])
            frame = {
                "frame_id": f"cityscapes:{city}_{seq}_{match['frame']}",
                "drive_id": f"{city}_{seq}",
                "camera": "front",
                "ts": RECORDED + dt.timedelta(seconds=frame_no / FPS),
                "uri": str(path.resolve()),
                "domain": "real",
                "source": "cityscapes",
                "split": split_dir.name,
                "location": city,
            }
            label = root / "gtFine" / split_dir.name / path.parent.name / f"{city}_{seq}_{match['frame']}_gtFine_labelIds.png"
            yield DatasetItem(
                frame=frame,
                label_uri=str(label.resolve()) if label.exists() else None,
                label_map=to_train_ids if label.exists() else None,
            )
