"""`curate pull`: finished annotations come back as `labels` rows with source = human.

Per task with at least one live annotation (`total_annotations > 0`; cancelled ones never count):
- the annotation that counts is chosen by a rule (connectors.labelstudio.decode: `latest` by default);
- segmentation: its brush results are decoded into one class-id mask PNG per frame under
  `<lake>/masks/human/` (classes painted in class-id order, later classes over earlier ones, unpainted
  pixels = the ignore value); classification: its choice becomes `class_id`;
- the row's key is (frame_id, "human", "ls-<project id>-<task id>"): a re-annotated task replaces its
  earlier label, and the replaced annotation (id, annotator, created/updated, label) is appended to the
  row's `history`, as are annotations of other annotators the rule did not choose;
- an annotation that cannot become a label (unknown class name, mask of the wrong size, ...) puts its
  frame in `quarantine` with the reason, keyed by the annotation's URL, and the other frames are pulled;
  once that annotation is fixed the quarantine row is removed.
Re-running changes nothing: a row whose annotation id and update time are unchanged is not rewritten.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any, Optional, Sequence

import numpy as np

from connectors.images import write_label
from connectors.labelstudio.client import LabelStudioClient
from connectors.labelstudio.decode import annotator_of, choose_annotation, class_from_results, mask_from_results, parse_time
from connectors.labelstudio.errors import AnnotationRejected, LabelConfigError, LabelStudioApiError, LabelStudioAuthError
from connectors.labelstudio.label_config import SEGMENTATION, ProjectSpec, validate_label_config
from connectors.labelstudio.staging import frame_file_name
from connectors.lake import Lake
from curation.jobs.labelstudio.errors import LabelingJobError
from curation.jobs.labelstudio.projects import ProjectRef, require_project, spec_for_sources

SOURCE = "human"


@dataclass
class PullSummary:
    projects: list[str] = field(default_factory=list)
    tasks: int = 0
    annotated: int = 0  # tasks with total_annotations > 0
    written: int = 0  # new labels
    replaced: int = 0  # labels replaced by a newer (or re-chosen) annotation
    unchanged: int = 0
    cancelled_only: int = 0  # annotated tasks whose every annotation was cancelled
    quarantined: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def label_id(project_id: int, task_id: int) -> str:
    return f"ls-{int(project_id)}-{int(task_id)}"


def annotation_url(client: LabelStudioClient, project_id: int, task_id: int, annotation_id: Any) -> str:
    """Where a person opens the annotation in Label Studio; also its quarantine key."""
    return f"{client.url}/projects/{project_id}/data?task={task_id}&annotation={annotation_id}"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _iso(value: Any) -> Optional[str]:
    when = parse_time(value)
    return when.isoformat() if when else None


def _ledger_projects(lake: Lake) -> list[tuple[int, str]]:
    rows = lake.query("SELECT project_id, any_value(project_title) AS title FROM tasks GROUP BY project_id "
                      "ORDER BY project_id").to_pylist()
    return [(int(r["project_id"]), r["title"]) for r in rows]


def _resolve_projects(lake: Lake, client: LabelStudioClient, project: Optional[str]) -> list[ProjectRef]:
    if project is not None:
        return [require_project(client, project)]
    refs = []
    for project_id, title in _ledger_projects(lake):
        try:
            found = client.project(project_id)
        except LabelStudioApiError as exc:
            if exc.status_code != 404:
                raise
            raise LabelingJobError(
                f"the lake pushed to project {project_id} {title!r}, which {client.url} does not have: is "
                "LABEL_STUDIO_URL the server the frames were pushed to? Pass --project to pull one project by title"
            ) from None
        if found.get("title") != title:
            raise LabelingJobError(
                f"the lake pushed to project {project_id} {title!r}, but project {project_id} on {client.url} is titled "
                f"{found.get('title')!r}: is LABEL_STUDIO_URL the server the frames were pushed to? Pass --project to "
                "pull one project by title")
        refs.append(ProjectRef(project_id, title, found.get("label_config") or ""))
    if not refs:
        raise LabelingJobError("nothing was pushed from this lake yet (`tasks` is empty): run `curate push` first, or "
                               "pass --project to pull a project by title")
    return refs


def _history_entry(row_or_annotation: dict[str, Any], why: str, users: dict[int, str]) -> dict[str, Any]:
    if "annotation_id" in row_or_annotation:  # a stored labels row
        r = row_or_annotation
        entry = {"annotation_id": r["annotation_id"], "annotator": r["annotator"],
                 "created_at": _iso(r["created_at"]), "updated_at": _iso(r["updated_at"]),
                 "label_uri": r.get("label_uri"), "class_id": r.get("class_id")}
    else:
        a = row_or_annotation
        entry = {"annotation_id": int(a["id"]), "annotator": _annotator(a, users),
                 "created_at": _iso(a.get("created_at")), "updated_at": _iso(a.get("updated_at"))}
    entry["why"] = why
    return entry


def _annotator(annotation: dict[str, Any], users: dict[int, str]) -> Optional[str]:
    who = annotation.get("completed_by")
    if isinstance(who, int) and who in users:
        return users[who]
    return annotator_of(annotation)


def _mask_path(lake: Lake, frame_id: str, project_id: int, task_id: int, annotation_id: int, mask: np.ndarray):
    digest = hashlib.sha1(mask.tobytes()).hexdigest()[:10]
    stem = frame_file_name(frame_id)[:-4]
    return lake.root / "masks" / SOURCE / f"{stem}__p{project_id}-t{task_id}-a{annotation_id}-{digest}.png"


def _pull_project(lake: Lake, client: LabelStudioClient, ref: ProjectRef, rule: str,
                  paint_order: Optional[Sequence[int]], spec: Optional[ProjectSpec], users: dict[int, str],
                  run_id: Optional[str], now: dt.datetime, summary: PullSummary) -> None:
    tasks = [t for t in client.tasks(ref.id, with_annotations=True)]
    summary.tasks += len(tasks)
    annotated = [t for t in tasks if (t.get("total_annotations") or 0) > 0]
    summary.annotated += len(annotated)
    frame_ids = sorted({(t.get("data") or {}).get("frame_id") for t in annotated} - {None})
    frames = {r["frame_id"]: r for r in lake.query(
        "SELECT frame_id, width, height, source FROM frames WHERE list_contains(?, frame_id)", [frame_ids]).to_pylist()}
    spec_local = spec
    if spec_local is None and frames:
        spec_local = spec_for_sources({f["source"] for f in frames.values()})
    if spec_local is not None:
        try:
            validate_label_config(ref.label_config, spec_local)
        except LabelConfigError as exc:
            raise LabelingJobError(f"project {ref.title!r} (id {ref.id}) does not label its frames' classes: {exc}") from None
    existing = {(r["frame_id"], r["label_id"]): r for r in lake.query(
        "SELECT * FROM labels WHERE source = ? AND starts_with(label_id, ?)", [SOURCE, f"ls-{ref.id}-"]).to_pylist()}
    quarantined_uris = {r["uri"] for r in lake.query(
        "SELECT uri FROM quarantine WHERE stage = 'pull' AND starts_with(uri, ?)",
        [f"{client.url}/projects/{ref.id}/"]).to_pylist()}

    rows, quarantine, cleared = [], [], []

    def reject(uri: str, frame_id: Optional[str], reason: str) -> None:
        source = frames[frame_id]["source"] if frame_id in frames else None
        quarantine.append({"uri": uri, "frame_id": frame_id, "stage": "pull", "reason": reason,
                           "source": source, "run_id": run_id, "detected_at": now})
        key = reason.split(":")[0][:60]
        summary.reasons[key] = summary.reasons.get(key, 0) + 1

    for task in annotated:
        task_id = int(task["id"])
        frame_id = (task.get("data") or {}).get("frame_id")
        chosen = choose_annotation(task.get("annotations") or [], rule)
        if chosen.annotation is None:
            summary.cancelled_only += 1
            continue
        ann = chosen.annotation
        uri = annotation_url(client, ref.id, task_id, ann["id"])
        if not isinstance(frame_id, str) or not frame_id:
            reject(uri, None, "task has no frame_id in its data: it was not made by curate push")
            continue
        frame = frames.get(frame_id)
        if frame is None:
            reject(uri, frame_id, f"frame_id {frame_id!r} is not in this lake's frames")
            continue
        lid = label_id(ref.id, task_id)
        old = existing.get((frame_id, lid))
        updated = parse_time(ann.get("updated_at")) or parse_time(ann.get("created_at"))
        if old is not None and old["annotation_id"] == int(ann["id"]) and parse_time(old["updated_at"]) == updated:
            summary.unchanged += 1
            continue
        results = ann.get("result") or []
        label_uri, class_id = None, None
        try:
            if spec_local is None:
                raise AnnotationRejected("no class list known for this frame's dataset")
            if spec_local.kind == SEGMENTATION:
                h, w = int(frame["height"]), int(frame["width"])
                mask = mask_from_results(results, spec_local, h, w, paint_order)
            else:
                class_id = class_from_results(results, spec_local)
        except AnnotationRejected as exc:
            reject(uri, frame_id, exc.reason)
            continue
        if spec_local.kind == SEGMENTATION:
            path = _mask_path(lake, frame_id, ref.id, task_id, int(ann["id"]), mask)
            if not path.exists():
                write_label(path, mask)
            label_uri = str(path)
        history = json.loads(old["history"]) if old is not None and old.get("history") else []
        if old is not None:
            history.append(_history_entry(old, "replaced", users))
        listed = {(h.get("annotation_id"), h.get("updated_at")) for h in history}
        for other in chosen.others:
            entry = _history_entry(other, f"not chosen ({rule} annotation wins)", users)
            if (entry["annotation_id"], entry["updated_at"]) not in listed:
                history.append(entry)
        rows.append({
            "frame_id": frame_id, "source": SOURCE, "label_id": lid, "label_uri": label_uri, "class_id": class_id,
            "annotator": _annotator(ann, users), "annotation_id": int(ann["id"]), "task_id": task_id,
            "created_at": parse_time(ann.get("created_at")), "updated_at": updated,
            "history": json.dumps(history, sort_keys=True) if history else None, "labeled_at": now,
        })
        if old is None:
            summary.written += 1
        else:
            summary.replaced += 1
        if uri in quarantined_uris:
            cleared.append({"uri": uri})

    if rows:
        lake.write("labels", rows, mode="upsert")
    if quarantine:
        lake.write("quarantine", quarantine, mode="insert")  # insert: a re-run leaves the first report as it is
        summary.quarantined += len(quarantine)
    if cleared:
        lake.delete("quarantine", cleared)


def pull(lake: Lake, client: LabelStudioClient, project: Optional[str] = None, *, rule: str = "latest",
         paint_order: Optional[Sequence[int]] = None, spec: Optional[ProjectSpec] = None,
         run_id: Optional[str] = None, now: Optional[dt.datetime] = None) -> PullSummary:
    """Pull finished annotations of `project` (default: every project this lake pushed to) into `labels`.

    rule: which annotation of a task counts (`latest` | `earliest`). paint_order: class ids in painting
    order (default: class-id order). spec: the project's class list (default: from the frames' datasets).
    """
    if rule not in ("latest", "earliest"):
        raise LabelingJobError(f"--rule must be 'latest' or 'earliest', got {rule!r}")
    now = now or _now()
    summary = PullSummary()
    refs = _resolve_projects(lake, client, project)
    try:
        users = client.user_emails()
    except (LabelStudioAuthError, LabelStudioApiError):
        users = {}  # a token without admin rights cannot list users: annotators stay `user:<id>`
    for ref in refs:
        summary.projects.append(ref.title)
        _pull_project(lake, client, ref, rule, paint_order, spec, users, run_id, now, summary)
    return summary
