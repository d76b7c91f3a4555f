"""`curate select` end to end on a generated lake (DuckDB over real Parquet; no model needed).

The lake holds 240 frames in 8 drives with fleet metadata, scores of two model versions, some frames
labeled and some queued in Label Studio. Selections must respect every hard constraint, and `curate sql`
must answer "why was this frame picked" from the `selections` table alone.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict

import numpy as np
import pytest
from typer.testing import CliRunner

from connectors.lake import Lake
from curation.cli import app, main

pytestmark = pytest.mark.integration

T0 = dt.datetime(2024, 6, 1, 8, 0, tzinfo=dt.timezone.utc)
N_FRAMES, N_DRIVES = 240, 8
LABELED = [f"fr{i:04d}" for i in range(0, 30, 3)]  # 10 frames with a human label
QUEUED = [f"fr{i:04d}" for i in range(100, 105)]  # 5 frames already pushed to Label Studio

SPEC = """
budget: 500
model_version: latest
candidates:
  domain: real
  split: [train]
  exclude_labeled: true
strategies:
  - {input: mutual_information, strategy: weight, strength: 1.0}
  - {input: embedding, strategy: diversity, strength: 0.5}
  - {input: [weather, time_of_day], strategy: quota, min_share: {rain: 0.2, night: 0.1}, max_share: {day: 0.6}}
  - {strategy: drive_dedup, min_gap_s: 2.0, max_per_drive: 8}
  - {strategy: near_duplicate, against: labeled, max_cosine: 0.98}
