"""What a selection decided: ordered picks with the why of each, and how the quotas came out."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class QuotaReport:
    """One min_share/max_share key after the selection.

    required: picks the key needed (min) or was allowed (max); available: eligible candidates matching it
    when selection began; shortfall: required - picked for a min key that was not met (0 otherwise).
    """

    strategy_index: int
    key: str
    kind: str  # "min" | "max"
    share: float
    required: int
    available: int
    picked: int
    shortfall: int
    note: str = ""

    @property
    def met(self) -> bool:
        return self.picked >= self.required if self.kind == "min" else self.picked <= self.required


@dataclass(frozen=True)
class CellReport:
    """One condition cell (a combination of the quota columns' values): candidates and picks."""

    cell: dict[str, str]
    candidates: int
    picked: int


@dataclass
class SelectionResult:
    """Picks in rank order (rank 1 first). `reasons[i]` holds every term's value at the moment of pick i.

    indices: candidate row numbers of the picks; frame_ids, scores (the objective at pick time),
    strategies (the term that dominated, or "quota" where a reservation decided) run alongside.

    A reason (stored as JSON in `selections.reasons`; DuckDB reads it with json_extract):

        {"terms": {"mutual_information": {"value": 0.31, "term": 0.998, "contribution": 0.998},
                   "diversity": {"distance": 4.2, "term": 0.61, "contribution": 0.305}},
         "cell": {"weather": "rain", "time_of_day": "night"},                 # with a quota
         "quota": {"reserved": true, "decided": false, "counts_toward": ["rain"]},
         "drive": {"drive_id": "drive17", "picks_before": 3}}                # with drive_dedup

    `value` is the raw column, `term` its normalised value in [0, 1], `contribution` what it added to the
    objective (strength x term; strength x log(term) with combine: product). `distance` is to the nearest
    earlier pick or labeled frame (null before there is any). `reserved`: a min_share reservation
    restricted where this pick could come from; `decided`: without it another frame would have won.
    """

    budget: int
    n_candidates: int
    indices: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    frame_ids: list[str] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)
    strategies: list[str] = field(default_factory=list)
    reasons: list[dict[str, Any]] = field(default_factory=list)
    quota: list[QuotaReport] = field(default_factory=list)
    cell_columns: list[str] = field(default_factory=list)
    cells: list[CellReport] = field(default_factory=list)
    score_summary: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    stats: dict[str, int] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.frame_ids)

    @property
    def shortfalls(self) -> list[QuotaReport]:
        return [q for q in self.quota if q.kind == "min" and q.shortfall > 0]

    def rows(self, run_id: str, model_version: str | None, selected_at: dt.datetime) -> list[dict[str, Any]]:
        """Rows for the lake's `selections` table."""
        return [
            {
                "run_id": run_id,
                "frame_id": fid,
                "rank": rank,
                "strategy": strategy,
                "score": float(score),
                "reasons": json.dumps(reason, sort_keys=True, default=_json_default),
                "model_version": model_version,
                "selected_at": selected_at,
            }
            for rank, (fid, score, strategy, reason) in enumerate(
                zip(self.frame_ids, self.scores, self.strategies, self.reasons), start=1
            )
        ]

    def counts(self) -> dict[str, Any]:
        """Small JSON-able summary for the `runs` row and `--json` output."""
        return {
            "budget": self.budget,
            "candidates": self.n_candidates,
            "selected": len(self),
            "quota_shortfalls": {q.key: q.shortfall for q in self.shortfalls},
            **{k: int(v) for k, v in self.stats.items()},
        }


def _json_default(value: Any) -> Any:
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return str(value)
