"""What a night did, read back from its `runs` row: the `--json` object and the one-paragraph summary.

The report is always rebuilt from the lake, never from the process's memory, so a resumed run, a
failed one and "this night already succeeded" are told the same way.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any, Optional

from connectors.lake import Lake
from curation.mining.errors import EXIT_OK, EXIT_UNEXPECTED, MineError
from curation.mining.record import STAGES, existing_row


@dataclass
class MineReport:
    run_id: str
    night: Optional[str]
    status: str  # succeeded | failed | running
    exit_code: int
    already_done: bool = False
    stages: dict[str, dict[str, Any]] = field(default_factory=dict)
    resolved: dict[str, Any] = field(default_factory=dict)
    error: Optional[str] = None
    started_at: Optional[dt.datetime] = None
    ended_at: Optional[dt.datetime] = None
    attempts: int = 0
    quarantined: int = 0
    source: dict[str, Any] = field(default_factory=dict)

    def counts(self, stage: str) -> dict[str, Any]:
        return self.stages.get(stage, {}).get("counts") or {}

    def as_json(self) -> dict[str, Any]:
        """The object `curate mine --json` prints last: run id, status, each stage's status and counts."""
        stages = {}
        for stage in STAGES:
            entry = self.stages.get(stage, {})
            counts = {k: v for k, v in (entry.get("counts") or {}).items() if isinstance(v, (int, float, bool))}
            stages[stage] = {"status": entry.get("status", "pending"), **counts}
            if entry.get("reason"):
                stages[stage]["reason"] = entry["reason"]
        return {"run_id": self.run_id, "night": self.night, "status": self.status, "exit_code": self.exit_code,
                "already_done": self.already_done, "attempts": self.attempts, "stages": stages,
                "model_version": self.resolved.get("model_version"),
                "selection_run_id": self.resolved.get("selection_run_id"), "quarantined": self.quarantined,
                "error": self.error}

    def summary(self) -> str:
        """One paragraph for the log: what came in, what was scored, picked and pushed, what went wrong,
        and where to look."""
        return summary_paragraph(self)


def _duration(report: MineReport) -> str:
    if report.started_at is None or report.ended_at is None:
        return ""
    seconds = (report.ended_at - report.started_at).total_seconds()
    return f" in {seconds:.0f} s" if seconds < 120 else f" in {seconds / 60:.1f} min"


def _stage_sentence(report: MineReport, stage: str) -> str:
    entry = report.stages.get(stage, {})
    status, c = entry.get("status"), entry.get("counts") or {}
    if status is None:
        return f"{stage} did not run"
    if status == "skipped":
        return f"{stage} was skipped ({entry.get('reason')})"
    if status in ("failed", "running"):
        return f"{stage} {'failed' if status == 'failed' else 'was interrupted'}"
    if stage == "ingest":
        where = report.source.get("format", "the source")
        return (f"ingested {c.get('ingested', 0)} new frames from {where} ({c.get('already_present', 0)} already in "
                f"the lake, {c.get('quarantined', 0)} quarantined)")
    if stage == "score":
        return f"scored {c.get('scored', 0)} frames with model {entry.get('model_version')}"
    if stage == "select":
        how = " at random (no model yet)" if entry.get("strategy") == "random" else ""
        reused = ", reused from an earlier attempt" if c.get("reused") else ""
        of = f" of {c['candidates']} candidates" if "candidates" in c else ""
        return f"selected {c.get('selected', 0)}{of}{how} (selection run {entry.get('selection_run_id')}{reused})"
    return (f"pushed {c.get('imported', 0)} new tasks to Label Studio project {entry.get('project_title')!r} "
            f"(id {entry.get('project_id')}) at {entry.get('url')} ({c.get('already_pushed', 0)} were already there, "
            f"{c.get('reconciled', 0)} reconciled from the server, {c.get('with_predictions', 0)} with pre-annotations)")


def summary_paragraph(report: MineReport) -> str:
    attempts = f" after {report.attempts} attempts" if report.attempts > 1 else ""
    head = f"curate mine {report.night}: run {report.run_id} {report.status}{attempts}{_duration(report)}"
    if report.already_done:
        head = f"curate mine {report.night}: run {report.run_id} had already succeeded; nothing was run again"
    if report.attempts == 0 and not report.stages:
        return (f"curate mine {report.night}: run {report.run_id} did not start: {report.error}. Nothing was "
                f"changed (exit code {report.exit_code}).")
    body = "; ".join(_stage_sentence(report, s) for s in STAGES)
    parts = [f"{head}. {body[0].upper()}{body[1:]}."]
    if report.quarantined:
        parts.append(f"{report.quarantined} inputs were quarantined by this run.")
    if report.status != "succeeded" and report.error:
        parts.append(f"It stopped with: {report.error}.")
        if report.exit_code == 4:
            parts.append(f"The run is resumable: start `curate mine` again with --date {report.night} once the "
                         "service is back.")
        elif report.exit_code == 2:
            parts.append("Fix the config or input, then start it again with the same --date to resume.")
    sel = report.resolved.get("selection_run_id")
    look = [f"stages: curate sql \"SELECT stages FROM runs WHERE run_id = '{report.run_id}'\""]
    if sel and report.counts("select").get("selected"):
        look.append(f"picks and why: curate sql \"SELECT rank, frame_id, strategy, score, reasons FROM selections "
                    f"WHERE run_id = '{sel}' ORDER BY rank\"")
    if report.quarantined:
        look.append(f"quarantine: curate sql \"SELECT uri, stage, reason FROM quarantine WHERE run_id IN "
                    f"('{report.run_id}', '{sel}')\"")
    parts.append("Where to look: " + "; ".join(look) + ".")
    return " ".join(parts)


def load_report(lake: Lake, run_id: str, *, already_done: bool = False, error: Optional[BaseException] = None) -> MineReport:
    """The report of run `run_id` as its row says (error: the failure that ended this attempt)."""
    row = existing_row(lake, run_id)
    if row is None:
        return MineReport(run_id, None, "failed", getattr(error, "exit_code", EXIT_UNEXPECTED),
                          error=str(error) if error else "no runs row")
    config = json.loads(row["config"] or "{}")
    stages = json.loads(row["stages"] or "{}")
    resolved = config.get("resolved") or {}
    ids = [run_id] + ([resolved["selection_run_id"]] if resolved.get("selection_run_id") else [])
    quarantined = lake.query("SELECT count(*) AS n FROM quarantine WHERE list_contains(?, run_id)",
                             [ids]).to_pylist()[0]["n"]
    if error is not None:
        exit_code = error.exit_code if isinstance(error, MineError) else EXIT_UNEXPECTED
        message = str(error)
    else:
        exit_code = EXIT_OK if row["status"] == "succeeded" else EXIT_UNEXPECTED
        message = row["error"]
    return MineReport(
        run_id=run_id, night=config.get("night"), status=row["status"], exit_code=exit_code,
        already_done=already_done, stages=stages, resolved=resolved, error=message,
        started_at=row["started_at"], ended_at=row["ended_at"], attempts=len(config.get("attempts") or []),
        quarantined=int(quarantined), source=(stages.get("ingest") or {}).get("source") or {},
    )
