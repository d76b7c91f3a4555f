"""Row factories for the lake tests: valid rows that a test then changes in the one way it is about."""

from __future__ import annotations

import datetime as dt

import pytest

UTC = dt.timezone.utc
INGESTED = dt.datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def _frame(i: int | str, day: int = 1, **overrides):
    row = {
        "frame_id": f"f{i}",
        "drive_id": "drive-a",
        "camera": "front",
        "ts": dt.datetime(2024, 5, day, 8, 30, tzinfo=UTC),
        "uri": f"/data/f{i}.png",
        "width": 4,
        "height": 3,
        "domain": "real",
        "source": "unit",
        "split": "train",
        "weather": "clear",
        "ingested_at": INGESTED,
    }
    row.update(overrides)
    return row


@pytest.fixture
def make_frame():
    """make_frame(i, day=1, **overrides) -> a valid `frames` row with frame_id f{i} recorded on 2024-05-{day}."""
    return _frame


@pytest.fixture
def make_score():
    """make_score(frame_id, model_version='m1', **overrides) -> a valid `scores` row."""

    def make(frame_id: str, model_version: str = "m1", **overrides):
        row = {
            "frame_id": frame_id,
            "model_version": model_version,
            "entropy": 0.5,
            "mutual_information": 0.25,
            "class_fractions": [0.75, 0.25],
            "embedding": [1.0, 0.0, -1.0],
            "scored_at": INGESTED,
        }
        row.update(overrides)
        return row

    return make
