"""The CamVid reader on a tiny SegNet-layout tree built here (the real copy is in tests/integration)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from connectors.datasets.base import DatasetLayoutError
from connectors.datasets.camvid import CLASSES, read_camvid

UTC = dt.timezone.utc


def _png(path: Path, array: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path)


def make_camvid(root: Path, frames: dict[str, list[str]], labels: bool = True) -> Path:
    """frames: split -> file stems. Images 4x3 RGB, labels 4x3 class ids 0..11."""
    for split, stems in frames.items():
        for stem in stems:
            _png(root / split / f"{stem}.png", np.zeros((3, 4, 3), np.uint8))
            if labels:
                _png(root / f"{split}annot" / f"{stem}.png", np.arange(12, dtype=np.uint8).reshape(3, 4))
    return root


def test_items_carry_drive_ts_split_and_conditions(tmp_path):
    root = make_camvid(tmp_path / "camvid", {"train": ["0001TP_006690", "0006R0_f00930"], "val": ["0016E5_07959"]})
    items = {item.frame["frame_id"]: item for item in read_camvid(root)}
    assert set(items) == {"camvid:0001TP_006690", "camvid:0006R0_f00930", "camvid:0016E5_07959"}

    dusk = items["camvid:0001TP_006690"].frame
    assert dusk["drive_id"] == "0001TP"
    assert dusk["split"] == "train"
    assert dusk["time_of_day"] == "dusk"
    assert dusk["ts"] == dt.datetime(2008, 1, 1, tzinfo=UTC) + dt.timedelta(seconds=223)  # 6690 / 30 fps
    assert dusk["uri"] == str((root / "train" / "0001TP_006690.png").resolve())
    assert dusk["domain"] == "real" and dusk["source"] == "camvid"

    day = items["camvid:0006R0_f00930"].frame
    assert day["drive_id"] == "0006R0" and day["time_of_day"] == "day"
    assert day["ts"] == dt.datetime(2008, 1, 1, 0, 0, 31, tzinfo=UTC)  # 'f00930': frame 930 = 31 s

    val = items["camvid:0016E5_07959"]
    assert val.frame["split"] == "val" and val.frame["drive_id"] == "0016E5"
    assert val.label_uri == str((root / "valannot" / "0016E5_07959.png").resolve())
    assert all(item.problem is None for item in items.values())


def test_classes_are_the_eleven_segnet_classes_with_ignore_11():
    assert CLASSES.num_classes == 11 and CLASSES.ignore_index == 11
    assert CLASSES.names[0] == "sky" and CLASSES.names[10] == "bicyclist"


def test_missing_label_map_is_a_problem(tmp_path):
    root = make_camvid(tmp_path / "camvid", {"train": ["0016E5_00001", "0016E5_00002"]})
    (root / "trainannot" / "0016E5_00002.png").unlink()
    problems = {i.frame["frame_id"]: i.problem for i in read_camvid(root)}
    assert problems["camvid:0016E5_00001"] is None
    assert "label map missing" in problems["camvid:0016E5_00002"]


def test_without_annot_folder_frames_have_no_ground_truth(tmp_path):
    root = make_camvid(tmp_path / "camvid", {"train": ["0016E5_00001"]}, labels=False)
    (item,) = list(read_camvid(root))
    assert item.label_uri is None and item.problem is None


def test_file_listed_in_index_but_missing_is_reported(tmp_path):
    root = make_camvid(tmp_path / "camvid", {"train": ["0016E5_00001"]})
    # SegNet's index files carry absolute paths of the machine that made them.
    (root / "train.txt").write_text(
        "/SegNet/CamVid/train/0016E5_00001.png /SegNet/CamVid/trainannot/0016E5_00001.png\n"
        "/SegNet/CamVid/train/0016E5_00099.png /SegNet/CamVid/trainannot/0016E5_00099.png\n"
    )
    items = {i.frame["frame_id"]: i for i in read_camvid(root)}
    assert set(items) == {"camvid:0016E5_00001", "camvid:0016E5_00099"}
    assert items["camvid:0016E5_00001"].problem is None
    assert items["camvid:0016E5_00099"].problem == "listed in train.txt but the image file is missing"
    assert items["camvid:0016E5_00099"].frame["split"] == "train"


def test_non_image_files_are_ignored(tmp_path):
    root = make_camvid(tmp_path / "camvid", {"train": ["0016E5_00001"]})
    (root / "train" / "notes.txt").write_text("x")
    assert [i.frame["frame_id"] for i in read_camvid(root)] == ["camvid:0016E5_00001"]


def test_path_that_does_not_exist(tmp_path):
    with pytest.raises(DatasetLayoutError, match="not a directory.*expected a folder with train/"):
        list(read_camvid(tmp_path / "nope"))


def test_folder_in_the_wrong_layout(tmp_path):
    (tmp_path / "images").mkdir()
    with pytest.raises(DatasetLayoutError, match=r"no train/, val/ or test/ folder.*SegNet layout"):
        list(read_camvid(tmp_path))
