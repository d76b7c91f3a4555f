"""`curate report`: an HTML page on the state of the loop (runs, models, picks and why, labels, quarantine)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from curation.cli.common import console, get_lake, print_json


def register(app: typer.Typer) -> None:
    @app.command()
    def report(
        ctx: typer.Context,
        out: Optional[Path] = typer.Option(None, help="Where to write the HTML (default: <lake>/reports/report.html)."),
        as_json: bool = typer.Option(False, "--json", help="Print {path} as JSON on the last line."),
    ) -> None:
        """Write a self-contained HTML report of the lake."""
        from curation.reports.lake_report import write_report

        lake = get_lake(ctx)
        path = write_report(lake, out or lake.root / "reports" / "report.html")
        console.print(f"report: {path}")
        if as_json:
            print_json({"path": str(path)})
