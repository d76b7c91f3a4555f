"""`curate train` and `curate score` end to end on a small lake: real Lightning training, real scoring."""

from __future__ import annotations

import json
import math

import pytest
from typer.testing import CliRunner

from curation.cli import app

pytestmark = pytest.mark.integration


def _curate(lake_root, *args: str):
    result = CliRunner().invoke(app, ["--lake", str(lake_root), *args], catch_exceptions=False)
    return result


def _last_json(output: str) -> dict:
    return json.loads(output.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def synthetic_lake(tmp_path_factory):
    """16 synthetic frames in 4 drives, labels free: enough to train and validate on separate drives."""
    root = tmp_path_factory.mktemp("train_score")
    result = _curate(root / "lake", "ingest", "synthetic", str(root / "frames"), "--frames", "16",
                     "--frames-per-drive", "4", "--json")
    assert result.exit_code == 0, result.output
    assert _last_json(result.output)["ingested"] == 16
    return root / "lake"


@pytest.fixture(scope="module")
def trained(synthetic_lake):
    result = _curate(synthetic_lake, "train", "--task", "segmentation", "--arch", "fbnet_tiny", "--members", "2",
                     "--max-steps", "3", "--batch-size", "4", "--json")
    assert result.exit_code == 0, result.output
    return _last_json(result.output)


def test_train_registers_a_model_with_metrics(synthetic_lake, trained):
    from connectors.lake import Lake

    rows = Lake(synthetic_lake).query("SELECT * FROM models").to_pylist()
    assert [r["model_version"] for r in rows] == [trained["model_version"]]
    row = rows[0]
    assert row["members"] == 2 and row["task"] == "segmentation" and row["num_classes"] == 11
    assert row["ignore_index"] == 11 and row["input_size"] == [180, 240]
    label_set = json.loads(row["label_set"])
    # 4 drives, 15% held out -> one whole drive (4 frames) validates, 12 frames train.
    assert label_set["train_frames"] == 12 and label_set["val_frames"] == 4
    assert label_set["per_source"] == {"synthetic": 12}
    metrics = json.loads(row["metrics"])
    assert 0.0 <= metrics["val_miou"] <= 1.0 and 0.0 <= metrics["val_ece"] <= 1.0
    assert metrics["train_steps"] == 3
    assert trained["metrics"]["val_miou"] == pytest.approx(metrics["val_miou"])


def test_score_writes_every_column_once(synthetic_lake, trained):
    from connectors.lake import Lake

    result = _curate(synthetic_lake, "score", "--model", trained["model_version"], "--batch-size", "5", "--json")
    assert result.exit_code == 0, result.output
    assert _last_json(result.output)["scored"] == 16
    lake = Lake(synthetic_lake)
    rows = lake.query("SELECT * FROM scores").to_pylist()
    assert len(rows) == 16 and len({r["frame_id"] for r in rows}) == 16
    for row in rows:
        for column in ("entropy", "expected_entropy", "mutual_information", "variation_ratio", "margin",
                       "least_confidence", "confidence"):
            assert row[column] is not None and not math.isnan(row[column]), column
        assert row["mutual_information"] >= 0 and row["entropy"] <= math.log(11) + 1e-4
        assert len(row["class_fractions"]) == 11 and sum(row["class_fractions"]) == pytest.approx(1.0, abs=1e-4)
        assert len(row["embedding"]) == len(rows[0]["embedding"]) > 0
    again = _curate(synthetic_lake, "score", "--model", trained["model_version"], "--json")
    assert _last_json(again.output)["scored"] == 0
    assert lake.count("scores") == 16


def test_score_quarantines_an_unreadable_frame_and_goes_on(tmp_path):
    lake_root = tmp_path / "lake"
    assert _curate(lake_root, "ingest", "synthetic", str(tmp_path / "frames"), "--frames", "8",
                   "--frames-per-drive", "4").exit_code == 0
    trained = _last_json(_curate(lake_root, "train", "--task", "segmentation", "--arch", "fbnet_tiny",
                                 "--members", "1", "--max-steps", "1", "--batch-size", "4", "--json").output)
    from connectors.lake import Lake

    lake = Lake(lake_root)
    victim = lake.query("SELECT uri FROM frames ORDER BY frame_id LIMIT 1").column("uri")[0].as_py()
    with open(victim, "r+b") as fh:  # truncate the PNG after ingest, as a failing disk would
        fh.truncate(100)
    result = _curate(lake_root, "score", "--model", trained["model_version"], "--json")
    assert result.exit_code == 0, result.output
    summary = _last_json(result.output)
    assert summary["scored"] == 7 and summary["quarantined"] == 1
    reasons = lake.query("SELECT uri, stage, reason FROM quarantine").to_pylist()
    assert reasons == [{"uri": victim, "stage": "score", "reason": reasons[0]["reason"]}]
    assert "truncated" in reasons[0]["reason"] or "corrupt" in reasons[0]["reason"]


def test_training_resumes_from_its_checkpoint(tmp_path):
    from connectors.lake import Lake
    from curation.jobs.train import TrainConfig, train

    lake = Lake(tmp_path / "lake")
    assert _curate(lake.root, "ingest", "synthetic", str(tmp_path / "frames"), "--frames", "8",
                   "--frames-per-drive", "4").exit_code == 0
    first = train(lake, TrainConfig(task="segmentation", arch="fbnet_tiny", members=2, max_steps=2, batch_size=4),
                  progress_bar=False)
    assert first["metrics"]["train_steps"] == 2
    run_dir = lake.root / "checkpoints" / first["model_version"]
    assert (run_dir / "lightning" / "last.ckpt").exists()
    # Ask the stopped run for two more steps: it must continue from step 2, not start again.
    config = json.loads((run_dir / "config.json").read_text())
    config["max_steps"] = 4
    (run_dir / "config.json").write_text(json.dumps(config))
    resumed = train(lake, None, resume=first["model_version"], progress_bar=False)
    assert resumed["model_version"] == first["model_version"]
    assert resumed["metrics"]["train_steps"] == 4
    assert lake.count("models") == 1


def test_train_without_labels_is_a_clear_error(tmp_path):
    result = _curate(tmp_path / "lake", "train", "--task", "segmentation", "--arch", "fbnet_tiny", "--max-steps", "1")
    assert result.exit_code == 2
    assert "no segmentation labels to train on" in result.output and "curate oracle" in result.output


def test_classification_on_real_gtsrb(tmp_path, gtsrb_zip):
    lake_root = tmp_path / "lake"
    assert _curate(lake_root, "ingest", "gtsrb", str(gtsrb_zip)).exit_code == 0
    assert _curate(lake_root, "oracle", "--where", "f.drive_id LIKE 'gtsrb-0000%'").exit_code == 0
    result = _curate(lake_root, "train", "--task", "classification", "--arch", "cls_tiny", "--members", "2",
                     "--max-steps", "3", "--batch-size", "32", "--json")
    assert result.exit_code == 0, result.output
    version = _last_json(result.output)["model_version"]
    scored = _curate(lake_root, "score", "--model", version, "--where", "f.drive_id LIKE 'gtsrb-00001-0000%'", "--json")
    assert scored.exit_code == 0, scored.output
    n = _last_json(scored.output)["scored"]
    from connectors.lake import Lake

    stats = Lake(lake_root).query(
        "SELECT count(*) AS n, count(*) FILTER (WHERE isnan(mutual_information)) AS nans, "
        "min(len(class_fractions)) AS c FROM scores").to_pylist()[0]
    assert stats == {"n": n, "nans": 0, "c": 43} and n > 0
