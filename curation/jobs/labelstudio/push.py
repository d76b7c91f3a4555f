"""`curate push`: a selection run's frames become Label Studio tasks, each frame exactly once per project.

How exactly-once holds, also when an earlier push died halfway:
1. The lake table `tasks` (key frame_id, project_id) is the ledger of frames already imported.
2. Before importing, the project's tasks on the server are listed and every task whose `data.frame_id`
   is a lake frame missing from the ledger is written to it ("reconciled"): an import whose reply was
   lost is found here, not imported twice.
3. What is left is imported in batches, each import sent once (never retried: Label Studio does not
   deduplicate), and each batch's task ids are written to the ledger as soon as the server answers.
4. Pushes to one lake are serialised by a file lock, so two pushes cannot both import the same frame.

Everything a batch needs (images staged, predictions made and validated against the labeling config) is
prepared before the first import, so a bad pre-annotation stops the push before anything is sent.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

import numpy as np

from connectors.images import ImageError
from connectors.labelstudio import payloads
from connectors.labelstudio.client import LabelStudioClient
from connectors.labelstudio.label_config import SEGMENTATION, ProjectSpec
from connectors.labelstudio.staging import project_folder, stage_image
from connectors.lake import Lake
from curation.jobs.labelstudio.errors import LabelingJobError
from curation.jobs.labelstudio.predictor import Prediction, Predictor
from curation.jobs.labelstudio.projects import default_title, ensure_project, spec_for_sources

DEFAULT_BATCH = 50
PREDICT_CHUNK = 32  # frames per predictor call


@dataclass(frozen=True)
class ImageHosting:
    """Where task images live. document_root: the folder the server serves from (its
    LOCAL_FILES_DOCUMENT_ROOT); url_prefix: None = serve through a local storage connection, else
    the URL under which `document_root` is served (an HTTP server or bucket)."""

    document_root: Path
    url_prefix: Optional[str] = None


@dataclass
class PushSummary:
    project_id: int = 0
    project_title: str = ""
    project_created: bool = False
    selected: int = 0
    already_pushed: int = 0  # in the ledger before this push
    reconciled: int = 0  # on the server but missing from the ledger: recorded, not imported again
    imported: int = 0
    with_predictions: int = 0
    model_version: Optional[str] = None
    missing_frames: int = 0  # selected frame ids with no `frames` row
    quarantined: int = 0  # images that could not be decoded
    duplicates_on_server: int = 0  # frame ids with several tasks on the server (made outside curate push)
    predictor: str = "none"  # none | model
    batches: int = 0
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@contextlib.contextmanager
def _push_lock(lake: Lake) -> Iterator[None]:
    path = lake.root / "labelstudio" / "push.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def selected_frames(lake: Lake, run_id: str) -> list[dict[str, Any]]:
    """The frames a selection run picked, by rank: frame_id, rank, uri, width, height, source (uri None
    when the frame is missing from `frames`)."""
    rows = lake.query(
        "SELECT s.frame_id, s.rank, f.uri, f.width, f.height, f.source FROM selections s "
        "LEFT JOIN frames f ON f.frame_id = s.frame_id WHERE s.run_id = ? ORDER BY s.rank, s.frame_id",
        [run_id],
    ).to_pylist()
    if not rows:
        known = lake.query("SELECT run_id, count(*) AS n FROM selections GROUP BY run_id ORDER BY run_id DESC LIMIT 5")
        hint = ", ".join(f"{r['run_id']} ({r['n']})" for r in known.to_pylist()) or "none yet: run `curate select`"
        raise LabelingJobError(f"selection run {run_id!r} has no rows in `selections`; recent runs: {hint}")
    return rows


@dataclass
class Reconciled:
    """The ledger after reconciling: frame_id -> task_id of every frame the project holds, the rows added
    from the server, frames with several tasks on the server, and ledger frames the server no longer has."""

    held: dict[str, int]
    added: int
    duplicates: int
    gone: set[str]


def reconcile(lake: Lake, client: LabelStudioClient, project_id: int, project_title: str,
              now: dt.datetime) -> Reconciled:
    """Bring the ledger up to date with the server's tasks of a project (see the module docstring)."""
    ledger = {r["frame_id"]: r["task_id"] for r in
              lake.query("SELECT frame_id, task_id FROM tasks WHERE project_id = ?", [project_id]).to_pylist()}
    on_server: dict[str, list[int]] = {}
    for task in client.tasks(project_id):
        frame_id = (task.get("data") or {}).get("frame_id")
        if isinstance(frame_id, str) and frame_id:
            on_server.setdefault(frame_id, []).append(int(task["id"]))
    duplicates = sum(1 for ids in on_server.values() if len(ids) > 1)
    unknown = [f for f in on_server if f not in ledger]
    known_frames = set()
    if unknown:
        known_frames = {r["frame_id"] for r in lake.query(
            "SELECT frame_id FROM frames WHERE list_contains(?, frame_id)", [unknown]).to_pylist()}
    rows = [{"frame_id": f, "project_id": project_id, "task_id": min(on_server[f]), "project_title": project_title,
             "run_id": None, "model_version": None, "pushed_at": now} for f in unknown if f in known_frames]
    if rows:
        lake.write("tasks", rows, mode="insert")
    held = dict(ledger)
    held.update({r["frame_id"]: r["task_id"] for r in rows})
    return Reconciled(held, len(rows), duplicates, set(ledger) - set(on_server))


