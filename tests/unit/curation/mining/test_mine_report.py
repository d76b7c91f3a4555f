"""The summary paragraph and the `--json` object, from hand-written stage records; and the CLI's test hook."""

from __future__ import annotations

import datetime as dt

import pytest

from curation.mining import MineConfigError
from curation.mining.report import MineReport

T0 = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.timezone.utc)


def full_report(**overrides) -> MineReport:
    stages = {
        "ingest": {"status": "succeeded", "counts": {"ingested": 16, "already_present": 2, "quarantined": 1,
                                                     "quarantine_reasons": {"corrupt": 1}}},
        "score": {"status": "succeeded", "counts": {"scored": 16, "quarantined": 0}, "model_version": "seg-m1"},
        "select": {"status": "succeeded", "counts": {"selected": 4, "candidates": 40, "budget": 4, "reused": False},
                   "selection_run_id": "mine-2026-11-23-select", "strategy": "spec"},
        "push": {"status": "succeeded", "counts": {"imported": 3, "already_pushed": 1, "reconciled": 1,
                                                   "with_predictions": 0},
                 "project_id": 9, "project_title": "fleet-nightly", "url": "http://ls:8080"},
    }
    values = dict(run_id="mine-2026-11-23", night="2026-11-23", status="succeeded", exit_code=0, stages=stages,
                  resolved={"model_version": "seg-m1", "selection_run_id": "mine-2026-11-23-select"},
                  started_at=T0, ended_at=T0 + dt.timedelta(seconds=42), attempts=1, quarantined=1,
                  source={"format": "synthetic"})
    values.update(overrides)
    return MineReport(**values)


def test_the_summary_tells_each_stage_in_one_paragraph():
    text = full_report().summary()
    assert "\n" not in text
    assert text.startswith("curate mine 2026-11-23: run mine-2026-11-23 succeeded in 42 s. ")
    assert "Ingested 16 new frames from synthetic (2 already in the lake, 1 quarantined)" in text
    assert "scored 16 frames with model seg-m1" in text
    assert "selected 4 of 40 candidates (selection run mine-2026-11-23-select)" in text
    assert "pushed 3 new tasks to Label Studio project 'fleet-nightly' (id 9) at http://ls:8080" in text
    assert "1 were already there, 1 reconciled from the server" in text
    assert "1 inputs were quarantined by this run." in text
    assert "WHERE run_id = 'mine-2026-11-23-select' ORDER BY rank" in text
    assert "FROM quarantine WHERE run_id IN ('mine-2026-11-23', 'mine-2026-11-23-select')" in text


def test_the_summary_of_a_failed_resumable_run_says_how_to_resume():
    report = full_report(status="failed", exit_code=4, attempts=2, error="Label Studio at http://ls:8080 is not reachable",
                         quarantined=0)
    report.stages["push"] = {"status": "failed", "error": "down"}
    text = report.summary()
    assert "run mine-2026-11-23 failed after 2 attempts" in text
    assert "push failed." in text
    assert "It stopped with: Label Studio at http://ls:8080 is not reachable." in text
    assert "start `curate mine` again with --date 2026-11-23" in text
    assert "FROM quarantine" not in text and "inputs were quarantined" not in text


def test_a_run_that_never_started_says_nothing_changed():
    report = MineReport("mine-2026-11-23", "2026-11-23", "failed", 2, error="cannot read mine config x.yaml")
    assert report.summary() == ("curate mine 2026-11-23: run mine-2026-11-23 did not start: cannot read mine config "
                                "x.yaml. Nothing was changed (exit code 2).")


def test_json_has_status_and_numeric_counts_per_stage():
    payload = full_report().as_json()
    assert payload["run_id"] == "mine-2026-11-23" and payload["status"] == "succeeded"
    assert payload["stages"]["ingest"] == {"status": "succeeded", "ingested": 16, "already_present": 2, "quarantined": 1}
    assert payload["stages"]["select"]["selected"] == 4 and payload["stages"]["select"]["reused"] is False
    assert payload["model_version"] == "seg-m1" and payload["selection_run_id"] == "mine-2026-11-23-select"
    skipped = full_report(stages={"push": {"status": "skipped", "reason": "push.enabled is false"}}).as_json()
    assert skipped["stages"]["push"] == {"status": "skipped", "reason": "push.enabled is false"}
    assert skipped["stages"]["ingest"] == {"status": "pending"}


def test_crash_hook_fires_only_at_its_point(monkeypatch):
    from curation.cli import mine as cli

    kills = []
    monkeypatch.setattr(cli.os, "kill", lambda pid, sig: kills.append(sig))
    assert cli._crash_hook(None) is None and cli._crash_hook("") is None
    after_score = cli._crash_hook("score")
    after_score("score", "progress", 8)
    after_score("ingest", "committed", 0)
    assert kills == []
    after_score("score", "committed", 0)
    assert kills == [cli.signal.SIGKILL]
    mid_push = cli._crash_hook("push:2")
    mid_push("push", "progress", 1)
    mid_push("push", "committed", 0)
    assert len(kills) == 1
    mid_push("push", "progress", 2)
    assert len(kills) == 2


@pytest.mark.parametrize("value", ["scores", "push:x", "push:", ":3"])
def test_crash_hook_refuses_unknown_points(value):
    from curation.cli import mine as cli

    if value == "push:":
        assert cli._crash_hook(value) is not None  # an empty count means "after the stage"
        return
    with pytest.raises(MineConfigError, match="CURATE_TEST_CRASH_AFTER"):
        cli._crash_hook(value)
