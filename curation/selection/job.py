"""The selection job: load from the lake, select, write `selections` and a `runs` row (kind "select")."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from connectors.lake import Lake
from curation.jobs.runs import Run, new_run_id, redact
from curation.selection.greedy import select
from curation.selection.load import (
    explain_empty,
    load_candidates,
    load_labeled_embeddings,
    resolve_model_version,
)
from curation.selection.result import SelectionResult
from curation.selection.spec import SelectionSpec


@dataclass(frozen=True)
class SelectRun:
    """What `run_select` did: the run id, whose scores it used, the result, and rows written."""

    run_id: str
    model_version: str | None
    result: SelectionResult
    written: int

    def summary(self) -> dict[str, Any]:
        """The `--json` payload."""
        return {
            "run_id": self.run_id,
            "count": len(self.result),
            "model_version": self.model_version,
            **self.result.counts(),
            "messages": self.result.messages,
        }


def _needs_labeled(spec: SelectionSpec) -> str | None:
    """The embedding column whose labeled rows the spec uses, if any."""
    for s in spec.strategies:
        if s.strategy == "diversity" and s.against_labeled:
            return s.input
        if s.strategy == "near_duplicate" and "labeled" in s.against:
            return s.input
    return None


def run_select(lake: Lake, spec: SelectionSpec, source: str | None = None, run_id: str | None = None) -> SelectRun:
    """Run a selection over the lake and record it. An empty candidate set is an empty run, not an error."""
    config = {"spec": spec.to_config(), "source": source}
    with Run(lake, "select", config, run_id=run_id or new_run_id("sel")) as run:
        model_version = resolve_model_version(lake, spec.model_version)
        config["model_version"] = model_version
        if model_version is None:
            result = SelectionResult(budget=0, n_candidates=0, messages=[explain_empty(lake, spec, None)])
        else:
            candidates = load_candidates(lake, spec, model_version)
            column = _needs_labeled(spec)
            labeled = load_labeled_embeddings(lake, model_version, column) if column and candidates.num_rows else None
            result = select(candidates, spec, labeled_embeddings=labeled)
            if candidates.num_rows == 0:
                result.messages[:] = [explain_empty(lake, spec, model_version)]
        config["budget"] = result.budget
        run.config = redact(config)
        rows = result.rows(run.run_id, model_version, dt.datetime.now(dt.timezone.utc))
        written = lake.write("selections", rows).inserted if rows else 0
        run.counts = {**result.counts(), "written": written}
        run.stage_done("select", candidates=result.n_candidates, selected=len(result), written=written)
    return SelectRun(run.run_id, model_version, result, written)
