"""The commands as a user runs them: `curate push/pull`, `curate labelstudio up|status|down|oracle`, with the
server from the environment or the lake's own local server; exit codes, messages, and the token kept out
of every output and of the lake."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import numpy as np
import pytest

from connectors.images import read_label
from connectors.labelstudio import server
from connectors.lake import Lake
from curation.cli import main
from ls_helpers import ingest_camvid, synthetic_frames, write_selection

pytestmark = pytest.mark.integration


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        main(list(argv))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def last_json(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


def files_containing(root: Path, secret: str) -> list[Path]:
    hits = []
    for path in root.rglob("*"):
        if path.is_file() and secret.encode() in path.read_bytes():
            hits.append(path)
    return hits


@pytest.fixture
def env_server(monkeypatch, ls_server):
    monkeypatch.setenv("LABEL_STUDIO_URL", ls_server.url)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", ls_server.token)
    monkeypatch.setenv("LABEL_STUDIO_DOCUMENT_ROOT", ls_server.document_root)
    return ls_server


def test_push_oracle_pull_from_the_command_line(tmp_path, capsys, camvid_root, env_server, project_title):
    lake = Lake(tmp_path / "lake")
    frame_ids = ingest_camvid(lake, camvid_root, 5)
    write_selection(lake, "sel-cli", frame_ids)
    args = ("--lake", str(lake.root))

    code, out, err = run_cli(capsys, *args, "push", "--run", "sel-cli", "--project", project_title, "--json")
    assert code == 0, err
    pushed = last_json(out)
    assert (pushed["imported"], pushed["with_predictions"]) == (5, 0)
    assert "without pre-annotations" in err  # no model-based predictor yet: said so
    code, out, _ = run_cli(capsys, *args, "push", "--run", "sel-cli", "--project", project_title, "--json")
    assert code == 0 and (last_json(out)["imported"], last_json(out)["already_pushed"]) == (0, 5)

    code, out, err = run_cli(capsys, *args, "labelstudio", "oracle", "--project", project_title, "--json")
    assert code == 0, err
    assert last_json(out)["answered"] == 5

    code, out, err = run_cli(capsys, *args, "pull", "--json")  # every project this lake pushed to
    assert code == 0, err
    assert last_json(out)["written"] == 5
    truth = {r["frame_id"]: r["label_uri"] for r in lake.read("ground_truth").to_pylist()}
    for row in lake.query("SELECT frame_id, label_uri FROM labels WHERE source = 'human'").to_pylist():
        assert np.array_equal(read_label(row["label_uri"]), read_label(truth[row["frame_id"]]))
    runs = lake.query("SELECT kind, status, config FROM runs WHERE kind IN ('push', 'pull') ORDER BY started_at").to_pylist()
    assert [(r["kind"], r["status"]) for r in runs] == [("push", "succeeded"), ("push", "succeeded"),
                                                         ("pull", "succeeded")]
    assert files_containing(lake.root, env_server.token) == []  # the token never reaches the lake


def test_push_with_server_down_exits_non_zero_naming_the_url(tmp_path, capsys, monkeypatch):
    lake = Lake(tmp_path / "lake")
    synthetic_frames(lake, tmp_path / "synthetic", 1)
    write_selection(lake, "sel-x", [r["frame_id"] for r in lake.read("frames").to_pylist()])
    url = f"http://127.0.0.1:{server.free_port()}"
    monkeypatch.setenv("LABEL_STUDIO_URL", url)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", "not-used")
    code, out, err = run_cli(capsys, "--lake", str(lake.root), "push", "--run", "sel-x")
    assert code == 3
    assert f"Label Studio at {url} is not reachable" in " ".join(err.split())
    assert lake.count("tasks") == 0


def test_wrong_token_exits_non_zero_and_is_never_echoed(tmp_path, capsys, monkeypatch, ls_server):
    lake = Lake(tmp_path / "lake")
    wrong = "0" * 40
    monkeypatch.setenv("LABEL_STUDIO_URL", ls_server.url)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", wrong)
    code, out, err = run_cli(capsys, "--lake", str(lake.root), "pull")
    assert code == 3
    assert "refused the API token" in " ".join(err.split())
    assert wrong not in out + err


def test_missing_configuration_says_how_to_get_a_server(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("LABEL_STUDIO_URL", raising=False)
    monkeypatch.delenv("LABEL_STUDIO_API_KEY", raising=False)
    code, _, err = run_cli(capsys, "--lake", str(tmp_path / "lake"), "pull")
    assert code == 2 and "curate labelstudio up" in " ".join(err.split())


def test_up_status_down_for_a_lake(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("LABEL_STUDIO_URL", raising=False)
    monkeypatch.delenv("LABEL_STUDIO_API_KEY", raising=False)
    lake_root = tmp_path / "lake"
    port = server.free_port()
    code, out, err = run_cli(capsys, "--lake", str(lake_root), "labelstudio", "up", "--port", str(port), "--json")
    state_path = lake_root / "labelstudio" / "server.json"
    state = server.load_state(state_path)
    try:
        assert code == 0, err
        up = last_json(out)
        assert up["url"] == f"http://127.0.0.1:{port}" and not up["already_running"]
        flat = " ".join(err.split())
        assert f"is up at http://127.0.0.1:{port}" in flat and "log in with" in flat
        assert state.credentials.password in flat  # how to log in
        assert state.token not in out + err  # never the token
        assert stat.S_IMODE(os.stat(state_path).st_mode) == 0o600
        assert Path(state.data_dir) == (lake_root / "labelstudio" / "data").resolve()

        code, out, _ = run_cli(capsys, "--lake", str(lake_root), "labelstudio", "up", "--json")
        assert code == 0 and last_json(out)["already_running"]
        code, out, _ = run_cli(capsys, "--lake", str(lake_root), "labelstudio", "status", "--json")
        status = last_json(out)
        assert status["local_server"]["running"] and status["token_accepted"] and status["from"] == "local server"
        assert state.token not in out
    finally:
        code, out, _ = run_cli(capsys, "--lake", str(lake_root), "labelstudio", "down")
    assert code == 0 and "stopped" in out
    assert not server.is_running(state)
    code, out, _ = run_cli(capsys, "--lake", str(lake_root), "labelstudio", "status", "--json")
    assert last_json(out)["local_server"]["running"] is False
