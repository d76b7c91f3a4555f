"""`curate select --config select.yaml [--budget N] [--json]`: pick the frames worth labeling."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Column, Table

from curation.cli.common import CurateError, console, get_lake, print_json


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.4g}"


def _print_summary(run) -> None:
    result = run.result
    console.print(
        f"[bold]{run.run_id}[/bold]: picked {len(result)} of a budget of {result.budget} "
        f"from {result.n_candidates} candidates (scores of {run.model_version or 'no model'})"
    )
    if result.quota:
        table = Table("quota key", "kind", "share", "required / cap", "available", "picked", "status", title="quotas")
        for q in result.quota:
            status = "ok" if q.met else f"[red]short by {q.shortfall}[/red]"
            table.add_row(q.key, q.kind, f"{q.share:g}", str(q.required), str(q.available), str(q.picked), status)
        console.print(table)
    if result.cells:
        table = Table(*result.cell_columns, "candidates", "picked", "share of picks", title="condition cells")
        for cell in result.cells:
            share = cell.picked / len(result) if len(result) else 0.0
            table.add_row(*(cell.cell[c] for c in result.cell_columns), str(cell.candidates), str(cell.picked), f"{share:.1%}")
        console.print(table)
    if result.score_summary:
        table = Table(Column("score", overflow="fold"), "of", "n", "mean", "p10", "p50", "p90", "max", title="score distribution")
        for name, d in result.score_summary.items():
            for label in ("candidates", "picked"):
                v = d[label]
                table.add_row(name if label == "candidates" else "", label, str(v.get("n", 0)),
                              *(_fmt(v.get(k)) for k in ("mean", "p10", "p50", "p90", "max")))
        console.print(table)
    if len(result):
        counts: dict[str, int] = {}
        for s in result.strategies:
            counts[s] = counts.get(s, 0) + 1
        console.print("deciding term per pick: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1])))
    for message in result.messages:
        console.print(f"[yellow]{message}[/yellow]", highlight=False)
    if len(result):
        console.print(
            "why a frame was picked: curate sql \"SELECT rank, frame_id, strategy, score, reasons FROM selections "
            f"WHERE run_id = '{run.run_id}' ORDER BY rank\"",
            highlight=False,
            soft_wrap=True,
        )


def register(app: typer.Typer) -> None:
    @app.command("select")
    def select_cmd(
        ctx: typer.Context,
        config: Path = typer.Option(..., "--config", "-c", help="Selection spec (YAML): budget, candidates, strategies."),
        budget: Optional[int] = typer.Option(None, "--budget", help="Frames to pick (overrides budget/proportion in the spec)."),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON object (run_id, count, ...) on the last line."),
    ) -> None:
        """Pick frames to label with the strategies of a spec; writes a `selections` run with the why of each pick."""
        from curation.selection.errors import SpecError
        from curation.selection.job import run_select
        from curation.selection.spec import load_spec

        try:
            spec = load_spec(Path(config))
            if budget is not None:
                spec = spec.with_budget(budget)
        except SpecError as exc:
            raise CurateError(str(exc)) from None
        lake = get_lake(ctx)
        try:
            run = run_select(lake, spec, source=str(config))
        except SpecError as exc:
            raise CurateError(f"{config}: {exc}") from None
        _print_summary(run)
        if as_json:
            print_json(run.summary())
