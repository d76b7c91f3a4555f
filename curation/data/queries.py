"""The SQL the training and scoring jobs run against the lake: one function per query, values bound as `?`.

`where` arguments are SQL predicates on `frames` (aliased `f`) written by the operator on the command line
or in a config; they are wrapped in parentheses and the whole statement is checked to be a single
read-only SELECT before it runs.
"""

from __future__ import annotations

import pyarrow as pa

from connectors.lake import Lake

# When a frame has labels from several sources, training uses one: a person's label beats the oracle's,
# which beats the renderer's, which beats a model's pseudo-label.
SOURCE_PRECEDENCE = ("human", "oracle", "synthetic", "pseudo")


def _predicate(where: str | None) -> str:
    return f"({where})" if where and where.strip() else "TRUE"


def labeled_frames(lake: Lake, task: str, sources: list[str], where: str | None = None) -> pa.Table:
    """One row per labeled frame usable for `task`: frame_id, drive_id, uri, label source, label_uri/class_id.

    Only labels whose source is in `sources`; the best source per frame by SOURCE_PRECEDENCE.
    """
    kind = "l.label_uri IS NOT NULL" if task == "segmentation" else "l.class_id IS NOT NULL"
    order = " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(SOURCE_PRECEDENCE))
    placeholders = ", ".join("?" for _ in sources) or "NULL"
    sql = f"""
        WITH candidates AS (
            SELECT l.frame_id, f.drive_id, f.uri, f.source AS dataset, f.domain, l.source AS label_source,
                   l.label_uri, l.class_id,
                   row_number() OVER (PARTITION BY l.frame_id
                                      ORDER BY CASE l.source {order} ELSE 99 END, l.labeled_at DESC) AS pick
            FROM labels l JOIN frames f USING (frame_id)
            WHERE {kind} AND l.source IN ({placeholders}) AND {_predicate(where)}
        )
        SELECT * EXCLUDE (pick) FROM candidates WHERE pick = 1 ORDER BY frame_id
    """
    return lake.query(sql, list(sources), read_only=True)


def evaluation_frames(lake: Lake, task: str, where: str) -> pa.Table:
    """Frames matching `where` that have ground truth for `task` (evaluation only, never selection)."""
    kind = "g.label_uri IS NOT NULL" if task == "segmentation" else "g.class_id IS NOT NULL"
    sql = f"""
        SELECT f.frame_id, f.drive_id, f.uri, f.source AS dataset, f.domain, 'ground_truth' AS label_source,
               g.label_uri, g.class_id
        FROM frames f JOIN ground_truth g USING (frame_id)
        WHERE {kind} AND {_predicate(where)}
        ORDER BY f.frame_id
    """
    return lake.query(sql, read_only=True)


def frames_to_score(lake: Lake, model_version: str, where: str | None = None) -> pa.Table:
    """Frames matching `where` that have no `scores` row for `model_version` yet, in a stable order."""
    sql = f"""
        SELECT f.frame_id, f.uri, f.drive_id, f.width, f.height
        FROM frames f
        WHERE {_predicate(where)}
          AND NOT EXISTS (SELECT 1 FROM scores s WHERE s.frame_id = f.frame_id AND s.model_version = ?)
          AND NOT EXISTS (SELECT 1 FROM quarantine q WHERE q.uri = f.uri)
        ORDER BY f.frame_id
    """
    return lake.query(sql, [model_version], read_only=True)


def model_row(lake: Lake, model_version: str) -> dict | None:
    """The `models` row of `model_version`; 'latest' means the newest by created_at (optionally per task)."""
    if model_version == "latest":
        rows = lake.query("SELECT * FROM models ORDER BY created_at DESC LIMIT 1").to_pylist()
    else:
        rows = lake.query("SELECT * FROM models WHERE model_version = ?", [model_version]).to_pylist()
    return rows[0] if rows else None


def latest_model(lake: Lake, task: str | None = None) -> dict | None:
    """The newest `models` row (of `task`, if given)."""
    if task is None:
        return model_row(lake, "latest")
    rows = lake.query("SELECT * FROM models WHERE task = ? ORDER BY created_at DESC LIMIT 1", [task]).to_pylist()
    return rows[0] if rows else None
