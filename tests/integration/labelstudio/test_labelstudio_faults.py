"""Faults and bad input against the real server: server down, wrong token, a server stopped in the middle
of a push, a lost import reply, 5xx on reads, and annotations that cannot become labels."""

from __future__ import annotations

import json

import numpy as np
import pytest

from connectors.datasets import camvid_classes
from connectors.images import read_label
from connectors.labelstudio import payloads, server
from connectors.labelstudio.client import LabelStudioClient
from connectors.labelstudio.errors import (
    ImportOutcomeUnknown,
    LabelStudioApiError,
    LabelStudioAuthError,
    LabelStudioUnavailable,
)
from connectors.labelstudio.label_config import SEGMENTATION, ProjectSpec
from connectors.labelstudio.retry import RetryPolicy
from connectors.labelstudio.rle import encode_mask
from curation.jobs.labelstudio import ImageHosting, pull, push
from curation.jobs.labelstudio.projects import ensure_project, spec_for_sources
from ls_fault_proxy import FaultProxy
from ls_helpers import ground_truth_predictor, server_tasks, synthetic_frames, write_selection

pytestmark = pytest.mark.integration
FAST = RetryPolicy(attempts=3, base_delay_s=0.05)


def frame_ids_on_server(client, project_id) -> list[str]:
    return sorted(t["data"]["frame_id"] for t in server_tasks(client, project_id))


def test_server_down_is_a_clear_error_and_nothing_is_recorded_as_pushed(lake, tmp_path, hosting, project_title):
    synthetic_frames(lake, tmp_path / "synthetic", 2)
    write_selection(lake, "sel-down", [r["frame_id"] for r in lake.read("frames").to_pylist()])
    url = f"http://127.0.0.1:{server.free_port()}"  # nothing listens there
    client = LabelStudioClient(url, "some-token", retry=FAST)
    with pytest.raises(LabelStudioUnavailable) as err:
        push(lake, client, "sel-down", project_title, hosting=hosting)
    message = str(err.value)
    assert f"Label Studio at {url} is not reachable" in message
    assert "curate labelstudio up" in message and "LABEL_STUDIO_URL" in message
    assert lake.count("tasks") == 0


def test_wrong_token_is_a_clear_error_naming_the_fix(lake, tmp_path, ls_server, hosting, project_title):
    synthetic_frames(lake, tmp_path / "synthetic", 1)
    write_selection(lake, "sel-token", [r["frame_id"] for r in lake.read("frames").to_pylist()])
    wrong = "f" * 40
    client = LabelStudioClient(ls_server.url, wrong, retry=FAST)
    with pytest.raises(LabelStudioAuthError) as err:
        push(lake, client, "sel-token", project_title, hosting=hosting)
    assert "refused the API token" in str(err.value) and "LABEL_STUDIO_API_KEY" in str(err.value)
    assert wrong not in str(err.value) and ls_server.token not in str(err.value)
    assert lake.count("tasks") == 0


def test_server_stopped_mid_push_then_rerun_completes_without_duplicates(lake, tmp_path, private_server,
                                                                         project_title):
    masks = synthetic_frames(lake, tmp_path / "synthetic", 20)
    write_selection(lake, "sel-crash", sorted(masks))
    hosting = ImageHosting(private_server.document_root)
    client = LabelStudioClient(private_server.url, private_server.token, retry=FAST)

    def stop_after_second_batch(done: int, total: int) -> None:
        if done == 10:
            server.stop(private_server)

    with pytest.raises(LabelStudioUnavailable, match="not reachable"):
        push(lake, client, "sel-crash", project_title, hosting=hosting, predictor=ground_truth_predictor(lake),
             batch_size=5, progress=stop_after_second_batch)
    assert lake.count("tasks") == 10  # exactly the batches the server confirmed

    restarted = server.restart(private_server)
    private_server.pid = restarted.pid  # so the fixture stops the restarted process
    client = LabelStudioClient(restarted.url, restarted.token, retry=FAST)
    rerun = push(lake, client, "sel-crash", project_title, hosting=hosting, predictor=ground_truth_predictor(lake),
                 batch_size=5)
    assert (rerun.already_pushed, rerun.reconciled, rerun.imported) == (10, 0, 10)
    assert frame_ids_on_server(client, rerun.project_id) == sorted(masks)  # 20 tasks, each frame once
    assert lake.count("tasks") == 20


def test_lost_import_reply_is_reconciled_not_imported_twice(lake, tmp_path, ls_server, hosting, project_title):
    masks = synthetic_frames(lake, tmp_path / "synthetic", 12)
    write_selection(lake, "sel-lost", sorted(masks))
    direct = LabelStudioClient(ls_server.url, ls_server.token, retry=FAST)
    ref, _ = ensure_project(direct, project_title, spec_for_sources({"synthetic"}))
    with FaultProxy(ls_server.url) as proxy:
        # The first import reaches the server and is committed, but its reply never comes back.
        proxy.add("POST", f"/api/projects/{ref.id}/import", "drop_reply")
        via_proxy = LabelStudioClient(proxy.url, ls_server.token, retry=FAST)
        with pytest.raises(ImportOutcomeUnknown, match="may or may not have been created"):
            push(lake, via_proxy, "sel-lost", project_title, hosting=hosting, batch_size=5)
        assert proxy.count("POST", f"/api/projects/{ref.id}/import") == 1  # sent once, never retried
    assert lake.count("tasks") == 0
    assert len(frame_ids_on_server(direct, ref.id)) == 5  # the server did create them

    rerun = push(lake, direct, "sel-lost", project_title, hosting=hosting, batch_size=5)
    assert (rerun.reconciled, rerun.imported) == (5, 7)
    assert frame_ids_on_server(direct, ref.id) == sorted(masks)
    ledger = lake.query("SELECT frame_id, task_id FROM tasks").to_pylist()
    assert len(ledger) == 12 and len({r["task_id"] for r in ledger}) == 12


