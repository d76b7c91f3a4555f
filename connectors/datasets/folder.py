"""Any folder of images, with optional metadata from a CSV or Parquet file keyed by relative path.

The metadata file has a `path` column (relative to the folder, POSIX separators) and any of the `frames`
columns: drive_id, camera, ts, domain, split, weather, time_of_day, location, lat, lon. Without it, a
frame's drive is its parent folder and its time the file's modification time (UTC).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Iterator

from connectors.datasets.base import DatasetItem, DatasetLayoutError

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".ppm", ".webp", ".tif", ".tiff"}
METADATA_COLUMNS = ("drive_id", "camera", "ts", "domain", "split", "weather", "time_of_day", "location", "lat", "lon")


def _load_metadata(path: Path) -> dict[str, dict]:
    import pandas as pd

    if not path.exists():
        raise DatasetLayoutError(f"folder: metadata file {path} does not exist")
    if path.suffix.lower() == ".parquet":
        table = pd.read_parquet(path)
    elif path.suffix.lower() == ".csv":
        table = pd.read_csv(path)
    else:
        raise DatasetLayoutError(f"folder: metadata must be .csv or .parquet, got {path.name}")
    if "path" not in table.columns:
        raise DatasetLayoutError(
            f"folder: metadata {path} has no 'path' column (relative image path); columns: {list(table.columns)}"
        )
    unknown = [c for c in table.columns if c != "path" and c not in METADATA_COLUMNS]
    if unknown:
        raise DatasetLayoutError(f"folder: metadata columns {unknown} are not frame columns; allowed: {METADATA_COLUMNS}")
    out = {}
    for row in table.to_dict("records"):
        # An empty cell (NaN, None, NaT, <NA>: which one depends on the file type and column dtype) means "not
        # given", so the folder's default applies instead of a NaT timestamp or the text 'None'.
        clean = {k: v for k, v in row.items() if k != "path" and not (pd.api.types.is_scalar(v) and pd.isna(v))}
        if "ts" in clean:
            ts = pd.Timestamp(clean["ts"])
            # Naive times in a metadata file are taken as UTC, like everywhere in the lake.
            clean["ts"] = (ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")).to_pydatetime()
        out[str(row["path"]).replace("\\", "/")] = clean
    return out


def read_folder(root: str | Path, source: str = "folder", metadata: str | Path | None = None,
                domain: str = "real") -> Iterator[DatasetItem]:
    """One item per image under `root` (recursively); files listed in the metadata but absent are reported."""
    root = Path(root)
    if not root.is_dir():
        raise DatasetLayoutError(f"folder: {root} is not a directory of images")
    meta = _load_metadata(Path(metadata)) if metadata else {}
    found = {p.relative_to(root).as_posix(): p for p in sorted(root.rglob("*")) if p.suffix.lower() in IMAGE_SUFFIXES}
    if not found and not meta:
        raise DatasetLayoutError(f"folder: no images ({', '.join(sorted(IMAGE_SUFFIXES))}) under {root}")
    for rel in sorted(set(found) | set(meta)):
        path = found.get(rel, root / rel)
        info = meta.get(rel, {})
        ts = info.get("ts")
        if ts is None:
            ts = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc) if path.exists() else dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
        parent = Path(rel).parent.as_posix()
        frame = {
            # The whole relative path, extension included: a.png and a.jpg are two frames, not one id twice.
            "frame_id": f"{source}:{rel}",
            "drive_id": str(info.get("drive_id", parent if parent != "." else "unknown")),
            "camera": info.get("camera"),
            "ts": ts,
            "uri": str(path.resolve()),
            "domain": info.get("domain", domain),
            "source": source,
            "split": info.get("split"),
            "weather": info.get("weather"),
            "time_of_day": info.get("time_of_day"),
            "location": info.get("location"),
            "lat": info.get("lat"),
            "lon": info.get("lon"),
        }
        problem = None if rel in found else "listed in the metadata file but the image file is missing"
        yield DatasetItem(frame=frame, problem=problem)
