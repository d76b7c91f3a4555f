"""Run bookkeeping: one `runs` row per job, updated as stages finish, failures recorded, secrets removed."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from curation.jobs.runs import Run, code_version, new_run_id, redact


def _row(lake, run_id):
    (row,) = lake.query("SELECT * FROM runs WHERE run_id = ?", [run_id]).to_pylist()
    return row


def test_new_run_id_names_kind_and_utc_time():
    when = dt.datetime(2024, 5, 1, 7, 8, 9, tzinfo=dt.timezone.utc)
    run_id = new_run_id("ingest", when)
    assert re.fullmatch(r"ingest-20240501T070809-[0-9a-f]{6}", run_id)
    assert new_run_id("ingest", when) != run_id


def test_redact_replaces_secret_values_at_any_depth():
    config = {
        "labelstudio": {"url": "http://x", "api_key": "abc", "Token": "t"},
        "members": [{"password": "p", "name": "a"}],
        "secret_empty": "",
        "threshold": 0.5,
    }
    assert redact(config) == {
        "labelstudio": {"url": "http://x", "api_key": "***", "Token": "***"},
        "members": [{"password": "***", "name": "a"}],
        "secret_empty": "",  # nothing to hide: an empty value stays visible so a missing secret is obvious
        "threshold": 0.5,
    }
    assert config["labelstudio"]["api_key"] == "abc", "redact must not change its input"


def test_successful_run_is_recorded(lake):
    with Run(lake, "ingest", {"path": "/data", "token": "s3cr3t"}, run_id="r1") as run:
        assert _row(lake, "r1")["status"] == "running"
        run.counts = {"ingested": 3}
        run.stage_done("ingest", ingested=3)
    row = _row(lake, "r1")
    assert row["kind"] == "ingest" and row["status"] == "succeeded"
    assert row["ended_at"] is not None and row["ended_at"] >= row["started_at"]
    assert json.loads(row["config"]) == {"path": "/data", "token": "***"}
    assert "s3cr3t" not in json.dumps(row, default=str)
    assert json.loads(row["counts"]) == {"ingested": 3}
    assert json.loads(row["stages"])["ingest"]["status"] == "succeeded"
    assert json.loads(row["stages"])["ingest"]["counts"] == {"ingested": 3}
    assert row["code_version"] == code_version()
    assert lake.count("runs") == 1, "updates replace the run's row"


def test_failed_run_is_recorded_and_the_error_re_raised(lake):
    with pytest.raises(ValueError, match="boom"):
        with Run(lake, "train", run_id="r2") as run:
            run.stage_done("load")
            raise ValueError("boom")
    row = _row(lake, "r2")
    assert row["status"] == "failed"
    assert row["error"] == "ValueError: boom"
    assert json.loads(row["stages"]).keys() == {"load"}


def test_a_resumed_run_keeps_its_stages_and_start(lake):
    with pytest.raises(RuntimeError):
        with Run(lake, "mine", run_id="r3") as run:
            run.stage_done("ingest", ingested=5)
            raise RuntimeError("killed")
    started = _row(lake, "r3")["started_at"]
    resumed = Run(lake, "mine", run_id="r3")
    assert resumed.stage_status("ingest") == "succeeded"
    assert resumed.stage_status("score") is None
    assert resumed.started_at == started
    with resumed:
        resumed.stage_done("score")
    row = _row(lake, "r3")
    assert row["status"] == "succeeded" and set(json.loads(row["stages"])) == {"ingest", "score"}


def test_code_version_is_a_commit_or_a_package_version():
    version = code_version()
    assert re.fullmatch(r"[0-9a-f]{12}(\+dirty)?", version) or version.startswith("fleet-curation ") or version == "unknown"
