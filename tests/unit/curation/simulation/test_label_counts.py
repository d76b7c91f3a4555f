"""Labels per drive and condition: plain counting, nulls named, stable order."""

from __future__ import annotations

from curation.simulation.label_counts import NULL, count_labels


def test_counts_per_column_with_nulls():
    rows = [
        {"drive_id": "b", "weather": "rain", "time_of_day": "day"},
        {"drive_id": "a", "weather": None, "time_of_day": "day"},
        {"drive_id": "b", "weather": "rain", "time_of_day": "night"},
    ]
    counts = count_labels(rows)
    assert counts == {
        "drive_id": {"a": 1, "b": 2},
        "weather": {NULL: 1, "rain": 2},
        "time_of_day": {"day": 2, "night": 1},
    }
    assert list(counts["drive_id"]) == ["a", "b"]


def test_no_rows_gives_empty_columns():
    assert count_labels([], ["drive_id"]) == {"drive_id": {}}
