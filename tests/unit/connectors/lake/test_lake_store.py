"""Lake writes: idempotent by key, upserts, Hive partitions of frames, DuckDB views, delete, keys, compaction."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from connectors.lake import Lake, LakeError, WriteResult
from connectors.lake import store


def test_insert_twice_keeps_one_row_per_key(lake, make_frame):
    rows = [make_frame(i) for i in range(5)]
    assert lake.write("frames", rows) == WriteResult(inserted=5, replaced=0, skipped=0)
    assert lake.write("frames", rows) == WriteResult(inserted=0, replaced=0, skipped=5)
    assert lake.count("frames") == 5
    assert lake.query("SELECT count(DISTINCT frame_id) AS n FROM frames").column("n")[0].as_py() == 5


def test_insert_keeps_the_stored_row(lake, make_frame):
    lake.write("frames", [make_frame(1, weather="clear")])
    lake.write("frames", [make_frame(1, weather="rain"), make_frame(2, weather="fog")])
    got = {r["frame_id"]: r["weather"] for r in lake.read("frames").to_pylist()}
    assert got == {"f1": "clear", "f2": "fog"}


def test_upsert_replaces_the_stored_row(lake, make_frame):
    lake.write("frames", [make_frame(1, weather="clear"), make_frame(2, weather="clear")])
    result = lake.write("frames", [make_frame(1, weather="rain"), make_frame(3)], mode="upsert")
    assert result == WriteResult(inserted=1, replaced=1, skipped=0)
    got = {r["frame_id"]: r["weather"] for r in lake.read("frames").to_pylist()}
    assert got == {"f1": "rain", "f2": "clear", "f3": "clear"}


def test_last_row_of_a_key_wins_within_one_batch(lake, make_frame):
    result = lake.write("frames", [make_frame(1, weather="a"), make_frame(2), make_frame(1, weather="b")])
    assert result.inserted == 2
    assert lake.query("SELECT weather FROM frames WHERE frame_id = 'f1'").column(0).to_pylist() == ["b"]


def test_composite_keys(lake):
    now = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
    rows = [
        {"frame_id": "f1", "source": "human", "label_id": "1", "class_id": 3, "labeled_at": now},
        {"frame_id": "f1", "source": "oracle", "label_id": "1", "class_id": 3, "labeled_at": now},
        {"frame_id": "f1", "source": "human", "label_id": "2", "class_id": 4, "labeled_at": now},
    ]
    assert lake.write("labels", rows).inserted == 3
    assert lake.write("labels", rows[:1]).skipped == 1
    assert lake.keys("labels") == {("f1", "human", "1"), ("f1", "oracle", "1"), ("f1", "human", "2")}


def test_keys_are_not_confused_by_separator_like_values(lake):
    # ("a b", "c") and ("a", "b c") must stay two keys whatever joins the columns internally.
    now = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
    rows = [
        {"frame_id": "a", "model_version": "b" + store._KEY_SEP + "c", "scored_at": now},
        {"frame_id": "a" + store._KEY_SEP + "b", "model_version": "c", "scored_at": now},
    ]
    assert lake.write("scores", rows[:1]).inserted == 1
    assert lake.write("scores", rows[1:]).inserted == 1, "a different key was taken for a stored one"


def test_invalid_mode_and_unknown_table(lake, make_frame):
    with pytest.raises(LakeError, match="'replace' is not one of"):
        lake.write("frames", [make_frame(1)], mode="replace")
    with pytest.raises(LakeError, match="unknown lake table 'frame'"):
        lake.write("frame", [make_frame(1)])


# ---------------------------------------------------------------- partitions
def test_frames_are_hive_partitioned_by_date_of_ts(lake, make_frame):
    lake.write("frames", [make_frame(1, day=1), make_frame(2, day=2), make_frame(3, day=2)])
    folders = sorted(p.name for p in (lake.root / "frames").iterdir() if p.is_dir())
    assert folders == ["date=2024-05-01", "date=2024-05-02"]
    for path in lake.files("frames"):
        assert "date" not in pq.read_schema(path).names
    rows = lake.query("SELECT frame_id, date FROM frames ORDER BY frame_id").to_pylist()
    assert rows == [
        {"frame_id": "f1", "date": dt.date(2024, 5, 1)},
        {"frame_id": "f2", "date": dt.date(2024, 5, 2)},
        {"frame_id": "f3", "date": dt.date(2024, 5, 2)},
    ]
    assert len(lake.files("frames", "2024-05-02")) == 1


def test_partition_date_is_the_utc_date(lake, make_frame):
    # 23:30 at UTC-5 on 2024-05-01 is 04:30 UTC on 2024-05-02.
    minus5 = dt.timezone(dt.timedelta(hours=-5))
    lake.write("frames", [make_frame(1, ts=dt.datetime(2024, 5, 1, 23, 30, tzinfo=minus5))])
    assert [p.name for p in (lake.root / "frames").iterdir() if p.is_dir()] == ["date=2024-05-02"]


def test_unpartitioned_tables_have_flat_files(lake, make_score):
    lake.write("scores", [make_score("f1")])
    assert [p.parent for p in lake.files("scores")] == [lake.root / "scores"]


def test_insert_of_a_key_stored_under_another_date_is_skipped(lake, make_frame):
    lake.write("frames", [make_frame(1, day=1)])
    assert lake.write("frames", [make_frame(1, day=3)]).skipped == 1
    assert lake.query("SELECT frame_id, date FROM frames").to_pylist() == [{"frame_id": "f1", "date": dt.date(2024, 5, 1)}]


def test_upsert_that_moves_a_frame_to_another_date(lake, make_frame):
    lake.write("frames", [make_frame(1, day=1), make_frame(2, day=1)])
    result = lake.write("frames", [make_frame(1, day=3)], mode="upsert")
    assert result == WriteResult(inserted=0, replaced=1, skipped=0)
    rows = lake.query("SELECT frame_id, date FROM frames ORDER BY frame_id").to_pylist()
    assert rows == [{"frame_id": "f1", "date": dt.date(2024, 5, 3)}, {"frame_id": "f2", "date": dt.date(2024, 5, 1)}]


# ---------------------------------------------------------------- views and reads
def test_empty_lake_views_have_the_table_types(lake):
    con = lake.connect()
    try:
        described = {name: typ for name, typ, *_ in con.sql("DESCRIBE frames").fetchall()}
        scores = {name: typ for name, typ, *_ in con.sql("DESCRIBE scores").fetchall()}
        assert con.execute("SELECT count(*) FROM labels").fetchall() == [(0,)]
    finally:
        con.close()
    assert described["ts"] == "TIMESTAMP WITH TIME ZONE"
    assert described["width"] == "INTEGER"
    assert described["lat"] == "DOUBLE"
    assert scores["class_fractions"] == "FLOAT[]"
    assert scores["mutual_information"] == "FLOAT"


def test_view_types_are_the_same_before_and_after_the_first_write(lake, make_frame):
    def types():
        con = lake.connect()
        try:
            return con.sql("DESCRIBE frames").fetchall()
        finally:
            con.close()

    before = types()
    lake.write("frames", [make_frame(1)])
    assert [(c[0], c[1]) for c in types()] == [(c[0], c[1]) for c in before]


def test_read_returns_the_table_with_a_column_subset(lake, make_frame):
    assert lake.read("frames").num_rows == 0
    lake.write("frames", [make_frame(1), make_frame(2)])
    got = lake.read("frames", columns=["frame_id", "width"])
    assert got.column_names == ["frame_id", "width"]
    assert sorted(got.column("frame_id").to_pylist()) == ["f1", "f2"]


def test_query_with_parameters(lake, make_frame):
    lake.write("frames", [make_frame(1, weather="rain"), make_frame(2, weather="clear")])
    got = lake.query("SELECT frame_id FROM frames WHERE weather = ?", ["rain"])
    assert got.column(0).to_pylist() == ["f1"]


def test_query_error_is_a_lake_error(lake):
    with pytest.raises(LakeError, match="query failed"):
        lake.query("SELECT no_such_column FROM frames")


def test_views_show_timestamps_in_utc(lake, make_frame):
    lake.write("frames", [make_frame(1)])
    text = lake.query("SELECT CAST(ts AS VARCHAR) AS t FROM frames").column(0)[0].as_py()
    assert text == "2024-05-01 08:30:00+00"


def test_list_columns_round_trip(lake, make_score):
    lake.write("scores", [make_score("f1", class_fractions=[0.5, 0.25, 0.25])])
    got = lake.query("SELECT class_fractions[2] AS second, len(embedding) AS d FROM scores").to_pylist()
    assert got == [{"second": 0.25, "d": 3}]


# ---------------------------------------------------------------- delete, keys, compaction
def test_delete_by_key(lake, make_frame):
    lake.write("frames", [make_frame(1, day=1), make_frame(2, day=2), make_frame(3, day=2)])
    assert lake.delete("frames", [{"frame_id": "f2"}, {"frame_id": "nope"}]) == 1
    assert lake.keys("frames") == {("f1",), ("f3",)}
    assert lake.delete("frames", []) == 0
    assert lake.delete("frames", [{"frame_id": "f1"}, {"frame_id": "f3"}]) == 2
    assert lake.count("frames") == 0 and lake.files("frames") == []


def test_delete_with_a_composite_key(lake, make_score):
    lake.write("scores", [make_score("f1", "m1"), make_score("f1", "m2"), make_score("f2", "m1")])
    assert lake.delete("scores", [{"frame_id": "f1", "model_version": "m2"}]) == 1
    assert lake.keys("scores") == {("f1", "m1"), ("f2", "m1")}


def test_keys_of_an_empty_table(lake):
    assert lake.keys("frames") == set()
    assert lake.count("frames") == 0


def test_compact_merges_files_and_keeps_rows(lake, make_frame):
    for i in range(6):
        lake.write("frames", [make_frame(i, day=1 + i % 2)])
    assert len(lake.files("frames")) == 6
    before = lake.read("frames").sort_by("frame_id")
    assert lake.compact("frames") == 2  # one file per date
    after = lake.read("frames").sort_by("frame_id")
    assert after.equals(before)


def test_many_small_writes_are_compacted_automatically(lake, make_frame, monkeypatch):
    monkeypatch.setattr(store, "COMPACT_AFTER_FILES", 3)
    for i in range(4):
        lake.write("frames", [make_frame(i)])
    assert len(lake.files("frames")) == 1
    assert lake.count("frames") == 4


def test_lake_root_that_is_a_file(tmp_path):
    path = tmp_path / "not-a-dir"
    path.write_text("x")
    with pytest.raises(LakeError, match="is a file, not a directory"):
        Lake(path)


def test_two_lake_objects_see_each_others_writes(tmp_path, make_frame):
    a, b = Lake(tmp_path / "lake"), Lake(tmp_path / "lake")
    a.write("frames", [make_frame(1)])
    assert b.write("frames", [make_frame(1)]).skipped == 1
    assert b.count("frames") == 1


def test_arrow_table_write(lake, make_frame):
    table = pa.Table.from_pylist([make_frame(1), make_frame(2)])
    assert lake.write("frames", table).inserted == 2


def test_files_whose_key_range_cannot_match_are_not_read(lake, make_frame, monkeypatch):
    lake.write("frames", [make_frame("a1"), make_frame("a2")])
    lake.write("frames", [make_frame("m1"), make_frame("m2")])
    reads = []
    real_read = store.pq.read_table
    monkeypatch.setattr(store.pq, "read_table", lambda path, *a, **k: reads.append(path) or real_read(path, *a, **k))

    assert lake.write("frames", [make_frame("a2"), make_frame("a3")]) == WriteResult(inserted=1, replaced=0, skipped=1)
    assert len(reads) == 1, "only the file holding fa1..fa2 can hold fa2..fa3"
    reads.clear()
    assert lake.write("frames", [make_frame("z9")]).inserted == 1
    assert reads == [], "no stored file's key range contains 'fz9'"
    assert lake.delete("frames", [{"frame_id": "fm1"}]) == 1
    assert lake.keys("frames") == {("fa1",), ("fa2",), ("fa3",), ("fm2",), ("fz9",)}
