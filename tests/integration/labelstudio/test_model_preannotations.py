"""Pre-annotations from a trained ensemble (`curation.jobs.predict`), pushed to a real Label Studio."""

from __future__ import annotations

import numpy as np
import pytest

from curation.jobs.labelstudio import push
from curation.jobs.predict import load_predictor
from curation.jobs.score import run_score
from curation.jobs.train import TrainConfig, train
from ls_helpers import server_tasks, write_selection

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def trained_lake(tmp_path_factory):
    from connectors.datasets.registry import CAMVID
    from connectors.datasets.synthetic_source import read_synthetic
    from connectors.lake import Lake
    from curation.jobs.ingest import ingest

    root = tmp_path_factory.mktemp("preannotations")
    lake = Lake(root / "lake")
    ingest(lake, read_synthetic(root / "frames", frames=8, seed=3, frames_per_drive=4), CAMVID)
    result = train(lake, TrainConfig(task="segmentation", arch="fbnet_tiny", members=2, max_steps=2, batch_size=4),
                   progress_bar=False)
    return lake, result["model_version"]


def test_no_model_means_no_predictor(lake):
    assert load_predictor(lake) is None


def test_predictions_are_the_ensemble_mean_at_frame_resolution(trained_lake):
    lake, version = trained_lake
    frames = lake.query("SELECT frame_id, uri, width, height, source FROM frames ORDER BY frame_id LIMIT 3").to_pylist()
    predictions = load_predictor(lake)(frames + [{**frames[0], "source": "gtsrb"}])
    assert predictions[3] is None  # a dataset the model never saw gets no pre-annotation
    for frame, p in zip(frames, predictions[:3]):
        assert p.model_version == version and p.class_id is None
        assert p.mask.shape == (frame["height"], frame["width"]) and p.mask.dtype == np.uint8
        assert p.mask.max() < 11 and 1 / 11 <= p.confidence <= 1.0
    # The same confidence the scoring job records for the frame (same model, same input; bf16 both times).
    run_score(lake, version)
    scored = {r["frame_id"]: r["confidence"] for r in lake.query("SELECT frame_id, confidence FROM scores").to_pylist()}
    for frame, p in zip(frames, predictions[:3]):
        assert p.confidence == pytest.approx(scored[frame["frame_id"]], abs=0.02)


def test_push_sends_model_preannotations(trained_lake, ls_client, hosting, project_title):
    lake, version = trained_lake
    frame_ids = [r["frame_id"] for r in lake.query("SELECT frame_id FROM frames ORDER BY frame_id").to_pylist()]
    write_selection(lake, "sel-model", frame_ids)
    summary = push(lake, ls_client, "sel-model", project_title, hosting=hosting, predictor=load_predictor(lake))
    assert (summary.imported, summary.with_predictions, summary.model_version) == (8, 8, version)
    tasks = server_tasks(ls_client, summary.project_id, with_annotations=True)
    assert len(tasks) == 8
    for task in tasks:
        (prediction,) = task["predictions"]
        assert prediction["model_version"] == version
        assert 0.0 < prediction["score"] <= 1.0
        assert prediction["result"] and all(r["type"] == "brushlabels" for r in prediction["result"])
