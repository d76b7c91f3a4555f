"""The scoring job: run every member of an ensemble over the frames it has not scored yet.

Three stages overlap so the members' forward pass sets the pace (issue target: end-to-end >= 0.9x the pure
forward throughput):
  decode thread  -> reads and resizes the next batches (PIL releases the GIL while decoding),
  main thread    -> members' forward (bf16 autocast + channels_last on CPU, fp32 on request), acquisition
                    maps at logit resolution (stride 4: 1/16 of the pixels), fused in one pass,
  write thread   -> appends `scores` rows to the lake in chunks.
Rows are keyed (frame_id, model_version) and written with insert semantics, so a re-run (or a run resumed
after a crash) scores only what is missing. An unreadable frame goes to `quarantine` and the run goes on.
"""

from __future__ import annotations

import datetime as dt
import queue
import threading
from dataclasses import dataclass, field
from typing import Callable, Iterator

import numpy as np
import torch

from connectors.images import ImageError, read_rgb
from connectors.lake import Lake
from curation.acquisition import score_batch
from curation.data import queries
from curation.data.transforms import resize_image, to_tensor
from curation.jobs.checkpoints import LoadedModel

_DONE = object()


@dataclass
class ScoreConfig:
    batch_size: int = 16
    reduction: str = "mean"  # mean | top_q | class_weighted
    top_q: float = 10.0
    precision: str = "bf16"  # bf16 | fp32
    mc_samples: int = 8  # forward passes for a single MC-dropout network (ignored for ensembles)
    write_every: int = 256  # frames per lake write
    prefetch_batches: int = 4


@dataclass
class ScoreSummary:
    scored: int = 0
    quarantined: int = 0
    seconds: float = 0.0
    reasons: dict = field(default_factory=dict)


def _batches(frames: list[dict], size: tuple[int, int] | None, batch_size: int) -> Iterator[tuple[list[dict], torch.Tensor | None, list[tuple[dict, str]]]]:
    """(frames of the batch, images [B, 3, H, W], unreadable frames with reasons)."""
    for start in range(0, len(frames), batch_size):
        chunk = frames[start:start + batch_size]
        good, tensors, bad = [], [], []
        for frame in chunk:
            try:
                tensors.append(to_tensor(resize_image(read_rgb(frame["uri"]), size)))
                good.append(frame)
            except ImageError as exc:
                bad.append((frame, exc.reason))
        yield good, (torch.stack(tensors) if tensors else None), bad


def _prefetch(iterator: Iterator, depth: int) -> Iterator:
    """Run `iterator` on a background thread, `depth` items ahead."""
    q: queue.Queue = queue.Queue(maxsize=depth)
    failure: list[BaseException] = []

    def produce() -> None:
        try:
            for item in iterator:
                q.put(item)
        except BaseException as exc:  # surfaced in the consumer
            failure.append(exc)
        finally:
            q.put(_DONE)

    threading.Thread(target=produce, name="score-decode", daemon=True).start()
    while (item := q.get()) is not _DONE:
        yield item
    if failure:
        raise failure[0]


class _Writer:
    """Appends rows to the lake from a background thread; `close()` flushes and re-raises any failure."""

    def __init__(self, lake: Lake):
        self.lake = lake
        self.q: queue.Queue = queue.Queue(maxsize=8)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="score-write", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (item := self.q.get()) is not _DONE:
            table, rows, mode = item
            if self.error is None:
                try:
                    self.lake.write(table, rows, mode=mode)
                except BaseException as exc:
                    self.error = exc

    def put(self, table: str, rows: list[dict], mode: str = "insert") -> None:
        if self.error:
            raise self.error
        if rows:
            self.q.put((table, rows, mode))

    def close(self) -> None:
        self.q.put(_DONE)
        self.thread.join()
        if self.error:
            raise self.error


def predictor_for(model: LoadedModel, mc_samples: int):
    """What produces the [K, B, C, ...] probabilities: the ensemble, or T dropout samples of one network."""
    if model.dropout > 0 and model.ensemble.num_members == 1:
        from models.mc_dropout import MCDropoutSampler

        return MCDropoutSampler(model.ensemble.members[0], samples=mc_samples)
    return model.ensemble


@torch.inference_mode()
def member_probs(predictor, images: torch.Tensor, precision: str = "bf16") -> tuple[torch.Tensor, torch.Tensor]:
    """Member probabilities [K, B, C, ...] (logit resolution) and the member-mean embedding [B, D], float32."""
    images = images.contiguous(memory_format=torch.channels_last)
    enabled = precision == "bf16" and images.device.type == "cpu"
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=enabled):
        probs, embedding = predictor.predict_with_embedding(images)
    return probs.float(), embedding.float()


