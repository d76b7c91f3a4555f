"""Run bookkeeping: every job is a row of `runs` with its resolved config (no secrets), code version,
stage statuses and counts. The row is written when the run starts and updated as stages finish, so a run
that died shows as `running` with the stages it completed."""

from __future__ import annotations

import datetime as dt
import json
import secrets
import subprocess
from functools import lru_cache
from pathlib import Path
from typing import Any

from connectors.lake import Lake

SECRET_WORDS = ("token", "api_key", "apikey", "password", "secret")


def new_run_id(kind: str, when: dt.datetime | None = None) -> str:
    when = when or dt.datetime.now(dt.timezone.utc)
    return f"{kind}-{when:%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"


def redact(config: Any) -> Any:
    """A copy of `config` with every value under a secret-looking key replaced by '***'."""
    if isinstance(config, dict):
        return {
            k: ("***" if any(w in str(k).lower() for w in SECRET_WORDS) and v else redact(v)) for k, v in config.items()
        }
    if isinstance(config, (list, tuple)):
        return [redact(v) for v in config]
    return config


@lru_cache(maxsize=1)
def code_version() -> str:
    """The git commit of the installed code (with '+dirty' for local changes), or the package version."""
    here = Path(__file__).resolve().parent
    try:
        sha = subprocess.run(
            ["git", "-C", str(here), "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True, timeout=5
        )
        if sha.returncode == 0:
            dirty = subprocess.run(
                ["git", "-C", str(here), "status", "--porcelain", "--untracked-files=no"],
                capture_output=True, text=True, timeout=5,
            )
            return sha.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        pass
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"fleet-curation {version('fleet-curation')}"
    except PackageNotFoundError:
        return "unknown"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class Run:
    """A job run recorded in `runs`. Use as a context manager: failure is recorded, then re-raised."""

    def __init__(self, lake: Lake, kind: str, config: dict[str, Any] | None = None, run_id: str | None = None):
        self.lake, self.kind = lake, kind
        self.run_id = run_id or new_run_id(kind)
        self.config = redact(config or {})
        self.stages: dict[str, dict[str, Any]] = {}
        self.counts: dict[str, Any] = {}
        self.started_at = _now()
        existing = lake.query("SELECT stages, counts, started_at FROM runs WHERE run_id = ?", [self.run_id]).to_pylist()
        if existing:  # resuming a run: keep what its earlier attempt recorded
            self.stages = json.loads(existing[0]["stages"] or "{}")
            self.counts = json.loads(existing[0]["counts"] or "{}")
            self.started_at = existing[0]["started_at"]

    def _save(self, status: str, error: str | None = None, ended: bool = False) -> None:
        self.lake.write(
            "runs",
            [
                {
                    "run_id": self.run_id,
                    "kind": self.kind,
                    "status": status,
                    "config": json.dumps(self.config, default=str, sort_keys=True),
                    "code_version": code_version(),
                    "stages": json.dumps(self.stages, default=str, sort_keys=True),
                    "counts": json.dumps(self.counts, default=str, sort_keys=True),
                    "error": error,
                    "started_at": self.started_at,
                    "ended_at": _now() if ended else None,
                }
            ],
            mode="upsert",
        )

    def stage_done(self, stage: str, **counts: Any) -> None:
        self.stages[stage] = {"status": "succeeded", "counts": counts, "ended_at": _now().isoformat()}
        self._save("running")

    def stage_status(self, stage: str) -> str | None:
        return self.stages.get(stage, {}).get("status")

    def __enter__(self) -> "Run":
        self._save("running")
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc is None:
            self._save("succeeded", ended=True)
        else:
            self._save("failed", error=f"{exc_type.__name__}: {exc}"[:2000], ended=True)
