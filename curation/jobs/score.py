"""The scoring job: run every member of an ensemble over the frames it has not scored yet.

Stages overlap so the members' forward pass sets the pace (issue target: end-to-end >= 0.9x the pure
forward throughput; on the 2-core CPU the per-frame work outside the forward, PNG decoding ~1.0 ms and the
acquisition columns ~1.1 ms against an ~11-12 ms K = 5 fbnet_tiny forward, caps it at ~0.85x whatever the
overlap: BENCHMARKS.md, "Scoring speed"):
  decode thread   -> reads and resizes the next batches (libspng / PIL and numpy release the GIL),
  forward workers -> each takes whole batches: members' forward to logits (bf16 autocast + channels_last on
                     CPU, fp32 on request), every acquisition column from the logits at logit resolution
                     (stride 4: 1/16 of the pixels) in one fused pass (`score_logits`), the batch's rows,
  main thread     -> collects rows, quarantine entries and progress,
  write thread    -> appends `scores` rows to the lake in chunks.
Why workers and not torch's intra-op threads: on a small CPU (2 cores) the members' many small convolutions
parallelise poorly inside one op, and every OpenMP barrier stalls as soon as the decode thread, or another
process, takes a core. W workers, each running torch single-threaded on its own batch, share no barrier: on
the 2-core machine the K = 5 forward ran at 31 frames/s with 2 workers against 3.5 with 2 intra-op threads
under load, and level with them idle (136 vs 136) (benchmarks/scoring.py; BENCHMARKS.md, "Scoring speed").
An MC-dropout network is copied once per worker (its dropout switch is per network); its samples are random.
Rows are keyed (frame_id, model_version) and written with insert semantics, so a re-run (or a run resumed
after a crash) scores only what is missing. An unreadable frame goes to `quarantine` and the run goes on.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import functools
import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Iterator, Optional

import numpy as np
import torch

from connectors.images import ImageError, read_rgb
from connectors.lake import Lake
from curation.acquisition import score_logits
from curation.data import queries
from curation.data.transforms import MEAN, STD, resize_image
from curation.jobs.checkpoints import LoadedModel

_DONE = object()
_ROW_COLUMNS = ("entropy", "expected_entropy", "mutual_information", "variation_ratio", "margin",
                "least_confidence", "confidence")


@dataclass
class ScoreConfig:
    batch_size: int = 16
    reduction: str = "mean"  # mean | top_q | class_weighted
    top_q: float = 10.0
    precision: str = "bf16"  # bf16 | fp32
    mc_samples: int = 8  # forward passes for a single MC-dropout network (ignored for ensembles)
    write_every: int = 256  # frames per lake write
    prefetch_batches: int = 4
    # Forward workers, each running torch with threads // workers intra-op threads (threads = torch's
    # setting when scoring starts). 0 = one single-threaded worker per torch thread.
    workers: int = 0


@dataclass
class ScoreSummary:
    scored: int = 0
    quarantined: int = 0
    seconds: float = 0.0
    reasons: dict = field(default_factory=dict)
    # CPU seconds spent in each stage, summed over the threads that ran it: decode, forward, acquisition,
    # rows, write. Says where the time went (wall time can hide it: stages overlap).
    stage_cpu: dict = field(default_factory=dict)


class _StageClock:
    """Adds up per-thread CPU time by stage, from any thread."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._lock = threading.Lock()

    def add(self, stage: str, since: float) -> float:
        """Charge this thread's CPU time since `since` (a time.thread_time()) to `stage`; returns now."""
        now = time.thread_time()
        with self._lock:
            self.seconds[stage] = self.seconds.get(stage, 0.0) + now - since
        return now

    def timed(self, stage: str, iterator: Iterator) -> Iterator:
        """`iterator`, its work charged to `stage` (on whichever thread advances it)."""
        while True:
            start = time.thread_time()
            try:
                item = next(iterator)
            except StopIteration:
                return
            finally:
                self.add(stage, start)
            yield item


@functools.lru_cache(maxsize=8)
def _tiled_mean_std(pixels: int) -> tuple[torch.Tensor, torch.Tensor]:
    """MEAN and STD repeated for `pixels` interleaved RGB pixels: [pixels * 3] each."""
    return torch.from_numpy(MEAN).repeat(pixels), torch.from_numpy(STD).repeat(pixels)


def _normalise(images: list[np.ndarray]) -> torch.Tensor:
    """uint8 frames [H, W, 3] -> float32 [B, 3, H, W] in channels_last memory: bit for bit what stacking
    `to_tensor` gives, without its per-frame transpose and the copy back to channels_last before the forward.
    The per-channel constants are tiled to the frame's interleaved layout, so every op is a plain
    same-shape pass (broadcasting over an innermost dim of 3 ran 3x slower: 0.40 -> 0.17 ms per frame)."""
    x = torch.from_numpy(np.stack(images))  # [B, H, W, 3] uint8
    b, h, w, _ = x.shape
    mean, std = _tiled_mean_std(h * w)
    flat = x.reshape(b, -1).float()
    flat.div_(255.0).sub_(mean).div_(std)  # same operations, same order as to_tensor
    return flat.reshape(b, h, w, 3).permute(0, 3, 1, 2)


