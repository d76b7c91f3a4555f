"""The lake's tables: one pyarrow schema and one key per table, defined here and nowhere else.

ARCHITECTURE.md describes what each table means; this module is what every write is checked against.
Timestamps are UTC microseconds. Free-form structured values (configs, metrics, reasons) are JSON strings
so DuckDB can read them with `json_extract` and pyarrow never has to agree on a nested schema.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

TS = pa.timestamp("us", tz="UTC")
F32_LIST = pa.list_(pa.float32())


def _f(name: str, type_: pa.DataType, nullable: bool = True) -> pa.Field:
    return pa.field(name, type_, nullable=nullable)


@dataclass(frozen=True)
class TableSpec:
    """A lake table: its schema, its key columns, and the column it is Hive-partitioned by (if any).

    A partition column is derived from the rows at write time (e.g. `date` from `ts`) and is not stored
    inside the Parquet files; DuckDB's hive_partitioning brings it back as a column.
    """

    name: str
    schema: pa.Schema
    key: tuple[str, ...]
    partition: str | None = None


FRAMES = TableSpec(
    "frames",
    pa.schema(
        [
            _f("frame_id", pa.string(), False),
            _f("drive_id", pa.string(), False),
            _f("camera", pa.string()),
            _f("ts", TS, False),
            _f("uri", pa.string(), False),
            _f("width", pa.int32(), False),
            _f("height", pa.int32(), False),
            _f("domain", pa.string(), False),  # real | synthetic
            _f("source", pa.string(), False),  # dataset name: camvid, gtsrb, cityscapes, synthetic, folder name
            _f("split", pa.string()),
            _f("weather", pa.string()),
            _f("time_of_day", pa.string()),
            _f("location", pa.string()),
            _f("lat", pa.float64()),
            _f("lon", pa.float64()),
            _f("ingested_at", TS, False),
        ]
    ),
    ("frame_id",),
    partition="date",
)

GROUND_TRUTH = TableSpec(
    "ground_truth",
    pa.schema(
        [
            _f("frame_id", pa.string(), False),
            _f("label_uri", pa.string()),  # PNG of class ids (segmentation)
            _f("class_id", pa.int32()),  # classification
            _f("ingested_at", TS, False),
        ]
    ),
    ("frame_id",),
)

LABELS = TableSpec(
    "labels",
    pa.schema(
        [
            _f("frame_id", pa.string(), False),
            _f("source", pa.string(), False),  # human | oracle | synthetic | pseudo
            _f("label_id", pa.string(), False),
            _f("label_uri", pa.string()),  # PNG of class ids under lake/masks/
            _f("class_id", pa.int32()),
            _f("model_version", pa.string()),  # pseudo labels: the model that made them
            _f("confidence", pa.float32()),  # pseudo labels: mean confidence of kept pixels / of the class
            _f("annotator", pa.string()),
            _f("annotation_id", pa.int64()),
            _f("task_id", pa.int64()),
            _f("created_at", TS),
            _f("updated_at", TS),
            _f("history", pa.string()),  # JSON list of earlier annotations that this row replaced
            _f("labeled_at", TS, False),
        ]
    ),
    ("frame_id", "source", "label_id"),
)

SCORES = TableSpec(
    "scores",
    pa.schema(
        [
            _f("frame_id", pa.string(), False),
            _f("model_version", pa.string(), False),
            _f("entropy", pa.float32()),
            _f("expected_entropy", pa.float32()),
            _f("mutual_information", pa.float32()),
            _f("variation_ratio", pa.float32()),
            _f("margin", pa.float32()),
            _f("least_confidence", pa.float32()),
            _f("confidence", pa.float32()),  # mean max probability of the ensemble mean: Label Studio's `score`
            _f("reduction", pa.string()),  # how pixel maps were reduced per frame: mean | top_q | class_weighted
            _f("class_fractions", F32_LIST),
            _f("embedding", F32_LIST),
            _f("scored_at", TS, False),
            _f("run_id", pa.string()),
        ]
    ),
    ("frame_id", "model_version"),
)

SELECTIONS = TableSpec(
    "selections",
    pa.schema(
        [
            _f("run_id", pa.string(), False),
            _f("frame_id", pa.string(), False),
            _f("rank", pa.int32(), False),
            _f("strategy", pa.string()),  # the term that chose the frame
            _f("score", pa.float64()),  # the objective at the moment of the pick
            _f("reasons", pa.string()),  # JSON: each term's value at the moment of the pick
            _f("model_version", pa.string()),
            _f("selected_at", TS, False),
        ]
    ),
    ("run_id", "frame_id"),
)

TASKS = TableSpec(
    "tasks",
    pa.schema(
        [
            _f("frame_id", pa.string(), False),
            _f("project_id", pa.int64(), False),
            _f("task_id", pa.int64(), False),
            _f("project_title", pa.string()),
            _f("run_id", pa.string()),
            _f("model_version", pa.string()),  # the model whose pre-annotation was sent
            _f("pushed_at", TS, False),
        ]
    ),
    ("frame_id", "project_id"),
)

RUNS = TableSpec(
    "runs",
    pa.schema(
        [
            _f("run_id", pa.string(), False),
            _f("kind", pa.string(), False),  # ingest | train | score | select | push | pull | mine | simulate ...
            _f("status", pa.string(), False),  # running | succeeded | failed
            _f("config", pa.string()),  # JSON, resolved, secrets removed
            _f("code_version", pa.string()),
            _f("stages", pa.string()),  # JSON: {stage: {status, counts, started_at, ended_at}}
            _f("counts", pa.string()),  # JSON
            _f("error", pa.string()),
            _f("started_at", TS, False),
            _f("ended_at", TS),
        ]
    ),
    ("run_id",),
)

MODELS = TableSpec(
    "models",
    pa.schema(
        [
            _f("model_version", pa.string(), False),
            _f("task", pa.string(), False),  # segmentation | classification
            _f("arch", pa.string()),  # preset name, or "custom"
            _f("arch_spec", pa.string(), False),  # JSON ArchSpec
            _f("members", pa.int32(), False),
            _f("beta", pa.float64()),
            _f("num_classes", pa.int32(), False),
            _f("class_names", pa.list_(pa.string())),
            _f("ignore_index", pa.int32()),  # label value ignored in loss and metrics (segmentation)
            _f("input_size", pa.list_(pa.int32())),  # [height, width] frames are resized to before the network
            _f("checkpoint_uri", pa.string(), False),
            _f("label_set", pa.string()),  # JSON: label counts per source, frame-id digest, filter used
            _f("metrics", pa.string()),  # JSON: miou, per-class iou / accuracy, ece ...
            _f("run_id", pa.string()),
            _f("created_at", TS, False),
        ]
    ),
    ("model_version",),
)

QUARANTINE = TableSpec(
    "quarantine",
    pa.schema(
        [
            _f("uri", pa.string(), False),
            _f("frame_id", pa.string()),
            _f("stage", pa.string(), False),  # ingest | score | pull ...
            _f("reason", pa.string(), False),
            _f("source", pa.string()),
            _f("run_id", pa.string()),
            _f("detected_at", TS, False),
        ]
    ),
    ("uri",),
)

SIMULATIONS = TableSpec(
    "simulations",
    pa.schema(
        [
            _f("sim_id", pa.string(), False),
            _f("strategy", pa.string(), False),
            _f("seed", pa.int32(), False),
            _f("round", pa.int32(), False),
            _f("labels_used", pa.int32(), False),
            _f("pool_size", pa.int32()),
            _f("metric_name", pa.string()),  # miou | accuracy
            _f("metric", pa.float64()),
            _f("ece", pa.float64()),
            _f("per_class", pa.string()),  # JSON list of per-class IoU / accuracy
            _f("label_counts", pa.string()),  # JSON: labels per drive / condition so far
            _f("model_version", pa.string()),
            _f("wall_s", pa.float64()),
            _f("created_at", TS, False),
        ]
    ),
    ("sim_id", "strategy", "seed", "round"),
)

TABLES: dict[str, TableSpec] = {
    t.name: t
    for t in (FRAMES, GROUND_TRUTH, LABELS, SCORES, SELECTIONS, TASKS, RUNS, MODELS, QUARANTINE, SIMULATIONS)
}
SCHEMAS: dict[str, pa.Schema] = {name: t.schema for name, t in TABLES.items()}
KEYS: dict[str, tuple[str, ...]] = {name: t.key for name, t in TABLES.items()}


def table_spec(name: str) -> TableSpec:
    """The spec of table `name`, or a LakeError listing the tables that exist."""
    from connectors.lake.errors import LakeError

    try:
        return TABLES[name]
    except KeyError:
        raise LakeError(f"unknown lake table {name!r}; the tables are: {', '.join(TABLES)}") from None
