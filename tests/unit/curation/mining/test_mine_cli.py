"""`curate mine` through the CLI, without Label Studio: exit codes of what fails before a run starts, the
JSON line, and where the token may come from."""

from __future__ import annotations

import json

import pytest
import yaml
from typer.testing import CliRunner

from curation.cli import app


@pytest.fixture(autouse=True)
def no_label_studio_env(monkeypatch):
    for name in ("LABEL_STUDIO_URL", "LABEL_STUDIO_API_KEY", "LABEL_STUDIO_DOCUMENT_ROOT", "CURATE_TEST_CRASH_AFTER"):
        monkeypatch.delenv(name, raising=False)


def write_config(tmp_path, push_enabled: bool, **labelstudio) -> str:
    data = {
        "source": {"format": "synthetic", "path": str(tmp_path / "frames"),
                   "options": {"frames_per_night": 2, "seed": 1, "first_night": "2026-11-01", "width": 32,
                               "height": 24}},
        "selection": {"budget": 1, "strategies": [{"strategy": "random"}]},
        "push": {"enabled": push_enabled},
    }
    if labelstudio:
        data["labelstudio"] = labelstudio
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(data))
    return str(path)


def mine(tmp_path, *args, env=None):
    return CliRunner().invoke(app, ["--lake", str(tmp_path / "lake"), "mine", *args], env=env, catch_exceptions=False)


def test_a_night_without_push_prints_the_summary_and_one_json_line(tmp_path):
    result = mine(tmp_path, "--config", write_config(tmp_path, False), "--date", "2026-11-02", "--json")
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    payload = json.loads(lines[-1])
    assert payload["run_id"] == "mine-2026-11-02" and payload["status"] == "succeeded"
    assert payload["stages"]["ingest"]["ingested"] == 2 and payload["stages"]["push"]["status"] == "skipped"
    assert lines[-2].startswith("curate mine 2026-11-02: run mine-2026-11-02 succeeded")


@pytest.mark.parametrize("args, message", [
    (["--date", "23/11/2026"], "is not a date"),
    (["--date", "2026-10-01"], "before source.options.first_night"),
])
def test_bad_dates_exit_2(tmp_path, args, message):
    result = mine(tmp_path, "--config", write_config(tmp_path, False), *args, "--json")
    assert result.exit_code == 2
    assert message in json.loads(result.stdout.strip().splitlines()[-1])["error"]


def test_a_bad_config_exits_2_before_the_lake_is_touched(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("source: {format: tape, path: /x}\nselection: {budget: 1}\n")
    result = mine(tmp_path, "--config", str(path), "--date", "2026-11-02")
    assert result.exit_code == 2 and "source.format" in result.output
    assert not (tmp_path / "lake").exists()


def test_push_without_any_label_studio_is_a_config_error(tmp_path):
    result = mine(tmp_path, "--config", write_config(tmp_path, True), "--date", "2026-11-02")
    assert result.exit_code == 2 and "no Label Studio is configured" in result.output
    assert not (tmp_path / "lake").exists()


def test_a_url_without_a_token_is_a_config_error_and_the_token_comes_from_the_environment(tmp_path):
    config = write_config(tmp_path, True, url="http://127.0.0.1:9")
    result = mine(tmp_path, "--config", config, "--date", "2026-11-02")
    assert result.exit_code == 2 and "set LABEL_STUDIO_API_KEY" in result.output
    # With a token the run starts; the server at port 9 is down: exit 4 at push, after the other stages.
    down = mine(tmp_path, "--config", config, "--date", "2026-11-02", "--json",
                env={"LABEL_STUDIO_API_KEY": "not-a-real-token"})
    assert down.exit_code == 4, down.output
    payload = json.loads(down.stdout.strip().splitlines()[-1])
    assert payload["stages"]["select"]["status"] == "succeeded" and payload["stages"]["push"]["status"] == "failed"
    assert "not-a-real-token" not in down.output


def test_an_invalid_crash_hook_is_refused(tmp_path):
    result = mine(tmp_path, "--config", write_config(tmp_path, False), "--date", "2026-11-02",
                  env={"CURATE_TEST_CRASH_AFTER": "nowhere"})
    assert result.exit_code == 2 and "CURATE_TEST_CRASH_AFTER" in result.output
