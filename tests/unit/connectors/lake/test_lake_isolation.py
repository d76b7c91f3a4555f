"""What readers see while a writer works: the manifest rename is the one moment a write becomes visible,
replaced files outlive the write for queries already reading them, and lakes from before manifests still
read (and gain a manifest on their next write)."""

from __future__ import annotations

import json

import pytest

from connectors.lake import Lake
from connectors.lake import store


def _weather(lake: Lake) -> dict[str, str]:
    return {r["frame_id"]: r["weather"] for r in lake.query("SELECT frame_id, weather FROM frames").to_pylist()}


def test_a_reader_mid_write_sees_the_old_table_not_both_copies_of_an_upserted_row(tmp_path, make_frame,
                                                                                 monkeypatch):
    root = tmp_path / "lake"
    writer = Lake(root)
    writer.write("frames", [make_frame(1, weather="clear"), make_frame(2, weather="clear")])
    reader = Lake(root)  # opened before the upsert; its queries take no lock
    seen: list[dict] = []
    publish = store._write_manifest

    def look_then_publish(base, files):
        # The new file is already in the table folder now; only the manifest has not changed yet.
        seen.append(_weather(reader))
        publish(base, files)

    monkeypatch.setattr(store, "_write_manifest", look_then_publish)
    writer.write("frames", [make_frame(1, weather="rain")], mode="upsert")
    assert seen == [{"f1": "clear", "f2": "clear"}]  # not three rows (f1 twice)
    assert _weather(reader) == {"f1": "rain", "f2": "clear"}


def test_a_connection_keeps_reading_its_snapshot_after_a_write_replaces_its_files(tmp_path, make_frame):
    lake = Lake(tmp_path / "lake")
    lake.write("frames", [make_frame(1, weather="clear"), make_frame(2)])
    con = lake.connect()
    try:
        old_files = lake.files("frames")
        lake.write("frames", [make_frame(1, weather="rain")], mode="upsert")
        assert all(p.exists() for p in old_files), "replaced files are retired, not deleted at once"
        assert set(lake.files("frames")).isdisjoint(old_files)
        rows = con.sql("SELECT frame_id, weather FROM frames ORDER BY frame_id").fetchall()
        assert rows == [("f1", "clear"), ("f2", "clear")]  # the snapshot the connection opened on
    finally:
        con.close()
    assert _weather(lake) == {"f1": "rain", "f2": "clear"}


def test_retired_files_are_deleted_by_a_later_write_once_old_enough(tmp_path, make_frame, monkeypatch):
    lake = Lake(tmp_path / "lake")
    lake.write("frames", [make_frame(1)])
    first = lake.files("frames")
    lake.write("frames", [make_frame(1, weather="fog")], mode="upsert")
    assert all(p.exists() for p in first)
    monkeypatch.setattr(store, "RETIRE_AFTER_S", 0.0)
    lake.write("frames", [make_frame(2)])
    assert not any(p.exists() for p in first)
    assert _weather(lake) == {"f1": "fog", "f2": "clear"}
    ledger = json.loads((lake.root / "_txn" / "retired.ledger").read_text())
    assert ledger == []


def test_a_lake_without_manifests_is_read_from_its_folders_and_gains_one_on_the_next_write(tmp_path, make_frame):
    lake = Lake(tmp_path / "lake")
    lake.write("frames", [make_frame(1), make_frame(2, day=2)])
    manifest = lake.root / "frames" / store.MANIFEST
    manifest.unlink()  # as a lake written before manifests existed
    assert lake.count("frames") == 2 and len(lake.files("frames", "2024-05-02")) == 1
    assert _weather(lake) == {"f1": "clear", "f2": "clear"}
    lake.write("frames", [make_frame(3)])
    assert manifest.exists()
    assert lake.keys("frames") == {("f1",), ("f2",), ("f3",)}


def test_an_unreadable_manifest_is_a_clear_error(tmp_path, make_frame):
    lake = Lake(tmp_path / "lake")
    lake.write("frames", [make_frame(1)])
    (lake.root / "frames" / store.MANIFEST).write_text("{not json")
    with pytest.raises(store.LakeError, match="manifest .* is unreadable"):
        lake.files("frames")
