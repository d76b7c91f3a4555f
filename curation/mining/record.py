"""The `runs` row of a night: a `Run` (kind "mine") whose stages carry status, counts and times, and whose
config carries what the run resolved on the way (model version, candidate cutoff, selection run id).

Resolved values are written the moment they are decided, so a resumed run reuses them instead of deciding
again: a newer model trained between a crash and the resume does not change the batch.

Row layout (JSON columns):
  config = {"config": <MineConfig as run>, "fingerprint": <digest>, "night": "YYYY-MM-DD",
            "resolved": {model_version, candidates_cutoff, selection_run_id, ...}, "attempts": [{pid, started_at}]}
  stages = {stage: {status: running|succeeded|skipped|failed, counts, started_at, ended_at, attempt, reason|error}}
  counts = {stage: counts} of the stages that finished
"""

from __future__ import annotations

import datetime as dt
import json
import os
from typing import Any

from connectors.lake import Lake
from curation.jobs.runs import Run, redact
from curation.mining.config import MineConfig
from curation.mining.errors import MineConfigError

STAGES = ("ingest", "score", "select", "push")
KIND = "mine"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def existing_row(lake: Lake, run_id: str) -> dict[str, Any] | None:
    rows = lake.query("SELECT * FROM runs WHERE run_id = ?", [run_id]).to_pylist()
    return rows[0] if rows else None


class MineRun(Run):
    """A night's run. Construct (reads only), check `previously`, then use as a context manager."""

    def __init__(self, lake: Lake, run_id: str, config: MineConfig, night: dt.date):
        row = existing_row(lake, run_id)
        self.previously: str | None = row["status"] if row else None
        self.resolved: dict[str, Any] = {}
        self.attempts: list[dict[str, Any]] = []
        if row is not None:
            if row["kind"] != KIND:
                raise MineConfigError(f"run id {run_id!r} already belongs to a {row['kind']!r} run; pass another --run-id")
            before = json.loads(row["config"] or "{}")
            # A night that succeeded is reported, not resumed, whatever the config says now.
            if self.previously != "succeeded" and before.get("fingerprint") \
                    and before["fingerprint"] != config.fingerprint():
                raise MineConfigError(
                    f"run {run_id} was started with another source/model/score/selection config "
                    f"(fingerprint {before['fingerprint']}, now {config.fingerprint()}): resuming with it could pick "
                    "another batch. Re-run with the config it started with, or start a separate run with --run-id"
                )
            if before.get("night") and before["night"] != night.isoformat():
                raise MineConfigError(f"run {run_id} mines night {before['night']}, not {night}; pass --date {before['night']}")
            self.resolved = dict(before.get("resolved") or {})
            self.attempts = list(before.get("attempts") or [])
        self.night = night
        self.mine_config = config
        super().__init__(lake, KIND, self._config(), run_id=run_id)

    # ------------------------------------------------------------------ what goes into the row
    def _config(self) -> dict[str, Any]:
        return redact({"config": self.mine_config.record(), "fingerprint": self.mine_config.fingerprint(),
                       "night": self.night.isoformat(), "resolved": self.resolved, "attempts": self.attempts})

    def _persist(self) -> None:
        self.config = self._config()
        self.counts = {s: v["counts"] for s, v in self.stages.items() if v.get("status") == "succeeded" and "counts" in v}
        self._save("running")

    def __enter__(self) -> "MineRun":
        self.attempts.append({"pid": os.getpid(), "started_at": _now().isoformat(timespec="seconds")})
        self.config = self._config()
        super().__enter__()
        return self

    # ------------------------------------------------------------------ stages
    def stage_status(self, stage: str) -> str | None:
        return self.stages.get(stage, {}).get("status")

    def begin(self, stage: str) -> None:
        self.stages[stage] = {"status": "running", "started_at": _now().isoformat(), "attempt": len(self.attempts)}
        self._persist()

    def succeed(self, stage: str, counts: dict[str, Any], **details: Any) -> None:
        entry = self.stages.setdefault(stage, {"started_at": _now().isoformat(), "attempt": len(self.attempts)})
        entry.update(status="succeeded", counts=counts, ended_at=_now().isoformat(), **details)
        entry.pop("error", None)
        self._persist()

    def skip(self, stage: str, reason: str) -> None:
        self.stages[stage] = {"status": "skipped", "reason": reason, "ended_at": _now().isoformat(),
                              "attempt": len(self.attempts)}
        self._persist()

    def fail(self, stage: str, error: str) -> None:
        entry = self.stages.setdefault(stage, {"started_at": _now().isoformat(), "attempt": len(self.attempts)})
        entry.update(status="failed", error=error[:2000], ended_at=_now().isoformat())
        self._persist()

    def resolve(self, **values: Any) -> None:
        """Record decisions a resume must reuse (written at once)."""
        self.resolved.update(values)
        self._persist()