def _chunks(n: int, batch_size: int, workers: int = 1) -> Iterator[tuple[int, int]]:
    """(start, stop) of each batch. The last round is cut into `workers` near-equal batches, so the run does
    not end with one worker busy on a whole batch while the others wait."""
    last_round = n - n % (workers * batch_size) if n % (workers * batch_size) else n
    yield from ((s, s + batch_size) for s in range(0, last_round, batch_size))
    left = n - last_round
    parts = min(workers, left)
    for i in range(parts):  # `left` frames as `parts` batches whose sizes differ by at most one
        yield last_round + i * left // parts, last_round + (i + 1) * left // parts


Batch = tuple[list[dict], Optional[torch.Tensor], list[tuple[dict, str]]]  # see _decode


def _decode(chunk: list[dict], size: tuple[int, int] | None) -> Batch:
    """(frames of the batch, images [B, 3, H, W] channels_last, unreadable frames with reasons)."""
    good, images, bad = [], [], []
    for frame in chunk:
        try:
            images.append(resize_image(read_rgb(frame["uri"]), size))
            good.append(frame)
        except ImageError as exc:
            bad.append((frame, exc.reason))
    return good, (_normalise(images) if images else None), bad


def _batches(frames: list[dict], size: tuple[int, int] | None, batch_size: int, workers: int = 1) -> Iterator[Batch]:
    """Decoded batches (see `_decode`), in order."""
    for start, stop in _chunks(len(frames), batch_size, workers):
        yield _decode(frames[start:stop], size)


def _put(q: queue.Queue, item, stop: threading.Event) -> bool:
    """Put unless `stop` is set meanwhile (then False): a stopped consumer never leaves a producer blocked."""
    while not stop.is_set():
        try:
            q.put(item, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False


def _prefetch(iterator: Iterator, depth: int) -> Iterator:
    """Run `iterator` on a background thread, `depth` items ahead."""
    q: queue.Queue = queue.Queue(maxsize=depth)
    failure: list[BaseException] = []
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in iterator:
                if not _put(q, item, stop):
                    return
        except BaseException as exc:  # surfaced in the consumer
            failure.append(exc)
        finally:
            _put(q, _DONE, stop)

    threading.Thread(target=produce, name="score-decode", daemon=True).start()
    try:
        while (item := q.get()) is not _DONE:
            yield item
    finally:
        stop.set()
    if failure:
        raise failure[0]


class _Writer:
    """Appends rows to the lake from a background thread; `close()` flushes and re-raises any failure."""

    def __init__(self, lake: Lake, clock: _StageClock | None = None):
        self.lake = lake
        self.clock = clock or _StageClock()
        self.q: queue.Queue = queue.Queue(maxsize=8)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="score-write", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (item := self.q.get()) is not _DONE:
            table, rows, mode = item
            if self.error is None:
                try:
                    start = time.thread_time()
                    self.lake.write(table, rows, mode=mode)
                    self.clock.add("write", start)
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
    logits, embedding = member_logits(predictor, images, precision)
    return torch.softmax(logits.float(), dim=2), embedding


@torch.inference_mode()
def member_logits(predictor, images: torch.Tensor, precision: str = "bf16") -> tuple[torch.Tensor, torch.Tensor]:
    """The members' forward: logits [K, B, C, ...] at logit resolution (bf16 under autocast, classes innermost
    in memory: channels_last) and the member-mean embedding [B, D] float32."""
    images = images.contiguous(memory_format=torch.channels_last)
    enabled = precision == "bf16" and images.device.type == "cpu"
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=enabled):
        logits, embedding = predictor.logits_with_embedding(images)
    return logits, embedding.float()


def _columns(logits: torch.Tensor, config: ScoreConfig) -> dict[str, torch.Tensor]:
    """The per-frame columns of `scores` from the members' logits [K, B, C, ...] (`score_logits`)."""
    return score_logits(logits, reduction=config.reduction, q=config.top_q)


def _rows(predictor, model_version: str, good: list[dict], images: torch.Tensor, config: ScoreConfig,
          run_id: str | None, clock: _StageClock) -> list[dict]:
    """The `scores` rows of one decoded batch."""
    start = time.thread_time()
    logits, embedding = member_logits(predictor, images, config.precision)
    start = clock.add("forward", start)
    columns = _columns(logits, config)
    start = clock.add("acquisition", start)
    values = {k: columns[k].tolist() for k in _ROW_COLUMNS}
    fractions = columns["class_fractions"].tolist()
    emb = embedding.numpy().astype(np.float32).tolist()
    now = dt.datetime.now(dt.timezone.utc)
    rows = []
    for i, frame in enumerate(good):
        row = {k: values[k][i] for k in _ROW_COLUMNS}
        row.update(frame_id=frame["frame_id"], model_version=model_version, reduction=config.reduction,
                   class_fractions=fractions[i], embedding=emb[i], scored_at=now, run_id=run_id)
        rows.append(row)
    clock.add("rows", start)
    return rows


