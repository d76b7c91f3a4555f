"""Rows that break a table's schema fail with an error naming the table, the column, the row and the value."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pyarrow as pa
import pytest

from connectors.lake import SCHEMAS, LakeSchemaError
from connectors.lake.conform import conform
from connectors.lake.schemas import TABLES


def _error(lake, table, rows) -> LakeSchemaError:
    with pytest.raises(LakeSchemaError) as info:
        lake.write(table, rows)
    return info.value


def test_wrong_type_names_table_column_row_and_value(lake, make_frame):
    rows = [make_frame(1), make_frame(2, width="wide")]
    err = _error(lake, "frames", rows)
    assert (err.table, err.column, err.row, err.value) == ("frames", "width", 1, "wide")
    message = str(err)
    for part in ("'frames'", "'width'", "row 1", "'wide'", "int32"):
        assert part in message
    assert lake.count("frames") == 0, "a failed write must write nothing"


def test_unknown_column_is_an_error_listing_the_columns(lake, make_frame):
    err = _error(lake, "frames", [make_frame(1, weathr="rain")])
    assert (err.table, err.column) == ("frames", "weathr")
    assert "no such column" in str(err) and "weather" in str(err)


def test_null_in_required_column_names_its_row(lake, make_frame):
    err = _error(lake, "frames", [make_frame(1), make_frame(2), make_frame(3, uri=None)])
    assert (err.table, err.column, err.row) == ("frames", "uri", 2)
    assert "null" in str(err)


def test_missing_required_column(lake, make_frame):
    row = make_frame(1)
    del row["drive_id"]
    err = _error(lake, "frames", [row])
    assert err.column == "drive_id" and "missing" in str(err)


def test_missing_nullable_columns_are_filled_with_nulls(lake, make_frame):
    row = make_frame(1)
    for column in ("camera", "split", "weather"):
        del row[column]
    lake.write("frames", [row])
    stored = lake.read("frames").to_pylist()[0]
    assert stored["camera"] is None and stored["weather"] is None and stored["lat"] is None


def test_out_of_range_integer_is_refused(lake):
    now = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
    err = _error(lake, "selections", [{"run_id": "r", "frame_id": "f", "rank": 2**40, "selected_at": now}])
    assert (err.column, err.value, err.row) == ("rank", 2**40, 0)


def test_dataframe_rows_are_checked_too(lake, make_score):
    frame = pd.DataFrame([make_score("a"), make_score("b", entropy="high")])
    err = _error(lake, "scores", frame)
    assert (err.table, err.column, err.value, err.row) == ("scores", "entropy", "high", 1)


def test_arrow_rows_with_a_null_key(lake, make_score):
    table = pa.Table.from_pylist([make_score("a"), make_score("b", model_version=None)])
    err = _error(lake, "scores", table)
    assert (err.column, err.row) == ("model_version", 1)


def test_a_single_dict_is_refused_with_a_hint(lake, make_frame):
    err = _error(lake, "frames", make_frame(1))
    assert "list of dicts" in str(err)


def test_naive_datetimes_are_taken_as_utc(make_frame):
    row = make_frame(1, ts=dt.datetime(2024, 5, 1, 23, 30))
    table = conform(TABLES["frames"], [row])
    assert table.schema == SCHEMAS["frames"]
    assert table.column("ts")[0].as_py() == dt.datetime(2024, 5, 1, 23, 30, tzinfo=dt.timezone.utc)


def test_aware_datetimes_are_converted_to_utc(make_frame):
    plus2 = dt.timezone(dt.timedelta(hours=2))
    table = conform(TABLES["frames"], [make_frame(1, ts=dt.datetime(2024, 5, 2, 1, 0, tzinfo=plus2))])
    assert table.column("ts")[0].as_py() == dt.datetime(2024, 5, 1, 23, 0, tzinfo=dt.timezone.utc)


def test_conform_casts_compatible_arrow_types(make_score):
    # int64 in, float32 stored: a safe cast is not an error.
    table = pa.Table.from_pylist([make_score("a", entropy=None)]).set_column(
        2, "entropy", pa.array([3], pa.int64())
    )
    out = conform(TABLES["scores"], table)
    assert out.schema == SCHEMAS["scores"]
    assert out.column("entropy").to_pylist() == [3.0]


def test_partition_column_may_be_passed_and_is_not_stored(make_frame):
    table = conform(TABLES["frames"], [make_frame(1, date="2024-05-01")])
    assert "date" not in table.column_names


@pytest.mark.parametrize("rows", [[], pd.DataFrame(), pa.table({})])
def test_writing_no_rows_is_a_no_op(lake, rows):
    result = lake.write("frames", rows)
    assert (result.inserted, result.replaced, result.skipped) == (0, 0, 0)
    assert lake.count("frames") == 0
