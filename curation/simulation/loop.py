"""The offline active-learning loop: for every seed and strategy, rounds of label -> train -> evaluate ->
score -> select, each round one `simulations` row in the source lake.

Round 0 labels a random seed set (the same frames for every strategy of a seed); round r >= 1 scores the
unlabeled pool with round r-1's model, selects frames up to the r-th budget with the strategy's spec, has
the labeler label them, and trains a fresh model on everything labeled so far. Each (strategy, seed) works
in its own lake under `<workdir>/<sim_id>/<strategy>-s<seed>/lake` (see `workspace`).

Resuming: a round whose row is already in `simulations` is skipped; the working lake holds the labels
and models the next round continues from. Rounds that would train exactly what another arm of this
simulation already trained (same training setup, seed and labeled frames: round 0 of strategies sharing a
model, and the full-pool round) reuse that model instead of training it again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

import pyarrow as pa

from connectors.lake import Lake
from curation.simulation.budgets import initial_labeled, schedule
from curation.simulation.config import ResolvedStrategy, SimConfig
from curation.simulation.label_counts import COLUMNS, count_labels
from curation.simulation.labelers import DirectLabeler, Labeler
from curation.simulation.workspace import Frames, create_working_lake, pool_and_eval

Log = Callable[[str], None]


class SimulationError(RuntimeError):
    """The simulation cannot go on as asked: says what is inconsistent and how to start clean."""


@dataclass
class SimulationSummary:
    sim_id: str
    pool_size: int
    eval_size: int
    schedule: list[int]
    workdir: Path
    rounds_run: int = 0
    rounds_skipped: int = 0
    rounds_reused: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"sim_id": self.sim_id, "pool_size": self.pool_size, "eval_size": self.eval_size,
                "schedule": self.schedule, "workdir": str(self.workdir), "rounds_run": self.rounds_run,
                "rounds_skipped": self.rounds_skipped, "rounds_reused": self.rounds_reused}


def metric_name(task: str) -> str:
    return "miou" if task == "segmentation" else "accuracy"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


# ---------------------------------------------------------------------------------------------- bookkeeping
def simulation_dir(source: Lake, config: SimConfig, sim_id: str) -> Path:
    base = Path(config.workdir) if config.workdir is not None else source.root / "simulate"
    return base.expanduser().resolve() / sim_id


def _check_config(folder: Path, config: SimConfig, sim_id: str) -> None:
    """The first run of a sim_id records its config; a later run must describe the same experiment."""
    folder.mkdir(parents=True, exist_ok=True)
    saved = folder / "config.json"
    payload = {"fingerprint": config.fingerprint(), "config": config.model_dump(mode="json")}
    if saved.exists():
        before = json.loads(saved.read_text())
        if before.get("fingerprint") != payload["fingerprint"]:
            raise SimulationError(
                f"simulation {sim_id!r} was started with a different config ({saved}); its rows would mix two "
                "experiments. Give this one another name (or --sim-id), or delete that folder and the rows "
                f"(DELETE FROM simulations WHERE sim_id = '{sim_id}') to start over"
            )
    saved.write_text(json.dumps(payload, indent=2, sort_keys=True))


def done_rounds(source: Lake, sim_id: str) -> dict[tuple[str, int, int], dict]:
    """{(strategy, seed, round): row} already recorded for `sim_id`."""
    rows = source.query("SELECT * FROM simulations WHERE sim_id = ?", [sim_id]).to_pylist()
    return {(r["strategy"], int(r["seed"]), int(r["round"])): r for r in rows}


class _TrainCache:
    """Models trained in this simulation, by what decides them (setup, seed, labeled frames): a JSON-lines
    file under the simulation folder, so reuse works across resumed runs too."""

    def __init__(self, path: Path):
        self.path = path
        self.entries: dict[str, dict] = {}
        if path.exists():
            for line in path.read_text().splitlines():
                if line.strip():
                    entry = json.loads(line)
                    self.entries[entry["key"]] = entry

    @staticmethod
    def key(train_config: dict, labeled: list[str]) -> str:
        blob = json.dumps({"train": train_config, "labeled": sorted(labeled)}, sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()

    def get(self, key: str) -> Optional[dict]:
        return self.entries.get(key)

    def put(self, entry: dict) -> None:
        self.entries[entry["key"]] = entry
        with self.path.open("a") as fh:
            fh.write(json.dumps(entry, sort_keys=True) + "\n")


# ---------------------------------------------------------------------------------------------- one round
def _labeled_ids(lake: Lake, pool: list[str]) -> list[str]:
    table = lake.query("SELECT DISTINCT frame_id FROM labels WHERE list_contains(?, frame_id) ORDER BY 1", [pool])
    return [str(v) for v in table.column("frame_id").to_pylist()]


def _label_counts(lake: Lake, pool: list[str]) -> dict:
    cols = ", ".join(f"f.{c}" for c in COLUMNS)
    rows = lake.query(
        f"SELECT {cols} FROM frames f WHERE list_contains(?, f.frame_id) "
        "AND EXISTS (SELECT 1 FROM labels l WHERE l.frame_id = f.frame_id)", [pool]).to_pylist()
    return count_labels(rows)


def _needs_labeled_embeddings(strategy: ResolvedStrategy) -> bool:
    for s in strategy.spec.strategies:
        if (s.strategy == "diversity" and s.against_labeled) or (s.strategy == "near_duplicate" and "labeled" in s.against):
            return True
    return False


def score_pool(lake: Lake, model_version: str, frame_ids: list[str], config: SimConfig) -> int:
    """Score `frame_ids` with `model_version` (those not scored yet); returns how many were scored."""
    from curation.data import queries
    from curation.jobs.checkpoints import load
    from curation.jobs.score import ScoreConfig, score_frames

    row = queries.model_row(lake, model_version)
    if row is None:
        raise SimulationError(f"model {model_version} is not in the working lake {lake.root}: the working folder was "
                              "changed or removed; delete the simulation's folder and rows to start over")
    model = load(row["checkpoint_uri"])
    wanted = set(frame_ids)
    frames = [f for f in queries.frames_to_score(lake, model_version).to_pylist() if f["frame_id"] in wanted]
    s = config.score
    summary = score_frames(lake, model, frames, ScoreConfig(batch_size=s.batch_size, reduction=s.reduction,
                                                            precision=s.precision, mc_samples=s.mc_samples))
    return summary.scored


def _random_picks(lake: Lake, unlabeled: list[str], k: int, seed: int) -> list[str]:
    from curation.selection import parse_spec, select

    table = lake.query(
        "SELECT frame_id, drive_id, ts FROM frames WHERE list_contains(?, frame_id) ORDER BY frame_id", [unlabeled])
    spec = parse_spec({"budget": k, "strategies": [{"strategy": "random"}], "seed": seed})
    return select(table, spec).frame_ids


def _spec_picks(lake: Lake, strategy: ResolvedStrategy, model_version: str, k: int, seed: int, run_id: str,
                log: Log) -> list[str]:
    """The strategy's spec over the scored unlabeled pool; constraints that leave the budget short are
    relaxed for the rest (the simulation must reach its budgets) and the shortfall is logged."""
    from curation.selection import select
    from curation.selection.job import run_select
    from curation.selection.load import load_candidates, load_labeled_embeddings

    spec = strategy.spec.with_budget(k).model_copy(update={"model_version": model_version, "seed": seed})
    picked = run_select(lake, spec, source=f"simulate:{strategy.name}", run_id=run_id).result.frame_ids
    if len(picked) >= k:
        return picked[:k]
    constraints = ("quota", "drive_dedup", "near_duplicate")
    relaxed_terms = [s for s in spec.strategies if s.strategy not in constraints]
    relaxed = spec.model_copy(update={"strategies": relaxed_terms, "budget": k - len(picked)})
    cands = load_candidates(lake, relaxed, model_version)
    taken = set(picked)
    keep = pa.array([fid not in taken for fid in cands.column("frame_id").to_pylist()], type=pa.bool_())
    cands = cands.filter(keep)
    labeled = None
    if any(s.strategy == "diversity" and s.against_labeled for s in relaxed_terms):
        labeled = load_labeled_embeddings(lake, model_version)
    more = select(cands, relaxed, labeled_embeddings=labeled).frame_ids
    log(f"    {strategy.name}: constraints allowed {len(picked)} of {k} picks; {len(more)} more without them")
    return picked + more


def choose(lake: Lake, strategy: ResolvedStrategy, model_version: str, pool: list[str], k: int, seed: int,
           config: SimConfig, run_id: str, log: Log) -> list[str]:
    """The next `k` frames to label from the unlabeled part of `pool`."""
    unlabeled = sorted(set(pool) - set(_labeled_ids(lake, pool)))
    if k >= len(unlabeled):
        return unlabeled  # the whole rest of the pool: nothing to choose
    if strategy.is_random:
        return _random_picks(lake, unlabeled, k, seed)
    to_score = pool if _needs_labeled_embeddings(strategy) else unlabeled
    score_pool(lake, model_version, to_score, config)
    return _spec_picks(lake, strategy, model_version, k, seed, run_id, log)


def _train_config(config: SimConfig, strategy: ResolvedStrategy, seed: int, labeled: int):
    from curation.jobs.train import TrainConfig

    t = strategy.train
    return TrainConfig(
        task=config.task, arch=t.arch, members=t.members, beta=t.beta, mc_dropout=t.mc_dropout,
        max_steps=t.steps_for(labeled), lr=t.lr, weight_decay=t.weight_decay, batch_size=t.batch_size,
        size=t.size, where=config.pool, val_where=config.eval, val_fraction=0.0, precision=t.precision, seed=seed,
        val_every_n_epochs=None,  # one evaluation per round, after training
    )


def _metrics(task: str, metrics: dict) -> tuple[float, Optional[float], list[Optional[float]]]:
    """(headline metric, ECE, per-class IoU list) from the training job's validation metrics."""
    import math

    headline = metrics.get("val_miou" if task == "segmentation" else "val_acc", math.nan)
    per_class = []
    c = 0
    while f"val_iou_{c}" in metrics:
        v = metrics[f"val_iou_{c}"]
        per_class.append(None if v is None or math.isnan(v) else float(v))
        c += 1
    ece = metrics.get("val_ece")
    return float(headline), (None if ece is None else float(ece)), per_class


