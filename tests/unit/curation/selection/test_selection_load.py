"""Loading a selection's inputs from a lake: candidates filter, exclusions, model version, labeled embeddings."""

import datetime as dt
import tempfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.lake import Lake
from curation.selection import SpecError, parse_spec, select
from curation.selection.load import (
    candidate_query,
    explain_empty,
    load_candidates,
    load_labeled_embeddings,
    resolve_model_version,
)

T0 = dt.datetime(2024, 6, 1, tzinfo=dt.timezone.utc)


def _fill(lake, n=12, labeled=(), queued=(), models=True):
    lake.write("frames", [
        {"frame_id": f"f{i:02d}", "drive_id": f"d{i % 3}", "ts": T0 + dt.timedelta(seconds=10 * i), "uri": f"u{i}",
         "width": 4, "height": 3, "domain": "real" if i % 4 else "synthetic", "source": "gen",
         "split": "train" if i % 3 else "val", "weather": "rain" if i % 2 else None, "ingested_at": T0}
        for i in range(n)
    ])
    rows = []
    for mv, day in (("old", 1), ("new", 2)):
        rows += [{"frame_id": f"f{i:02d}", "model_version": mv, "mutual_information": i / n, "embedding": [float(i), 1.0],
                  "scored_at": T0 + dt.timedelta(days=day if mv == "new" else 3)} for i in range(n)]
    lake.write("scores", rows)
    if models:
        m = {"task": "segmentation", "arch_spec": "{}", "members": 2, "num_classes": 3, "checkpoint_uri": "c"}
        lake.write("models", [{**m, "model_version": "old", "created_at": T0}, {**m, "model_version": "new", "created_at": T0 + dt.timedelta(days=1)}])
    if labeled:
        lake.write("labels", [{"frame_id": f, "source": s, "label_id": "x", "labeled_at": T0} for f, s in labeled])
    if queued:
        lake.write("tasks", [{"frame_id": f, "project_id": 7, "task_id": k, "pushed_at": T0} for k, f in enumerate(queued)])


def _spec(**candidates):
    return parse_spec({"budget": 100, "candidates": candidates, "strategies": [{"strategy": "topk", "input": "mutual_information"}]})


def test_latest_is_the_newest_model_else_the_newest_scores(tmp_path):
    lake = Lake(tmp_path / "a")
    assert resolve_model_version(lake, "latest") is None
    _fill(lake)
    assert resolve_model_version(lake, "latest") == "new"  # by models.created_at
    assert resolve_model_version(lake, "old") == "old"
    bare = Lake(tmp_path / "b")
    _fill(bare, models=False)
    assert resolve_model_version(bare, "latest") == "old"  # its scores are newer


def test_predicates_are_bound_as_parameters(tmp_path):
    lake = Lake(tmp_path)
    _fill(lake)
    sql, params = candidate_query(_spec(domain="real", split=["train"], ts={"min": "2024-06-01 00:00:30"}, weather=None), "new")
    assert "'real'" not in sql and "?" in sql
    assert params[:4] == ["new", "real", "train", "2024-06-01 00:00:30"]
    table = load_candidates(lake, _spec(domain="real", split=["train"], ts={"min": "2024-06-01 00:00:30"}, weather=None), "new")
    # real: i % 4 != 0; train: i % 3 != 0; ts >= 30 s: i >= 3; weather null: i even
    # candidates i = 3..11 with weather null (even): 4, 6, 8, 10; real drops 4, 8; train drops 6
    assert table.column("frame_id").to_pylist() == ["f10"]
    hostile = load_candidates(lake, _spec(domain="real' OR '1'='1"), "new")
    assert hostile.num_rows == 0


def test_unknown_filter_column_and_bad_value_type(tmp_path):
    lake = Lake(tmp_path)
    _fill(lake)
    with pytest.raises(SpecError, match=r"candidates.domian = 'real': no such frames or scores column; allowed: exclude_labeled, .*domain"):
        load_candidates(lake, _spec(domian="real"), "new")
    with pytest.raises(SpecError, match=r"could not be applied: query failed: Conversion Error: Could not convert string 'wide' to INT32; check the values' types"):
        load_candidates(lake, _spec(width="wide"), "new")


def test_labeled_embeddings_cover_labels_and_tasks(tmp_path):
    lake = Lake(tmp_path)
    _fill(lake, labeled=[("f01", "human"), ("f02", "pseudo")], queued=["f05"])
    emb = load_labeled_embeddings(lake, "new")
    assert emb.tolist() == [[1.0, 1.0], [2.0, 1.0], [5.0, 1.0]]
    assert load_labeled_embeddings(Lake(tmp_path / "empty"), "new") is None


def test_explain_empty_says_why(tmp_path):
    lake = Lake(tmp_path)
    _fill(lake, n=4, labeled=[("f01", "human"), ("f02", "human"), ("f03", "human")], queued=["f00"])
    assert "no scores for model_version 'zzz'; scored versions: ['new', 'old']" in explain_empty(lake, _spec(), "zzz")
    assert "none of the 4 frames scored by 'new' match the filter" in explain_empty(lake, _spec(split="test"), "new")
    assert "all 4 frames matching the filter are already labeled or pushed" in explain_empty(lake, _spec(), "new")
    assert "run `curate score` first" in explain_empty(lake, _spec(), None)


@settings(max_examples=12, deadline=None)
@given(
    st.sets(st.integers(0, 11), max_size=6),
    st.sets(st.integers(0, 11), max_size=4),
    st.sampled_from(["human", "oracle", "synthetic", "pseudo"]),
    st.integers(1, 12),
)
def test_no_labeled_or_queued_frame_is_ever_selected(labeled, queued, source, budget):
    with tempfile.TemporaryDirectory() as root:
        lake = Lake(root)
        _fill(lake, labeled=[(f"f{i:02d}", source) for i in labeled], queued=[f"f{i:02d}" for i in queued])
        spec = parse_spec({"budget": budget, "strategies": [{"strategy": "topk", "input": "mutual_information"}]})
        result = select(load_candidates(lake, spec, "new"), spec)
        excluded = {f"f{i:02d}" for i in labeled | queued}
        assert not set(result.frame_ids) & excluded
        assert len(result) == min(budget, 12 - len(excluded))
        keep = parse_spec({"budget": 12, "candidates": {"exclude_labeled": False},
                           "strategies": [{"strategy": "topk", "input": "mutual_information"}]})
        assert load_candidates(lake, keep, "new").num_rows == 12
