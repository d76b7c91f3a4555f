"""Errors raised by the lake. Each says what was received, what is allowed, and what to do."""


class LakeError(Exception):
    """A lake operation could not be done (unknown table, unreadable file, ...)."""


class LakeSchemaError(LakeError):
    """A row does not fit its table's schema. Names the table, the column, the row and the value."""

    def __init__(self, table: str, column: str, message: str, value: object = None, row: int | None = None):
        self.table, self.column, self.value, self.row = table, column, value, row
        where = f"table {table!r}, column {column!r}" + (f", row {row}" if row is not None else "")
        shown = repr(value)
        if len(shown) > 120:
            shown = shown[:117] + "..."
        super().__init__(f"{where}: {message}" + (f" (value: {shown})" if value is not None else ""))
