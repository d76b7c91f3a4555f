"""The ingest job on tiny generated datasets: frames and ground truth written once, every kind of bad input
quarantined with its reason while the rest goes in, and the oracle copy of ground truth into labels."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from connectors.datasets import camvid, cityscapes, gtsrb
from connectors.datasets.base import ClassList, DatasetItem
from connectors.images import read_label
from connectors.lake import LakeError
from curation.jobs.ingest import copy_ground_truth_to_labels, ingest

UTC = dt.timezone.utc
H, W = 6, 8


def _png_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def _image(seed: int, h: int = H, w: int = W) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, size=(h, w, 3), dtype=np.uint8)


def _mask(h: int = H, w: int = W) -> np.ndarray:
    return (np.arange(h * w) % 12).astype(np.uint8).reshape(h, w)  # classes 0..10 and ignore 11


def make_camvid(root: Path, n_train: int = 4, n_val: int = 2) -> Path:
    for split, n, seq in (("train", n_train, "0001TP"), ("val", n_val, "0016E5")):
        for i in range(n):
            stem = f"{seq}_{i * 30:06d}"
            for folder, data in ((split, _png_bytes(_image(i))), (f"{split}annot", _png_bytes(_mask()))):
                (root / folder).mkdir(parents=True, exist_ok=True)
                (root / folder / f"{stem}.png").write_bytes(data)
    return root


def _run(lake, root: Path, run_id: str = "run-1"):
    return ingest(lake, camvid.read_camvid(root), camvid.CLASSES, run_id=run_id, workers=2, chunk_size=3)


def test_camvid_ingest_writes_frames_and_ground_truth_once(lake, tmp_path):
    root = make_camvid(tmp_path / "camvid")
    summary = _run(lake, root)
    assert (summary.ingested, summary.already_present, summary.quarantined, summary.ground_truth) == (6, 0, 0, 6)
    frames = lake.query("SELECT * FROM frames ORDER BY frame_id").to_pylist()
    assert [f["frame_id"] for f in frames][:2] == ["camvid:0001TP_000000", "camvid:0001TP_000030"]
    assert all((f["width"], f["height"]) == (W, H) for f in frames)
    assert {f["split"] for f in frames} == {"train", "val"}
    assert frames[1]["ts"] == dt.datetime(2008, 1, 1, 0, 0, 1, tzinfo=UTC)
    truth = lake.query("SELECT frame_id, label_uri FROM ground_truth ORDER BY frame_id").to_pylist()
    assert [t["frame_id"] for t in truth] == [f["frame_id"] for f in frames]
    assert truth[0]["label_uri"] == str((root / "trainannot" / "0001TP_000000.png").resolve())

    files_before = sorted(lake.files("frames") + lake.files("ground_truth"))
    again = _run(lake, root, "run-2")
    assert (again.ingested, again.already_present, again.quarantined, again.ground_truth) == (0, 6, 0, 0)
    assert sorted(lake.files("frames") + lake.files("ground_truth")) == files_before, "a re-run must write nothing"
    assert lake.count("frames") == 6 and lake.count("ground_truth") == 6


def _break_camvid(root: Path) -> dict[str, str]:
    """Break one frame in each way; returns frame_id -> a phrase its quarantine reason must contain."""
    train, annot = root / "train", root / "trainannot"
    data = _png_bytes(_image(100, 60, 80))
    (train / "0001TP_000000.png").write_bytes(data[: len(data) // 2])  # a real PNG cut in half
    (train / "0001TP_000030.png").write_bytes(b"GIF? no: garbage bytes " * 20)
    (train / "0001TP_000060.png").write_bytes(b"")
    (annot / "0001TP_000090.png").write_bytes(_png_bytes(_mask(H + 1, W)))  # label of another size
    bad_values = _mask()
    bad_values[0, 0] = 42
    (annot / "0001TP_000120.png").write_bytes(_png_bytes(bad_values))
    (annot / "0001TP_000150.png").unlink()
    truncated_label = _png_bytes(np.random.default_rng(1).integers(0, 11, (60, 80), dtype=np.uint8))
    (annot / "0001TP_000180.png").write_bytes(truncated_label[: len(truncated_label) // 2])
    (root / "train.txt").write_text(
        "".join(f"train/{p.name} trainannot/{p.name}\n" for p in sorted(train.iterdir()))
        + "train/0001TP_009990.png trainannot/0001TP_009990.png\n"
    )
    return {
        "camvid:0001TP_000000": "truncated",
        "camvid:0001TP_000030": "not a recognised image format",
        "camvid:0001TP_000060": "empty file",
        "camvid:0001TP_000090": f"label map size {W}x{H + 1} differs from image size {W}x{H}",
        "camvid:0001TP_000120": "label values [42] outside the class list (0..10, ignore 11)",
        "camvid:0001TP_000150": "label map missing",
        "camvid:0001TP_000180": "truncated",
        "camvid:0001TP_009990": "listed in train.txt but the image file is missing",
    }


def test_each_kind_of_bad_input_is_quarantined_and_the_rest_ingested(lake, tmp_path):
    root = make_camvid(tmp_path / "camvid", n_train=10, n_val=2)
    broken = _break_camvid(root)
    summary = _run(lake, root)
    assert summary.quarantined == len(broken) == 8
    assert summary.ingested == 12 - 7  # 7 of the 12 files on disk are broken; the 8th bad one is not on disk
    assert summary.already_present == 0
    assert lake.count("frames") == 5 and lake.count("ground_truth") == 5
    assert not set(broken) & {k[0] for k in lake.keys("frames")}
    assert not set(broken) & {k[0] for k in lake.keys("ground_truth")}

    rows = {r["frame_id"]: r for r in lake.read("quarantine").to_pylist()}
    assert set(rows) == set(broken)
    for frame_id, phrase in broken.items():
        row = rows[frame_id]
        assert phrase in row["reason"], f"{frame_id}: {row['reason']!r} lacks {phrase!r}"
        assert row["stage"] == "ingest" and row["source"] == "camvid" and row["run_id"] == "run-1"
        assert row["uri"].endswith(frame_id.split(":")[1] + ".png")
    assert summary.reasons == {"truncated": 2, "not a recognised": 1, "empty": 1, "size": 1, "values": 1, "missing": 2}


def test_reason_buckets_do_not_depend_on_folder_names(lake, tmp_path):
    # A dataset kept under a folder whose name contains 'missing' or 'truncated' is not thereby missing.
    root = make_camvid(tmp_path / "missing_truncated_corrupt" / "camvid", n_train=2, n_val=0)
    bad = _mask()
    bad[0, 0] = 42
    (root / "trainannot" / "0001TP_000000.png").write_bytes(_png_bytes(bad))
    summary = _run(lake, root)
    assert summary.quarantined == 1
    assert dict(summary.reasons) == {"values": 1}


def test_a_fixed_file_leaves_quarantine(lake, tmp_path):
    root = make_camvid(tmp_path / "camvid", n_train=2, n_val=0)
    good = (root / "train" / "0001TP_000000.png").read_bytes()
    (root / "train" / "0001TP_000000.png").write_bytes(b"")
    first = _run(lake, root)
    assert (first.ingested, first.quarantined) == (1, 1)
    (root / "train" / "0001TP_000000.png").write_bytes(good)
    second = _run(lake, root, "run-2")
    assert (second.ingested, second.already_present, second.quarantined) == (1, 1, 0)
    assert lake.count("quarantine") == 0 and lake.count("frames") == 2


def test_quarantine_rerun_keeps_one_row_per_file(lake, tmp_path):
    root = make_camvid(tmp_path / "camvid", n_train=2, n_val=0)
    (root / "train" / "0001TP_000000.png").write_bytes(b"")
    _run(lake, root)
    _run(lake, root, "run-2")
    rows = lake.read("quarantine").to_pylist()
    assert len(rows) == 1 and rows[0]["run_id"] == "run-2"


def _gtsrb_item(frame_id: str, class_id: int, uri: str) -> DatasetItem:
    frame = {"frame_id": frame_id, "drive_id": "t0", "ts": dt.datetime(2011, 1, 1, tzinfo=UTC), "uri": uri,
             "domain": "real", "source": "gtsrb", "split": "train"}
    return DatasetItem(frame=frame, class_id=class_id)


def test_class_id_outside_the_class_list(lake, tmp_path):
    path = tmp_path / "sign.ppm"
    Image.fromarray(_image(0, 4, 4)).save(path)
    items = [_gtsrb_item("gtsrb:a", 14, str(path)), _gtsrb_item("gtsrb:b", 43, str(path)),
             _gtsrb_item("gtsrb:c", -1, str(path))]
    summary = ingest(lake, items, gtsrb.CLASSES, workers=1)
    assert (summary.ingested, summary.quarantined) == (1, 2)
    assert lake.query("SELECT class_id FROM ground_truth").column(0).to_pylist() == [14]
    reasons = sorted(lake.query("SELECT reason FROM quarantine").column(0).to_pylist())
    assert reasons[0].startswith("class id -1 outside the class list 0..42")
    assert summary.reasons == {"class id": 2}


def test_cityscapes_labels_are_mapped_and_stored_under_the_lake(lake, tmp_path):
    root = tmp_path / "cs"
    stem = "aachen_000000_000019"
    image_path = root / "leftImg8bit/train/aachen" / f"{stem}_leftImg8bit.png"
    label_path = root / "gtFine/train/aachen" / f"{stem}_gtFine_labelIds.png"
    for path in (image_path, label_path):
        path.parent.mkdir(parents=True)
    Image.fromarray(_image(0, 2, 3)).save(image_path)
    Image.fromarray(np.array([[7, 26, 0], [33, 24, 8]], np.uint8)).save(label_path)
    summary = ingest(lake, cityscapes.read_cityscapes(root), cityscapes.CLASSES)
    assert (summary.ingested, summary.ground_truth, summary.quarantined) == (1, 1, 0)
    (row,) = lake.read("ground_truth").to_pylist()
    stored = Path(row["label_uri"])
    assert stored.is_relative_to(lake.root / "masks")
    np.testing.assert_array_equal(read_label(str(stored)), [[0, 13, 19], [18, 11, 1]])
    frame = lake.read("frames").to_pylist()[0]
    assert (frame["location"], frame["drive_id"], frame["width"], frame["height"]) == ("aachen", "aachen_000000", 3, 2)


def test_free_labels_for_synthetic_frames(lake, tmp_path):
    image, label = tmp_path / "x.png", tmp_path / "x_label.png"
    Image.fromarray(_image(0)).save(image)
    Image.fromarray(_mask()).save(label)
    frame = {"frame_id": "synthetic:x", "drive_id": "town-1", "ts": dt.datetime(2024, 1, 1, tzinfo=UTC),
             "uri": str(image), "domain": "synthetic", "source": "synthetic"}
    summary = ingest(lake, [DatasetItem(frame=frame, label_uri=str(label), free_label=True)], camvid.CLASSES)
    assert (summary.ingested, summary.labels) == (1, 1)
    (row,) = lake.read("labels").to_pylist()
    assert (row["frame_id"], row["source"], row["label_uri"]) == ("synthetic:x", "synthetic", str(label))


def test_the_same_item_twice_is_already_present(lake, tmp_path):
    path = tmp_path / "a.png"
    Image.fromarray(_image(0)).save(path)
    item = DatasetItem(frame={"frame_id": "folder:a", "drive_id": "d", "ts": dt.datetime(2024, 1, 1, tzinfo=UTC),
                              "uri": str(path), "domain": "real", "source": "folder"})
    summary = ingest(lake, [item, item], ClassList((), None), workers=1)
    assert (summary.ingested, summary.already_present, summary.quarantined) == (1, 1, 0)


@pytest.mark.parametrize("chunk_size", [1, 100])
def test_two_files_with_one_frame_id_are_not_lost_silently(lake, tmp_path, chunk_size):
    # The same file name in train/ and val/ gives one CamVid frame id to two different images.
    root = make_camvid(tmp_path / "camvid", n_train=2, n_val=0)
    (root / "val").mkdir()
    (root / "val" / "0001TP_000030.png").write_bytes((root / "train" / "0001TP_000030.png").read_bytes())
    summary = ingest(lake, camvid.read_camvid(root), camvid.CLASSES, chunk_size=chunk_size)
    assert (summary.ingested, summary.already_present, summary.quarantined) == (2, 0, 1)
    assert summary.reasons == {"duplicate": 1}
    (row,) = lake.read("quarantine").to_pylist()
    assert row["uri"] == str((root / "val" / "0001TP_000030.png").resolve())
    assert row["reason"].startswith("duplicate frame id camvid:0001TP_000030")
    assert lake.query("SELECT split FROM frames WHERE frame_id = 'camvid:0001TP_000030'").column(0).to_pylist() == ["train"]


# ---------------------------------------------------------------- oracle
def test_oracle_copies_ground_truth_of_matching_frames(lake, tmp_path):
    _run(lake, make_camvid(tmp_path / "camvid"))
    counts = copy_ground_truth_to_labels(lake, "split = 'train'", limit=3)
    assert counts == {"matched": 3, "inserted": 3, "already_labeled": 0}
    labels = lake.query("SELECT frame_id, source, label_uri FROM labels ORDER BY frame_id").to_pylist()
    assert [l["frame_id"] for l in labels] == ["camvid:0001TP_000000", "camvid:0001TP_000030", "camvid:0001TP_000060"]
    assert {l["source"] for l in labels} == {"oracle"}
    truth = {r["frame_id"]: r["label_uri"] for r in lake.read("ground_truth").to_pylist()}
    assert all(l["label_uri"] == truth[l["frame_id"]] for l in labels)

    again = copy_ground_truth_to_labels(lake, "split = 'train'")
    assert again == {"matched": 4, "inserted": 1, "already_labeled": 3}
    assert copy_ground_truth_to_labels(lake, "split = 'test'") == {"matched": 0, "inserted": 0, "already_labeled": 0}


@pytest.mark.parametrize("close, reopen", [(")", "("), ("))", "(("), (")))", "((")])
def test_oracle_predicate_cannot_smuggle_a_write(lake, tmp_path, close, reopen):
    _run(lake, make_camvid(tmp_path / "camvid", 1, 0))
    target = tmp_path / "x.csv"
    with pytest.raises(LakeError, match="refused|cannot parse"):
        copy_ground_truth_to_labels(lake, f"true{close}; COPY (SELECT 1) TO '{target}'; SELECT {reopen}1")
    assert not target.exists()


def test_oracle_predicate_may_use_any_frames_column(lake, tmp_path):
    # `ingested_at` is a column of frames and of ground_truth: the predicate is on frames, so it must not be
    # an ambiguous reference.
    _run(lake, make_camvid(tmp_path / "camvid", 2, 1))
    counts = copy_ground_truth_to_labels(lake, "ingested_at IS NOT NULL AND split = 'val'")
    assert counts == {"matched": 1, "inserted": 1, "already_labeled": 0}
