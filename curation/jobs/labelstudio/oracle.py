"""`curate labelstudio oracle`: a simulated annotator that answers a project's open tasks from ground truth.

It works through the API exactly as a person in the editor would: for each task without a live
annotation it submits one annotation (brush strokes per class, or a choice) as the token's user. Pull
then treats those annotations like any other. Used by the simulation and the demo, so the whole loop
runs end to end on a real server. Re-running answers only tasks still open.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Optional

from connectors.images import ImageError, read_label
from connectors.labelstudio import payloads
from connectors.labelstudio.client import LabelStudioClient
from connectors.labelstudio.label_config import SEGMENTATION, ProjectSpec, validate_label_config
from connectors.labelstudio.errors import LabelConfigError
from connectors.lake import Lake
from curation.jobs.labelstudio.errors import LabelingJobError
from curation.jobs.labelstudio.projects import require_project, spec_for_sources


@dataclass
class OracleSummary:
    project_id: int = 0
    project_title: str = ""
    tasks: int = 0
    open: int = 0
    answered: int = 0
    skipped: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def answer_open_tasks(lake: Lake, client: LabelStudioClient, project: str, *, limit: Optional[int] = None,
                      lead_time_s: float = 1.0, spec: Optional[ProjectSpec] = None,
                      progress: Optional[Callable[[int, int], None]] = None) -> OracleSummary:
    """Annotate the open tasks of project `project` from `ground_truth` (at most `limit` of them)."""
    ref = require_project(client, project)
    summary = OracleSummary(project_id=ref.id, project_title=ref.title)
    tasks = list(client.tasks(ref.id))
    summary.tasks = len(tasks)
    open_tasks = [t for t in tasks if (t.get("total_annotations") or 0) == 0]
    if limit is not None:
        open_tasks = open_tasks[:limit]
    summary.open = len(open_tasks)
    frame_ids = sorted({(t.get("data") or {}).get("frame_id") for t in open_tasks} - {None})
    truth = {r["frame_id"]: r for r in lake.query(
        "SELECT f.frame_id, f.width, f.height, f.source, g.label_uri, g.class_id FROM frames f "
        "LEFT JOIN ground_truth g ON g.frame_id = f.frame_id WHERE list_contains(?, f.frame_id)",
        [frame_ids]).to_pylist()}
    if spec is None and truth:
        spec = spec_for_sources({r["source"] for r in truth.values()})
    if spec is not None:
        try:
            validate_label_config(ref.label_config, spec)
        except LabelConfigError as exc:
            raise LabelingJobError(f"project {ref.title!r} does not label its frames' classes: {exc}") from None

    def skip(reason: str) -> None:
        summary.skipped += 1
        summary.reasons[reason] = summary.reasons.get(reason, 0) + 1

    for i, task in enumerate(open_tasks, 1):
        row = truth.get((task.get("data") or {}).get("frame_id"))
        if row is None:
            skip("frame not in this lake")
            continue
        try:
            if spec.kind == SEGMENTATION:
                if not row["label_uri"]:
                    skip("no ground-truth mask")
                    continue
                mask = read_label(row["label_uri"])
                if mask.shape != (int(row["height"]), int(row["width"])):
                    skip("ground-truth mask size differs from the frame")
                    continue
                results = payloads.brush_results(mask, spec)
            else:
                if row["class_id"] is None:
                    skip("no ground-truth class")
                    continue
                results = payloads.choice_results(int(row["class_id"]), spec)
        except (ImageError, ValueError) as exc:
            skip(f"ground truth unusable: {exc}"[:80])
            continue
        if not results:
            skip("ground truth has no labeled pixel")
            continue
        client.create_annotation(int(task["id"]), results, lead_time_s=lead_time_s)
        summary.answered += 1
        if progress is not None:
            progress(i, len(open_tasks))
    return summary
