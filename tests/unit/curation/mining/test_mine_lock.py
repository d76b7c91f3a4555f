"""The mining lock: one holder at a time, a clear note of who holds it, released by the kernel on kill -9."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from curation.mining.errors import EXIT_LOCKED, LockHeld
from curation.mining.lock import MineLock, lock_path, read_holder


def test_a_second_holder_is_refused_with_the_first_ones_note(tmp_path):
    with MineLock(tmp_path / "lake", "mine-2026-11-23"):
        holder = read_holder(lock_path(tmp_path / "lake"))
        assert holder["pid"] == os.getpid() and holder["run_id"] == "mine-2026-11-23"
        with pytest.raises(LockHeld) as err:
            MineLock(tmp_path / "lake", "mine-2026-11-24").acquire()
        assert err.value.exit_code == EXIT_LOCKED
        assert err.value.holder["run_id"] == "mine-2026-11-23"
        assert f"pid {os.getpid()}" in str(err.value) and "changed nothing" in str(err.value)
        # The refused attempt did not wipe the holder's note.
        assert read_holder(lock_path(tmp_path / "lake"))["run_id"] == "mine-2026-11-23"


def test_release_clears_the_note_and_lets_the_next_run_in(tmp_path):
    lock = MineLock(tmp_path / "lake", "a").acquire()
    lock.release()
    assert read_holder(lock_path(tmp_path / "lake")) == {}
    with MineLock(tmp_path / "lake", "b"):
        assert read_holder(lock_path(tmp_path / "lake"))["run_id"] == "b"


def test_a_holder_killed_with_sigkill_leaves_no_stale_lock(tmp_path):
    script = textwrap.dedent(f"""
        import sys, time
        from curation.mining.lock import MineLock
        held = MineLock({str(tmp_path / "lake")!r}, "killed-run").acquire()
        print("held", flush=True)
        time.sleep(60)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "held"
        with pytest.raises(LockHeld, match="killed-run"):
            MineLock(tmp_path / "lake", "next").acquire()
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    # The note of the dead holder is still in the file, but the kernel released its flock.
    assert read_holder(lock_path(tmp_path / "lake"))["run_id"] == "killed-run"
    deadline = time.monotonic() + 5
    while True:
        try:
            with MineLock(tmp_path / "lake", "next"):
                assert read_holder(lock_path(tmp_path / "lake"))["run_id"] == "next"
            break
        except LockHeld:
            if time.monotonic() > deadline:
                raise


def test_lock_path_is_under_the_resolved_lake(tmp_path):
    assert lock_path(tmp_path / "lake" / ".." / "lake") == (tmp_path / "lake" / "locks" / "mine.lock").resolve()


def test_a_lake_path_that_is_a_file_is_an_input_error(tmp_path):
    from curation.mining.errors import EXIT_INPUT, MineConfigError

    (tmp_path / "file").write_text("x")
    with pytest.raises(MineConfigError, match="must be a directory") as err:
        MineLock(tmp_path / "file", "r").acquire()
    assert err.value.exit_code == EXIT_INPUT
