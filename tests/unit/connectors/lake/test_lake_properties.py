"""Property: any sequence of insert/upsert batches leaves exactly one row per key, holding the value of the
first insert or the last upsert, whatever dates (partitions) the rows move between."""

from __future__ import annotations

import datetime as dt
import tempfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.lake import Lake, WriteResult

UTC = dt.timezone.utc

row = st.tuples(st.integers(0, 4), st.sampled_from(["clear", "rain", "fog", "snow"]), st.integers(1, 3))
batch = st.tuples(st.sampled_from(["insert", "upsert"]), st.lists(row, min_size=0, max_size=6))


def _frame(key: int, weather: str, day: int) -> dict:
    return {
        "frame_id": f"f{key}", "drive_id": "d", "ts": dt.datetime(2024, 5, day, 12, tzinfo=UTC), "uri": f"/x/{key}.png",
        "width": 1, "height": 1, "domain": "real", "source": "prop", "weather": weather,
        "ingested_at": dt.datetime(2024, 6, 1, tzinfo=UTC),
    }


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(batch, min_size=1, max_size=5))
def test_one_row_per_key_with_the_expected_value(batches):
    with tempfile.TemporaryDirectory() as root:
        lake = Lake(root)
        model: dict[str, tuple[str, dt.date]] = {}
        for mode, rows in batches:
            last = {}  # within one batch the last row of a key wins
            for key, weather, day in rows:
                last[f"f{key}"] = (weather, dt.date(2024, 5, day))
            expected = WriteResult(
                inserted=sum(k not in model for k in last),
                replaced=sum(k in model for k in last) if mode == "upsert" else 0,
                skipped=sum(k in model for k in last) if mode == "insert" else 0,
            )
            for k, value in last.items():
                if mode == "upsert" or k not in model:
                    model[k] = value
            assert lake.write("frames", [_frame(*r) for r in rows], mode=mode) == expected

        stored = lake.query("SELECT frame_id, weather, date FROM frames").to_pylist()
        assert len(stored) == len(model), "a key is stored more than once (or lost)"
        assert {r["frame_id"]: (r["weather"], r["date"]) for r in stored} == model
        assert lake.keys("frames") == {(k,) for k in model}
