"""The GTSRB reader on a tiny official-layout tree, as a folder and as a zip, built here."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from connectors.datasets.base import DatasetLayoutError
from connectors.datasets.gtsrb import CLASSES, read_gtsrb
from connectors.images import read_rgb

UTC = dt.timezone.utc
HEADER = "Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2;ClassId\n"
# class folder -> files (track_frame); class 00001 has two tracks.
LAYOUT = {"00000": ["00000_00000", "00000_00001"], "00001": ["00000_00000", "00003_00029"]}


def _ppm(seed: int) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.full((4, 4, 3), seed, np.uint8)).save(buffer, format="PPM")
    return buffer.getvalue()


def _members(extra_csv_line: str = "") -> dict[str, bytes]:
    members = {}
    for cls, stems in LAYOUT.items():
        base = f"GTSRB/Final_Training/Images/{cls}"
        csv = HEADER
        for i, stem in enumerate(stems):
            members[f"{base}/{stem}.ppm"] = _ppm(10 * int(cls) + i)
            csv += f"{stem}.ppm;4;4;0;0;3;3;{int(cls)}\n"
        members[f"{base}/GT-{cls}.csv"] = (csv + (extra_csv_line if cls == "00001" else "")).encode()
    return members


def make_folder(root: Path, extra_csv_line: str = "") -> Path:
    for name, data in _members(extra_csv_line).items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root


def make_zip(path: Path, extra_csv_line: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in _members(extra_csv_line).items():
            zf.writestr(name, data)
    return path


def test_folder_items(tmp_path):
    items = {i.frame["frame_id"]: i for i in read_gtsrb(make_folder(tmp_path / "gtsrb"))}
    assert set(items) == {"gtsrb:00000/00000_00000", "gtsrb:00000/00000_00001",
                          "gtsrb:00001/00000_00000", "gtsrb:00001/00003_00029"}
    item = items["gtsrb:00001/00003_00029"]
    assert item.class_id == 1 and item.problem is None and item.label_uri is None
    assert item.frame["drive_id"] == "gtsrb-00001-00003"  # one physical sign (track) of one class
    assert item.frame["ts"] == dt.datetime(2011, 1, 1, tzinfo=UTC) + dt.timedelta(seconds=29 / 30)
    assert item.frame["split"] == "train" and item.frame["source"] == "gtsrb"
    assert Path(item.frame["uri"]).is_file()
    # Track 0 of class 0 and track 0 of class 1 are different signs: different drives.
    assert items["gtsrb:00000/00000_00000"].frame["drive_id"] != items["gtsrb:00001/00000_00000"].frame["drive_id"]


def test_zip_items_are_the_same_frames_as_the_folder(tmp_path):
    from_folder = {i.frame["frame_id"]: i for i in read_gtsrb(make_folder(tmp_path / "folder"))}
    archive = make_zip(tmp_path / "GTSRB_Final_Training_Images.zip")
    from_zip = {i.frame["frame_id"]: i for i in read_gtsrb(archive)}
    assert set(from_zip) == set(from_folder)
    for frame_id, item in from_zip.items():
        assert item.frame["uri"].startswith(f"zip://{archive.resolve()}!GTSRB/Final_Training/Images/")
        assert item.class_id == from_folder[frame_id].class_id
        assert item.frame["drive_id"] == from_folder[frame_id].frame["drive_id"]
        np.testing.assert_array_equal(read_rgb(item.frame["uri"]), read_rgb(from_folder[frame_id].frame["uri"]))


def test_folder_holding_the_zip(tmp_path):
    make_zip(tmp_path / "gtsrb" / "GTSRB_Final_Training_Images.zip")
    assert len(list(read_gtsrb(tmp_path / "gtsrb"))) == 4


@pytest.mark.parametrize("as_zip", [False, True])
def test_file_listed_in_csv_but_missing(tmp_path, as_zip):
    line = "00009_00000.ppm;4;4;0;0;3;3;1\n"
    path = make_zip(tmp_path / "g.zip", line) if as_zip else make_folder(tmp_path / "g", line)
    items = {i.frame["frame_id"]: i for i in read_gtsrb(path)}
    missing = items["gtsrb:00001/00009_00000"]
    assert "GT-00001.csv" in missing.problem and "missing" in missing.problem
    assert sum(i.problem is not None for i in items.values()) == 1


def test_class_folder_without_csv_takes_class_from_folder_name(tmp_path):
    root = make_folder(tmp_path / "g")
    (root / "GTSRB/Final_Training/Images/00001/GT-00001.csv").unlink()
    classes = {i.frame["frame_id"]: i.class_id for i in read_gtsrb(root)}
    assert classes["gtsrb:00001/00003_00029"] == 1 and classes["gtsrb:00000/00000_00000"] == 0


def test_classes():
    assert CLASSES.num_classes == 43 and CLASSES.ignore_index is None
    assert CLASSES.names[14] == "stop"


def test_path_that_does_not_exist(tmp_path):
    with pytest.raises(DatasetLayoutError, match="does not exist.*Final_Training/Images/000CC"):
        list(read_gtsrb(tmp_path / "nope"))


def test_folder_in_the_wrong_layout(tmp_path):
    (tmp_path / "pictures").mkdir()
    with pytest.raises(DatasetLayoutError, match="neither class folders nor exactly one zip.*GT-000CC.csv"):
        list(read_gtsrb(tmp_path))


def test_file_that_is_not_a_zip(tmp_path):
    path = tmp_path / "GTSRB_Final_Training_Images.zip"
    path.write_bytes(b"not a zip")
    with pytest.raises(DatasetLayoutError, match="not a readable zip"):
        list(read_gtsrb(path))


def test_zip_without_class_folders(tmp_path):
    path = tmp_path / "other.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("readme.txt", "hello")
    with pytest.raises(DatasetLayoutError, match="no Images/000CC/\\*.ppm inside"):
        list(read_gtsrb(path))