def _check_prediction(pred: Prediction, frame: dict[str, Any], spec: ProjectSpec) -> None:
    if spec.kind == SEGMENTATION:
        if pred.mask is None:
            raise LabelingJobError(f"predictor gave no mask for frame {frame['frame_id']} of a segmentation project")
        shape = (int(frame["height"]), int(frame["width"]))
        if tuple(pred.mask.shape) != shape:
            raise LabelingJobError(f"predicted mask for frame {frame['frame_id']} is {pred.mask.shape[1]}x"
                                   f"{pred.mask.shape[0]}, the frame is {shape[1]}x{shape[0]}: the predictor must "
                                   "return masks at frame resolution")


def _prepare(lake: Lake, frames: list[dict], spec: ProjectSpec, project_id: int, hosting: ImageHosting,
             predictor: Optional[Predictor], checker: payloads.PredictionChecker, run_id: str,
             summary: PushSummary, now: dt.datetime) -> list[tuple[dict, dict, Optional[str]]]:
    """(frame, task payload, model_version) for every frame whose image could be staged."""
    folder = project_folder(project_id)
    staged, quarantine = [], []
    for frame in frames:
        try:
            relative = stage_image(frame["uri"], frame["frame_id"], hosting.document_root, folder)
        except ImageError as exc:
            quarantine.append({"uri": frame["uri"], "frame_id": frame["frame_id"], "stage": "push",
                               "reason": f"image cannot be decoded for Label Studio: {exc.reason}",
                               "source": frame.get("source"), "run_id": run_id, "detected_at": now})
            continue
        staged.append((frame, payloads.image_url(relative, hosting.url_prefix)))
    if quarantine:
        lake.write("quarantine", quarantine, mode="insert")
        summary.quarantined += len(quarantine)
    prepared = []
    # The predictor runs chunk by chunk and only the (compact) RLE payloads are kept, so memory stays
    # bounded by one chunk of full-resolution masks however large the selection.
    for start in range(0, len(staged), PREDICT_CHUNK):
        chunk = staged[start:start + PREDICT_CHUNK]
        predictions: list[Optional[Prediction]] = [None] * len(chunk)
        if predictor is not None:
            predictions = list(predictor([dict(f) for f, _ in chunk]))
            if len(predictions) != len(chunk):
                raise LabelingJobError(f"predictor returned {len(predictions)} predictions for {len(chunk)} frames: it "
                                       "must return one per frame (None where it has none)")
        for (frame, url), pred in zip(chunk, predictions):
            preds = None
            if pred is not None:
                _check_prediction(pred, frame, spec)
                results = payloads.results_for(spec, mask=pred.mask, class_id=pred.class_id)
                body = payloads.prediction(results, float(np.clip(pred.confidence, 0.0, 1.0)), pred.model_version)
                problems = checker.problems(body)
                if problems:
                    raise LabelingJobError(f"pre-annotation for frame {frame['frame_id']} does not fit the labeling "
                                           f"config: {'; '.join(problems)[:500]}")
                preds = [body]
            extra = {"rank": int(frame["rank"]), "selection_run": run_id}
            prepared.append((frame, payloads.task(frame["frame_id"], url, preds, extra),
                             pred.model_version if pred is not None else None))
    return prepared


