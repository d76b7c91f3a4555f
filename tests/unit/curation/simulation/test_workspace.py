"""Working lakes: pool/eval checks and a copy of only the frames and ground truth a run needs."""

from __future__ import annotations

import datetime as dt

import pytest

from curation.simulation.workspace import WorkspaceError, create_working_lake, pool_and_eval

NOW = dt.datetime(2024, 5, 1, tzinfo=dt.timezone.utc)


@pytest.fixture
def source(lake):
    frames = [{"frame_id": f"f{i}", "drive_id": f"d{i % 2}", "ts": NOW + dt.timedelta(days=i % 2), "uri": f"/x/{i}.png",
               "width": 4, "height": 3, "domain": "real", "source": "camvid",
               "split": "train" if i < 6 else ("val" if i < 8 else "test"), "ingested_at": NOW} for i in range(10)]
    lake.write("frames", frames)
    # f5 has no ground truth: the oracle could never label it, so it is not in the pool
    lake.write("ground_truth", [{"frame_id": f"f{i}", "label_uri": f"/m/{i}.png", "ingested_at": NOW}
                                for i in range(10) if i != 5])
    lake.write("labels", [{"frame_id": "f0", "source": "human", "label_id": "1", "label_uri": "/m/0.png",
                           "labeled_at": NOW}])
    return lake


def test_pool_and_eval_are_frames_with_ground_truth(source):
    frames = pool_and_eval(source, "segmentation", "split = 'train'", "split = 'val'")
    assert frames.pool == ["f0", "f1", "f2", "f3", "f4"] and frames.eval == ["f6", "f7"]


def test_overlap_empty_or_broken_predicates_are_refused(source):
    with pytest.raises(WorkspaceError, match="both the pool and the evaluation set"):
        pool_and_eval(source, "segmentation", "split = 'train'", "split IN ('train', 'val')")
    with pytest.raises(WorkspaceError, match="pool .* has no frames"):
        pool_and_eval(source, "segmentation", "split = 'nope'", "split = 'val'")
    with pytest.raises(WorkspaceError, match="no frames with classification ground truth"):
        pool_and_eval(source, "classification", "split = 'train'", "split = 'val'")
    with pytest.raises(WorkspaceError, match="cannot be applied"):
        pool_and_eval(source, "segmentation", "no_such_column = 1", "split = 'val'")


def test_working_lake_holds_pool_and_eval_frames_only(source, tmp_path):
    frames = pool_and_eval(source, "segmentation", "split = 'train'", "split = 'val'")
    work = create_working_lake(source, tmp_path / "work", frames)
    assert sorted(work.read("frames").column("frame_id").to_pylist()) == ["f0", "f1", "f2", "f3", "f4", "f6", "f7"]
    assert work.read("ground_truth").num_rows == 7
    assert work.read("labels").num_rows == 0  # the source's labels never leak in
    # dates survive the copy (the partition column is derived again from ts)
    assert {str(d) for d in work.query("SELECT DISTINCT date FROM frames").column("date").to_pylist()} == {"2024-05-01", "2024-05-02"}
    # opening it again keeps what a run added
    work.write("labels", [{"frame_id": "f1", "source": "oracle", "label_id": "g", "label_uri": "/m/1.png", "labeled_at": NOW}])
    again = create_working_lake(source, tmp_path / "work", frames)
    assert again.read("labels").num_rows == 1 and again.read("frames").num_rows == 7
