"""`curate simulate` end to end on a tiny synthetic lake: 2 strategies x 1 seed x 2 rounds, real training,
scoring, selection and the direct oracle; rows in the source lake, a PNG and an HTML report, resumable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from curation.cli import app

pytestmark = pytest.mark.integration

CONFIG = """
name: tiny
task: segmentation
pool: "drive_id < 'synth-s0-d00005'"
eval: "drive_id = 'synth-s0-d00005'"
seed_labels: 4
budgets: [8]
seeds: 1
train: {arch: fbnet_tiny, members: 2, max_steps: 2, batch_size: 4, size: [45, 60]}
score: {batch_size: 8}
strategies:
  - preset: random
  - preset: dpe_diverse
    train: {members: 2}
"""


def _curate(lake_root, *args: str):
    return CliRunner().invoke(app, ["--lake", str(lake_root), *args], catch_exceptions=False)


def _last_json(output: str) -> dict:
    return json.loads(output.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    root = tmp_path_factory.mktemp("simulate")
    lake = root / "lake"
    # 24 synthetic frames in 6 drives of 4: drives 0-4 are the pool (20 frames), drive 5 the evaluation set.
    result = _curate(lake, "ingest", "synthetic", str(root / "frames"), "--frames", "24", "--frames-per-drive", "4", "--json")
    assert result.exit_code == 0, result.output
    config = root / "sim.yaml"
    config.write_text(CONFIG)
    result = _curate(lake, "simulate", "--config", str(config), "--json")
    assert result.exit_code == 0, result.output
    return lake, config, _last_json(result.output)


def test_every_round_is_a_row_of_the_source_lake(simulated):
    from connectors.lake import Lake

    lake, _, summary = simulated
    assert summary["schedule"] == [4, 8] and summary["pool_size"] == 20 and summary["eval_size"] == 4
    assert summary["rounds_run"] == 4
    assert summary["rounds_reused"] == 1  # dpe_diverse's round 0 trains exactly what random's did
    rows = Lake(lake).query("SELECT * FROM simulations ORDER BY strategy, round").to_pylist()
    assert [(r["strategy"], r["round"], r["labels_used"]) for r in rows] == [
        ("dpe_diverse", 0, 4), ("dpe_diverse", 1, 8), ("random", 0, 4), ("random", 1, 8)]
    for r in rows:
        assert r["sim_id"] == "tiny" and r["seed"] == 0 and r["pool_size"] == 20 and r["metric_name"] == "miou"
        assert 0.0 <= r["metric"] <= 1.0 and 0.0 <= r["ece"] <= 1.0 and r["wall_s"] > 0
        assert len(json.loads(r["per_class"])) == 11
        counts = json.loads(r["label_counts"])
        assert sum(counts["drive_id"].values()) == r["labels_used"]
        assert "synth-s0-d00005" not in counts["drive_id"]  # the evaluation drive is never labeled
    by = {(r["strategy"], r["round"]): r for r in rows}
    # same seed: both strategies start from the same labeled frames
    assert by[("random", 0)]["label_counts"] == by[("dpe_diverse", 0)]["label_counts"]
    assert by[("random", 0)]["model_version"] == by[("dpe_diverse", 0)]["model_version"]


def test_arms_are_isolated_working_lakes(simulated):
    from connectors.lake import Lake

    lake, _, summary = simulated
    source = Lake(lake)
    # the source keeps its own labels (the synthetic renderer's) and gets no oracle labels, scores or models
    assert set(source.query("SELECT DISTINCT source FROM labels").column("source").to_pylist()) == {"synthetic"}
    assert source.count("scores") == 0 and source.count("models") == 0
    arms = {}
    for arm in ("random-s0", "dpe_diverse-s0"):
        work = Lake(f"{summary['workdir']}/{arm}/lake")
        arms[arm] = work
        assert work.count("frames") == 24 and work.count("ground_truth") == 24
        assert set(work.query("SELECT DISTINCT source FROM labels").column("source").to_pylist()) == {"oracle"}
        assert work.count("labels") == 8
    # only the strategy that uses a model scored the pool; random chose without scores
    assert arms["random-s0"].count("scores") == 0
    assert arms["dpe_diverse-s0"].count("scores") == 20  # diversity needs the labeled frames' embeddings too
    picks = arms["dpe_diverse-s0"].query("SELECT count(*) AS n FROM selections WHERE run_id = 'tiny-dpe_diverse-s0-r1'")
    assert picks.column("n")[0].as_py() == 4


def test_report_files_exist(simulated):
    _, _, summary = simulated
    with open(summary["png"], "rb") as fh:
        assert fh.read(8) == b"\x89PNG\r\n\x1a\n"
    page = open(summary["html"]).read()
    assert "data:image/png;base64," in page and "dpe_diverse" in page and "drive_id" in page


def test_rerun_adds_no_rows(simulated):
    from connectors.lake import Lake

    lake, config, _ = simulated
    result = _curate(lake, "simulate", "--config", str(config), "--json")
    assert result.exit_code == 0, result.output
    again = _last_json(result.output)
    assert again["rounds_run"] == 0 and again["rounds_skipped"] == 4
    assert Lake(lake).count("simulations") == 4


def test_a_changed_config_under_the_same_name_is_refused(simulated, tmp_path):
    lake, _, _ = simulated
    changed = tmp_path / "sim.yaml"
    changed.write_text(CONFIG.replace("budgets: [8]", "budgets: [12]"))
    result = _curate(lake, "simulate", "--config", str(changed))
    assert result.exit_code == 2
    assert "different config" in result.output


def test_labelstudio_labeler_runs_the_rounds_through_a_real_server(tmp_path):
    """The oracle as a Label Studio annotator: push -> annotate through the API -> pull, each round."""
    from connectors.labelstudio import server
    from connectors.labelstudio.client import LabelStudioClient
    from connectors.labelstudio.errors import ServerSetupError
    from connectors.lake import Lake
    from curation.jobs.labelstudio import ImageHosting
    from curation.simulation import parse_config, run_simulation
    from curation.simulation.labelers import LabelStudioLabeler

    lake_root = tmp_path / "lake"
    result = _curate(lake_root, "ingest", "synthetic", str(tmp_path / "frames"), "--frames", "12", "--frames-per-drive", "4")
    assert result.exit_code == 0, result.output
    try:
        server.ensure_installed(progress=print)
        server.ensure_template(progress=print)
        info = server.start(tmp_path / "ls" / "data", tmp_path / "ls" / "files")
    except ServerSetupError as exc:
        pytest.fail(f"this test needs a real Label Studio server and none could be started: {exc}", pytrace=False)
    try:
        import yaml

        config = parse_config(yaml.safe_load(
            CONFIG.replace("drive_id < 'synth-s0-d00005'", "drive_id < 'synth-s0-d00002'")
                  .replace("drive_id = 'synth-s0-d00005'", "drive_id = 'synth-s0-d00002'")
                  .replace("seed_labels: 4", "seed_labels: 2").replace("budgets: [8]", "budgets: [4]")
                  .replace("max_steps: 2", "max_steps: 1")) | {"name": "tiny-ls", "labeler": "labelstudio",
                                                               "strategies": [{"preset": "random"}]})
        labeler = LabelStudioLabeler(LabelStudioClient(info.url, info.token), ImageHosting(Path(info.document_root)),
                                     project_prefix="sim-")
        lake = Lake(lake_root)
        summary = run_simulation(lake, config, labeler=labeler)
        assert summary.rounds_run == 2 and summary.schedule == [2, 4]
        work = Lake(f"{summary.workdir}/random-s0/lake")
        labels = work.read("labels").to_pylist()
        assert len(labels) == 4 and {r["source"] for r in labels} == {"human"}  # annotations pulled back
        assert work.query("SELECT DISTINCT project_title FROM tasks").column("project_title").to_pylist() == ["sim-random-s0"]
        rows = lake.query("SELECT round, labels_used FROM simulations WHERE sim_id = 'tiny-ls' ORDER BY round").to_pylist()
        assert [(r["round"], r["labels_used"]) for r in rows] == [(0, 2), (1, 4)]
    finally:
        server.stop(info)