def _worker_plan(config: ScoreConfig) -> tuple[int, int]:
    """(workers, intra-op threads per worker) from the config and torch's thread setting."""
    if config.workers < 0:
        raise ValueError(f"ScoreConfig.workers must be >= 0 (0 = one per torch thread), got {config.workers}")
    threads = max(1, torch.get_num_threads())
    workers = config.workers or threads
    return workers, max(1, threads // workers)


def _predictors(model: LoadedModel, config: ScoreConfig, workers: int) -> list:
    """One predictor per worker. The members are shared (eval mode, inference only: read-only), but an MC
    dropout sampler switches its network's dropout on and off around each call, so every worker gets its own
    copy of that network rather than racing on the shared one's switches."""
    first = predictor_for(model, config.mc_samples)
    if first is model.ensemble:
        return [first] * workers
    copies = (dataclasses.replace(model, ensemble=copy.deepcopy(model.ensemble)) for _ in range(workers - 1))
    return [first] + [predictor_for(m, config.mc_samples) for m in copies]


def score_frames(
    lake: Lake,
    model: LoadedModel,
    frames: list[dict],
    config: ScoreConfig,
    run_id: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> ScoreSummary:
    """Score `frames` (rows with frame_id and uri) with `model`; writes `scores` and `quarantine`.

    Runs `config.workers` forward workers (see ScoreConfig); torch's intra-op thread setting is changed for
    the duration of the call and restored after.
    """
    summary = ScoreSummary()
    started = dt.datetime.now(dt.timezone.utc)
    model.ensemble.eval().to(memory_format=torch.channels_last)
    workers, intra = _worker_plan(config)
    predictors = _predictors(model, config, workers)
    results: queue.Queue = queue.Queue(maxsize=2 * workers + config.prefetch_batches)
    stop = threading.Event()
    previous_threads = torch.get_num_threads()
    clock = _StageClock()
    decoded = _prefetch(clock.timed("decode", _batches(frames, model.input_size, config.batch_size, workers)),
                        config.prefetch_batches)
    source_lock = threading.Lock()

    def work(predictor) -> None:
        # Each thread keeps its own OpenMP team size: set it here, not only in the caller's thread.
        torch.set_num_threads(intra)
        try:
            while not stop.is_set():
                with source_lock:
                    item = next(decoded, _DONE)
                if item is _DONE:
                    break
                good, images, bad = item
                rows = (_rows(predictor, model.model_version, good, images, config, run_id, clock)
                        if images is not None else [])
                if not _put(results, ("batch", good, bad, rows), stop):
                    return
        except BaseException as exc:  # surfaced in the main thread
            _put(results, ("error", exc), stop)
        finally:
            _put(results, ("done",), stop)

    writer = _Writer(lake, clock)
    pending: list[dict] = []
    threads: list[threading.Thread] = []
    try:
        torch.set_num_threads(intra)
        threads = [threading.Thread(target=work, args=(p,), name=f"score-forward-{i}", daemon=True)
                   for i, p in enumerate(predictors)]
        for t in threads:
            t.start()
        running = len(threads)
        while running:
            message = results.get()
            if message[0] == "done":
                running -= 1
                continue
            if message[0] == "error":
                raise message[1]
            _, good, bad, rows = message
            if bad:
                now = dt.datetime.now(dt.timezone.utc)
                writer.put("quarantine", [
                    {"uri": f["uri"], "frame_id": f["frame_id"], "stage": "score", "reason": reason,
                     "run_id": run_id, "detected_at": now}
                    for f, reason in bad
                ], mode="upsert")
                summary.quarantined += len(bad)
                for _, reason in bad:
                    summary.reasons[reason] = summary.reasons.get(reason, 0) + 1
            pending.extend(rows)
            summary.scored += len(rows)
            if len(pending) >= config.write_every:
                writer.put("scores", pending)
                pending = []
            if progress:
                progress(len(good) + len(bad))
        writer.put("scores", pending)
    finally:
        stop.set()
        for t in threads:
            t.join()
        decoded.close()
        torch.set_num_threads(previous_threads)
        writer.close()
    summary.seconds = (dt.datetime.now(dt.timezone.utc) - started).total_seconds()
    summary.stage_cpu = {k: round(v, 4) for k, v in clock.seconds.items()}
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
        "stage_cpu_s": summary.stage_cpu,
    }
