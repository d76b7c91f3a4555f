"""`LakeDataModule`: the labeled frames of the lake as Lightning train/validation loaders.

Training uses every label source the config allows (`labels` of source human, oracle, synthetic, pseudo),
one label per frame (see queries.SOURCE_PRECEDENCE), each example weighted by its source's loss weight.
Validation is either
  - the ground truth of the frames matching `val_where` (e.g. "split = 'val'"): evaluation data that the
    training set then excludes, or
  - a held-out share of the labeled drives: whole drives go to one side, so consecutive, near-identical
    frames of a drive never sit on both sides of the split.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import pytorch_lightning as pl
from torch.utils.data import DataLoader

from connectors.lake import Lake
from curation.data import queries
from curation.data.datasets import LabeledFrames, Sample

DEFAULT_SOURCE_WEIGHTS = {"human": 1.0, "oracle": 1.0, "synthetic": 0.5, "pseudo": 0.5}


class NoTrainingData(Exception):
    """The lake holds no labels the training config can use."""


@dataclass
class DataConfig:
    task: str
    size: tuple[int, int] | None = None  # (height, width); None = the first frame's size
    source_weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_SOURCE_WEIGHTS))
    where: str | None = None  # predicate on frames for the training pool
    val_where: str | None = None
    val_fraction: float = 0.15
    batch_size: int = 8
    num_workers: int = 0
    seed: int = 0


def _drive_bucket(drive_id: str, seed: int) -> float:
    digest = hashlib.sha1(f"{seed}:{drive_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def split_by_drive(samples: list[Sample], fraction: float, seed: int) -> tuple[list[Sample], list[Sample]]:
    """(train, val): about `fraction` of the drives go to val; with one drive there is no validation."""
    drives = sorted({s.drive_id for s in samples}, key=lambda d: _drive_bucket(d, seed))
    if len(drives) < 2 or fraction <= 0:
        return samples, []
    n_val = min(len(drives) - 1, max(1, round(fraction * len(drives))))
    val_drives = set(drives[:n_val])
    return [s for s in samples if s.drive_id not in val_drives], [s for s in samples if s.drive_id in val_drives]


class LakeDataModule(pl.LightningDataModule):
    def __init__(self, lake: Lake, config: DataConfig):
        super().__init__()
        self.lake, self.config = lake, config
        self.train_samples: list[Sample] = []
        self.val_samples: list[Sample] = []
        self.prepared = False

    def prepare(self) -> None:
        """Query the lake once (called by the job before training, so counts can be logged and recorded)."""
        if self.prepared:
            return
        c = self.config
        rows = queries.labeled_frames(self.lake, c.task, [s for s, w in c.source_weights.items() if w > 0], c.where)
        samples = [
            Sample(r["frame_id"], r["uri"], r["label_uri"], r["class_id"], float(c.source_weights[r["label_source"]]),
                   r["drive_id"], r["label_source"], r["dataset"])
            for r in rows.to_pylist()
        ]
        if c.val_where:
            val_rows = queries.evaluation_frames(self.lake, c.task, c.val_where).to_pylist()
            val_ids = {r["frame_id"] for r in val_rows}
            self.train_samples = [s for s in samples if s.frame_id not in val_ids]
            self.val_samples = [
                Sample(r["frame_id"], r["uri"], r["label_uri"], r["class_id"], 1.0, r["drive_id"], "ground_truth",
                       r["dataset"])
                for r in val_rows
            ]
        else:
            self.train_samples, self.val_samples = split_by_drive(samples, c.val_fraction, c.seed)
        if not self.train_samples:
            raise NoTrainingData(
                f"no {c.task} labels to train on (sources {sorted(c.source_weights)}"
                + (f", where {c.where}" if c.where else "") + "): label frames first, e.g. `curate oracle --where ...`, "
                "`curate pull`, or ingest synthetic frames"
            )
        if c.size is None:
            from connectors.images import open_image

            width, height = open_image(self.train_samples[0].uri).size
            c.size = (height, width)
        self.prepared = True

    def setup(self, stage: str | None = None) -> None:
        self.prepare()
        c = self.config
        self.train_set = LabeledFrames(self.train_samples, c.task, c.size, train=True, seed=c.seed)
        self.val_set = LabeledFrames(self.val_samples, c.task, c.size, train=False)

    def train_dataloader(self) -> DataLoader:
        return DataLoader(self.train_set, batch_size=self.config.batch_size, shuffle=True,
                          num_workers=self.config.num_workers, drop_last=len(self.train_set) > self.config.batch_size)

    def val_dataloader(self) -> DataLoader:
        return DataLoader(self.val_set, batch_size=self.config.batch_size * 2, shuffle=False,
                          num_workers=self.config.num_workers)

    def label_set(self) -> dict:
        """What the model is trained on, for the `models` row: counts per source, digest of frame ids."""
        counts: dict[str, int] = {}
        for s in self.train_samples:
            counts[s.label_source] = counts.get(s.label_source, 0) + 1
        digest = hashlib.sha1("\n".join(sorted(s.frame_id for s in self.train_samples)).encode()).hexdigest()[:16]
        return {
            "train_frames": len(self.train_samples),
            "val_frames": len(self.val_samples),
            "per_source": counts,
            "datasets": sorted({s.dataset for s in self.train_samples}),
            "frame_digest": digest,
            "where": self.config.where,
            "val_where": self.config.val_where,
            "source_weights": self.config.source_weights,
        }
