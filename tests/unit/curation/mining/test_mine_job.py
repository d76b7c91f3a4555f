"""`run_mine` in-process on tiny synthetic nights, without a model (the scored path and real kills are in
tests/integration/labelstudio/test_mine.py): stage bookkeeping, resume, the no-model policies, and the
exit codes of known failures."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from connectors.labelstudio.errors import LabelStudioUnavailable
from connectors.lake import Lake
from curation.mining import EXIT_INPUT, EXIT_OK, EXIT_SERVICE, MineConfigError, parse_config, run_mine

NIGHT = dt.date(2026, 11, 3)


def config(tmp_path, **overrides):
    data = {
        "source": {"format": "synthetic", "path": str(tmp_path / "frames"),
                   "options": {"frames_per_night": 4, "seed": 5, "first_night": "2026-11-01", "width": 48,
                               "height": 32, "frames_per_drive": 2}},
        "selection": {"budget": 2, "seed": 1, "strategies": [{"strategy": "weight", "input": "mutual_information"}]},
        "push": {"enabled": False},
    }
    data.update(overrides)
    return parse_config(data)


def row(lake, run_id="mine-2026-11-03"):
    r = lake.query("SELECT * FROM runs WHERE run_id = ?", [run_id]).to_pylist()[0]
    return r, json.loads(r["stages"]), json.loads(r["config"])


class Crash(BaseException):
    """Stands in for a kill in-process (the real SIGKILL tests run the CLI in a subprocess)."""


def crash_after(stage):
    def hook(at, event, done):
        if at == stage and event == "committed":
            raise Crash(stage)
    return hook


def test_first_night_without_a_model_picks_at_random_and_records_every_stage(tmp_path):
    lake = Lake(tmp_path / "lake")
    report = run_mine(lake, config(tmp_path), NIGHT)
    assert (report.status, report.exit_code, report.run_id) == ("succeeded", EXIT_OK, "mine-2026-11-03")
    r, stages, cfg = row(lake)
    assert (r["kind"], r["status"]) == ("mine", "succeeded") and r["code_version"]
    assert {s: v["status"] for s, v in stages.items()} == {
        "ingest": "succeeded", "score": "skipped", "select": "succeeded", "push": "skipped"}
    assert stages["ingest"]["counts"]["ingested"] == 4
    assert stages["ingest"]["source"]["seed"] == 7  # seed 5 + 2 nights after first_night
    assert stages["select"]["strategy"] == "random"
    assert "weight on mutual_information" in stages["select"]["messages"][0]
    assert cfg["night"] == "2026-11-03" and cfg["resolved"]["model_version"] is None
    assert cfg["config"]["selection"]["budget"] == 2
    # Fleet frames come unlabeled (ground truth kept), so they are candidates.
    assert lake.query("SELECT count(*) AS n FROM labels").to_pylist()[0]["n"] == 0
    assert lake.query("SELECT count(*) AS n FROM ground_truth").to_pylist()[0]["n"] == 4
    picked = lake.query("SELECT frame_id FROM selections WHERE run_id = 'mine-2026-11-03-select'").to_pylist()
    assert len(picked) == 2
    assert report.as_json()["stages"]["select"]["selected"] == 2
    assert "Ingested 4 new frames from synthetic" in report.summary()
    assert "selected 2 of 4 candidates at random (no model yet)" in report.summary()


def test_a_night_that_succeeded_is_not_run_again(tmp_path):
    lake = Lake(tmp_path / "lake")
    run_mine(lake, config(tmp_path), NIGHT)
    before = lake.query("SELECT * FROM runs ORDER BY run_id").to_pylist()
    again = run_mine(lake, config(tmp_path), NIGHT)
    assert again.already_done and again.exit_code == EXIT_OK
    assert lake.query("SELECT * FROM runs ORDER BY run_id").to_pylist() == before
    assert "had already succeeded" in again.summary()


def test_the_next_night_brings_new_frames(tmp_path):
    lake = Lake(tmp_path / "lake")
    run_mine(lake, config(tmp_path), NIGHT)
    second = run_mine(lake, config(tmp_path), NIGHT + dt.timedelta(days=1))
    assert second.counts("ingest")["ingested"] == 4
    assert lake.query("SELECT count(*) AS n FROM frames").to_pylist()[0]["n"] == 8
    # Both nights' unpicked frames are candidates (nothing was pushed, so picks stay candidates too).
    assert second.counts("select")["candidates"] == 8


@pytest.mark.parametrize("stage", ["ingest", "select"])
def test_a_run_stopped_after_a_stage_resumes_without_redoing_it(tmp_path, stage):
    lake = Lake(tmp_path / "lake")
    with pytest.raises(Crash):
        run_mine(lake, config(tmp_path), NIGHT, hook=crash_after(stage))
    r, stages, _ = row(lake)
    assert r["status"] == "failed" and stages[stage]["status"] == "succeeded"
    frames_before = lake.query("SELECT frame_id, ingested_at FROM frames ORDER BY 1").to_pylist()
    picks_before = lake.query("SELECT frame_id, rank FROM selections ORDER BY rank").to_pylist()
    report = run_mine(lake, config(tmp_path), NIGHT)
    assert report.status == "succeeded" and report.attempts == 2
    _, stages, _ = row(lake)
    assert stages[stage]["attempt"] == 1  # done by the first attempt, not again
    assert lake.query("SELECT frame_id, ingested_at FROM frames ORDER BY 1").to_pylist() == frames_before
    if stage == "select":
        assert lake.query("SELECT frame_id, rank FROM selections ORDER BY rank").to_pylist() == picks_before


def test_selections_written_by_a_dead_attempt_are_reused_not_redone(tmp_path):
    lake = Lake(tmp_path / "lake")
    with pytest.raises(Crash):
        run_mine(lake, config(tmp_path), NIGHT, hook=crash_after("select"))
    # As if the process died after writing `selections` but before the runs row said so.
    r, stages, cfg = row(lake)
    del stages["select"]
    lake.write("runs", [{**r, "stages": json.dumps(stages)}], mode="upsert")
    picks = lake.query("SELECT frame_id, rank FROM selections ORDER BY rank").to_pylist()
    report = run_mine(lake, config(tmp_path), NIGHT)
    assert report.counts("select")["reused"] is True and report.counts("select")["selected"] == 2
    assert lake.query("SELECT frame_id, rank FROM selections ORDER BY rank").to_pylist() == picks
    assert "reused from an earlier attempt" in report.summary()


def test_resuming_with_another_selection_is_refused_and_changes_nothing(tmp_path):
    lake = Lake(tmp_path / "lake")
    with pytest.raises(Crash):
        run_mine(lake, config(tmp_path), NIGHT, hook=crash_after("ingest"))
    before = lake.query("SELECT * FROM runs").to_pylist()
    other = config(tmp_path, selection={"budget": 3, "strategies": [{"strategy": "random"}]})
    with pytest.raises(MineConfigError, match="another source/model/score/selection config"):
        run_mine(lake, other, NIGHT)
    assert lake.query("SELECT * FROM runs").to_pylist() == before
    with pytest.raises(MineConfigError, match="mines night 2026-11-03"):
        run_mine(lake, config(tmp_path), NIGHT + dt.timedelta(days=1), run_id="mine-2026-11-03")


def test_a_run_id_of_another_job_kind_is_refused(tmp_path):
    lake = Lake(tmp_path / "lake")
    lake.write("runs", [{"run_id": "mine-2026-11-03", "kind": "select", "status": "succeeded",
                         "started_at": dt.datetime.now(dt.timezone.utc)}])
    with pytest.raises(MineConfigError, match="belongs to a 'select' run"):
        run_mine(lake, config(tmp_path), NIGHT)


def test_on_no_model_fail_exits_2_after_ingest(tmp_path):
    lake = Lake(tmp_path / "lake")
    report = run_mine(lake, config(tmp_path, model={"on_no_model": "fail"}), NIGHT)
    assert (report.status, report.exit_code) == ("failed", EXIT_INPUT)
    assert "no model to score with" in report.error
    _, stages, _ = row(lake)
    assert stages["ingest"]["status"] == "succeeded" and stages["score"]["status"] == "failed"
    assert "Fix the config or input" in report.summary()


def test_on_no_model_skip_ingests_only(tmp_path):
    lake = Lake(tmp_path / "lake")
    report = run_mine(lake, config(tmp_path, model={"on_no_model": "skip"}), NIGHT)
    assert report.status == "succeeded"
    assert {s: v["status"] for s, v in report.stages.items()} == {
        "ingest": "succeeded", "score": "skipped", "select": "skipped", "push": "skipped"}
    assert lake.query("SELECT count(*) AS n FROM selections").to_pylist()[0]["n"] == 0


def test_an_unknown_model_version_is_an_input_error(tmp_path):
    lake = Lake(tmp_path / "lake")
    report = run_mine(lake, config(tmp_path, model={"version": "seg-nope"}), NIGHT)
    assert report.exit_code == EXIT_INPUT and "'seg-nope' is not in the lake's models table" in report.error


def test_label_studio_down_exits_4_and_the_run_resumes_at_push(tmp_path):
    lake = Lake(tmp_path / "lake")
    calls = []

    def down(lake_, model_version):
        calls.append(1)
        raise LabelStudioUnavailable("Label Studio at http://127.0.0.1:9 is not reachable (connection refused)",
                                     "http://127.0.0.1:9", "whoami")

    report = run_mine(lake, config(tmp_path, push={"enabled": True}), NIGHT, connect=down)
    assert (report.status, report.exit_code, len(calls)) == ("failed", EXIT_SERVICE, 1)
    assert report.stages["push"]["status"] == "failed" and "not reachable" in report.stages["push"]["error"]
    assert "The run is resumable" in report.summary()
    picks = lake.query("SELECT frame_id FROM selections ORDER BY rank").to_pylist()
    # Push settings are not part of the fingerprint: the operator may turn push off (or fix the URL) and resume.
    resumed = run_mine(lake, config(tmp_path, push={"enabled": False}), NIGHT)
    assert resumed.status == "succeeded" and resumed.stages["push"]["status"] == "skipped"
    assert lake.query("SELECT frame_id FROM selections ORDER BY rank").to_pylist() == picks


def test_a_date_before_first_night_is_an_input_error(tmp_path):
    lake = Lake(tmp_path / "lake")
    report = run_mine(lake, config(tmp_path), dt.date(2026, 10, 1))
    assert report.exit_code == EXIT_INPUT and "before source.options.first_night" in report.error


def test_a_succeeded_night_is_reported_even_when_the_config_changed_since(tmp_path):
    lake = Lake(tmp_path / "lake")
    run_mine(lake, config(tmp_path), NIGHT)
    other = config(tmp_path, selection={"budget": 3, "strategies": [{"strategy": "random"}]})
    report = run_mine(lake, other, NIGHT)
    assert report.already_done and report.exit_code == EXIT_OK and report.counts("select")["selected"] == 2
