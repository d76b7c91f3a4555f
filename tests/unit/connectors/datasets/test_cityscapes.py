"""The Cityscapes reader on a tiny tree built here: names, drives, and labelIds -> 19 train ids."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from connectors.datasets.base import DatasetLayoutError
from connectors.datasets.cityscapes import CLASSES, read_cityscapes, to_train_ids

UTC = dt.timezone.utc


def _png(path: Path, array: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path)


def make_cityscapes(root: Path, frames: list[tuple[str, str, str, str]], label_ids: np.ndarray | None = None) -> Path:
    """frames: (split, city, seq, frame). Images 4x2 RGB; labels (if given) for every frame."""
    for split, city, seq, frame in frames:
        stem = f"{city}_{seq}_{frame}"
        _png(root / "leftImg8bit" / split / city / f"{stem}_leftImg8bit.png", np.zeros((2, 4, 3), np.uint8))
        if label_ids is not None:
            _png(root / "gtFine" / split / city / f"{stem}_gtFine_labelIds.png", label_ids)
    return root


def test_label_ids_map_to_train_ids():
    label_ids = np.array([[7, 8, 26, 33], [0, 6, 255, 24]], np.uint8)
    expected = np.array([[0, 1, 13, 18], [19, 19, 19, 11]], np.uint8)
    np.testing.assert_array_equal(to_train_ids(label_ids), expected)


def test_every_trained_label_id_maps_to_a_distinct_train_id():
    mapped = to_train_ids(np.arange(256, dtype=np.uint8))
    trained = mapped[mapped != CLASSES.ignore_index]
    assert sorted(trained.tolist()) == list(range(19))
    assert CLASSES.num_classes == 19 and CLASSES.ignore_index == 19
    assert CLASSES.names[0] == "road" and CLASSES.names[13] == "car"


def test_items(tmp_path):
    label_ids = np.array([[7, 26, 0, 11], [21, 23, 24, 33]], np.uint8)
    root = make_cityscapes(
        tmp_path / "cs",
        [("train", "aachen", "000000", "000019"), ("train", "aachen", "000001", "000019"), ("val", "lindau", "000000", "000034")],
        label_ids,
    )
    items = {i.frame["frame_id"]: i for i in read_cityscapes(root)}
    assert set(items) == {"cityscapes:aachen_000000_000019", "cityscapes:aachen_000001_000019", "cityscapes:lindau_000000_000034"}
    item = items["cityscapes:aachen_000000_000019"]
    frame = item.frame
    assert frame["drive_id"] == "aachen_000000" and frame["location"] == "aachen" and frame["split"] == "train"
    assert frame["ts"] == dt.datetime(2015, 1, 1, tzinfo=UTC) + dt.timedelta(seconds=19 / 17)
    assert frame["uri"] == str((root / "leftImg8bit/train/aachen/aachen_000000_000019_leftImg8bit.png").resolve())
    assert item.label_uri == str((root / "gtFine/train/aachen/aachen_000000_000019_gtFine_labelIds.png").resolve())
    assert item.label_map is not None
    np.testing.assert_array_equal(item.label_map(label_ids), [[0, 13, 19, 2], [8, 10, 11, 18]])
    assert items["cityscapes:aachen_000001_000019"].frame["drive_id"] == "aachen_000001"
    assert items["cityscapes:lindau_000000_000034"].frame["split"] == "val"


def test_frames_without_gtfine_have_no_ground_truth(tmp_path):
    root = make_cityscapes(tmp_path / "cs", [("test", "berlin", "000000", "000019")])
    (item,) = list(read_cityscapes(root))
    assert item.label_uri is None and item.label_map is None and item.problem is None


def test_wrong_layout_and_missing_path(tmp_path):
    (tmp_path / "images").mkdir()
    for path in (tmp_path, tmp_path / "nope"):
        with pytest.raises(DatasetLayoutError, match=r"no leftImg8bit/ under .*expected leftImg8bit/<split>/<city>/"):
            list(read_cityscapes(path))
