"""`curate mine` end to end against the real Label Studio of the session fixture, on synthetic frames.

Lives beside `conftest.py` so it shares the session's server. A template lake (8 labeled synthetic frames
and a fbnet_tiny ensemble trained for one step) is copied for each case; night 2026-11-03 renders 8 new
fleet frames, scores all 16, selects 4 and pushes them in 2 batches.

- the reference: one uninterrupted night, then night 2 (new frames, no frame pushed twice);
- resume: `curate mine` in a subprocess SIGKILLed (CURATE_TEST_CRASH_AFTER) after each stage commits and
  in the middle of ingest and of push, then started again with the same --date; row counts of frames,
  ground truth, scores, selections and tasks equal the reference's, no key appears twice, the batch is the
  reference's batch, and the server holds exactly one task per picked frame;
- the lock: with the lock held, a second run exits 3 and leaves every file of the lake untouched;
- Label Studio down: exit 4, the night resumes at push once the server is back.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from connectors.lake import Lake

pytestmark = pytest.mark.integration

NIGHT = "2026-11-03"
SIZE = (120, 90)  # width, height: small frames keep rendering, training and scoring quick
BUDGET, PUSH_BATCH = 4, 2
TABLE_KEYS = {
    "frames": ("frame_id",), "ground_truth": ("frame_id",), "scores": ("frame_id", "model_version"),
    "selections": ("run_id", "frame_id"), "tasks": ("frame_id", "project_id"), "labels": ("frame_id", "source", "label_id"),
}


# ------------------------------------------------------------------------------------------------ helpers
def _threads_env() -> dict[str, str]:
    # The subprocess uses the test process's thread count, so that scores (and thus the batch) computed in
    # either process are the same numbers.
    import torch

    return {"OMP_NUM_THREADS": str(torch.get_num_threads())}


def mine_config(root: Path, project: str, **push) -> Path:
    data = {
        "source": {"format": "synthetic", "path": str(root / "fleet"),
                   "options": {"frames_per_night": 8, "seed": 40, "first_night": "2026-11-01",
                               "frames_per_drive": 4, "width": SIZE[0], "height": SIZE[1]}},
        "ingest": {"workers": 1, "chunk_size": 4},
        "model": {"version": "latest", "on_no_model": "fail"},
        "score": {"batch_size": 16},
        "selection": {"budget": BUDGET, "seed": 3, "strategies": [
            {"strategy": "weight", "input": "mutual_information"},
            {"strategy": "diversity", "input": "embedding", "strength": 0.5},
            {"strategy": "drive_dedup", "max_per_drive": 3},
        ]},
        "push": {"enabled": True, "project": project, "batch_size": PUSH_BATCH, **push},
    }
    path = root / f"mine-{project}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def ls_env(server, url: str | None = None) -> dict[str, str]:
    return {"LABEL_STUDIO_URL": url or server.url, "LABEL_STUDIO_API_KEY": server.token,
            "LABEL_STUDIO_DOCUMENT_ROOT": server.document_root}


def curate_subprocess(lake: Path, config: Path, env: dict[str, str], *extra: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-c", "from curation.cli import main; main()", "--lake", str(lake), "mine",
           "--config", str(config), "--date", NIGHT, "--json", *extra]
    full_env = {**os.environ, **_threads_env(), **env}
    if "CURATE_TEST_CRASH_AFTER" not in env:
        full_env.pop("CURATE_TEST_CRASH_AFTER", None)
    return subprocess.run(cmd, env=full_env, capture_output=True, text=True, timeout=600)


def curate_inprocess(lake: Path, config: Path, env: dict[str, str], date: str = NIGHT):
    from curation.cli import app

    return CliRunner().invoke(app, ["--lake", str(lake), "mine", "--config", str(config), "--date", date, "--json"],
                              env=env, catch_exceptions=False)


def last_json(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


def counts(lake: Lake) -> dict[str, int]:
    return {t: lake.query(f"SELECT count(*) AS n FROM {t}").to_pylist()[0]["n"] for t in TABLE_KEYS}


def duplicates(lake: Lake) -> dict[str, list]:
    found = {}
    for table, key in TABLE_KEYS.items():
        cols = ", ".join(key)
        rows = lake.query(f"SELECT {cols}, count(*) AS n FROM {table} GROUP BY {cols} HAVING count(*) > 1").to_pylist()
        if rows:
            found[table] = rows
    return found


def batch(lake: Lake, night: str = NIGHT) -> list[str]:
    return [r["frame_id"] for r in lake.query(
        "SELECT frame_id FROM selections WHERE run_id = ? ORDER BY rank", [f"mine-{night}-select"]).to_pylist()]


def copy_lake(template: Path, dest: Path) -> Path:
    shutil.copytree(template, dest)
    return dest


def tree(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(root.rglob("*"))
            if p.is_file()}


# ------------------------------------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("mine")


@pytest.fixture(scope="module")
def template(workdir) -> Path:
    """A lake with 8 labeled synthetic frames (another seed than the fleet's) and a tiny trained model."""
    from connectors.datasets.registry import CAMVID
    from connectors.datasets.synthetic_source import read_synthetic
    from curation.jobs.ingest import ingest
    from curation.jobs.train import TrainConfig, train

    lake = Lake(workdir / "template")
    items = read_synthetic(workdir / "train-frames", 8, seed=1, width=SIZE[0], height=SIZE[1], frames_per_drive=4)
    assert ingest(lake, items, CAMVID).ingested == 8
    train(lake, TrainConfig(task="segmentation", arch="fbnet_tiny", members=2, max_steps=1, batch_size=4,
                            precision="32"))
    assert lake.query("SELECT count(*) AS n FROM models").to_pylist()[0]["n"] == 1
    return lake.root


@pytest.fixture(scope="module")
def reference(template, workdir, ls_server):
    """One uninterrupted night: (lake, its row counts, its batch, its project title)."""
    root = copy_lake(template, workdir / "reference")
    project = f"mine-ref-{dt.datetime.now(dt.timezone.utc):%H%M%S%f}"
    result = curate_inprocess(root, mine_config(workdir, project), ls_env(ls_server))
    assert result.exit_code == 0, result.output
    lake = Lake(root)
    return lake, counts(lake), batch(lake), project, last_json(result.stdout)


# ------------------------------------------------------------------------------------------------ tests
def test_one_night_end_to_end(reference, ls_client):
    lake, n, picked, project, payload = reference
    assert payload["status"] == "succeeded" and payload["run_id"] == f"mine-{NIGHT}"
    stages = payload["stages"]
    assert stages["ingest"]["ingested"] == 8 and stages["ingest"]["quarantined"] == 0
    assert stages["score"]["scored"] == 16  # the 8 new fleet frames and the 8 training frames
    assert stages["select"]["selected"] == BUDGET and stages["select"]["candidates"] == 8  # labeled frames excluded
    assert stages["push"]["imported"] == BUDGET and stages["push"]["with_predictions"] == BUDGET
    assert n == {"frames": 16, "ground_truth": 16, "scores": 16, "selections": BUDGET, "tasks": BUDGET, "labels": 8}
    assert duplicates(lake) == {}
    # Picks are tonight's unlabeled fleet frames (seed 40 + 2 nights = 42).
    assert all(f.startswith("synthetic:synth-s42-") for f in picked)
    (project_id,) = {r["project_id"] for r in lake.read("tasks").to_pylist()}
    server = list(ls_client.tasks(project_id))
    assert sorted(t["data"]["frame_id"] for t in server) == sorted(picked)
    row = lake.query("SELECT * FROM runs WHERE run_id = ?", [f"mine-{NIGHT}"]).to_pylist()[0]
    assert (row["kind"], row["status"]) == ("mine", "succeeded") and row["code_version"]
    config = json.loads(row["config"])
    assert config["config"]["push"]["project"] == project and config["resolved"]["model_version"]
    stage_status = {s: v["status"] for s, v in json.loads(row["stages"]).items()}
    assert stage_status == dict.fromkeys(("ingest", "score", "select", "push"), "succeeded")


def test_the_token_is_nowhere_in_the_lake_tables(reference, ls_server):
    lake = reference[0]
    for table in ("runs", "tasks", "selections"):
        assert ls_server.token not in json.dumps(lake.read(table).to_pylist(), default=str)


def test_night_two_brings_new_frames_and_never_pushes_a_frame_twice(reference, workdir, ls_server):
    lake, _, first_batch, project, _ = reference
    result = curate_inprocess(lake.root, mine_config(workdir, project), ls_env(ls_server), date="2026-11-04")
    assert result.exit_code == 0, result.output
    payload = last_json(result.stdout)
    assert payload["stages"]["ingest"]["ingested"] == 8 and payload["stages"]["score"]["scored"] == 8
    second = batch(lake, "2026-11-04")
    assert len(second) == BUDGET and not set(second) & set(first_batch)
    assert lake.query("SELECT count(*) AS n FROM tasks").to_pylist()[0]["n"] == 2 * BUDGET
    assert duplicates(lake) == {}
    # Night 1 again: already done, nothing changes.
    before = counts(lake)
    again = curate_inprocess(lake.root, mine_config(workdir, project), ls_env(ls_server))
    assert again.exit_code == 0 and last_json(again.stdout)["already_done"] is True
    assert counts(lake) == before


@pytest.mark.parametrize("crash", ["ingest:4", "ingest", "score", "select", "push:2", "push"])
def test_killed_at_any_stage_the_same_date_finishes_with_nothing_duplicated_or_lost(
        crash, template, reference, workdir, ls_server, ls_client):
    _, ref_counts, ref_batch, _, _ = reference
    root = copy_lake(template, workdir / f"kill-{crash.replace(':', '-')}")
    project = f"mine-kill-{crash.replace(':', '-')}-{dt.datetime.now(dt.timezone.utc):%H%M%S%f}"
    config = mine_config(workdir, project)

    killed = curate_subprocess(root, config, {**ls_env(ls_server), "CURATE_TEST_CRASH_AFTER": crash})
    assert killed.returncode == -9, killed.stderr[-2000:]
    lake = Lake(root)
    row = lake.query("SELECT status, stages FROM runs WHERE run_id = ?", [f"mine-{NIGHT}"]).to_pylist()[0]
    assert row["status"] == "running"  # what a kill -9 leaves: no chance to record anything
    stage = crash.split(":")[0]
    assert json.loads(row["stages"])[stage]["status"] == ("running" if ":" in crash else "succeeded")
    partial = counts(lake)
    if crash == "ingest:4":
        assert partial["frames"] == 8 + 4  # one chunk of 4 committed, the other not
    if crash == "push:2":
        assert partial["tasks"] == PUSH_BATCH  # the first batch is in the ledger, the second was never sent

    resumed = curate_inprocess(root, config, ls_env(ls_server))
    assert resumed.exit_code == 0, resumed.output
    payload = last_json(resumed.stdout)
    assert payload["status"] == "succeeded" and payload["attempts"] == 2
    assert counts(lake) == ref_counts
    assert duplicates(lake) == {}
    assert batch(lake) == ref_batch  # the batch an uninterrupted run picked
    if stage in ("select", "push"):
        assert payload["stages"]["select"]["status"] == "succeeded"
    stages = json.loads(lake.query("SELECT stages FROM runs WHERE run_id = ?", [f"mine-{NIGHT}"]).to_pylist()[0]["stages"])
    if ":" not in crash:
        assert stages[stage]["attempt"] == 1  # done before the kill, not run again
    (project_id,) = {r["project_id"] for r in lake.read("tasks").to_pylist()}
    on_server = [t["data"]["frame_id"] for t in ls_client.tasks(project_id)]
    assert sorted(on_server) == sorted(ref_batch)  # exactly one task per picked frame


def test_a_second_run_while_the_lock_is_held_exits_3_and_changes_nothing(template, workdir, ls_server):
    from curation.mining import MineLock

    root = copy_lake(template, workdir / "locked")
    config = mine_config(workdir, "mine-locked")
    with MineLock(root, "mine-held-by-test"):
        before = tree(root)
        result = curate_subprocess(root, config, ls_env(ls_server))
        after = tree(root)
    assert result.returncode == 3, result.stderr[-2000:]
    payload = last_json(result.stdout)
    assert payload["status"] == "locked" and payload["holder"]["run_id"] == "mine-held-by-test"
    assert payload["holder"]["pid"] == os.getpid()
    assert "another `curate mine` holds" in result.stderr
    assert after == before


def test_label_studio_down_exits_4_and_the_night_resumes_at_push(template, reference, workdir, ls_server, ls_client):
    _, ref_counts, ref_batch, _, _ = reference
    root = copy_lake(template, workdir / "down")
    project = f"mine-down-{dt.datetime.now(dt.timezone.utc):%H%M%S%f}"
    config = mine_config(workdir, project)
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    down = curate_inprocess(root, config, ls_env(ls_server, url=closed))
    assert down.exit_code == 4, down.output
    payload = last_json(down.stdout)
    assert payload["status"] == "failed" and payload["stages"]["push"]["status"] == "failed"
    assert payload["stages"]["select"]["status"] == "succeeded"
    assert "is not reachable" in payload["error"]
    assert counts(Lake(root))["tasks"] == 0

    back = curate_inprocess(root, config, ls_env(ls_server))
    assert back.exit_code == 0, back.output
    assert last_json(back.stdout)["stages"]["push"]["imported"] == BUDGET
    lake = Lake(root)
    assert counts(lake) == ref_counts and batch(lake) == ref_batch and duplicates(lake) == {}
