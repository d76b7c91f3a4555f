"""`curate sql`, `curate tables`, `curate compact`: look into the lake."""

from __future__ import annotations

import json
import sys
from enum import Enum

import typer
from rich.table import Table

from curation.cli.common import CurateError, get_lake, out


class Format(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


def _print_arrow(result, fmt: Format, max_rows: int) -> None:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    if fmt is Format.csv:
        # CSV has no nested values: list/struct/map columns (class_fractions, embedding) go out as JSON text.
        for i, field in enumerate(result.schema):
            if pa.types.is_nested(field.type):
                cells = [None if v is None else json.dumps(v, default=str) for v in result.column(i).to_pylist()]
                result = result.set_column(i, field.name, pa.array(cells, pa.string()))
        pacsv.write_csv(result, sys.stdout.buffer)
        sys.stdout.flush()
        return
    if fmt is Format.json:
        print(json.dumps(result.to_pylist(), default=str))
        return
    table = Table(show_lines=False)
    for name in result.column_names:
        table.add_column(name, overflow="fold")
    for row in result.slice(0, max_rows).to_pylist():
        table.add_row(*("NULL" if v is None else str(v) for v in row.values()))
    out.print(table)
    if result.num_rows > max_rows:
        out.print(f"({result.num_rows} rows, first {max_rows} shown; use --max-rows or --format csv)")


def register(app: typer.Typer) -> None:
    @app.command()
    def sql(
        ctx: typer.Context,
        query: str = typer.Argument(..., help="Read-only SQL over the lake's tables (SELECT / WITH / EXPLAIN)."),
        format: Format = typer.Option(Format.table, "--format", "-f", help="table, csv or json."),
        max_rows: int = typer.Option(50, help="Rows shown in table format."),
    ) -> None:
        """Run read-only SQL over the lake. Tables: frames, ground_truth, labels, scores, selections, tasks,
        runs, models, quarantine, simulations."""
        result = get_lake(ctx).query(query, read_only=True)
        _print_arrow(result, format, max_rows)

    @app.command()
    def tables(ctx: typer.Context, schemas: bool = typer.Option(True, help="Show each table's columns.")) -> None:
        """List the lake's tables with row counts, files and schemas."""
        from connectors.lake import TABLES

        lake = get_lake(ctx)
        out.print(f"lake: {lake.root}")
        summary = Table("table", "rows", "files", "key", "partitioned by")
        for name, spec in TABLES.items():
            summary.add_row(name, str(lake.count(name)), str(len(lake.files(name))), ", ".join(spec.key), spec.partition or "")
        out.print(summary)
        if schemas:
            for name, spec in TABLES.items():
                cols = ", ".join(f"{f.name} {f.type}{'' if f.nullable else ' NOT NULL'}" for f in spec.schema)
                out.print(f"[bold]{name}[/bold]: {cols}")

    @app.command()
    def compact(ctx: typer.Context, table: str = typer.Argument(None, help="One table (default: all).")) -> None:
        """Merge each table's small Parquet files into one file per partition."""
        from connectors.lake import TABLES

        lake = get_lake(ctx)
        names = [table] if table else list(TABLES)
        for name in names:
            if name not in TABLES:
                raise CurateError(f"unknown table {name!r}; the tables are: {', '.join(TABLES)}")
            out.print(f"{name}: {lake.compact(name)} file(s)")
