"""Against a real Label Studio: mask -> push as pre-annotation -> annotation -> pull -> the same mask.

Covers the issue's "done when" (20 CamVid frames: 20 tasks with pre-annotations, pushing again adds none,
oracle then pull writes 20 human labels equal to the ground truth, pulling again changes nothing), the
same on synthetic frames and on GTSRB classification, and the rules of pull: re-annotation replaces with
history, cancelled annotations are skipped, several annotations follow the documented rule.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image

from connectors.images import read_label, read_rgb
from connectors.labelstudio import payloads
from connectors.labelstudio.label_config import config_classes
from curation.jobs.labelstudio import answer_open_tasks, pull, push
from ls_helpers import ground_truth_predictor, ingest_camvid, server_tasks, synthetic_frames, write_selection

pytestmark = pytest.mark.integration


def human_labels(lake) -> dict[str, dict]:
    return {r["frame_id"]: r for r in lake.query("SELECT * FROM labels WHERE source = 'human'").to_pylist()}


def test_camvid_20_frames_push_oracle_pull_equals_ground_truth(lake, camvid_root, ls_server, ls_client, hosting,
                                                               project_title):
    frame_ids = ingest_camvid(lake, camvid_root, 20)
    assert len(frame_ids) == 20
    write_selection(lake, "sel-camvid", frame_ids)

    first = push(lake, ls_client, "sel-camvid", project_title, hosting=hosting, predictor=ground_truth_predictor(lake),
                 batch_size=8)
    assert (first.imported, first.with_predictions, first.batches, first.project_created) == (20, 20, 3, True)

    project = ls_client.project(first.project_id)
    assert config_classes(project["label_config"])[1][:3] == ("sky", "building", "pole")
    assert project["model_version"] == "gt-model"  # the editor shows these pre-annotations
    tasks = server_tasks(ls_client, first.project_id, with_annotations=True)
    assert sorted(t["data"]["frame_id"] for t in tasks) == sorted(frame_ids)
    by_frame = {t["data"]["frame_id"]: t for t in tasks}
    truth = {r["frame_id"]: r["label_uri"] for r in lake.read("ground_truth").to_pylist()}
    for rank, frame_id in enumerate(frame_ids):
        (pred,) = by_frame[frame_id]["predictions"]
        assert pred["model_version"] == "gt-model"
        assert pred["score"] == pytest.approx(0.9 - 0.01 * rank)  # confidence: least confident served first
        present = {int(v) for v in np.unique(read_label(truth[frame_id]))} - {11}
        assert len(pred["result"]) == len(present)  # one brush result per class present

    # The editor can load the image: Label Studio serves the staged PNG, pixel for pixel the frame.
    task = by_frame[frame_ids[0]]
    reply = httpx.get(ls_server.url + task["data"]["image"], headers={"Authorization": f"Token {ls_server.token}"})
    assert reply.status_code == 200
    uri = lake.query("SELECT uri FROM frames WHERE frame_id = ?", [frame_ids[0]]).to_pylist()[0]["uri"]
    staged = np.asarray(Image.open(__import__("io").BytesIO(reply.content)).convert("RGB"))
    assert np.array_equal(staged, read_rgb(uri))

    again = push(lake, ls_client, "sel-camvid", project_title, hosting=hosting, predictor=ground_truth_predictor(lake))
    assert (again.imported, again.already_pushed, again.reconciled) == (0, 20, 0)
    assert len(server_tasks(ls_client, first.project_id)) == 20
    assert lake.count("tasks") == 20

    answered = answer_open_tasks(lake, ls_client, project_title)
    assert (answered.open, answered.answered, answered.skipped) == (20, 20, 0)
    assert answer_open_tasks(lake, ls_client, project_title).open == 0  # nothing left to answer

    pulled = pull(lake, ls_client, project_title)
    assert (pulled.annotated, pulled.written, pulled.quarantined) == (20, 20, 0)
    labels = human_labels(lake)
    assert sorted(labels) == sorted(frame_ids)
    for frame_id, row in labels.items():
        assert np.array_equal(read_label(row["label_uri"]), read_label(truth[frame_id])), frame_id
        assert row["annotator"] == "curator@fleet-curation.local"
        assert row["task_id"] == by_frame[frame_id]["id"] and row["annotation_id"] is not None
        assert row["created_at"] is not None and row["updated_at"] is not None

    before = lake.query("SELECT * FROM labels ORDER BY frame_id").to_pylist()
    files_before = sorted(p.name for p in lake.files("labels"))
    rerun = pull(lake, ls_client, project_title)
    assert (rerun.written, rerun.replaced, rerun.unchanged) == (0, 0, 20)
    assert lake.query("SELECT * FROM labels ORDER BY frame_id").to_pylist() == before
    assert sorted(p.name for p in lake.files("labels")) == files_before


def test_synthetic_frames_prediction_accepted_as_annotation_round_trips(lake, tmp_path, ls_client, hosting,
                                                                        project_title):
    masks = synthetic_frames(lake, tmp_path / "synthetic", 6)
    write_selection(lake, "sel-syn", sorted(masks))
    summary = push(lake, ls_client, "sel-syn", project_title, hosting=hosting, predictor=ground_truth_predictor(lake))
    assert summary.with_predictions == 6
    # An annotator who accepts the pre-annotation as it is submits exactly its result.
    for task in server_tasks(ls_client, summary.project_id, with_annotations=True):
        ls_client.create_annotation(task["id"], task["predictions"][0]["result"])
    assert pull(lake, ls_client, project_title).written == 6
    for frame_id, row in human_labels(lake).items():
        assert np.array_equal(read_label(row["label_uri"]), masks[frame_id]), frame_id


def test_push_without_predictor_makes_plain_tasks(lake, tmp_path, ls_client, hosting, project_title):
    masks = synthetic_frames(lake, tmp_path / "synthetic", 3, seed=1)
    write_selection(lake, "sel-plain", sorted(masks))
    summary = push(lake, ls_client, "sel-plain", project_title, hosting=hosting)
    assert (summary.imported, summary.with_predictions, summary.model_version) == (3, 0, None)
    assert all(not t["predictions"] for t in server_tasks(ls_client, summary.project_id, with_annotations=True))


def test_gtsrb_classification_round_trip(lake, gtsrb_zip, ls_client, hosting, project_title):
    from connectors.datasets.gtsrb import CLASSES, read_gtsrb
    from curation.jobs.ingest import ingest

    ingest(lake, itertools.islice(read_gtsrb(gtsrb_zip), 0, 6000, 600), CLASSES)
    frame_ids = [r["frame_id"] for r in lake.query("SELECT frame_id FROM frames ORDER BY frame_id").to_pylist()]
    write_selection(lake, "sel-signs", frame_ids)
    summary = push(lake, ls_client, "sel-signs", project_title, hosting=hosting, predictor=ground_truth_predictor(lake))
    project = ls_client.project(summary.project_id)
    assert config_classes(project["label_config"])[0] == "classification"
    assert summary.imported == len(frame_ids) == 10
    assert answer_open_tasks(lake, ls_client, project_title).answered == 10
    assert pull(lake, ls_client, project_title).written == 10
    truth = {r["frame_id"]: r["class_id"] for r in lake.read("ground_truth").to_pylist()}
    labels = human_labels(lake)
    assert {f: r["class_id"] for f, r in labels.items()} == truth
    assert all(r["label_uri"] is None for r in labels.values())


def test_reannotation_replaces_label_and_keeps_history(lake, tmp_path, ls_client, hosting, project_title):
    from connectors.labelstudio.label_config import SEGMENTATION, ProjectSpec
    from connectors.datasets import camvid_classes

    masks = synthetic_frames(lake, tmp_path / "synthetic", 2, seed=2)
    write_selection(lake, "sel-re", sorted(masks))
    summary = push(lake, ls_client, "sel-re", project_title, hosting=hosting)
    answer_open_tasks(lake, ls_client, project_title)
    assert pull(lake, ls_client, project_title).written == 2
    first = human_labels(lake)

    frame_id = sorted(masks)[0]
    task = next(t for t in server_tasks(ls_client, summary.project_id) if t["data"]["frame_id"] == frame_id)
    spec = ProjectSpec(SEGMENTATION, camvid_classes.CLASS_NAMES, ignore_index=11)
    corrected = np.where(masks[frame_id] == 11, 11, 3).astype(np.uint8)  # "everything labeled is road"
    newer = ls_client.create_annotation(task["id"], payloads.brush_results(corrected, spec))

    result = pull(lake, ls_client, project_title)
    assert (result.written, result.replaced, result.unchanged) == (0, 1, 1)
    labels = human_labels(lake)
    assert len(labels) == 2  # replaced, not added
    row = labels[frame_id]
    assert row["annotation_id"] == newer["id"]
    assert np.array_equal(read_label(row["label_uri"]), corrected)
    history = __import__("json").loads(row["history"])
    assert history[0]["annotation_id"] == first[frame_id]["annotation_id"]
    assert history[0]["why"] == "replaced" and history[0]["label_uri"] == first[frame_id]["label_uri"]
    assert np.array_equal(read_label(history[0]["label_uri"]), masks[frame_id])  # the earlier label is kept
    assert pull(lake, ls_client, project_title).unchanged == 2

    # The earliest-annotation rule picks the oracle's first answer again.
    other = type(lake)(tmp_path / "lake2")
    synthetic_frames(other, tmp_path / "synthetic", 2, seed=2)
    pull(other, ls_client, project_title, rule="earliest")
    assert human_labels(other)[frame_id]["annotation_id"] == first[frame_id]["annotation_id"]


def test_cancelled_annotations_are_skipped(lake, tmp_path, ls_client, hosting, project_title):
    masks = synthetic_frames(lake, tmp_path / "synthetic", 2, seed=3)
    write_selection(lake, "sel-skip", sorted(masks))
    summary = push(lake, ls_client, "sel-skip", project_title, hosting=hosting, predictor=ground_truth_predictor(lake))
    tasks = server_tasks(ls_client, summary.project_id, with_annotations=True)
    ls_client.create_annotation(tasks[0]["id"], [], was_cancelled=True)  # the annotator pressed Skip
    ls_client.create_annotation(tasks[1]["id"], tasks[1]["predictions"][0]["result"])
    result = pull(lake, ls_client, project_title)
    assert result.written == 1
    assert set(human_labels(lake)) == {tasks[1]["data"]["frame_id"]}
    # The oracle still sees the skipped task as open, answers it, and the next pull brings it in.
    assert answer_open_tasks(lake, ls_client, project_title).answered == 1
    assert pull(lake, ls_client, project_title).written == 1
    assert np.array_equal(read_label(human_labels(lake)[tasks[0]["data"]["frame_id"]]["label_uri"]),
                          masks[tasks[0]["data"]["frame_id"]])


def test_staged_file_names_stay_inside_the_project_folder(lake, tmp_path, ls_client, hosting, project_title):
    masks = synthetic_frames(lake, tmp_path / "synthetic", 1, seed=4)
    write_selection(lake, "sel-files", sorted(masks))
    summary = push(lake, ls_client, "sel-files", project_title, hosting=hosting)
    staged = list((Path(hosting.document_root) / f"project-{summary.project_id}").glob("*.png"))
    assert len(staged) == 1 and staged[0].name.startswith("synthetic_it-4-000-")


def test_a_newer_model_becomes_the_projects_model_version(lake, tmp_path, ls_client, hosting, project_title):
    masks = synthetic_frames(lake, tmp_path / "synthetic", 4, seed=5)
    ids = sorted(masks)
    write_selection(lake, "sel-m1", ids[:2])
    write_selection(lake, "sel-m2", ids)
    first = push(lake, ls_client, "sel-m1", project_title, hosting=hosting, predictor=ground_truth_predictor(lake, "m1"))
    assert ls_client.project(first.project_id)["model_version"] == "m1"
    second = push(lake, ls_client, "sel-m2", project_title, hosting=hosting, predictor=ground_truth_predictor(lake, "m2"))
    assert (second.already_pushed, second.imported, second.model_version) == (2, 2, "m2")
    assert ls_client.project(first.project_id)["model_version"] == "m2"
    versions = {r["frame_id"]: r["model_version"] for r in lake.read("tasks").to_pylist()}
    assert versions == {ids[0]: "m1", ids[1]: "m1", ids[2]: "m2", ids[3]: "m2"}
