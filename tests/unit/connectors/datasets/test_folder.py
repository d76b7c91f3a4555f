"""The image-folder reader: any folder of images, with optional CSV or Parquet metadata keyed by relative path."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from connectors.datasets.base import DatasetLayoutError
from connectors.datasets.folder import read_folder

UTC = dt.timezone.utc


def make_folder(root: Path, names: list[str]) -> Path:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.zeros((2, 3, 3), np.uint8)).save(path)
    return root


def _by_id(items) -> dict:
    return {i.frame["frame_id"]: i for i in items}


def test_without_metadata_drive_is_the_parent_folder_and_ts_the_mtime(tmp_path):
    root = make_folder(tmp_path / "imgs", ["drive7/a.png", "top.jpg"])
    (root / "notes.txt").write_text("not an image")
    os.utime(root / "drive7/a.png", (1_700_000_000, 1_700_000_000))
    items = _by_id(read_folder(root, source="fleet"))
    assert set(items) == {"fleet:drive7/a.png", "fleet:top.jpg"}
    a = items["fleet:drive7/a.png"].frame
    assert a["drive_id"] == "drive7" and a["source"] == "fleet" and a["domain"] == "real"
    assert a["ts"] == dt.datetime.fromtimestamp(1_700_000_000, UTC)
    assert a["uri"] == str((root / "drive7/a.png").resolve())
    assert items["fleet:top.jpg"].frame["drive_id"] == "unknown"


def test_same_stem_with_two_extensions_are_two_frames(tmp_path):
    root = make_folder(tmp_path / "imgs", ["a.png", "a.jpg"])
    ids = [i.frame["frame_id"] for i in read_folder(root)]
    assert len(ids) == len(set(ids)) == 2, f"two files share a frame id: {ids}"


def _metadata() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "path": ["d1/a.png", "d1/b.png", "d2/c.png", "d2/gone.png"],
            "drive_id": ["run-1", "run-1", None, "run-2"],
            "ts": ["2024-05-01 10:00:00", "2024-05-01T10:00:01+02:00", None, "2024-05-02 00:00:00"],
            "weather": ["rain", "rain", None, "snow"],
            "time_of_day": ["night", "night", "day", "day"],
            "lat": [48.1, 48.2, None, 1.0],
            "lon": [11.5, 11.6, None, 2.0],
            "split": ["train", "train", "val", "val"],
        }
    )


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_metadata_fills_frame_columns(tmp_path, suffix):
    root = make_folder(tmp_path / "imgs", ["d1/a.png", "d1/b.png", "d2/c.png"])
    meta = tmp_path / f"meta{suffix}"
    frame = _metadata()
    if suffix == ".csv":
        frame.to_csv(meta, index=False)
    else:
        frame["ts"] = pd.to_datetime(frame["ts"].str.replace("T10:00:01+02:00", " 08:00:01"))  # typed, naive
        frame.to_parquet(meta)
    items = _by_id(read_folder(root, source="fleet", metadata=meta))
    a = items["fleet:d1/a.png"].frame
    assert (a["drive_id"], a["weather"], a["time_of_day"], a["split"]) == ("run-1", "rain", "night", "train")
    assert (a["lat"], a["lon"]) == (48.1, 11.5)
    assert a["ts"] == dt.datetime(2024, 5, 1, 10, tzinfo=UTC)
    assert items["fleet:d1/b.png"].frame["ts"] == dt.datetime(2024, 5, 1, 8, 0, 1, tzinfo=UTC)

    # Empty cells mean "not given": the folder's defaults apply, never the text 'None' or 'nan'.
    c = items["fleet:d2/c.png"].frame
    assert c["drive_id"] == "d2"
    assert c["weather"] is None and c["lat"] is None
    assert isinstance(c["ts"], dt.datetime) and c["ts"].tzinfo is not None and c["ts"] == c["ts"]
    assert c["split"] == "val"

    gone = items["fleet:d2/gone.png"]
    assert gone.problem == "listed in the metadata file but the image file is missing"
    assert sum(i.problem is not None for i in items.values()) == 1


def test_domain_option(tmp_path):
    root = make_folder(tmp_path / "imgs", ["a.png"])
    (item,) = list(read_folder(root, domain="synthetic"))
    assert item.frame["domain"] == "synthetic"


@pytest.mark.parametrize(
    "frame, match",
    [
        (pd.DataFrame({"file": ["a.png"]}), "no 'path' column"),
        (pd.DataFrame({"path": ["a.png"], "colour": ["red"]}), r"\['colour'\] are not frame columns"),
    ],
)
def test_bad_metadata(tmp_path, frame, match):
    root = make_folder(tmp_path / "imgs", ["a.png"])
    frame.to_csv(tmp_path / "m.csv", index=False)
    with pytest.raises(DatasetLayoutError, match=match):
        list(read_folder(root, metadata=tmp_path / "m.csv"))


def test_metadata_file_missing_or_of_another_kind(tmp_path):
    root = make_folder(tmp_path / "imgs", ["a.png"])
    with pytest.raises(DatasetLayoutError, match="does not exist"):
        list(read_folder(root, metadata=tmp_path / "nope.csv"))
    (tmp_path / "m.txt").write_text("path\na.png\n")
    with pytest.raises(DatasetLayoutError, match="must be .csv or .parquet"):
        list(read_folder(root, metadata=tmp_path / "m.txt"))


def test_not_a_folder_and_no_images(tmp_path):
    with pytest.raises(DatasetLayoutError, match="is not a directory of images"):
        list(read_folder(tmp_path / "nope"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatasetLayoutError, match="no images"):
        list(read_folder(tmp_path / "empty"))