def _train_or_reuse(lake: Lake, config: SimConfig, strategy: ResolvedStrategy, seed: int, labeled: list[str],
                    cache: _TrainCache) -> tuple[str, dict, float, bool]:
    """(model_version, metrics, training seconds, reused?) for the labeled set of this round."""
    from curation.jobs.train import train

    train_config = _train_config(config, strategy, seed, len(labeled))
    key = cache.key(train_config.model_dump(mode="json"), labeled)
    hit = cache.get(key)
    if hit is not None:
        other = Lake(hit["lake"])
        rows = other.query("SELECT * FROM models WHERE model_version = ?", [hit["model_version"]]).to_pylist()
        if rows and Path(rows[0]["checkpoint_uri"]).exists():
            lake.write("models", rows)
            return hit["model_version"], json.loads(rows[0]["metrics"] or "{}"), float(hit["train_s"]), True
    started = time.perf_counter()
    result = train(lake, train_config, progress_bar=False)
    seconds = time.perf_counter() - started
    cache.put({"key": key, "lake": str(lake.root), "model_version": result["model_version"], "train_s": seconds})
    return result["model_version"], result["metrics"], seconds, False


def run_arm(source: Lake, config: SimConfig, sim_id: str, strategy: ResolvedStrategy, seed: int, frames: Frames,
            rounds: list[int], folder: Path, done: dict, labeler: Labeler, cache: _TrainCache, log: Log,
            summary: SimulationSummary) -> None:
    """All rounds of one (strategy, seed)."""
    todo = [r for r in range(len(rounds)) if (strategy.name, seed, r) not in done]
    if not todo:
        summary.rounds_skipped += len(rounds)
        return
    lake = create_working_lake(source, folder / f"{strategy.name}-s{seed}" / "lake", frames)
    model_version: Optional[str] = None
    for r, target in enumerate(rounds):
        previous = done.get((strategy.name, seed, r))
        if previous is not None:
            model_version = previous["model_version"]
            summary.rounds_skipped += 1
            continue
        started = time.perf_counter()
        run_id = f"{sim_id}-{strategy.name}-s{seed}-r{r}"
        labeled = _labeled_ids(lake, frames.pool)
        if len(labeled) > target:
            raise SimulationError(
                f"{strategy.name} seed {seed}: the working lake {lake.root} holds {len(labeled)} labels, more than round "
                f"{r}'s budget of {target}; it does not match this config. Delete {folder / f'{strategy.name}-s{seed}'} "
                "and re-run")
        if len(labeled) < target:
            if r == 0:
                picks = [f for f in initial_labeled(frames.pool, target, seed) if f not in set(labeled)]
            else:
                if model_version is None:
                    raise SimulationError(f"{strategy.name} seed {seed}: round {r} has no model from round {r - 1}")
                picks = choose(lake, strategy, model_version, frames.pool, target - len(labeled),
                               seed * 1000 + r, config, run_id, log)
            labeler.label(lake, picks, run_id, f"{strategy.name}-s{seed}")
            labeled = _labeled_ids(lake, frames.pool)
            if len(labeled) != target:
                raise SimulationError(f"{strategy.name} seed {seed} round {r}: {len(labeled)} frames labeled, "
                                      f"expected {target} ({labeler.name} labeler left some unlabeled)")
        select_s = time.perf_counter() - started
        model_version, metrics, train_s, reused = _train_or_reuse(lake, config, strategy, seed, labeled, cache)
        metric, ece, per_class = _metrics(config.task, metrics)
        source.write("simulations", [{
            "sim_id": sim_id, "strategy": strategy.name, "seed": seed, "round": r, "labels_used": len(labeled),
            "pool_size": len(frames.pool), "metric_name": metric_name(config.task), "metric": metric, "ece": ece,
            "per_class": json.dumps(per_class), "label_counts": json.dumps(_label_counts(lake, frames.pool)),
            "model_version": model_version, "wall_s": select_s + train_s, "created_at": _now(),
        }])
        summary.rounds_run += 1
        summary.rounds_reused += int(reused)
        log(f"  {strategy.name} seed {seed} round {r}: {len(labeled)} labels, {metric_name(config.task)} {metric:.4f}"
            f" ({select_s:.0f}s select+label, {train_s:.0f}s train{', reused' if reused else ''})")


