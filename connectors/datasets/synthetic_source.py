"""The synthetic generator as a dataset: render frames to disk, then yield them like any other reader.

Labels come free with the rendering, so each frame carries its mask both as ground truth and as a
`labels` row of source `synthetic`. Frame ids are `synthetic:<name>`, where the generator's name encodes
(seed, drive, frame in drive): rendering the same seed again yields the same ids.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Iterator

from connectors.datasets.base import DatasetItem


def read_synthetic(out_dir: str | Path, frames: int, seed: int, width: int = 240, height: int = 180,
                   frames_per_drive: int | None = None, conditions: dict | None = None) -> Iterator[DatasetItem]:
    """Render (or reuse) frames 0..frames-1 of dataset `seed` under `out_dir` and yield them."""
    from connectors.datasets.synthetic import DEFAULT_FRAMES_PER_DRIVE, generate

    root = Path(out_dir).resolve()
    records = generate(root, frames=frames, seed=seed, width=width, height=height,
                       frames_per_drive=frames_per_drive or DEFAULT_FRAMES_PER_DRIVE, conditions=conditions)
    for record in records:
        start = dt.datetime.strptime(record["drive_start_utc"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)
        frame = {
            "frame_id": f"synthetic:{record['name']}",
            "drive_id": record["drive_id"],
            "camera": "front",
            "ts": start + dt.timedelta(seconds=record["ts_offset_s"]),
            "uri": str(root / record["image_path"]),
            "domain": "synthetic",
            "source": "synthetic",
            "split": "train",
            "weather": record["weather"],
            "time_of_day": record["time_of_day"],
            "location": record["location"],
            "lat": record["lat"],
            "lon": record["lon"],
        }
        yield DatasetItem(frame=frame, label_uri=str(root / record["label_path"]), free_label=True)