seed: 0
"""


def _curate(lake_root, *args: str):
    return CliRunner().invoke(app, ["--lake", str(lake_root), *args], catch_exceptions=False)


def _last_json(output: str) -> dict:
    return json.loads(output.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def lake_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("select") / "lake"
    lake = Lake(root)
    rng = np.random.default_rng(7)
    frames, scores_new, scores_old = [], [], []
    for i in range(N_FRAMES):
        drive = i % N_DRIVES
        k = i // N_DRIVES  # frame index within its drive, one per second
        fid = f"fr{i:04d}"
        frames.append(
            {
                "frame_id": fid,
                "drive_id": f"drive{drive}",
                "ts": T0 + dt.timedelta(hours=drive, seconds=k),
                "uri": f"file:///frames/{fid}.png",
                "width": 240,
                "height": 180,
                "domain": "synthetic" if i % 20 == 19 else "real",
                "source": "generated",
                "split": "val" if i % 10 == 7 else "train",
                "weather": ["clear", "rain", "fog"][drive % 3],
                "time_of_day": "night" if drive in (5, 6) else "day",
                "ingested_at": T0,
            }
        )
        emb = rng.standard_normal(16).astype(np.float32)
        mi = float(rng.gamma(2.0, 0.05))
        common = {"frame_id": fid, "scored_at": T0 + dt.timedelta(days=1), "reduction": "mean", "embedding": emb.tolist()}
        scores_new.append({**common, "model_version": "m2", "mutual_information": mi, "entropy": mi + 0.5,
                           "expected_entropy": 0.5, "variation_ratio": 0.1, "margin": -0.3, "least_confidence": 0.2,
                           "confidence": 0.8})
        scores_old.append({**common, "model_version": "m1", "mutual_information": 1.0 - mi,
                           "scored_at": T0 + dt.timedelta(days=2)})
    lake.write("frames", frames)
    lake.write("scores", scores_new + scores_old)
    model = {"task": "segmentation", "arch_spec": "{}", "members": 2, "num_classes": 11, "checkpoint_uri": "x"}
    lake.write("models", [{**model, "model_version": "m1", "created_at": T0},
                          {**model, "model_version": "m2", "created_at": T0 + dt.timedelta(days=1)}])
    lake.write("labels", [{"frame_id": f, "source": "human", "label_id": f"l-{f}", "labeled_at": T0} for f in LABELED])
    lake.write("tasks", [{"frame_id": f, "project_id": 1, "task_id": n, "pushed_at": T0} for n, f in enumerate(QUEUED)])
    return root


@pytest.fixture(scope="module")
def spec_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("spec") / "select.yaml"
    path.write_text(SPEC)
    return path


@pytest.fixture(scope="module")
def selected(lake_root, spec_path):
    result = _curate(lake_root, "select", "--config", str(spec_path), "--budget", "40", "--json")
    assert result.exit_code == 0, result.output
    return _last_json(result.stdout)


def test_select_writes_a_run_with_40_picks_that_hold_every_constraint(lake_root, selected):
    assert selected["count"] == 40 and selected["selected"] == 40
    assert selected["run_id"].startswith("sel-")
    assert selected["model_version"] == "m2"  # newest model by created_at, though m1's scores are newer
    lake = Lake(lake_root)
    rows = lake.query(
        "SELECT s.*, f.drive_id, f.ts, f.weather, f.time_of_day, f.domain, f.split FROM selections s "
        "JOIN frames f USING (frame_id) WHERE s.run_id = ? ORDER BY s.rank",
        [selected["run_id"]],
    ).to_pylist()
    assert [r["rank"] for r in rows] == list(range(1, 41))
    assert len({r["frame_id"] for r in rows}) == 40
    assert all(r["model_version"] == "m2" for r in rows)
    assert all(r["domain"] == "real" and r["split"] == "train" for r in rows)
    assert not {r["frame_id"] for r in rows} & set(LABELED + QUEUED)
    by_drive = defaultdict(list)
    for r in rows:
        by_drive[r["drive_id"]].append(r["ts"])
    for times in by_drive.values():
        assert len(times) <= 8
        times.sort()
        assert all((b - a).total_seconds() >= 2.0 for a, b in zip(times, times[1:]))
    weather = [r["weather"] for r in rows]
    tod = [r["time_of_day"] for r in rows]
    assert weather.count("rain") >= 8 and tod.count("night") >= 4 and tod.count("day") <= 24
    for r in rows:
        reasons = json.loads(r["reasons"])
        assert set(reasons["terms"]) == {"mutual_information", "diversity"}
        assert reasons["cell"] == {"weather": r["weather"], "time_of_day": r["time_of_day"]}
        assert reasons["drive"]["drive_id"] == r["drive_id"]
        assert r["strategy"] in {"mutual_information", "diversity", "quota"}
    run = lake.query("SELECT * FROM runs WHERE run_id = ?", [selected["run_id"]]).to_pylist()[0]
    assert run["kind"] == "select" and run["status"] == "succeeded"
    assert json.loads(run["counts"])["selected"] == 40
    config = json.loads(run["config"])
    assert config["model_version"] == "m2" and config["budget"] == 40
    assert config["spec"]["strategies"][3] == {"strategy": "drive_dedup", "min_gap_s": 2.0, "max_per_drive": 8}


def test_curate_sql_answers_why_a_frame_was_picked(lake_root, selected):
    sql = (
        "SELECT frame_id, rank, strategy, score, "
        "CAST(json_extract(reasons, '$.terms.mutual_information.value') AS DOUBLE) AS mi, "
        "CAST(json_extract(reasons, '$.terms.diversity.distance') AS DOUBLE) AS distance, "
        "json_extract_string(reasons, '$.cell.weather') AS weather "
        f"FROM selections WHERE run_id = '{selected['run_id']}' AND rank = 2"
    )
    result = _curate(lake_root, "sql", sql, "--format", "json")
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.stdout.strip().splitlines()[-1])
    truth = Lake(lake_root).query(
        "SELECT s.mutual_information, f.weather FROM scores s JOIN frames f USING (frame_id) "
        "WHERE s.frame_id = ? AND s.model_version = 'm2'",
        [row["frame_id"]],
    ).to_pylist()[0]
    assert row["mi"] == pytest.approx(truth["mutual_information"], rel=1e-6)
    assert row["weather"] == truth["weather"]
    assert row["distance"] > 0 and row["strategy"] in {"mutual_information", "diversity", "quota"}


def test_the_same_seed_gives_the_same_batch(lake_root, spec_path, selected):
    again = _last_json(_curate(lake_root, "select", "--config", str(spec_path), "--budget", "40", "--json").stdout)
    assert again["run_id"] != selected["run_id"]
    q = "SELECT frame_id FROM selections WHERE run_id = ? ORDER BY rank"
    lake = Lake(lake_root)
    assert lake.query(q, [again["run_id"]]).column("frame_id").to_pylist() == \
        lake.query(q, [selected["run_id"]]).column("frame_id").to_pylist()


def test_no_candidates_is_an_empty_run_with_a_message(lake_root, tmp_path):
    spec = tmp_path / "none.yaml"
    spec.write_text(SPEC.replace("split: [train]", "split: [test]"))
    result = _curate(lake_root, "select", "--config", str(spec), "--json")
    assert result.exit_code == 0, result.output
    out = _last_json(result.stdout)
    assert out["count"] == 0
    assert "none of the 240 frames scored by 'm2' match the filter" in out["messages"][0]
    assert "none of the 240 frames scored by 'm2' match the filter" in result.stderr
    status = Lake(lake_root).query("SELECT status FROM runs WHERE run_id = ?", [out["run_id"]]).column("status")
    assert status.to_pylist() == ["succeeded"]


@pytest.mark.parametrize(
    "edit, budget, expected",
    [
        (("input: mutual_information", "input: mutual_informaton"), None,
         "strategies[0].input = 'mutual_informaton': no such column among the candidates"),
        (("domain: real", "domian: real"), None, "candidates.domian = 'real': no such frames or scores column"),
        (("max_cosine: 0.98", "max_cos: 0.98"), None, "strategies[4].max_cosine (near_duplicate): missing required option"),
        (("min_share: {rain: 0.2, night: 0.1}", "min_share: {rain: 0.7, night: 0.5}"), None, "min_share values sum to 1.2 > 1"),
        (("budget: 500", "budget: 500"), "0", "--budget = 0: the budget must be a whole number of frames > 0"),
        (("budget: 500", "budget: 0"), None, "budget = 0: Input should be greater than 0"),
    ],
)
def test_bad_specs_exit_2_with_the_key_and_value(lake_root, tmp_path, capsys, edit, budget, expected):
    spec = tmp_path / "bad.yaml"
    spec.write_text(SPEC.replace(*edit))
    args = ["--lake", str(lake_root), "select", "--config", str(spec)] + (["--budget", budget] if budget else [])
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == 2
    err = " ".join(capsys.readouterr().err.split())  # rich wraps long lines
    assert expected in err, err


CAMVID = __import__("pathlib").Path(__file__).resolve().parents[2].parent / "shared" / "data" / "camvid"

CAMVID_SPEC = """
budget: 500
candidates: {domain: real, split: [train]}
strategies:
  - {strategy: weight, input: mutual_information}
  - {strategy: diversity, strength: 0.5}
  - {strategy: quota, input: [time_of_day], min_share: {dusk: 0.25}, max_share: {day: 0.75}}
  - {strategy: drive_dedup, min_gap_s: 2.0, max_per_drive: 20}
