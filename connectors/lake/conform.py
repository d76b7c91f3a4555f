"""Turn incoming rows into a pyarrow Table of exactly a table's schema, or say precisely what is wrong."""

from __future__ import annotations

import datetime as dt
from typing import Any, Iterable

import pyarrow as pa
import pyarrow.compute as pc

from connectors.lake.errors import LakeSchemaError
from connectors.lake.schemas import TableSpec



def _to_arrow_columns(spec: TableSpec, rows: Any) -> tuple[dict[str, Any], int]:
    """Columns as {name: arrow array or python list}, and the row count."""
    if isinstance(rows, pa.Table):
        return {name: rows.column(name) for name in rows.column_names}, rows.num_rows
    if hasattr(rows, "to_dict") and hasattr(rows, "columns"):  # a pandas DataFrame
        columns = {}
        for name in rows.columns:
            series = rows[name]
            try:
                columns[str(name)] = pa.Array.from_pandas(series)
            except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError):
                # A mixed column (e.g. floats and a string): keep Python values so the bad one can be named below.
                columns[str(name)] = series.astype(object).where(series.notna(), None).tolist()
        return columns, len(rows)
    if isinstance(rows, dict):
        raise LakeSchemaError(spec.name, "*", "rows must be a list of dicts, a pyarrow Table or a DataFrame, not one dict", rows)
    rows = list(rows)
    columns: dict[str, list] = {}
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            raise LakeSchemaError(spec.name, "*", "each row must be a dict of column -> value", row, i)
        for name in row:
            columns.setdefault(name, [None] * i)
        for name, values in columns.items():
            values.append(row.get(name))
    return columns, len(rows)


def _find_bad_value(values: Iterable[Any], type_: pa.DataType) -> tuple[int, Any, str]:
    """The first value that pyarrow cannot convert to `type_`, with its index and pyarrow's complaint."""
    for i, value in enumerate(values):
        try:
            pa.array([value], type=type_)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError) as exc:
            return i, value, str(exc).splitlines()[0]
    return -1, None, ""


def _utc(values: list[Any]) -> list[Any]:
    # Naive datetimes are taken as UTC: the lake stores UTC only and a naive local time would be ambiguous.
    return [v.replace(tzinfo=dt.timezone.utc) if isinstance(v, dt.datetime) and v.tzinfo is None else v for v in values]


def conform(spec: TableSpec, rows: Any) -> pa.Table:
    """Rows as a Table with exactly `spec.schema`: missing nullable columns filled with nulls.

    Raises LakeSchemaError naming the table, the column, the row and the value when a column is unknown,
    a required column is missing or null, or a value does not convert to the column's type.
    """
    columns, n = _to_arrow_columns(spec, rows)
    if n == 0:
        # Nothing to check: an empty batch (a job that found nothing new) is a no-op, not a missing-column error.
        return spec.schema.empty_table()
    allowed = spec.schema.names
    for name in columns:
        if name not in allowed and name != spec.partition:
            raise LakeSchemaError(
                spec.name, name, f"no such column; the columns are: {', '.join(allowed)}", None
            )
    arrays = []
    for field in spec.schema:
        if field.name not in columns:
            if not field.nullable:
                raise LakeSchemaError(spec.name, field.name, "required column is missing", None)
            arrays.append(pa.nulls(n, type=field.type))
            continue
        values = columns[field.name]
        try:
            if isinstance(values, (pa.Array, pa.ChunkedArray)):
                array = values if values.type == field.type else values.cast(field.type, safe=True)
            else:
                if pa.types.is_timestamp(field.type):
                    values = _utc(values)
                array = pa.array(values, type=field.type)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, TypeError, ValueError, OverflowError):
            python_values = values.to_pylist() if hasattr(values, "to_pylist") else values
            row, value, why = _find_bad_value(python_values, field.type)
            raise LakeSchemaError(
                spec.name, field.name, f"expected {field.type}, cannot convert ({why})", value, row if row >= 0 else None
            ) from None
        if not field.nullable and array.null_count:
            mask = pc.is_null(array)
            row = next(i for i, isnull in enumerate(mask.to_pylist()) if isnull)
            raise LakeSchemaError(spec.name, field.name, "required column has a null", None, row)
        arrays.append(array)
    return pa.Table.from_arrays(arrays, schema=spec.schema)
