"""`curate`: the platform's command line. Each command group lives in its own module here and registers
itself through `register(app)`; this file only wires them together and turns known errors into clean exits."""

from __future__ import annotations

import importlib
from typing import Optional

import typer
from typer.core import TyperGroup

from curation.cli.common import CurateError, console, resolve_lake_path


class _CurateGroup(TyperGroup):
    """Turns the errors a user can act on into one red line and an exit code, never a traceback.

    Done here rather than in `main()` so that every way of invoking the app (console script, tests with
    typer's CliRunner) behaves the same.
    """

    def invoke(self, ctx):
        from connectors.lake import LakeError

        try:
            return super().invoke(ctx)
        except CurateError as exc:
            console.print(f"[red]error:[/red] {exc}", highlight=False)
            raise typer.Exit(exc.exit_code) from None
        except LakeError as exc:
            console.print(f"[red]lake error:[/red] {exc}", highlight=False)
            raise typer.Exit(2) from None


app = typer.Typer(
    name="curate",
    cls=_CurateGroup,
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
    "curation.cli.select",
    "curation.cli.simulate",
    "curation.cli.labelstudio",
    "curation.cli.report",
    "curation.cli.mine",
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
    """Console-script entry point."""
    from curation.jobs.runtime import tune_allocator

    tune_allocator()  # a CLI process is a batch job: keep freed tensor memory for reuse (see runtime.py)
    app(args=argv)
