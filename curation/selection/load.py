"""Read a selection's inputs from the lake: which model's scores, the candidates, the labeled embeddings.

One function per query, every user value bound as a `?` parameter. Column names in the candidates
filter are checked against the lake schemas (a whitelist) before they reach SQL.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from connectors.lake import SCHEMAS, Lake, LakeError
from curation.selection.errors import SpecError
from curation.selection.spec import SelectionSpec

# Score columns that hold one value per frame (filterable, and inputs of weight/topk).
_LIST_TYPES = (pa.types.is_list, pa.types.is_large_list, pa.types.is_fixed_size_list)


def _is_list(field: pa.Field) -> bool:
    return any(check(field.type) for check in _LIST_TYPES)


def _frame_columns() -> list[str]:
    return [f.name for f in SCHEMAS["frames"] if not _is_list(f)]


def _score_columns() -> list[str]:
    skip = {"frame_id", "model_version", "run_id"}
    return [f.name for f in SCHEMAS["scores"] if not _is_list(f) and f.name not in skip]


def _score_list_columns() -> list[str]:
    return [f.name for f in SCHEMAS["scores"] if _is_list(f)]


def filterable_columns() -> dict[str, str]:
    """{column: table alias} for every column a candidates predicate may name (frames: f, scores: s)."""
    cols = {c: "f" for c in _frame_columns()}
    cols["date"] = "f"  # the frames partition column, 'YYYY-MM-DD'
    for c in _score_columns():
        cols.setdefault(c, "s")
    return cols


def resolve_model_version(lake: Lake, requested: str) -> str | None:
    """`requested`, or for "latest" the newest `models` row by created_at; without models, the model of
    the newest scores. None when the lake has neither."""
    if requested != "latest":
        return requested
    rows = lake.query("SELECT model_version FROM models ORDER BY created_at DESC, model_version DESC LIMIT 1").to_pylist()
    if rows:
        return rows[0]["model_version"]
    rows = lake.query("SELECT model_version FROM scores ORDER BY scored_at DESC, model_version DESC LIMIT 1").to_pylist()
    return rows[0]["model_version"] if rows else None


def _where(spec: SelectionSpec) -> tuple[list[str], list[Any]]:
    allowed = filterable_columns()
    clauses: list[str] = []
    params: list[Any] = []
    for column, (op, value) in spec.candidates.predicates().items():
        if column not in allowed:
            raise SpecError(
                f"candidates.{column} = {value!r}: no such frames or scores column; "
                f"allowed: exclude_labeled, {', '.join(sorted(allowed))}"
            )
        ref = f'{allowed[column]}."{column}"'
        if op == "eq" and value is None:
            clauses.append(f"{ref} IS NULL")
        elif op == "eq":
            clauses.append(f"{ref} = ?")
            params.append(value)
        elif op == "in":
            clauses.append(f"{ref} IN ({', '.join('?' for _ in value)})")
            params.extend(value)
        else:
            lo, hi = value
            if lo is not None:
                clauses.append(f"{ref} >= ?")
                params.append(lo)
            if hi is not None:
                clauses.append(f"{ref} <= ?")
                params.append(hi)
    if spec.candidates.exclude_labeled:
        clauses.append("NOT EXISTS (SELECT 1 FROM labels l WHERE l.frame_id = f.frame_id)")
        clauses.append("NOT EXISTS (SELECT 1 FROM tasks t WHERE t.frame_id = f.frame_id)")
    return clauses, params


def list_inputs(spec: SelectionSpec) -> list[str]:
    """List-valued score columns the spec needs (embeddings for diversity / near_duplicate)."""
    wanted = {s.input for s in spec.strategies if s.strategy in ("diversity", "near_duplicate")}
    return [c for c in _score_list_columns() if c in wanted]


def candidate_query(spec: SelectionSpec, model_version: str) -> tuple[str, list[Any]]:
    """SQL and parameters for the candidates: scored frames of `model_version` that pass the filter."""
    frame_cols = [f'f."{c}"' for c in _frame_columns()]
    score_cols = [f's."{c}"' for c in _score_columns() + list_inputs(spec) if c not in _frame_columns()]
    clauses, params = _where(spec)
    sql = (
        f"SELECT {', '.join(frame_cols + score_cols)} FROM scores s JOIN frames f ON f.frame_id = s.frame_id "
        f"WHERE {' AND '.join(['s.model_version = ?'] + clauses)} ORDER BY f.frame_id"
    )
    return sql, [model_version, *params]


def load_candidates(lake: Lake, spec: SelectionSpec, model_version: str) -> pa.Table:
    """The candidates table (one row per frame, ordered by frame_id so runs are reproducible)."""
    sql, params = candidate_query(spec, model_version)
    try:
        return lake.query(sql, params)
    except LakeError as exc:
        raise SpecError(
            f"candidates filter {spec.candidates.predicates()} could not be applied: {str(exc).splitlines()[0]}; "
            "check the values' types"
        ) from None


def explain_empty(lake: Lake, spec: SelectionSpec, model_version: str | None) -> str:
    """Why there are no candidates, in counts the user can act on."""
    if model_version is None:
        return "no candidates: the lake has no scores yet; run `curate score` first"
    n_scores = lake.query("SELECT count(*) AS n FROM scores WHERE model_version = ?", [model_version]).column("n")[0].as_py()
    if n_scores == 0:
        known = [r["model_version"] for r in lake.query("SELECT DISTINCT model_version FROM scores ORDER BY 1").to_pylist()]
        return (
            f"no candidates: no scores for model_version {model_version!r}; scored versions: {known or 'none'}; "
            "run `curate score` with that model or set model_version in the spec"
        )
    clauses, params = _where(spec.model_copy(update={"candidates": spec.candidates.model_copy(update={"exclude_labeled": False})}))
    where = " AND ".join(["s.model_version = ?"] + clauses)
    n_match = lake.query(
        f"SELECT count(*) AS n FROM scores s JOIN frames f ON f.frame_id = s.frame_id WHERE {where}", [model_version, *params]
    ).column("n")[0].as_py()
    if n_match == 0:
        return (
            f"no candidates: none of the {n_scores} frames scored by {model_version!r} match the filter "
            f"{spec.candidates.predicates()}"
        )
    return (
        f"no candidates: all {n_match} frames matching the filter are already labeled or pushed to Label Studio "
        "(exclude_labeled: true)"
    )


def load_labeled_embeddings(lake: Lake, model_version: str, column: str = "embedding") -> np.ndarray | None:
    """`[L, D]` float32 embeddings (by `model_version`) of frames that are labeled or queued in Label
    Studio, or None when there are none."""
    if column not in _score_list_columns():
        raise SpecError(f"embedding column {column!r} is not a list column of scores; allowed: {_score_list_columns()}")
    table = lake.query(
        f'SELECT s."{column}" AS e FROM scores s WHERE s.model_version = ? AND s."{column}" IS NOT NULL '
        "AND (s.frame_id IN (SELECT frame_id FROM labels) OR s.frame_id IN (SELECT frame_id FROM tasks)) "
        "ORDER BY s.frame_id",
        [model_version],
    )
    if table.num_rows == 0:
        return None
    arr = table.column("e").combine_chunks()
    lengths = pc.list_value_length(arr)
    lo, hi = pc.min(lengths).as_py(), pc.max(lengths).as_py()
    if lo != hi:
        raise SpecError(f"labeled frames' {column} differ in length ({lo} to {hi}) for model_version {model_version!r}")
    return arr.flatten().to_numpy(zero_copy_only=False).astype(np.float32).reshape(table.num_rows, lo)