# ---------------------------------------------------------------------------------------------- the whole run
def run_simulation(source: Lake, config: SimConfig, *, sim_id: Optional[str] = None,
                   labeler: Optional[Labeler] = None, only: Optional[list[str]] = None,
                   seeds: Optional[list[int]] = None, log: Log = lambda _: None) -> SimulationSummary:
    """Run (or resume) every (seed, strategy) of `config`, seeds outermost so that an interrupted run has
    complete comparisons for its first seeds. `only`: strategy names to run; `seeds`: a subset of seeds."""
    sim_id = sim_id or config.name
    strategies = config.resolved_strategies()
    if only:
        unknown = sorted(set(only) - {s.name for s in strategies})
        if unknown:
            raise SimulationError(f"--strategy {unknown}: not in the config; its strategies are "
                                  f"{[s.name for s in strategies]}")
        strategies = [s for s in strategies if s.name in only]
    seed_list = seeds if seeds is not None else config.seed_list()
    folder = simulation_dir(source, config, sim_id)
    _check_config(folder, config, sim_id)
    frames = pool_and_eval(source, config.task, config.pool, config.eval)
    rounds = schedule(config.seed_labels, config.budgets, len(frames.pool))
    summary = SimulationSummary(sim_id, len(frames.pool), len(frames.eval), rounds, folder)
    done = done_rounds(source, sim_id)
    cache = _TrainCache(folder / "trained.jsonl")
    labeler = labeler or DirectLabeler()
    log(f"simulation {sim_id}: pool {len(frames.pool)} frames, eval {len(frames.eval)}, labels per round {rounds}, "
        f"{len(strategies)} strategies x {len(seed_list)} seeds, working lakes under {folder}")
    for seed in seed_list:
        for strategy in strategies:
            run_arm(source, config, sim_id, strategy, seed, frames, rounds, folder, done, labeler, cache, log, summary)
    return summary