seed: 0
"""


@pytest.mark.skipif(not (CAMVID / "train.txt").exists(), reason=f"CamVid not found at {CAMVID}")
def test_select_40_on_real_camvid_drives_and_times(tmp_path):
    """Real CamVid metadata (3 training drives, 1 s between annotated frames, one drive at dusk) with
    generated scores: 40 picks whose drives, gaps and quotas hold. The scores are stand-ins; the real
    ensemble's version of this test belongs with scoring."""
    root = tmp_path / "lake"
    result = _curate(root, "ingest", "camvid", str(CAMVID), "--json")
    assert result.exit_code == 0, result.output
    lake = Lake(root)
    frames = lake.query("SELECT frame_id FROM frames ORDER BY frame_id").column("frame_id").to_pylist()
    rng = np.random.default_rng(0)
    lake.write("scores", [
        {"frame_id": f, "model_version": "stand-in", "mutual_information": float(rng.gamma(2.0, 0.05)),
         "embedding": rng.standard_normal(8).astype(np.float32).tolist(), "scored_at": T0}
        for f in frames
    ])
    spec = tmp_path / "camvid.yaml"
    spec.write_text(CAMVID_SPEC)
    result = _curate(root, "select", "--config", str(spec), "--budget", "40", "--json")
    assert result.exit_code == 0, result.output
    out = _last_json(result.stdout)
    assert out["count"] == 40 and not out["quota_shortfalls"]
    rows = lake.query(
        "SELECT f.drive_id, f.ts, f.split, f.time_of_day, s.reasons FROM selections s JOIN frames f USING (frame_id) "
        "WHERE s.run_id = ?", [out["run_id"]],
    ).to_pylist()
    assert len(rows) == 40 and all(r["split"] == "train" for r in rows)
    by_drive = defaultdict(list)
    for r in rows:
        by_drive[r["drive_id"]].append(r["ts"])
        assert set(json.loads(r["reasons"])["terms"]) == {"mutual_information", "diversity"}
    assert all(len(t) <= 20 for t in by_drive.values())
    for times in by_drive.values():
        times.sort()
        assert all((b - a).total_seconds() >= 2.0 for a, b in zip(times, times[1:]))
    tod = [r["time_of_day"] for r in rows]
    assert tod.count("dusk") >= 10 and tod.count("day") <= 30
