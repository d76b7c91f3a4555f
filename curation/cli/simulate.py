"""`curate simulate --config sim.yaml`: the offline active-learning experiment, its report and its table."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from curation.cli.common import CurateError, console, get_lake, print_json


def _quiet_lightning() -> None:
    """Lightning's per-fit banners and tips would bury the round log."""
    import logging
    import warnings

    import pytorch_lightning  # noqa: F401  (it sets its loggers' levels on import: import first, then quiet them)

    for name in ("pytorch_lightning", "lightning", "lightning.pytorch", "lightning_fabric", "lightning.fabric"):
        logging.getLogger(name).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", module="pytorch_lightning")
    warnings.filterwarnings("ignore", module="lightning_fabric")
    warnings.filterwarnings("ignore", message=".*does not have many workers.*")


def _labeler(lake, name: str, sim_id: str):
    from curation.simulation.labelers import DirectLabeler, LabelStudioLabeler

    if name == "direct":
        return DirectLabeler()
    # The server and image hosting are found exactly as `curate labelstudio push` finds them.
    from curation.cli import labelstudio as ls_cli

    client, state = ls_cli._client(lake)
    return LabelStudioLabeler(client, ls_cli._hosting(lake, state, None, None), project_prefix=f"{sim_id}-")


def _class_names(lake, task: str, pool: str) -> list[str]:
    from connectors.datasets import registry

    try:
        sources = lake.query(f"SELECT DISTINCT f.source FROM frames f WHERE ({pool})", read_only=True).column("source").to_pylist()
        if len(sources) == 1:
            return list(registry.class_list(sources[0], task).names)
    except Exception:  # an unknown dataset only loses the class names in the report
        pass
    return []


def _print_table(summaries, rows, pool_size: int, metric: str) -> None:
    from curation.simulation.report import fmt_mean_std, fmt_share

    budgets = sorted({int(r["labels_used"]) for r in rows})
    table = Table("strategy", *(f"{b} ({b / pool_size:.0%})" for b in budgets), "95% at", "wall min/seed",
                  title=f"{metric} against labels used (mean ± std over seeds)")
    for s in summaries:
        at = {p.labels_used: p for p in s.points}
        table.add_row(s.strategy, *(fmt_mean_std(at.get(b)) for b in budgets), fmt_share(s.fraction_95),
                      "-" if math.isnan(s.wall_s_per_seed) else f"{s.wall_s_per_seed / 60:.1f}")
    console.print(table)


def register(app: typer.Typer) -> None:
    @app.command()
    def simulate(
        ctx: typer.Context,
        config: Path = typer.Option(..., "--config", help="Simulation YAML (see curation/simulation/config.py)."),
        sim_id: Optional[str] = typer.Option(None, help="Rows and work folder id (default: the config's name)."),
        labeler: Optional[str] = typer.Option(None, help="direct or labelstudio (overrides the config)."),
        strategy: list[str] = typer.Option([], help="Run only these strategies (repeatable)."),
        seed: list[int] = typer.Option([], help="Run only these seeds (repeatable)."),
        report_only: bool = typer.Option(False, "--report-only", help="Do not run rounds; rebuild the report from the lake."),
        out: Optional[Path] = typer.Option(None, help="Report folder (default: <workdir>/<sim_id>/report)."),
        threads: int = typer.Option(0, help="torch CPU threads (0 = torch's default). On a CPU shared with other "
                                           "jobs, 1 avoids idle-spinning thread pools (measured 15x faster there)."),
        as_json: bool = typer.Option(False, "--json", help="Print the summary and file paths as JSON on the last line."),
    ) -> None:
        """Replay the active-learning loop offline with an oracle labeler, for several strategies at equal
        budgets; every round is a `simulations` row; writes a learning-curve PNG and an HTML report."""
        from curation.simulation import SimConfigError, SimulationError, load_config, run_simulation
        from curation.simulation.budgets import BudgetError
        from curation.simulation.loop import metric_name, simulation_dir
        from curation.simulation.report import summarize, write_report
        from curation.simulation.workspace import WorkspaceError, pool_and_eval

        if not config.exists():
            raise CurateError(f"--config {config} does not exist; write a simulate YAML (see `curate simulate --help`)")
        try:
            cfg = load_config(config)
        except SimConfigError as exc:
            raise CurateError(str(exc)) from None
        if labeler is not None:
            if labeler not in ("direct", "labelstudio"):
                raise CurateError(f"--labeler {labeler!r}: allowed: direct, labelstudio")
            cfg = cfg.model_copy(update={"labeler": labeler})
        lake = get_lake(ctx)
        sim_id = sim_id or cfg.name
        _quiet_lightning()
        if threads > 0:
            import torch

            torch.set_num_threads(threads)
        summary = None
        try:
            if not report_only:
                from curation.jobs.runs import Run

                chosen = _labeler(lake, cfg.labeler, sim_id)
                with Run(lake, "simulate", {"sim_id": sim_id, **cfg.model_dump(mode="json")}, run_id=f"sim-{sim_id}") as run:
                    summary = run_simulation(lake, cfg, sim_id=sim_id, labeler=chosen, only=strategy or None,
                                             seeds=seed or None, log=lambda m: console.print(m, highlight=False))
                    run.counts = summary.as_dict()
                    run.stage_done("simulate", rounds_run=summary.rounds_run, rounds_skipped=summary.rounds_skipped)
            frames = pool_and_eval(lake, cfg.task, cfg.pool, cfg.eval)
        except (SimulationError, BudgetError, WorkspaceError) as exc:
            raise CurateError(str(exc)) from None
        rows = lake.query("SELECT * FROM simulations WHERE sim_id = ? ORDER BY strategy, seed, round", [sim_id]).to_pylist()
        if not rows:
            raise CurateError(f"no `simulations` rows for sim_id {sim_id!r} in {lake.root}: run without --report-only first")
        order = [s.name for s in cfg.resolved_strategies()]
        rows.sort(key=lambda r: (order.index(r["strategy"]) if r["strategy"] in order else len(order), r["strategy"],
                                 r["seed"], r["round"]))  # strategies in the config's order
        pool_size = len(frames.pool)
        metric = metric_name(cfg.task)
        folder = out or simulation_dir(lake, cfg, sim_id) / "report"
        png, page = write_report(rows, folder, sim_id=sim_id, pool_size=pool_size, metric_name=metric,
                                 class_names=_class_names(lake, cfg.task, cfg.pool), config=cfg.model_dump(mode="json"))
        summaries = summarize(rows, pool_size)
        _print_table(summaries, rows, pool_size, metric)
        console.print(f"learning curves: {png}\nreport: {page}", highlight=False)
        if as_json:
            print_json({
                "sim_id": sim_id, "rows": len(rows), "png": str(png), "html": str(page),
                **(summary.as_dict() if summary else {}),
                "fraction_95": {s.strategy: s.fraction_95 for s in summaries},
            })
