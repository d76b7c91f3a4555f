"""Saving and loading a trained ensemble: one torch file with everything scoring needs.

The file holds the arch spec (as data), task, classes, input size and the members' weights, so a model can
be rebuilt from the file alone, without the code that trained it or a Lightning checkpoint.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

FORMAT = "fleet-curation-ensemble/1"


@dataclass
class LoadedModel:
    ensemble: Any  # models.ensemble.Ensemble
    task: str
    num_classes: int
    class_names: list[str]
    ignore_index: int | None
    input_size: tuple[int, int] | None
    model_version: str
    spec: dict
    dropout: float = 0.0


class CheckpointError(Exception):
    """A checkpoint is missing, unreadable or of another format."""


def build_ensemble(spec: dict, task: str, num_classes: int, members: int, dropout: float = 0.0, seed: int = 0):
    """K members from one spec, independently initialised from `seed` (member i uses seed + i).

    `dropout` > 0 builds the networks with dropout, for the single-network MC-dropout baseline.
    """
    from models.ensemble import Ensemble

    opts = {"dropout": dropout} if dropout > 0 else {}
    return Ensemble.from_spec(spec, task, num_classes, k=members, seed=seed, **opts)


def save(path: str | Path, ensemble: Any, *, spec: dict, task: str, num_classes: int, class_names: list[str],
         ignore_index: int | None, input_size: tuple[int, int] | None, model_version: str,
         dropout: float = 0.0, extra: dict | None = None) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "format": FORMAT,
        "model_version": model_version,
        "task": task,
        "num_classes": num_classes,
        "class_names": list(class_names),
        "ignore_index": ignore_index,
        "input_size": list(input_size) if input_size else None,
        "spec": spec,
        "members": len(ensemble.members),
        "dropout": dropout,
        "state_dict": {k: v.detach().cpu() for k, v in ensemble.state_dict().items()},
        "extra": extra or {},
    }
    tmp = path.with_name(f".{path.name}.tmp")
    torch.save(payload, tmp)
    tmp.replace(path)
    return path


def load(path: str | Path) -> LoadedModel:
    path = Path(path)
    if not path.exists():
        raise CheckpointError(f"checkpoint {path} does not exist: was the lake moved, or the model trained elsewhere?")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as exc:  # torch raises many types for a damaged file
        raise CheckpointError(f"checkpoint {path} cannot be read ({type(exc).__name__}: {exc}); retrain the model") from exc
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointError(f"checkpoint {path} is not a {FORMAT} file")
    ensemble = build_ensemble(payload["spec"], payload["task"], payload["num_classes"], payload["members"],
                              dropout=payload.get("dropout", 0.0))
    ensemble.load_state_dict(payload["state_dict"])
    ensemble.eval()
    size = payload.get("input_size")
    return LoadedModel(
        ensemble=ensemble,
        task=payload["task"],
        num_classes=payload["num_classes"],
        class_names=payload["class_names"],
        ignore_index=payload["ignore_index"],
        input_size=tuple(size) if size else None,
        model_version=payload["model_version"],
        spec=payload["spec"],
        dropout=payload.get("dropout", 0.0),
    )
