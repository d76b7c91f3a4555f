"""`run_mine`: one night, ingest -> score -> select -> push, as one resumable `runs` row (kind "mine").

Each stage calls the platform's own job (ingest, run_score, run_select, push) and is idempotent, so a run
killed anywhere finishes on the next start with the same run id:
- ingest: frames are keyed by frame_id; a re-run skips what is present.
- score: only frames without a score of the run's model are scored; the model version is decided once
  and recorded, so a model trained in between does not change tonight's scores.
- select: the candidates are fixed by the run (the recorded model's scores, frames ingested up to the
  recorded cutoff, the spec's seed). A selection already written for this run is reused, never redone:
  after a partial push, the pushed frames are no longer candidates, and selecting again would change the
  batch.
- push: the tasks ledger and the reconcile by frame_id of `curation.jobs.labelstudio.push` import each
  frame exactly once.
Stages that succeeded are not run again. Decisions a resume must reuse live in the row's config.resolved.
"""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass
from typing import Any, Callable, Optional

from connectors.lake import Lake
from curation.mining.config import MineConfig, strip_credentials
from curation.mining.errors import MineConfigError, MineError, MineInputError, MineServiceError
from curation.mining.record import MineRun
from curation.mining.report import MineReport, load_report
from curation.selection.spec import CandidateFilter, SelectionSpec

# (stage, event, units done): event "progress" while a stage works (units: frames ingested/scored, tasks
# imported, each reported after it was committed), "committed" once the stage's row says succeeded.
Hook = Callable[[str, str, int], None]
Say = Callable[[str], None]


@dataclass(frozen=True)
class PushTarget:
    """Where the push stage sends tasks: a connected client, image hosting, and the pre-annotation source."""

    client: Any  # connectors.labelstudio.client.LabelStudioClient
    hosting: Any  # curation.jobs.labelstudio.ImageHosting
    predictor: Optional[Callable] = None
    predictor_note: str = "no pre-annotations"


# connect(lake, model_version of the run or None) -> PushTarget; pre-annotations come from the run's model.
Connect = Callable[[Lake, Optional[str]], PushTarget]


def default_run_id(night: dt.date) -> str:
    """`mine-YYYY-MM-DD`: the same night is the same run, so starting it again resumes it."""
    return f"mine-{night.isoformat()}"


def pinned_spec(spec: SelectionSpec, model_version: Optional[str], cutoff: dt.datetime) -> SelectionSpec:
    """The spec with the run's model and candidate cutoff (frames ingested after the cutoff, e.g. by a
    later night, are not candidates of this run when it is resumed)."""
    candidates = spec.candidates.model_dump(mode="python")
    own = candidates.get("ingested_at")
    if own is None:
        candidates["ingested_at"] = {"max": cutoff}
    elif isinstance(own, dict):
        upper = own.get("max")
        candidates["ingested_at"] = {**own, "max": cutoff if upper is None else min(upper, cutoff)}
    update: dict[str, Any] = {"candidates": CandidateFilter.model_validate(candidates)}
    if model_version is not None:
        update["model_version"] = model_version
    return spec.model_copy(update=update)


_INPUT_ERRORS = (
    ("connectors.datasets.base", "DatasetLayoutError"),
    ("curation.jobs.score", "ScoreJobError"),
    ("curation.selection.errors", "SpecError"),
    ("curation.jobs.labelstudio.errors", "LabelingJobError"),
    ("connectors.labelstudio.errors", "LabelConfigError"),
    ("connectors.labelstudio.errors", "ServerSetupError"),
)


def _is(exc: BaseException, module: str, name: str) -> bool:
    # An exception class from a module that was never imported cannot have been raised: looking it up in
    # sys.modules keeps this check from importing torch or the Label Studio SDK on a run that needs neither.
    cls = getattr(sys.modules.get(module), name, None)
    return cls is not None and isinstance(exc, cls)


def _translate(exc: BaseException) -> Optional[MineError]:
    """The MineError a known failure of a stage's job becomes (None: unexpected, exit 1)."""
    if isinstance(exc, MineError):
        return exc
    if _is(exc, "connectors.labelstudio.errors", "LabelStudioError"):
        return MineServiceError(str(exc))  # its message names the server, the operation and what to do
    if any(_is(exc, module, name) for module, name in _INPUT_ERRORS):
        return MineInputError(str(exc))
    return None


