"""`drive_dedup`: neighbouring frames of one drive are near copies, so a batch spreads over drives and time.

Two hard rules, per drive: picks are at least `min_gap_s` seconds apart, and at most `max_per_drive`.
Candidates are sorted once by (drive, time); a pick then blocks a contiguous run of its drive's frames
(found by binary search), and a full drive blocks its whole run: O(log n + blocked) per pick.
"""

from __future__ import annotations

import numpy as np


class DriveDedup:
    """Which candidates a pick rules out. `drive`: `[N]` int codes; `ts`: `[N]` float64 seconds."""

    def __init__(self, drive: np.ndarray, ts: np.ndarray, min_gap_s: float, max_per_drive: int | None):
        self.min_gap_s = float(min_gap_s)
        self.max_per_drive = max_per_drive
        self.drive = np.asarray(drive, dtype=np.int64)
        self.order = np.lexsort((ts, self.drive))  # candidates sorted by drive, then time
        self.ts_sorted = np.asarray(ts, dtype=np.float64)[self.order]
        self.pos = np.empty_like(self.order)
        self.pos[self.order] = np.arange(self.order.size)
        n_drives = int(self.drive.max()) + 1 if self.drive.size else 0
        counts = np.bincount(self.drive, minlength=n_drives)
        self.start = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        self.end = self.start + counts
        self.picked = np.zeros(n_drives, dtype=np.int64)

    def gap_neighbours(self, i: int) -> np.ndarray:
        """Candidates of i's drive closer than min_gap_s to it in time (i itself included)."""
        if self.min_gap_s <= 0:
            return np.array([i], dtype=np.int64)
        d = self.drive[i]
        s, e = self.start[d], self.end[d]
        seg = self.ts_sorted[s:e]
        t = self.ts_sorted[self.pos[i]]
        # Frames exactly min_gap_s apart are allowed: the rule is "at least min_gap_s apart".
        lo = np.searchsorted(seg, t - self.min_gap_s, side="right")
        hi = np.searchsorted(seg, t + self.min_gap_s, side="left")
        return self.order[s + lo : s + hi]

    def drive_members(self, i: int) -> np.ndarray:
        """Every candidate of i's drive."""
        d = self.drive[i]
        return self.order[self.start[d] : self.end[d]]

    def fills_drive(self, i: int) -> bool:
        """Would picking i reach max_per_drive for its drive?"""
        return self.max_per_drive is not None and self.picked[self.drive[i]] + 1 >= self.max_per_drive

    def blocked_by(self, i: int) -> np.ndarray:
        """Candidates that picking i rules out (possibly with repeats; i included). Does not record the pick."""
        if self.fills_drive(i):
            return self.drive_members(i)
        return self.gap_neighbours(i)

    def record(self, i: int) -> np.ndarray:
        """Record the pick of i; returns the candidates it rules out (i included)."""
        blocked = self.blocked_by(i)
        self.picked[self.drive[i]] += 1
        return blocked

    def picks_in_drive(self, i: int) -> int:
        return int(self.picked[self.drive[i]])
