"""The training job: labeled frames of the lake -> a K-member ensemble (DPE prior) -> a row of `models`.

A run keeps its state in `<lake>/checkpoints/<model_version>/`: `config.json` (what was asked),
`lightning/last.ckpt` (Lightning's resumable state, written every epoch) and, when done, `model.pt` (what
scoring loads). `resume=<model_version>` continues a run that stopped from its last checkpoint.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import secrets
from pathlib import Path
from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, field_validator

from connectors.lake import Lake
from curation.data.datamodule import DEFAULT_SOURCE_WEIGHTS, DataConfig, LakeDataModule
from curation.jobs import checkpoints


class TrainConfig(BaseModel):
    """Everything `curate train` can be told (CLI flags or YAML); unknown keys are rejected."""

    model_config = ConfigDict(extra="forbid")

    task: Literal["segmentation", "classification"]
    arch: str = Field(description="a preset name (see `models.list_models()`) or a path to an ArchSpec JSON")
    members: int = Field(5, ge=1, le=64)
    beta: Optional[float] = Field(
        None, ge=0.0,
        description="weight of the DPE prior; 0 = plain deep ensemble; None = the ELBO weight "
                    "(models.dpe_prior.elbo_beta: 0.5 for classification, 0.5/(H*W) for segmentation)",
    )
    mc_dropout: float = Field(0.0, ge=0.0, lt=1.0, description="dropout kept active at scoring (MC dropout baseline)")
    epochs: Optional[int] = Field(None, ge=1)
    max_steps: Optional[int] = Field(None, ge=1)
    lr: float = Field(3e-3, gt=0)
    weight_decay: float = Field(1e-4, ge=0)
    batch_size: int = Field(8, ge=1)
    size: Optional[tuple[int, int]] = Field(None, description="(height, width); default: the first frame's size")
    where: Optional[str] = Field(None, description="SQL predicate on frames (alias f) for the training pool")
    val_where: Optional[str] = Field(None, description="SQL predicate: evaluate on these frames' ground truth")
    val_fraction: float = Field(0.15, ge=0.0, lt=1.0)
    val_every_n_epochs: Optional[int] = Field(
        1, ge=1, description="validate every N epochs while training; None = only once, after training")
    source_weights: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_SOURCE_WEIGHTS))
    precision: Literal["32", "bf16-mixed"] = "bf16-mixed"
    seed: int = 0
    num_workers: int = Field(0, ge=0)

    @field_validator("source_weights")
    @classmethod
    def _known_sources(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = set(value) - set(DEFAULT_SOURCE_WEIGHTS)
        if unknown:
            raise ValueError(f"unknown label sources {sorted(unknown)}; allowed: {sorted(DEFAULT_SOURCE_WEIGHTS)}")
        return value


def new_model_version(config: TrainConfig) -> str:
    arch = Path(config.arch).stem if config.arch.endswith(".json") else config.arch
    kind = "seg" if config.task == "segmentation" else "cls"
    return f"{kind}-{arch}-k{config.members}-{dt.datetime.now(dt.timezone.utc):%Y%m%dT%H%M%S}-{secrets.token_hex(2)}"


def class_list_for(lake: Lake, task: str, where: str | None) -> tuple[list[str], int | None]:
    """Class names and ignore index of the datasets the labels come from (they must agree)."""
    from connectors.datasets import registry

    sources = lake.query(
        "SELECT DISTINCT f.source FROM labels l JOIN frames f USING (frame_id) WHERE "
        + (f"({where})" if where else "TRUE"),
        read_only=True,
    ).column("source").to_pylist()
    lists = {registry.class_list(s, task) for s in sources}
    if not lists:
        raise ValueError("no labeled frames found to infer the class list from")
    if len(lists) > 1:
        raise ValueError(
            f"labeled frames come from datasets with different class lists ({sorted(sources)}): "
            "restrict training with `where`, e.g. \"f.source = 'camvid'\""
        )
    classes = lists.pop()
    return list(classes.names), classes.ignore_index


def train(lake: Lake, config: TrainConfig | None, *, resume: str | None = None, run_id: str | None = None,
          progress_bar: bool = True) -> dict[str, Any]:
    """Train, save, register. Returns {"model_version", "metrics", "checkpoint_uri", "label_set"}.

    With `resume=<model_version>`, `config` is ignored: the run continues with the config it started with.
    """
    import pytorch_lightning as pl

    from models import resolve_spec
    from models.dpe_prior import elbo_beta
    from models.lightning_module import EnsembleModule

    if resume:
        model_version = resume
        run_dir = lake.root / "checkpoints" / model_version
        saved = run_dir / "config.json"
        if not saved.exists():
            raise FileNotFoundError(f"cannot resume {model_version}: {saved} not found (was it started in this lake?)")
        config = TrainConfig.model_validate_json(saved.read_text())
    else:
        if config is None:
            raise ValueError("a training config is required unless resuming")
        model_version = new_model_version(config)
        run_dir = lake.root / "checkpoints" / model_version
        run_dir.mkdir(parents=True, exist_ok=True)
        (run_dir / "config.json").write_text(config.model_dump_json(indent=2))

    pl.seed_everything(config.seed, workers=True, verbose=False)
    data = LakeDataModule(lake, DataConfig(
        task=config.task, size=config.size, source_weights=config.source_weights, where=config.where,
        val_where=config.val_where, val_fraction=config.val_fraction, batch_size=config.batch_size,
        num_workers=config.num_workers, seed=config.seed,
    ))
    data.prepare()
    class_names, ignore_index = class_list_for(lake, config.task, config.where)
    spec = resolve_spec(config.arch).to_dict()
    ensemble = checkpoints.build_ensemble(spec, config.task, len(class_names), config.members,
                                          dropout=config.mc_dropout, seed=config.seed)
    # The DPE prior is a statement about the spread of K >= 2 members; one network trains without it.
    # By default beta is the ELBO's own weight: the loss is a per-pixel mean CE, so beta = 1 would weigh the
    # prior ~H*W times too much (measured on CamVid: val mIoU 0.16 at beta 1 against 0.25 at the ELBO weight).
    beta = (config.beta if config.beta is not None else elbo_beta(config.task, data.config.size)) \
        if config.members >= 2 else 0.0
    module = EnsembleModule(
        ensemble, task=config.task, num_classes=len(class_names), ignore_index=ignore_index, beta=beta,
        lr=config.lr, weight_decay=config.weight_decay, num_train_samples=len(data.train_samples),
    )
    steps_per_epoch = max(1, math.ceil(len(data.train_samples) / config.batch_size))
    if config.max_steps is None and config.epochs is None:
        config = config.model_copy(update={"epochs": 10})
    ckpt_dir = run_dir / "lightning"
    trainer = pl.Trainer(
        max_epochs=config.epochs if config.max_steps is None else -1,
        max_steps=config.max_steps or -1,
        accelerator="auto",
        devices=1,
        precision=config.precision,
        logger=False,
        enable_progress_bar=progress_bar,
        enable_model_summary=False,
        num_sanity_val_steps=0,
        limit_val_batches=1.0 if data.val_samples else 0,
        # None: no validation during fit (a short max_steps run on a small labeled set has an epoch every few
        # steps, and validating each would cost more than training); the final trainer.validate still runs.
        check_val_every_n_epoch=config.val_every_n_epochs or 10**9,
        callbacks=[pl.callbacks.ModelCheckpoint(dirpath=ckpt_dir, save_last=True, save_top_k=0,
                                                every_n_epochs=1)],
        default_root_dir=str(run_dir),
    )
    last = ckpt_dir / "last.ckpt"
    trainer.fit(module, datamodule=data, ckpt_path=str(last) if resume and last.exists() else None)
    metrics: dict[str, Any] = {}
    if data.val_samples:
        results = trainer.validate(module, datamodule=data, verbose=False)
        metrics = {k: float(v) for k, v in (results[0] if results else {}).items()}
    metrics["train_steps"] = int(trainer.global_step)
    metrics["steps_per_epoch"] = steps_per_epoch
    label_set = data.label_set()
    model_path = checkpoints.save(
        run_dir / "model.pt", ensemble, spec=spec, task=config.task, num_classes=len(class_names),
        class_names=class_names, ignore_index=ignore_index, input_size=data.config.size,
        model_version=model_version, dropout=config.mc_dropout,
    )
    lake.write("models", [{
        "model_version": model_version,
        "task": config.task,
        "arch": config.arch if not config.arch.endswith(".json") else "custom",
        "arch_spec": json.dumps(spec, sort_keys=True),
        "members": config.members,
        "beta": beta,
        "num_classes": len(class_names),
        "class_names": class_names,
        "ignore_index": ignore_index,
        "input_size": list(data.config.size) if data.config.size else None,
        "checkpoint_uri": str(model_path),
        "label_set": json.dumps(label_set, sort_keys=True),
        "metrics": json.dumps(metrics, sort_keys=True),
        "run_id": run_id,
        "created_at": dt.datetime.now(dt.timezone.utc),
    }], mode="upsert")
    return {"model_version": model_version, "metrics": metrics, "checkpoint_uri": str(model_path), "label_set": label_set}
