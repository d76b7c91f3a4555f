"""The first nights, before any model exists: a seeded random pick of unscored frames, so that the first
labels can be bought (`model.on_no_model: random`).

The configured spec keeps its budget, seed, frame-column filters and the constraints that need only frame
columns (quota on frame columns, drive_dedup); terms and constraints that need scores or embeddings
(weight, diversity, topk, near_duplicate) cannot apply without a model and are dropped, with a note.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa

from connectors.lake import Lake
from curation.jobs.runs import Run
from curation.selection import load
from curation.selection.greedy import select
from curation.selection.result import SelectionResult
from curation.selection.spec import SelectionSpec, parse_spec


def _frame_column(column: str) -> bool:
    return load.filterable_columns().get(column) == "f"


def random_spec(spec: SelectionSpec) -> tuple[SelectionSpec, list[str]]:
    """(the spec reduced to `random` + frame-only constraints, notes on what was dropped)."""
    notes: list[str] = []
    kept: list[dict[str, Any]] = [{"strategy": "random"}]
    for s in spec.strategies:
        if s.strategy == "drive_dedup" or (s.strategy == "quota" and all(_frame_column(c) for c in s.input)):
            kept.append(s.model_dump(mode="python"))
        elif s.strategy != "random":
            notes.append(f"{s.strategy}" + (f" on {s.input}" if getattr(s, "input", None) else ""))
    candidates = spec.candidates.model_dump(mode="python")
    dropped = [c for c in candidates if c != "exclude_labeled" and not _frame_column(c)]
    for column in dropped:
        candidates.pop(column)
        notes.append(f"candidates.{column}")
    data: dict[str, Any] = {"strategies": kept, "candidates": candidates, "seed": spec.seed, "combine": spec.combine}
    data.update({"budget": spec.budget} if spec.budget is not None else {"proportion": spec.proportion})
    return parse_spec(data), notes


def unscored_candidates(lake: Lake, spec: SelectionSpec) -> pa.Table:
    """Frames passing the spec's (frame-column) filter, ordered by frame_id so runs are reproducible."""
    # load._where builds the filter with every value bound as a parameter; see the report on making it public.
    clauses, params = load._where(spec)
    sql = f"SELECT f.* FROM frames f WHERE {' AND '.join(clauses) or 'TRUE'} ORDER BY f.frame_id"
    return lake.query(sql, params)


def run_random_select(lake: Lake, spec: SelectionSpec, run_id: str, source: str) -> tuple[SelectionResult, int, list[str]]:
    """Select at random (seeded) among unscored frames; writes `selections` and a `runs` row (kind select).

    Returns (result, rows written, notes on the parts of the spec that could not apply)."""
    reduced, notes = random_spec(spec)
    config = {"spec": reduced.to_config(), "source": source, "fallback": "random: no model in `models` yet",
              "dropped": notes}
    with Run(lake, "select", config, run_id=run_id) as run:
        candidates = unscored_candidates(lake, reduced)
        result = select(candidates, reduced)
        rows = result.rows(run.run_id, None, dt.datetime.now(dt.timezone.utc))
        written = lake.write("selections", rows).inserted if rows else 0
        run.counts = {**result.counts(), "written": written}
        run.stage_done("select", candidates=result.n_candidates, selected=len(result), written=written)
    return result, written, notes
