"""Where the labels went: counts of labeled frames per drive and per condition, for `simulations.label_counts`."""

from __future__ import annotations

from typing import Iterable, Mapping, Sequence

# frames columns a report breaks labels down by: the drive, and the conditions selection quotas use.
COLUMNS = ("drive_id", "weather", "time_of_day")
NULL = "<null>"


def count_labels(frames: Iterable[Mapping], columns: Sequence[str] = COLUMNS) -> dict[str, dict[str, int]]:
    """{column: {value: labeled frames}} over `frames` (rows of the labeled frames); null values count as
    '<null>'. Values are sorted so the JSON is stable."""
    out: dict[str, dict[str, int]] = {c: {} for c in columns}
    for row in frames:
        for c in columns:
            value = row.get(c)
            key = NULL if value is None else str(value)
            out[c][key] = out[c].get(key, 0) + 1
    return {c: dict(sorted(v.items())) for c, v in out.items()}