def score_frames(
    lake: Lake,
    model: LoadedModel,
    frames: list[dict],
    config: ScoreConfig,
    run_id: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> ScoreSummary:
    """Score `frames` (rows with frame_id and uri) with `model`; writes `scores` and `quarantine`."""
    summary = ScoreSummary()
    started = dt.datetime.now(dt.timezone.utc)
    model.ensemble.eval().to(memory_format=torch.channels_last)
    predictor = predictor_for(model, config.mc_samples)
    writer = _Writer(lake)
    pending: list[dict] = []
    try:
        for good, images, bad in _prefetch(_batches(frames, model.input_size, config.batch_size), config.prefetch_batches):
            now = dt.datetime.now(dt.timezone.utc)
            if bad:
                writer.put("quarantine", [
                    {"uri": f["uri"], "frame_id": f["frame_id"], "stage": "score", "reason": reason,
                     "run_id": run_id, "detected_at": now}
                    for f, reason in bad
                ], mode="upsert")
                summary.quarantined += len(bad)
                for _, reason in bad:
                    summary.reasons[reason] = summary.reasons.get(reason, 0) + 1
            if images is not None:
                probs, embedding = member_probs(predictor, images, config.precision)
                columns = score_batch(probs, reduction=config.reduction, q=config.top_q)
                columns = {k: v.numpy() for k, v in columns.items()}
                emb = embedding.numpy().astype(np.float32)
                for i, frame in enumerate(good):
                    row = {k: float(columns[k][i]) for k in
                           ("entropy", "expected_entropy", "mutual_information", "variation_ratio", "margin",
                            "least_confidence", "confidence")}
                    row.update(
                        frame_id=frame["frame_id"], model_version=model.model_version, reduction=config.reduction,
                        class_fractions=columns["class_fractions"][i].tolist(), embedding=emb[i].tolist(),
                        scored_at=now, run_id=run_id,
                    )
                    pending.append(row)
                summary.scored += len(good)
            if len(pending) >= config.write_every:
                writer.put("scores", pending)
                pending = []
            if progress:
                progress(len(good) + len(bad))
        writer.put("scores", pending)
    finally:
        writer.close()
    summary.seconds = (dt.datetime.now(dt.timezone.utc) - started).total_seconds()
    return summary


def pending_frames(lake: Lake, model_version: str, where: str | None) -> list[dict]:
    """Frames matching `where` not yet scored by `model_version` (and not quarantined)."""
    return queries.frames_to_score(lake, model_version, where).to_pylist()


class ScoreJobError(Exception):
    """The scoring job cannot start: unknown model, missing checkpoint. Says what to do."""


def default_where(model_row: dict) -> str | None:
    """Frames of the datasets the model was trained on (a segmentation model should not score sign crops)."""
    import json

    datasets = json.loads(model_row.get("label_set") or "{}").get("datasets") or []
    if not datasets:
        return None
    quoted = ", ".join("'" + d.replace("'", "''") + "'" for d in datasets)
    return f"f.source IN ({quoted})"


def run_score(
    lake: Lake,
    model_version: str = "latest",
    *,
    where: str | None = None,
    batch_size: int = 16,
    reduction: str = "mean",
    precision: str = "bf16",
    run_id: str | None = None,
    on_total: Callable[[int], None] | None = None,
    progress: Callable[[int], None] | None = None,
) -> dict:
    """Load the model, find what it has not scored, score it. Returns counts and throughput."""
    from curation.jobs.checkpoints import CheckpointError, load

    row = queries.model_row(lake, model_version)
    if row is None:
        raise ScoreJobError(
            f"no model {model_version!r} in the lake's models table: train one with `curate train` "
            "or list them with `curate sql \"SELECT model_version, created_at FROM models\"`"
        )
    try:
        model = load(row["checkpoint_uri"])
    except CheckpointError as exc:
        raise ScoreJobError(str(exc)) from None
    where = where if where is not None else default_where(row)
    frames = pending_frames(lake, row["model_version"], where)
    if on_total:
        on_total(len(frames))
    config = ScoreConfig(batch_size=batch_size, reduction=reduction, precision=precision)
    summary = score_frames(lake, model, frames, config, run_id=run_id, progress=progress)
    return {
        "model_version": row["model_version"],
        "scored": summary.scored,
        "quarantined": summary.quarantined,
        "where": where,
        "seconds": round(summary.seconds, 3),
        "frames_per_s": summary.scored / summary.seconds if summary.seconds > 0 else 0.0,
    }
