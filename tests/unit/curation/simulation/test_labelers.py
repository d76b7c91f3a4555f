"""The direct oracle: ground truth of exactly the picked frames becomes `oracle` labels, once."""

from __future__ import annotations

import datetime as dt

from curation.simulation.labelers import DirectLabeler

NOW = dt.datetime(2024, 5, 1, tzinfo=dt.timezone.utc)


def test_direct_labeler_labels_the_picks_once(lake):
    ids = ["a", "b", "it's", "c"]
    lake.write("frames", [{"frame_id": f, "drive_id": "d", "ts": NOW, "uri": f"/x/{i}.png", "width": 4, "height": 3,
                           "domain": "real", "source": "gtsrb", "ingested_at": NOW} for i, f in enumerate(ids)])
    lake.write("ground_truth", [{"frame_id": f, "class_id": i, "ingested_at": NOW} for i, f in enumerate(ids)])
    labeler = DirectLabeler()
    assert labeler.label(lake, ["it's", "b"], "run-1", "dpe-s0") == 2  # a quote in an id is a literal, not SQL
    assert labeler.label(lake, ["b", "c"], "run-2", "dpe-s0") == 1
    assert labeler.label(lake, [], "run-3", "dpe-s0") == 0
    rows = {r["frame_id"]: r for r in lake.read("labels").to_pylist()}
    assert sorted(rows) == ["b", "c", "it's"]
    assert {r["source"] for r in rows.values()} == {"oracle"} and rows["it's"]["class_id"] == 2
