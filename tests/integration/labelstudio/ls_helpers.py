"""Helpers of the Label Studio integration tests: lake content (CamVid, synthetic frames, selections) and a
predictor made from ground truth, so a round trip can be checked for exact equality."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import numpy as np
from PIL import Image

from connectors.labelstudio.client import LabelStudioClient

UTC = dt.timezone.utc


def write_selection(lake, run_id: str, frame_ids: list[str]) -> None:
    now = dt.datetime.now(UTC)
    lake.write("selections", [{"run_id": run_id, "frame_id": f, "rank": i, "strategy": "test", "score": 1.0 - i / 100,
                               "reasons": "{}", "selected_at": now} for i, f in enumerate(frame_ids)])


def ingest_camvid(lake, camvid_root: Path, n: int) -> list[str]:
    """Ingest the first `n` CamVid frames with their ground truth; returns their frame ids."""
    from connectors.datasets.camvid import CLASSES, read_camvid
    from curation.jobs.ingest import ingest

    ingest(lake, itertools.islice(read_camvid(camvid_root), n), CLASSES)
    return [r["frame_id"] for r in lake.query("SELECT frame_id FROM frames ORDER BY frame_id").to_pylist()]


def synthetic_frames(lake, folder: Path, n: int, size=(24, 32), seed=0) -> dict[str, np.ndarray]:
    """`n` synthetic frames (source `synthetic`, CamVid classes) with random class-id masks that use every
    class and the ignore value 11, written as frames + ground_truth. Returns frame_id -> mask."""
    from connectors.images import write_label

    rng = np.random.default_rng(seed)
    h, w = size
    now = dt.datetime.now(UTC)
    frames, truth, masks = [], [], {}
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        frame_id = f"synthetic:it-{seed}-{i:03d}"
        # Blocky regions (like a scene) plus single-pixel speckle, so runs of every length occur.
        mask = np.kron(rng.integers(0, 12, size=(h // 4, w // 4)), np.ones((4, 4), int)).astype(np.uint8)
        speckle = rng.random((h, w)) < 0.05
        mask[speckle] = rng.integers(0, 12, size=int(speckle.sum()))
        image = rng.integers(0, 255, size=(h, w, 3), dtype=np.uint8)
        Image.fromarray(image).save(folder / f"{i:03d}.png")
        write_label(folder / f"{i:03d}_label.png", mask)
        frames.append({"frame_id": frame_id, "drive_id": f"synthetic-{seed}", "ts": now - dt.timedelta(seconds=n - i),
                       "uri": str(folder / f"{i:03d}.png"), "width": w, "height": h, "domain": "synthetic",
                       "source": "synthetic", "ingested_at": now})
        truth.append({"frame_id": frame_id, "label_uri": str(folder / f"{i:03d}_label.png"), "ingested_at": now})
        masks[frame_id] = mask
    lake.write("ground_truth", truth)
    lake.write("frames", frames)
    return masks


def ground_truth_predictor(lake, model_version: str = "gt-model"):
    """A predictor that returns the ground truth as the pre-annotation, with confidence decreasing by rank,
    so mask -> pre-annotation -> annotation -> pull can be checked for exact equality."""
    from connectors.images import read_label
    from curation.jobs.labelstudio import Prediction

    truth = {r["frame_id"]: r for r in lake.read("ground_truth").to_pylist()}

    def predict(frames: list[dict]) -> list:
        out = []
        for f in frames:
            row = truth[f["frame_id"]]
            confidence = round(0.9 - 0.01 * int(f["rank"]), 4)
            if row["label_uri"]:
                out.append(Prediction(read_label(row["label_uri"]), None, confidence, model_version))
            else:
                out.append(Prediction(None, int(row["class_id"]), confidence, model_version))
        return out

    return predict


def server_tasks(client: LabelStudioClient, project_id: int, with_annotations: bool = False) -> list[dict]:
    return list(client.tasks(project_id, with_annotations=with_annotations))
