"""Working lakes: each (strategy, seed) of a simulation labels, scores and trains in a lake of its own.

A working lake starts as a copy of the source lake's `frames` and `ground_truth` rows of the pool and the
evaluation set, nothing else: no labels (the oracle adds them round by round), no scores, no models. So a
run's labels, scores and checkpoints can never leak into another's, and the source lake only receives the
`simulations` rows (and a `runs` row) of the experiment.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from connectors.lake import Lake

_COPIED = ".simulate-copied"


class WorkspaceError(ValueError):
    """The pool or evaluation set cannot be used as configured: says which predicate and what to change."""


@dataclass(frozen=True)
class Frames:
    """Frame ids of the pool and the evaluation set (both with ground truth for the task)."""

    pool: list[str]
    eval: list[str]


def _kind(task: str) -> str:
    return "g.label_uri IS NOT NULL" if task == "segmentation" else "g.class_id IS NOT NULL"


def _ids(lake: Lake, task: str, where: str, name: str) -> list[str]:
    try:
        table = lake.query(
            f"SELECT f.frame_id FROM frames f JOIN ground_truth g USING (frame_id) WHERE {_kind(task)} AND ({where}) "
            "ORDER BY f.frame_id",
            read_only=True,
        )
    except Exception as exc:  # DuckDB binder/parser errors come as several types
        raise WorkspaceError(f"{name} predicate {where!r} cannot be applied to frames: {str(exc).splitlines()[0]}; "
                             "write a SQL condition on frames columns, e.g. \"split = 'train'\"") from None
    return [str(v) for v in table.column("frame_id").to_pylist()]


def pool_and_eval(lake: Lake, task: str, pool: str, eval_where: str) -> Frames:
    """The frames a simulation may label (`pool`) and evaluates on (`eval`). They must not overlap."""
    pool_ids, eval_ids = _ids(lake, task, pool, "pool"), _ids(lake, task, eval_where, "eval")
    if not pool_ids:
        raise WorkspaceError(f"the pool ({pool!r}) has no frames with {task} ground truth in {lake.root}: "
                             "ingest a dataset first (e.g. `curate ingest camvid PATH`) or fix the predicate")
    if not eval_ids:
        raise WorkspaceError(f"the evaluation set ({eval_where!r}) has no frames with {task} ground truth in {lake.root}")
    both = set(pool_ids) & set(eval_ids)
    if both:
        raise WorkspaceError(f"{len(both)} frames are in both the pool and the evaluation set (e.g. {sorted(both)[0]}): "
                             "a frame the oracle labels cannot also measure the model; make the predicates disjoint")
    return Frames(pool_ids, eval_ids)


def create_working_lake(source: Lake, root: str | Path, frames: Frames) -> Lake:
    """A lake at `root` holding the source's frames and ground truth of `frames` (pool and eval).

    Idempotent: a working lake that was completely copied before is opened as it is (its labels, scores
    and models are the state a resumed run continues from).
    """
    root = Path(root)
    lake = Lake(root)
    if (root / _COPIED).exists():
        return lake
    ids = sorted(set(frames.pool) | set(frames.eval))
    rows = source.query("SELECT * EXCLUDE (date) FROM frames WHERE list_contains(?, frame_id) ORDER BY frame_id", [ids])
    truth = source.query("SELECT * FROM ground_truth WHERE list_contains(?, frame_id) ORDER BY frame_id", [ids])
    # Ground truth before frames, as ingest does: a crash in between leaves nothing a frame would miss.
    _write(lake, "ground_truth", truth)
    _write(lake, "frames", rows)
    (root / _COPIED).write_text(f"{len(ids)} frames\n")
    return lake


def _write(lake: Lake, table: str, rows: pa.Table, chunk: int = 20000) -> None:
    for start in range(0, rows.num_rows, chunk):
        lake.write(table, rows.slice(start, chunk))
