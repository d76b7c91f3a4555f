"""The Parquet lake: schemas defined once, atomic idempotent writes by key, DuckDB views per table."""

from connectors.lake.errors import LakeError, LakeSchemaError
from connectors.lake.schemas import KEYS, SCHEMAS, TABLES, TableSpec
from connectors.lake.store import Lake, WriteResult, check_read_only

__all__ = ["KEYS", "SCHEMAS", "TABLES", "Lake", "LakeError", "LakeSchemaError", "TableSpec", "WriteResult", "check_read_only"]