def test_5xx_on_reads_is_retried_with_backoff_and_bounded(lake, tmp_path, ls_server, hosting, project_title):
    masks = synthetic_frames(lake, tmp_path / "synthetic", 3)
    write_selection(lake, "sel-5xx", sorted(masks))
    direct = LabelStudioClient(ls_server.url, ls_server.token)
    first = push(lake, direct, "sel-5xx", project_title, hosting=hosting, predictor=ground_truth_predictor(lake))
    for task in server_tasks(direct, first.project_id, with_annotations=True):
        direct.create_annotation(task["id"], task["predictions"][0]["result"])

    slept: list[float] = []
    with FaultProxy(ls_server.url) as proxy:
        client = LabelStudioClient(proxy.url, ls_server.token, retry=RetryPolicy(attempts=4, base_delay_s=0.5),
                                   sleep=slept.append)
        proxy.add("GET", "/api/tasks", ("status", 503), times=2)
        result = pull(lake, client, project_title)
        assert result.written == 3
        assert proxy.count("GET", "/api/tasks") == 3  # two 503s, then the real answer
        assert slept == [0.5, 1.0]

        proxy.add("GET", "/api/tasks", ("status", 502), times=99)
        slept.clear()
        with pytest.raises(LabelStudioApiError, match="answered HTTP 502 while listing the tasks") as err:
            pull(lake, client, project_title)
        assert err.value.status_code == 502
        assert slept == [0.5, 1.0, 2.0]  # bounded: 4 tries, then the error
    labels = lake.query("SELECT frame_id, label_uri FROM labels").to_pylist()
    assert all(np.array_equal(read_label(r["label_uri"]), masks[r["frame_id"]]) for r in labels)


def test_bad_annotations_are_quarantined_and_the_others_pulled(lake, tmp_path, ls_client, hosting, project_title):
    masks = synthetic_frames(lake, tmp_path / "synthetic", 3, size=(8, 12))
    write_selection(lake, "sel-bad", sorted(masks))
    summary = push(lake, ls_client, "sel-bad", project_title, hosting=hosting, predictor=ground_truth_predictor(lake))
    tasks = {t["data"]["frame_id"]: t for t in server_tasks(ls_client, summary.project_id, with_annotations=True)}
    good, unknown_label, wrong_size = sorted(masks)

    ls_client.create_annotation(tasks[good]["id"], tasks[good]["predictions"][0]["result"])
    renamed = json.loads(json.dumps(tasks[unknown_label]["predictions"][0]["result"]))
    renamed[0]["value"]["brushlabels"] = ["lamppost"]
    ls_client.create_annotation(tasks[unknown_label]["id"], renamed)
    small = {"from_name": "label", "to_name": "image", "type": "brushlabels", "original_width": 10,
             "original_height": 10, "value": {"format": "rle", "rle": encode_mask(np.ones((10, 10), bool)),
                                              "brushlabels": ["road"]}}
    ls_client.create_annotation(tasks[wrong_size]["id"], [small])

    result = pull(lake, ls_client, project_title)
    assert (result.written, result.quarantined) == (1, 2)
    assert set(lake.query("SELECT frame_id FROM labels").column("frame_id").to_pylist()) == {good}
    reasons = {r["frame_id"]: r["reason"] for r in
               lake.query("SELECT frame_id, reason FROM quarantine WHERE stage = 'pull'").to_pylist()}
    assert "label 'lamppost' is not in the class list" in reasons[unknown_label]
    assert "wrong size" in reasons[wrong_size]
    uri = lake.query("SELECT uri FROM quarantine WHERE frame_id = ?", [unknown_label]).to_pylist()[0]["uri"]
    assert uri.startswith(f"{ls_client.url}/projects/{summary.project_id}/data?task={tasks[unknown_label]['id']}")

    again = pull(lake, ls_client, project_title)  # re-running changes nothing
    assert again.written == 0 and lake.count("quarantine") == 2 and lake.count("labels") == 1

    # The annotator fixes the frame with a new annotation: latest wins, the frame is pulled.
    spec = ProjectSpec(SEGMENTATION, camvid_classes.CLASS_NAMES, ignore_index=camvid_classes.IGNORE_INDEX)
    ls_client.create_annotation(tasks[unknown_label]["id"], payloads.brush_results(masks[unknown_label], spec))
    assert pull(lake, ls_client, project_title).written == 1
    assert lake.count("labels") == 2


def test_a_bad_pre_annotation_stops_the_push_before_anything_is_imported(lake, tmp_path, ls_client, hosting,
                                                                         project_title):
    from curation.jobs.labelstudio import LabelingJobError, Prediction

    masks = synthetic_frames(lake, tmp_path / "synthetic", 4)
    write_selection(lake, "sel-badpred", sorted(masks))

    def half_resolution(frames):
        return [Prediction(np.zeros((f["height"] // 2, f["width"] // 2), np.uint8), None, 0.5, "m-bad") for f in frames]

    with pytest.raises(LabelingJobError, match="the predictor must return masks at frame resolution"):
        push(lake, ls_client, "sel-badpred", project_title, hosting=hosting, predictor=half_resolution)
    ref = ensure_project(ls_client, project_title, spec_for_sources({"synthetic"}))[0]
    assert server_tasks(ls_client, ref.id) == [] and lake.count("tasks") == 0
