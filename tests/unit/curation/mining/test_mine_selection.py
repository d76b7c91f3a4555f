"""What a night selects from: the spec pinned to the run's model and cutoff, and the random pick of the
first nights (no model) that keeps only what applies without scores."""

from __future__ import annotations

import datetime as dt
import json


from connectors.lake import Lake
from curation.mining.cold_start import random_spec, run_random_select, unscored_candidates
from curation.mining.job import pinned_spec
from curation.selection import parse_spec
from curation.selection.load import load_candidates as load

T0 = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)


def _frames(lake: Lake, n: int = 10, ingested_at=T0, start: int = 0) -> None:
    lake.write("frames", [
        {"frame_id": f"f{i:02d}", "drive_id": f"d{i % 2}", "ts": T0 + dt.timedelta(seconds=i), "uri": f"u{i}",
         "width": 4, "height": 3, "domain": "real", "source": "gen", "split": "train",
         "weather": "rain" if i % 2 else "clear", "ingested_at": ingested_at}
        for i in range(start, start + n)
    ])


def test_pinned_spec_adds_the_cutoff_and_the_model():
    spec = parse_spec({"budget": 2, "strategies": [{"strategy": "topk", "input": "entropy"}]})
    cutoff = T0 + dt.timedelta(hours=1)
    pinned = pinned_spec(spec, "m1", cutoff)
    assert pinned.model_version == "m1"
    assert pinned.candidates.predicates()["ingested_at"] == ("range", (None, cutoff))
    assert pinned.candidates.exclude_labeled is True
    assert pinned_spec(spec, None, cutoff).model_version == "latest"


def test_pinned_spec_keeps_a_tighter_own_bound_and_an_own_lower_bound():
    early = T0 + dt.timedelta(minutes=5)
    spec = parse_spec({"budget": 2, "candidates": {"ingested_at": {"min": T0, "max": early}},
                       "strategies": [{"strategy": "random"}]})
    assert pinned_spec(spec, "m", T0 + dt.timedelta(hours=1)).candidates.predicates()["ingested_at"] == \
        ("range", (T0, early))
    later = parse_spec({"budget": 2, "candidates": {"ingested_at": {"min": T0}}, "strategies": [{"strategy": "random"}]})
    cutoff = T0 + dt.timedelta(hours=1)
    assert pinned_spec(later, "m", cutoff).candidates.predicates()["ingested_at"] == ("range", (T0, cutoff))


def test_frames_ingested_after_the_cutoff_are_not_candidates(tmp_path):
    lake = Lake(tmp_path / "lake")
    _frames(lake, 4, ingested_at=T0)
    _frames(lake, 3, ingested_at=T0 + dt.timedelta(hours=2), start=4)  # a later night's frames
    lake.write("scores", [{"frame_id": f"f{i:02d}", "model_version": "m", "entropy": float(i), "scored_at": T0}
                          for i in range(7)])
    spec = parse_spec({"budget": 10, "strategies": [{"strategy": "topk", "input": "entropy"}]})
    pinned = pinned_spec(spec, "m", T0 + dt.timedelta(hours=1))
    assert load(lake, pinned, "m").column("frame_id").to_pylist() == ["f00", "f01", "f02", "f03"]
    assert len(unscored_candidates(lake, pinned)) == 4


def test_random_spec_keeps_frame_only_parts_and_names_what_it_drops():
    spec = parse_spec({
        "budget": 5, "seed": 3,
        "candidates": {"split": "train", "mutual_information": {"min": 0.1}},
        "strategies": [
            {"strategy": "weight", "input": "mutual_information"},
            {"strategy": "diversity", "input": "embedding"},
            {"strategy": "quota", "input": ["weather"], "min_share": {"rain": 0.4}},
            {"strategy": "quota", "input": ["entropy"], "max_share": {"0.5": 0.5}},
            {"strategy": "drive_dedup", "max_per_drive": 2},
            {"strategy": "near_duplicate", "max_cosine": 0.9},
        ],
    })
    reduced, notes = random_spec(spec)
    assert [s.strategy for s in reduced.strategies] == ["random", "quota", "drive_dedup"]
    assert reduced.strategies[1].input == ["weather"]
    assert (reduced.budget, reduced.seed) == (5, 3)
    assert reduced.candidates.predicates() == {"split": ("eq", "train")}
    assert notes == ["weight on mutual_information", "diversity on embedding", "quota on ['entropy']",
                     "near_duplicate on embedding", "candidates.mutual_information"]


def test_random_spec_keeps_a_proportion():
    reduced, _ = random_spec(parse_spec({"proportion": 0.25, "strategies": [{"strategy": "random"}]}))
    assert (reduced.budget, reduced.proportion) == (None, 0.25)


def test_random_select_skips_labeled_and_pushed_frames_and_is_reproducible(tmp_path):
    picks = []
    for name in ("a", "b"):
        lake = Lake(tmp_path / name)
        _frames(lake, 10)
        lake.write("labels", [{"frame_id": "f00", "source": "human", "label_id": "x", "labeled_at": T0}])
        lake.write("tasks", [{"frame_id": "f01", "project_id": 1, "task_id": 1, "pushed_at": T0}])
        spec = parse_spec({"budget": 4, "seed": 11, "strategies": [{"strategy": "random"},
                                                                   {"strategy": "drive_dedup", "max_per_drive": 2}]})
        result, written, notes = run_random_select(lake, spec, "mine-x-select", "mine:mine-x")
        assert (written, notes, result.n_candidates) == (4, [], 8)
        rows = lake.query("SELECT frame_id, rank, model_version FROM selections ORDER BY rank").to_pylist()
        assert [r["rank"] for r in rows] == [1, 2, 3, 4]
        assert all(r["model_version"] is None for r in rows)
        assert not {"f00", "f01"} & {r["frame_id"] for r in rows}
        drives = [int(r["frame_id"][1:]) % 2 for r in rows]
        assert drives.count(0) == 2 and drives.count(1) == 2  # max_per_drive held
        run = lake.query("SELECT kind, status, config FROM runs WHERE run_id = 'mine-x-select'").to_pylist()[0]
        assert (run["kind"], run["status"]) == ("select", "succeeded")
        assert json.loads(run["config"])["fallback"].startswith("random")
        picks.append([r["frame_id"] for r in rows])
    assert picks[0] == picks[1]