def _ensure_storage(client: LabelStudioClient, project_id: int, hosting: ImageHosting) -> None:
    folder = (Path(hosting.document_root) / project_folder(project_id)).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    if any(Path(s.get("path") or "") == folder for s in client.local_storages(project_id)):
        return
    client.create_local_storage(project_id, str(folder), title=f"fleet-curation frames ({folder.name})")


def push(
    lake: Lake,
    client: LabelStudioClient,
    run_id: str,
    project: Optional[str] = None,
    *,
    hosting: ImageHosting,
    predictor: Optional[Predictor] = None,
    batch_size: int = DEFAULT_BATCH,
    spec: Optional[ProjectSpec] = None,
    progress: Optional[Callable[[int, int], None]] = None,
    now: Optional[dt.datetime] = None,
) -> PushSummary:
    """Push selection run `run_id` to project `project` (default: `curation-<class list>-<kind>`).

    predictor: pre-annotations (None = tasks without predictions). progress(done, total) is called after
    each imported batch. Raises LabelStudioError when the server fails (the ledger then holds exactly the
    batches the server confirmed), LabelingJobError for input problems.
    """
    if batch_size < 1:
        raise LabelingJobError(f"batch size must be >= 1, got {batch_size}")
    now = now or _now()
    frames = selected_frames(lake, run_id)
    summary = PushSummary(selected=len(frames), predictor="none" if predictor is None else "model")
    present = [f for f in frames if f["uri"] is not None]
    summary.missing_frames = len(frames) - len(present)
    if summary.missing_frames:
        summary.warnings.append(f"{summary.missing_frames} selected frame ids are not in `frames` and were skipped")
    spec = spec or spec_for_sources({f["source"] for f in present})
    title = project or default_title(spec)
    with _push_lock(lake):
        ref, created = ensure_project(client, title, spec)
        summary.project_id, summary.project_title, summary.project_created = ref.id, ref.title, created
        ledger_before = lake.query("SELECT count(*) AS n FROM tasks WHERE project_id = ? AND list_contains(?, frame_id)",
                                   [ref.id, [f["frame_id"] for f in present]]).to_pylist()[0]["n"]
        state = reconcile(lake, client, ref.id, ref.title, now)
        summary.reconciled, summary.duplicates_on_server = state.added, state.duplicates
        todo = [f for f in present if f["frame_id"] not in state.held]
        summary.already_pushed = int(ledger_before)
        gone = [f["frame_id"] for f in present if f["frame_id"] in state.gone]
        if gone:
            summary.warnings.append(f"{len(gone)} selected frames are in the ledger but their tasks were deleted in "
                                    f"Label Studio; they are not pushed again (exactly once). To re-push, delete their "
                                    f"`tasks` rows for project {ref.id} first")
        if summary.duplicates_on_server:
            summary.warnings.append(f"{summary.duplicates_on_server} frames have several tasks in project {ref.id} "
                                    "(made outside curate push); the lowest task id is the one recorded")
        if not todo:
            return summary
        checker = payloads.PredictionChecker(ref.label_config)
        prepared = _prepare(lake, todo, spec, ref.id, hosting, predictor, checker, run_id, summary, now)
        versions = sorted({v for _, _, v in prepared if v})
        summary.with_predictions = sum(1 for _, _, v in prepared if v)
        summary.model_version = versions[-1] if versions else None
        if len(versions) > 1:
            summary.warnings.append(f"the predictor gave several model versions {versions}; {summary.model_version!r} "
                                    "is made the project's current one")
        if hosting.url_prefix is None:
            _ensure_storage(client, ref.id, hosting)
        for start in range(0, len(prepared), batch_size):
            batch = prepared[start:start + batch_size]
            task_ids = client.import_tasks(ref.id, [t for _, t, _ in batch])
            lake.write("tasks", [
                {"frame_id": f["frame_id"], "project_id": ref.id, "task_id": tid, "project_title": ref.title,
                 "run_id": run_id, "model_version": v, "pushed_at": now}
                for (f, _, v), tid in zip(batch, task_ids)
            ], mode="insert")
            summary.imported += len(batch)
            summary.batches += 1
            if progress is not None:
                progress(summary.imported, len(prepared))
        # The editor shows the predictions of the project's model version. Label Studio sets it on the first
        # import with predictions; later models must be made current explicitly (possible only once their
        # predictions exist on the server, i.e. after the import).
        if summary.model_version and client.project(ref.id).get("model_version") != summary.model_version:
            client.set_model_version(ref.id, summary.model_version)
    return summary
