"""The table definitions: every table of ARCHITECTURE.md, keys that exist and cannot be null."""

from __future__ import annotations

import pyarrow as pa
import pytest

from connectors.lake import KEYS, SCHEMAS, TABLES, LakeError
from connectors.lake.schemas import table_spec

ARCHITECTURE_TABLES = {
    "frames": ("frame_id",),
    "ground_truth": ("frame_id",),
    "labels": ("frame_id", "source", "label_id"),
    "scores": ("frame_id", "model_version"),
    "selections": ("run_id", "frame_id"),
    "tasks": ("frame_id", "project_id"),
    "runs": ("run_id",),
    "models": ("model_version",),
    "quarantine": ("uri",),
    "simulations": ("sim_id", "strategy", "seed", "round"),
}


def test_tables_and_keys_are_those_of_the_architecture():
    assert KEYS == ARCHITECTURE_TABLES
    assert set(SCHEMAS) == set(TABLES) == set(ARCHITECTURE_TABLES)


@pytest.mark.parametrize("name", sorted(ARCHITECTURE_TABLES))
def test_key_columns_exist_and_are_required(name):
    schema = SCHEMAS[name]
    for column in KEYS[name]:
        assert column in schema.names
        assert not schema.field(column).nullable, f"{name}.{column} is a key column and must not be nullable"


def test_frames_columns_and_partition():
    schema = SCHEMAS["frames"]
    for column in ("drive_id", "camera", "ts", "uri", "width", "height", "domain", "source", "split",
                   "weather", "time_of_day", "location", "lat", "lon", "ingested_at"):
        assert column in schema.names
    assert schema.field("ts").type == pa.timestamp("us", tz="UTC")
    assert TABLES["frames"].partition == "date"
    # The partition column is derived from ts, never stored inside the files.
    assert "date" not in schema.names
    assert all(spec.partition is None for name, spec in TABLES.items() if name != "frames")


def test_scores_list_columns_are_float32_lists():
    schema = SCHEMAS["scores"]
    for column in ("class_fractions", "embedding"):
        assert schema.field(column).type == pa.list_(pa.float32())
    for column in ("entropy", "expected_entropy", "mutual_information", "variation_ratio", "margin", "least_confidence"):
        assert schema.field(column).type == pa.float32()


def test_every_timestamp_is_utc():
    for name, schema in SCHEMAS.items():
        for field in schema:
            if pa.types.is_timestamp(field.type):
                assert field.type.tz == "UTC", f"{name}.{field.name} is {field.type}"


def test_unknown_table_error_lists_the_tables():
    with pytest.raises(LakeError, match="unknown lake table 'frame'.*frames, ground_truth"):
        table_spec("frame")
