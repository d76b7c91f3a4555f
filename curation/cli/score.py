"""`curate score`: run a trained ensemble over the frames it has not scored yet."""

from __future__ import annotations

from typing import Optional

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from curation.cli.common import CurateError, console, get_lake, print_json


def register(app: typer.Typer) -> None:
    @app.command()
    def score(
        ctx: typer.Context,
        model: str = typer.Option("latest", help="Model version (see `curate sql \"SELECT * FROM models\"`) or latest."),
        where: Optional[str] = typer.Option(
            None, help="SQL predicate on frames (alias f). Default: frames of the datasets the model was trained on."),
        batch_size: int = typer.Option(16),
        reduction: str = typer.Option("mean", help="Per-frame reduction of pixel maps: mean, top_q, class_weighted."),
        precision: str = typer.Option("bf16", help="bf16 (autocast) or fp32."),
        as_json: bool = typer.Option(False, "--json", help="Print counts as JSON on the last line."),
    ) -> None:
        """Score unscored frames: every acquisition column, class fractions and an embedding per frame."""
        from curation.jobs.runs import Run
        from curation.jobs.score import ScoreJobError, run_score

        if reduction not in ("mean", "top_q", "class_weighted"):
            raise CurateError(f"--reduction {reduction!r}: allowed are mean, top_q, class_weighted")
        if precision not in ("bf16", "fp32"):
            raise CurateError(f"--precision {precision!r}: allowed are bf16, fp32")
        lake = get_lake(ctx)
        columns = (TextColumn("score"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.speed} frames/s"),
                   TimeRemainingColumn())
        try:
            with Run(lake, "score", {"model": model, "where": where, "batch_size": batch_size, "reduction": reduction,
                                     "precision": precision}) as run, Progress(*columns, console=console) as bar:
                task = bar.add_task("score", total=None)
                summary = run_score(
                    lake, model, where=where, batch_size=batch_size, reduction=reduction, precision=precision,
                    run_id=run.run_id, on_total=lambda n: bar.update(task, total=n),
                    progress=lambda n: bar.advance(task, n),
                )
                run.counts = summary
                run.stage_done("score", scored=summary["scored"], quarantined=summary["quarantined"])
        except ScoreJobError as exc:
            raise CurateError(str(exc)) from None
        console.print(f"scored {summary['scored']} frames with {summary['model_version']} "
                      f"({summary['frames_per_s']:.1f} frames/s); {summary['quarantined']} quarantined")
        if as_json:
            print_json(summary)
