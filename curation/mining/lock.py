"""One `curate mine` per lake at a time: an exclusive, non-blocking `flock` on `<lake>/locks/mine.lock`.

The kernel releases a flock when its process dies, kill -9 included, so a crashed run never leaves a
stale lock behind. The holder writes who it is (pid, host, run id, start time) into the file so that a
second run can say whom it is waiting for; the file's content is only informative, the flock decides.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import socket
from pathlib import Path
from typing import Any

from curation.mining.errors import LockHeld, MineConfigError

LOCK_RELATIVE = Path("locks") / "mine.lock"


def lock_path(lake_root: Path) -> Path:
    """Where the mining lock of the lake at `lake_root` lives (the lake need not be opened)."""
    return Path(lake_root).expanduser().resolve() / LOCK_RELATIVE


def read_holder(path: Path) -> dict[str, Any]:
    """What the current holder wrote into the lock file ({} when nothing readable is there)."""
    try:
        text = Path(path).read_text()
        return json.loads(text) if text.strip() else {}
    except (OSError, ValueError):
        return {}


class MineLock:
    """Context manager holding the lock for a run; raises LockHeld at once if another process has it."""

    def __init__(self, lake_root: Path, run_id: str):
        self.path = lock_path(lake_root)
        self.run_id = run_id
        self._fh = None

    def acquire(self) -> "MineLock":
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # "a+" neither truncates nor fails when the file exists: a waiting process must not wipe the
            # holder's note before it knows whether it got the lock.
            fh = open(self.path, "a+")
        except OSError as exc:
            raise MineConfigError(f"cannot create the mining lock {self.path}: {exc.strerror or exc}; --lake must "
                                  "be a directory this user can write") from None
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.close()
            holder = read_holder(self.path)
            who = (f"pid {holder.get('pid')} on {holder.get('host')}, run {holder.get('run_id')}, "
                   f"started {holder.get('started_at')}") if holder else "a process that has not written its note yet"
            raise LockHeld(
                f"another `curate mine` holds {self.path} ({who}); this run changed nothing. "
                "Retry when it has finished (exit code 3 = try again later)",
                holder,
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "run_id": self.run_id,
                             "started_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}))
        fh.flush()
        self._fh = fh
        return self

    def release(self) -> None:
        if self._fh is None:
            return
        try:
            self._fh.seek(0)
            self._fh.truncate()  # no stale note for the next reader
        finally:
            fcntl.flock(self._fh, fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None

    def __enter__(self) -> "MineLock":
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
