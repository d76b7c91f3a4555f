"""The ingest job: dataset items -> validated `frames`, `ground_truth` (and free `labels`), or `quarantine`.

Every image and label map is decoded in full before its frame is written, so a corrupt file is found here,
with its reason, and never reaches training. Frames already in the lake are counted and skipped without
decoding. Within a chunk, ground truth and labels are written before frames: a crash between the two
leaves ground truth for frames the re-run will add, never frames without their ground truth.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Optional

import numpy as np

from connectors.datasets.base import ClassList, DatasetItem
from connectors.images import ImageError, open_image, read_label, write_label
from connectors.lake import Lake

CHUNK = 1000


@dataclass
class IngestSummary:
    ingested: int = 0
    already_present: int = 0
    quarantined: int = 0
    ground_truth: int = 0
    labels: int = 0
    reasons: Counter = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ingested": self.ingested,
            "already_present": self.already_present,
            "quarantined": self.quarantined,
            "ground_truth": self.ground_truth,
            "labels": self.labels,
            "quarantine_reasons": dict(self.reasons),
        }


@dataclass
class _Checked:
    item: DatasetItem
    frame: Optional[dict] = None
    ground_truth: Optional[dict] = None
    label: Optional[dict] = None
    quarantine: Optional[dict] = None
    kind: Optional[str] = None  # the quarantine reason's bucket in the summary


def _safe_name(frame_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", frame_id)


_KINDS = (
    ("missing", "missing"), ("not found", "missing"), ("no member", "missing"), ("cannot read", "unreadable"),
    ("empty file", "empty"), ("not a recognised", "not a recognised"), ("single-channel", "values"),
    ("outside 0..255", "values"),
)


def _reason_kind(reason: str) -> str:
    """A short bucket for the summary (the full reason is in the quarantine row).

    `reason` must be a reason without file paths (a reader's problem or an ImageError's reason): a folder
    named e.g. `missing_frames/` must not decide the bucket.
    """
    prefix = "corrupt or truncated image:"
    if reason.startswith(prefix):  # PIL's own words after the prefix tell truncated from corrupt
        return "truncated" if "truncated" in reason[len(prefix):] else "corrupt"
    for phrase, kind in _KINDS:
        if phrase in reason:
            return kind
    return "other"


class _Checker:
    def __init__(self, classes: ClassList | None, masks_dir: Path, now: dt.datetime, run_id: str | None):
        self.classes, self.masks_dir, self.now, self.run_id = classes, masks_dir, now, run_id

    def _quarantine(self, item: DatasetItem, uri: str, reason: str, kind: str) -> _Checked:
        row = {
            "uri": uri,
            "frame_id": item.frame.get("frame_id"),
            "stage": "ingest",
            "reason": reason,
            "source": item.frame.get("source"),
            "run_id": self.run_id,
            "detected_at": self.now,
        }
        return _Checked(item, quarantine=row, kind=kind)

    def __call__(self, item: DatasetItem) -> _Checked:
        frame = dict(item.frame)
        uri = frame["uri"]
        if item.problem:
            return self._quarantine(item, uri, item.problem, _reason_kind(item.problem))
        try:
            image = open_image(uri)
        except ImageError as exc:
            return self._quarantine(item, uri, exc.reason, _reason_kind(exc.reason))
        width, height = image.size
        frame.update(width=width, height=height, ingested_at=self.now)
        gt = label = None
        if item.label_uri is not None:
            try:
                mask = read_label(item.label_uri)
            except ImageError as exc:
                return self._quarantine(item, uri, f"label map {item.label_uri}: {exc.reason}", _reason_kind(exc.reason))
            if item.label_map is not None:
                mask = item.label_map(mask)
            if mask.shape != (height, width):
                return self._quarantine(
                    item, uri,
                    f"label map size {mask.shape[1]}x{mask.shape[0]} differs from image size {width}x{height} "
                    f"({item.label_uri})",
                    "size",
                )
            if self.classes is not None:
                allowed = set(range(self.classes.num_classes))
                if self.classes.ignore_index is not None:
                    allowed.add(self.classes.ignore_index)
                bad = sorted(set(np.unique(mask).tolist()) - allowed)
                if bad:
                    return self._quarantine(
                        item, uri,
                        f"label values {bad[:10]} outside the class list (0..{self.classes.num_classes - 1}"
                        + (f", ignore {self.classes.ignore_index}" if self.classes.ignore_index is not None else "")
                        + f") in {item.label_uri}",
                        "values",
                    )
            label_uri = item.label_uri
            if item.label_map is not None:
                mapped = self.masks_dir / frame["source"] / f"{_safe_name(frame['frame_id'])}.png"
                write_label(mapped, mask)
                label_uri = str(mapped)
            gt = {"frame_id": frame["frame_id"], "label_uri": label_uri, "ingested_at": self.now}
        elif item.class_id is not None:
            if self.classes is not None and not 0 <= item.class_id < self.classes.num_classes:
                return self._quarantine(
                    item, uri, f"class id {item.class_id} outside the class list 0..{self.classes.num_classes - 1}",
                    "class id",
                )
            gt = {"frame_id": frame["frame_id"], "class_id": item.class_id, "ingested_at": self.now}
        if gt is not None and item.free_label:
            label = {
                "frame_id": frame["frame_id"],
                "source": "synthetic",
                "label_id": "render",
                "label_uri": gt.get("label_uri"),
                "class_id": gt.get("class_id"),
                "labeled_at": self.now,
            }
        return _Checked(item, frame=frame, ground_truth=gt, label=label)


def _chunks(items: Iterable[DatasetItem], size: int) -> Iterator[list[DatasetItem]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def ingest(
    lake: Lake,
    items: Iterable[DatasetItem],
    classes: ClassList | None,
    *,
    run_id: str | None = None,
    workers: int = 2,
    chunk_size: int = CHUNK,
    progress: Callable[[int], None] | None = None,
) -> IngestSummary:
    """Validate and write `items`; returns counts. Re-running with the same items writes nothing new.

    Decoding runs on `workers` threads (PIL releases the GIL while decoding).
    """
    summary = IngestSummary()
    now = dt.datetime.now(dt.timezone.utc)
    checker = _Checker(classes, lake.root / "masks" / "ground_truth", now, run_id)
    present = {key[0] for key in lake.keys("frames")}
    first_uri: dict[str, str] = {}  # frame_id -> uri of the first item of this run that had it
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for chunk in _chunks(items, chunk_size):
            todo, duplicates, queued = [], [], set()
            for item in chunk:
                frame_id, uri = item.frame["frame_id"], item.frame["uri"]
                first = first_uri.setdefault(frame_id, uri)
                if first != uri:
                    # Two files claim one frame id (e.g. the same name in two splits): the lake would keep
                    # one of them, so the other is quarantined rather than lost without a word.
                    duplicates.append(checker._quarantine(
                        item, uri, f"duplicate frame id {frame_id}: {first} has the same id", "duplicate"))
                elif frame_id in present or frame_id in queued:
                    summary.already_present += 1
                else:
                    queued.add(frame_id)
                    todo.append(item)
            checked = list(pool.map(checker, todo))
            good = [c for c in checked if c.frame is not None]
            bad = [c for c in checked if c.quarantine is not None] + duplicates
            gts = [c.ground_truth for c in good if c.ground_truth]
            labels = [c.label for c in good if c.label]
            if gts:
                summary.ground_truth += lake.write("ground_truth", gts).inserted
            if labels:
                summary.labels += lake.write("labels", labels).inserted
            if good:
                summary.ingested += lake.write("frames", [c.frame for c in good]).inserted
                present.update(c.frame["frame_id"] for c in good)
                # A file that was quarantined before and now ingests (it was fixed) leaves quarantine.
                lake.delete("quarantine", [{"uri": c.frame["uri"]} for c in good])
            if bad:
                lake.write("quarantine", [c.quarantine for c in bad], mode="upsert")
                summary.quarantined += len(bad)
                summary.reasons.update(c.kind for c in bad)
            if progress:
                progress(len(chunk))
    return summary


def copy_ground_truth_to_labels(lake: Lake, where: str, limit: int | None = None) -> dict[str, int]:
    """The direct oracle: ground truth of the frames matching `where` (a SQL predicate on `frames`)
    becomes `labels` rows with source 'oracle'. Returns counts (matched, inserted, already labeled)."""
    # The predicate runs over frames alone (aliased `f`, as in every other `--where`): joined with
    # ground_truth, a column both have (ingested_at) would be an ambiguous reference.
    sql = (
        "SELECT g.frame_id, g.label_uri, g.class_id FROM ground_truth g "
        f"WHERE g.frame_id IN (SELECT f.frame_id FROM frames f WHERE ({where})) ORDER BY g.frame_id"
    )
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    # The predicate is the operator's own SQL on their own lake; the read-only check refuses anything that
    # is not a single SELECT (no `; DROP ...`).
    rows = lake.query(sql, read_only=True).to_pylist()
    now = dt.datetime.now(dt.timezone.utc)
    labels = [
        {"frame_id": r["frame_id"], "source": "oracle", "label_id": "ground_truth", "label_uri": r["label_uri"],
         "class_id": r["class_id"], "labeled_at": now}
        for r in rows
    ]
    result = lake.write("labels", labels) if labels else None
    return {
        "matched": len(rows),
        "inserted": result.inserted if result else 0,
        "already_labeled": result.skipped if result else 0,
    }
