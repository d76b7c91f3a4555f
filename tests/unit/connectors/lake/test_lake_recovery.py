"""Atomic writes: a writer that dies after its journal is written is rolled forward; one that dies before
leaves only temporary files, which are swept."""

from __future__ import annotations

import json
import os
import uuid

import pyarrow.parquet as pq
import pytest

from connectors.lake import Lake
from connectors.lake.conform import conform
from connectors.lake.schemas import TABLES


class Crash(RuntimeError):
    pass


def _crash_in_apply(monkeypatch):
    """Make the next journal application die before it renames anything, as a killed process would."""
    def boom(ops):
        raise Crash("writer died after the journal was committed")

    monkeypatch.setattr(Lake, "_apply", staticmethod(boom))


def test_crash_after_journal_is_rolled_forward_by_the_next_lake(tmp_path, make_frame, monkeypatch):
    root = tmp_path / "lake"
    Lake(root).write("frames", [make_frame(1)])
    with monkeypatch.context() as patch:
        _crash_in_apply(patch)
        with pytest.raises(Crash):
            Lake(root).write("frames", [make_frame(2, day=2), make_frame(3)])
    assert list((root / "_txn").glob("*.json")), "the journal should be left behind by the crash"
    assert len(list((root / "frames").rglob("*.parquet"))) == 1, "nothing is visible before recovery"

    lake = Lake(root)  # opening the lake rolls the journal forward
    assert lake.keys("frames") == {("f1",), ("f2",), ("f3",)}
    assert not list((root / "_txn").glob("*.json"))
    assert not list((root / "_txn" / "tmp").iterdir())


def test_crashed_upsert_is_rolled_forward_without_duplicates(tmp_path, make_frame, monkeypatch):
    root = tmp_path / "lake"
    Lake(root).write("frames", [make_frame(1, weather="clear"), make_frame(2, weather="clear")])
    with monkeypatch.context() as patch:
        _crash_in_apply(patch)
        with pytest.raises(Crash):
            Lake(root).write("frames", [make_frame(1, weather="rain")], mode="upsert")
    lake = Lake(root)
    rows = {r["frame_id"]: r["weather"] for r in lake.read("frames").to_pylist()}
    assert rows == {"f1": "rain", "f2": "clear"}
    assert lake.count("frames") == 2


def test_next_write_also_rolls_forward(tmp_path, make_frame, monkeypatch):
    root = tmp_path / "lake"
    lake = Lake(root)
    with monkeypatch.context() as patch:
        _crash_in_apply(patch)
        with pytest.raises(Crash):
            lake.write("frames", [make_frame(1)])
    # Same Lake object, no reopen: the write recovers first, then finds f1 present.
    assert lake.write("frames", [make_frame(1)]).skipped == 1
    assert lake.count("frames") == 1


def test_half_applied_journal_is_finished(tmp_path, make_frame):
    """A journal whose first rename was done before the crash: re-applying it must not fail or lose rows."""
    root = tmp_path / "lake"
    lake = Lake(root)
    tmp = root / "_txn" / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    ops = {"add": [], "remove": []}
    for i, date in ((1, "2024-05-01"), (2, "2024-05-02")):
        staged = tmp / f"{uuid.uuid4().hex}.parquet"
        pq.write_table(conform(TABLES["frames"], [make_frame(i, day=i)]), staged)
        ops["add"].append((str(staged), str(root / "frames" / f"date={date}" / f"part-{i}.parquet")))
    first_src, first_dst = ops["add"][0]
    (root / "frames" / "date=2024-05-01").mkdir(parents=True)
    (tmp / "stale-from-another-crash").touch()
    os.replace(first_src, first_dst)  # the crashed writer got this far
    (root / "_txn" / f"{uuid.uuid4().hex}.json").write_text(json.dumps(ops))

    reopened = Lake(root)
    assert reopened.keys("frames") == {("f1",), ("f2",)}
    assert not list((root / "_txn" / "tmp").iterdir())


def test_stale_temporary_files_without_a_journal_are_swept(tmp_path, make_frame):
    root = tmp_path / "lake"
    Lake(root).write("frames", [make_frame(1)])
    stale = root / "_txn" / "tmp" / "deadbeef.parquet"
    stale.write_bytes(b"half a parquet file")
    lake = Lake(root)
    assert not stale.exists()
    assert lake.count("frames") == 1


def test_a_broken_journal_is_discarded(tmp_path, make_frame):
    # Journals are renamed into place whole, so an unreadable one was never committed.
    root = tmp_path / "lake"
    Lake(root).write("frames", [make_frame(1)])
    broken = root / "_txn" / "0000.json"
    broken.write_text('{"add": [')
    lake = Lake(root)
    assert not broken.exists()
    assert lake.keys("frames") == {("f1",)}
