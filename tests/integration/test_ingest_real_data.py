"""Ingest of the real CamVid and GTSRB copies in ../shared/data (skipped with a reason where absent)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from connectors.datasets import camvid, gtsrb
from connectors.lake import Lake
from curation.jobs.ingest import ingest

pytestmark = pytest.mark.integration
UTC = dt.timezone.utc


@pytest.fixture(scope="module")
def camvid_lake(camvid_root, tmp_path_factory):
    lake = Lake(tmp_path_factory.mktemp("camvid") / "lake")
    summary = ingest(lake, camvid.read_camvid(camvid_root), camvid.CLASSES, run_id="first")
    return lake, summary


def test_camvid_counts(camvid_lake):
    lake, summary = camvid_lake
    assert (summary.ingested, summary.quarantined, summary.ground_truth) == (468, 0, 468)
    rows = lake.query("SELECT split, count(*) AS n FROM frames GROUP BY split").to_pylist()
    splits = {r["split"]: r["n"] for r in rows}
    assert splits == {"train": 367, "val": 101}
    assert lake.count("ground_truth") == 468


def test_camvid_drives_conditions_and_sizes(camvid_lake):
    lake, _ = camvid_lake
    drives = lake.query(
        "SELECT drive_id, split, any_value(time_of_day) AS tod, count(DISTINCT time_of_day) AS n_tod, count(*) AS n "
        "FROM frames GROUP BY drive_id, split ORDER BY drive_id, split"
    ).to_pylist()
    assert [(d["drive_id"], d["split"], d["n"], d["tod"]) for d in drives] == [
        ("0001TP", "train", 62, "dusk"),
        ("0006R0", "train", 101, "day"),
        ("0016E5", "train", 204, "day"),
        ("0016E5", "val", 101, "day"),
    ]
    assert all(d["n_tod"] == 1 for d in drives)
    sizes = lake.query("SELECT DISTINCT width, height, domain, source FROM frames").to_pylist()
    assert sizes == [{"width": 240, "height": 180, "domain": "real", "source": "camvid"}]


def test_camvid_ts_is_frame_number_over_30_fps(camvid_lake):
    lake, _ = camvid_lake
    rows = lake.query(
        "SELECT frame_id, ts FROM frames WHERE frame_id IN ('camvid:0001TP_006690', 'camvid:0006R0_f00930', "
        "'camvid:0016E5_07959') ORDER BY frame_id"
    ).to_pylist()
    start = dt.datetime(2008, 1, 1, tzinfo=UTC)
    assert [(r["frame_id"], r["ts"]) for r in rows] == [
        ("camvid:0001TP_006690", start + dt.timedelta(seconds=6690 / 30)),
        ("camvid:0006R0_f00930", start + dt.timedelta(seconds=930 / 30)),
        ("camvid:0016E5_07959", start + dt.timedelta(seconds=7959 / 30)),
    ]
    assert lake.query("SELECT DISTINCT date FROM frames").column(0).to_pylist() == [dt.date(2008, 1, 1)]


def test_camvid_ground_truth_points_at_the_label_maps(camvid_lake, camvid_root):
    lake, _ = camvid_lake
    row = lake.query("SELECT label_uri FROM ground_truth WHERE frame_id = 'camvid:0016E5_07959'").to_pylist()[0]
    assert row["label_uri"] == str((camvid_root / "valannot" / "0016E5_07959.png").resolve())


def test_camvid_second_ingest_changes_nothing(camvid_lake, camvid_root):
    lake, _ = camvid_lake
    files = sorted(lake.files("frames") + lake.files("ground_truth"))
    before = lake.query("SELECT * FROM frames ORDER BY frame_id")
    again = ingest(lake, camvid.read_camvid(camvid_root), camvid.CLASSES, run_id="second")
    assert (again.ingested, again.already_present, again.quarantined, again.ground_truth) == (0, 468, 0, 0)
    assert sorted(lake.files("frames") + lake.files("ground_truth")) == files
    assert lake.query("SELECT * FROM frames ORDER BY frame_id").equals(before)


def test_broken_copies_of_real_camvid_files_are_quarantined(camvid_root, tmp_path):
    """A few real frames copied, then broken the ways a disk or a copy breaks them."""
    root = tmp_path / "camvid"
    stems = sorted(p.stem for p in (camvid_root / "train").glob("0006R0_*.png"))[:6]
    for folder in ("train", "trainannot"):
        (root / folder).mkdir(parents=True)
        for stem in stems:
            shutil.copy(camvid_root / folder / f"{stem}.png", root / folder / f"{stem}.png")
    image = root / "train" / f"{stems[0]}.png"
    image.write_bytes(image.read_bytes()[: image.stat().st_size // 2])
    (root / "train" / f"{stems[1]}.png").write_bytes(b"")
    label = np.array(Image.open(root / "trainannot" / f"{stems[2]}.png"))
    label[90, 120] = 42
    Image.fromarray(label).save(root / "trainannot" / f"{stems[2]}.png")
    Image.fromarray(label[:-1]).save(root / "trainannot" / f"{stems[3]}.png")
    (root / "train.txt").write_text("".join(f"train/{s}.png trainannot/{s}.png\n" for s in stems + ["0006R0_f99999"]))

    lake = Lake(tmp_path / "lake")
    summary = ingest(lake, camvid.read_camvid(root), camvid.CLASSES)
    assert (summary.ingested, summary.quarantined) == (2, 5)
    assert summary.reasons == {"truncated": 1, "empty": 1, "values": 1, "size": 1, "missing": 1}
    reasons = {r["frame_id"]: r["reason"] for r in lake.read("quarantine").to_pylist()}
    assert "truncated" in reasons[f"camvid:{stems[0]}"]
    assert reasons[f"camvid:{stems[1]}"] == "empty file"
    assert "label values [42]" in reasons[f"camvid:{stems[2]}"]
    assert "label map size 240x179 differs from image size 240x180" in reasons[f"camvid:{stems[3]}"]
    assert "missing" in reasons["camvid:0006R0_f99999"]


def test_gtsrb_from_the_real_zip(gtsrb_zip, tmp_path):
    lake = Lake(tmp_path / "lake")
    summary = ingest(lake, gtsrb.read_gtsrb(gtsrb_zip), gtsrb.CLASSES, chunk_size=5000)
    assert (summary.ingested, summary.quarantined, summary.ground_truth) == (39209, 0, 39209)
    stats = lake.query(
        "SELECT count(*) AS frames, count(DISTINCT drive_id) AS tracks, min(width) AS w0, max(width) AS w1 FROM frames"
    ).to_pylist()[0]
    assert stats == {"frames": 39209, "tracks": 1307, "w0": 32, "w1": 32}
    classes = lake.query("SELECT class_id, count(*) AS n FROM ground_truth GROUP BY class_id ORDER BY class_id").to_pylist()
    assert [c["class_id"] for c in classes] == list(range(43))
    assert min(c["n"] for c in classes) == 210 and max(c["n"] for c in classes) == 2250
    # A frame's class is the one of its folder (the official CSVs agree with the folders).
    mismatched = lake.query(
        "SELECT count(*) FROM ground_truth WHERE class_id != CAST(split_part(split_part(frame_id, ':', 2), '/', 1) AS INT)"
    ).column(0)[0].as_py()
    assert mismatched == 0

    again = ingest(lake, gtsrb.read_gtsrb(gtsrb_zip), gtsrb.CLASSES, chunk_size=5000)
    assert (again.ingested, again.already_present, again.quarantined) == (0, 39209, 0)