class _Night:
    def __init__(self, lake: Lake, config: MineConfig, night: dt.date, run: MineRun, connect: Optional[Connect],
                 hook: Optional[Hook], say: Optional[Say]):
        self.lake, self.config, self.night, self.run = lake, config, night, run
        self.connect = connect
        self.hook = hook or (lambda stage, event, done: None)
        self.say = say or (lambda message: None)

    def _stage(self, stage: str, body: Callable[[], None]) -> None:
        if self.run.stage_status(stage) == "succeeded":
            self.say(f"{stage}: done in an earlier attempt, not run again")
            return
        try:
            body()
        except BaseException as exc:  # recorded whatever it is, then re-raised (as a MineError if known)
            known = _translate(exc)
            try:
                self.run.fail(stage, f"{type(exc).__name__}: {exc}")
            except Exception:  # the lake itself failing must not hide the original error
                pass
            if known is not None and known is not exc:
                raise known from exc
            raise
        self.hook(stage, "committed", 0)

    # ------------------------------------------------------------------ ingest
    def ingest(self) -> None:
        from curation.jobs.ingest import ingest
        from curation.mining.source import nightly_source

        source = nightly_source(self.config.source, self.night)
        self.run.begin("ingest")
        done = [0]

        def progress(n: int) -> None:
            done[0] += n
            self.hook("ingest", "progress", done[0])

        try:
            summary = ingest(self.lake, source.items(), source.classes, run_id=self.run.run_id,
                             workers=self.config.ingest.workers, chunk_size=self.config.ingest.chunk_size,
                             progress=progress)
        except ValueError as exc:  # the synthetic generator's own checks (e.g. an unknown weather name)
            from connectors.datasets.base import DatasetLayoutError

            if isinstance(exc, DatasetLayoutError):
                raise
            raise MineInputError(f"source {self.config.source.format}: {exc}") from exc
        # Everything ingested so far is in: frames ingested after this instant are a later run's candidates.
        self.run.resolve(candidates_cutoff=dt.datetime.now(dt.timezone.utc).isoformat())
        self.run.succeed("ingest", summary.as_dict(), source=source.details)
        self.say(f"ingest: {summary.ingested} new frames, {summary.already_present} already in the lake, "
                 f"{summary.quarantined} quarantined")

    # ------------------------------------------------------------------ score
    def _model_version(self) -> Optional[str]:
        if "model_version" in self.run.resolved:
            return self.run.resolved["model_version"]
        from curation.data import queries

        wanted = self.config.model.version
        row = queries.model_row(self.lake, wanted)
        if row is None and wanted != "latest":
            raise MineConfigError(f"model.version {wanted!r} is not in the lake's models table; list them with "
                                  "`curate sql \"SELECT model_version, created_at FROM models\"` or use latest")
        version = row["model_version"] if row else None
        if version is None and self.config.model.on_no_model == "fail":
            raise MineConfigError("the lake has no model to score with (models is empty) and model.on_no_model is fail: "
                                  "train one with `curate train`, or set model.on_no_model to random or skip")
        self.run.resolve(model_version=version)
        return version

    def score(self) -> None:
        version = self._model_version()
        if version is None:
            self.run.skip("score", f"no model in the lake's models table (model.on_no_model: "
                                   f"{self.config.model.on_no_model})")
            self.say("score: skipped, the lake has no model yet")
            return
        from curation.jobs.score import run_score  # torch: only when there is something to score

        self.run.begin("score")
        options = self.config.score
        done = [0]

        def progress(n: int) -> None:
            done[0] += n
            self.hook("score", "progress", done[0])

        result = run_score(self.lake, version, where=options.where, batch_size=options.batch_size,
                           reduction=options.reduction, precision=options.precision, run_id=self.run.run_id,
                           progress=progress)
        counts = {k: result[k] for k in ("scored", "quarantined", "seconds", "frames_per_s")}
        self.run.succeed("score", counts, model_version=result["model_version"], where=result["where"])
        self.say(f"score: {result['scored']} frames scored with {result['model_version']}")

    # ------------------------------------------------------------------ select
    def select(self) -> None:
        from curation.selection.job import run_select

        from curation.mining.cold_start import run_random_select

        run_id = self.run.resolved.get("selection_run_id") or f"{self.run.run_id}-select"
        if "selection_run_id" not in self.run.resolved:
            self.run.resolve(selection_run_id=run_id)
        existing = self.lake.query("SELECT count(*) AS n FROM selections WHERE run_id = ?", [run_id]).to_pylist()[0]["n"]
        if existing:
            # Written by an earlier attempt that died before recording it: that is the batch, keep it.
            counts = self._select_counts(run_id)
            self.run.succeed("select", {**counts, "selected": int(existing), "reused": True}, selection_run_id=run_id)
            self.say(f"select: reusing the {existing} frames selection run {run_id} already picked")
            return
        self.run.begin("select")
        cutoff = dt.datetime.fromisoformat(self.run.resolved["candidates_cutoff"])
        version = self.run.resolved.get("model_version")
        spec = pinned_spec(self.config.spec, version, cutoff)
        source = f"mine:{self.run.run_id}"
        notes: list[str] = []
        if version is None:
            result, written, dropped = run_random_select(self.lake, spec, run_id, source)
            if dropped:
                notes.append(f"no model yet: picked at random; not applied: {', '.join(dropped)}")
        else:
            picked = run_select(self.lake, spec, source=source, run_id=run_id)
            result, written = picked.result, picked.written
        notes.extend(result.messages)
        counts = {**result.counts(), "written": written, "reused": False}
        self.run.succeed("select", counts, selection_run_id=run_id, strategy="random" if version is None else "spec",
                         messages=notes[:20])
        self.say(f"select: {len(result)} of {result.n_candidates} candidates picked (selection run {run_id})")

    def _select_counts(self, run_id: str) -> dict[str, Any]:
        import json

        rows = self.lake.query("SELECT counts FROM runs WHERE run_id = ?", [run_id]).to_pylist()
        counts = json.loads(rows[0]["counts"] or "{}") if rows else {}
        return {k: counts[k] for k in ("budget", "candidates") if k in counts}

    # ------------------------------------------------------------------ push
    def push(self) -> None:
        options = self.config.push
        selected = (self.run.stages.get("select", {}).get("counts") or {}).get("selected", 0)
        if not options.enabled:
            self.run.skip("push", "push.enabled is false")
            self.say("push: disabled in the config")
            return
        if not selected:
            self.run.skip("push", "nothing was selected")
            self.say("push: nothing to push")
            return
        if self.connect is None:
            raise MineConfigError("push is enabled but no Label Studio connection was given")
        from curation.jobs.labelstudio import push  # the Label Studio SDK: only when there is something to push

        self.run.begin("push")
        target = self.connect(self.lake, self.run.resolved.get("model_version"))

        def progress(done: int, total: int) -> None:
            self.hook("push", "progress", done)

        summary = push(self.lake, target.client, self.run.resolved["selection_run_id"], options.project,
                       hosting=target.hosting, predictor=target.predictor if options.pre_annotations else None,
                       batch_size=options.batch_size, progress=progress)
        counts = {k: getattr(summary, k) for k in ("selected", "already_pushed", "reconciled", "imported",
                                                  "with_predictions", "quarantined", "missing_frames",
                                                  "duplicates_on_server")}
        self.run.succeed("push", counts, project_id=summary.project_id, project_title=summary.project_title,
                         url=strip_credentials(target.client.url), pre_annotations=target.predictor_note,
                         warnings=summary.warnings)
        self.say(f"push: {summary.imported} tasks imported into project {summary.project_title!r} "
                 f"(id {summary.project_id}); {summary.already_pushed} already there, {summary.reconciled} reconciled")

    # ------------------------------------------------------------------ all of it
    def run_all(self) -> None:
        self._stage("ingest", self.ingest)
        if self.config.model.on_no_model == "skip" and self.run.stage_status("score") != "succeeded" \
                and self._model_version() is None:
            for stage in ("score", "select", "push"):
                self.run.skip(stage, "no model in the lake's models table (model.on_no_model: skip)")
            self.say("no model yet (on_no_model: skip): frames ingested, nothing scored, selected or pushed")
            return
        self._stage("score", self.score)
        self._stage("select", self.select)
        self._stage("push", self.push)


def run_mine(lake: Lake, config: MineConfig, night: dt.date, *, run_id: Optional[str] = None,
             connect: Optional[Connect] = None, hook: Optional[Hook] = None, say: Optional[Say] = None) -> MineReport:
    """Run (or resume) night `night`; returns the report read back from its `runs` row.

    connect(lake, model_version) -> PushTarget is called only when the push stage has something to push (so a Label
    Studio that is down costs nothing until then). Known failures end the run with status failed and the
    report's exit_code (2 input, 4 service); anything else propagates (the row says failed) and is a bug.
    A night that already succeeded is not touched: its report comes back with already_done.
    """
    run_id = run_id or default_run_id(night)
    run = MineRun(lake, run_id, config, night)
    if run.previously == "succeeded":
        return load_report(lake, run_id, already_done=True)
    try:
        with run:
            _Night(lake, config, night, run, connect, hook, say).run_all()
    except MineError as exc:
        return load_report(lake, run_id, error=exc)
    return load_report(lake, run_id)
