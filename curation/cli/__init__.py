"""`curate`: the platform's command line. Each command group lives in its own module here and registers
itself through `register(app)`; this file only wires them together and turns known errors into clean exits."""

from __future__ import annotations

import importlib
import sys
from typing import Optional

import typer

from curation.cli.common import CurateError, console, resolve_lake_path

app = typer.Typer(
    name="curate",
    help="fleet-curation: find the frames worth labeling, send them to Label Studio, retrain, query the lake.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# One line per command module; each defines `register(app: typer.Typer) -> None`.
COMMAND_MODULES = [
    "curation.cli.lake",
    "curation.cli.ingest",
    "curation.cli.train",
    "curation.cli.score",
]


@app.callback()
def _root(
    ctx: typer.Context,
    lake: Optional[str] = typer.Option(None, "--lake", help="Lake directory (default: $CURATE_LAKE or ./lake)."),
) -> None:
    ctx.obj = {"lake_path": resolve_lake_path(lake)}


for _name in COMMAND_MODULES:
    importlib.import_module(_name).register(app)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: known errors become one red line and an exit code, not a traceback."""
    from connectors.lake import LakeError

    try:
        app(args=argv, standalone_mode=False)
    except CurateError as exc:
        console.print(f"[red]error:[/red] {exc}", highlight=False)
        sys.exit(exc.exit_code)
    except LakeError as exc:
        console.print(f"[red]lake error:[/red] {exc}", highlight=False)
        sys.exit(2)
    except KeyboardInterrupt:
        console.print("[yellow]interrupted[/yellow]")
        sys.exit(130)
    except SystemExit:
        raise
    except Exception as exc:  # click's own usage errors
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        if isinstance(exc, click.exceptions.Exit):
            sys.exit(exc.exit_code)
        if isinstance(exc, click.exceptions.Abort):
            sys.exit(1)
        raise
