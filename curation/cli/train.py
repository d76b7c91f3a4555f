"""`curate train`: fit a K-member ensemble on the lake's labels and register it in `models`."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from curation.cli.common import CurateError, console, get_lake, print_json


def _parse_weights(items: list[str]) -> dict[str, float]:
    out = {}
    for item in items:
        name, _, value = item.partition("=")
        try:
            out[name.strip()] = float(value)
        except ValueError:
            raise CurateError(f"--source-weight {item!r}: expected SOURCE=WEIGHT, e.g. synthetic=0.5") from None
    return out


def register(app: typer.Typer) -> None:
    @app.command()
    def train(
        ctx: typer.Context,
        task: Optional[str] = typer.Option(None, help="segmentation or classification."),
        arch: Optional[str] = typer.Option(None, help="Preset name (see `curate models`) or ArchSpec JSON path."),
        members: int = typer.Option(5, help="K, the ensemble size."),
        beta: Optional[float] = typer.Option(
            None, help="DPE prior weight; 0 = plain deep ensemble; default: the ELBO weight (0.5/(H*W) for "
                       "segmentation, 0.5 for classification)."),
        epochs: Optional[int] = typer.Option(None, help="Epochs (default 10 unless --max-steps)."),
        max_steps: Optional[int] = typer.Option(None, help="Optimizer steps (overrides --epochs)."),
        batch_size: int = typer.Option(8),
        lr: float = typer.Option(3e-3),
        where: Optional[str] = typer.Option(None, help="SQL predicate on frames (alias f) for the training pool."),
        val_where: Optional[str] = typer.Option(None, help="Evaluate on the ground truth of these frames."),
        source_weight: list[str] = typer.Option([], help="Loss weight per label source, e.g. synthetic=0.5."),
        mc_dropout: float = typer.Option(0.0, help="Dropout kept on at scoring (the MC-dropout baseline)."),
        precision: str = typer.Option("bf16-mixed", help="32 or bf16-mixed."),
        seed: int = typer.Option(0),
        config: Optional[Path] = typer.Option(None, help="YAML with the same keys (flags given explicitly win)."),
        resume: Optional[str] = typer.Option(None, help="Continue the run of this model version from its checkpoint."),
        as_json: bool = typer.Option(False, "--json", help="Print {model_version, metrics} as JSON on the last line."),
    ) -> None:
        """Train an ensemble (DPE prior) on labeled frames; prints the new model version."""
        import yaml
        from pydantic import ValidationError

        from curation.data.datamodule import NoTrainingData
        from curation.jobs.runs import Run
        from curation.jobs.train import TrainConfig, train as train_job

        values: dict = {}
        if config:
            if not config.exists():
                raise CurateError(f"--config {config} does not exist")
            values.update(yaml.safe_load(config.read_text()) or {})
        flags = dict(task=task, arch=arch, members=members, beta=beta, epochs=epochs, max_steps=max_steps,
                     batch_size=batch_size, lr=lr, where=where, val_where=val_where, mc_dropout=mc_dropout,
                     precision=precision, seed=seed)
        for key, value in flags.items():
            explicit = ctx.get_parameter_source(key).name != "DEFAULT"
            if explicit or (key not in values and value is not None):
                values[key] = value
        if source_weight:
            values["source_weights"] = {**values.get("source_weights", {}), **_parse_weights(source_weight)}
        try:
            # A resumed run keeps the config it was started with (saved beside its checkpoints).
            cfg = None if resume else TrainConfig.model_validate(values)
        except ValidationError as exc:
            raise CurateError(f"invalid training config: {exc}") from None
        lake = get_lake(ctx)
        try:
            with Run(lake, "train", cfg.model_dump() if cfg else {"resume": resume}) as run:
                result = train_job(lake, cfg, resume=resume, run_id=run.run_id)
                run.counts = {"model_version": result["model_version"], **result["label_set"]}
                run.stage_done("train", train_frames=result["label_set"]["train_frames"])
        except NoTrainingData as exc:
            raise CurateError(str(exc)) from None
        except (ValueError, FileNotFoundError) as exc:
            raise CurateError(str(exc)) from None
        metrics = result["metrics"]
        shown = {k: round(v, 4) for k, v in metrics.items() if k in ("val_miou", "val_acc", "val_ece")}
        console.print(f"model [bold]{result['model_version']}[/bold] trained on "
                      f"{result['label_set']['train_frames']} frames; {shown}")
        print(result["model_version"]) if not as_json else print_json(
            {"model_version": result["model_version"], "metrics": metrics})
