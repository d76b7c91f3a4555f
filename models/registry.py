"""Model registry: presets are tiny registered functions returning an `ArchSpec` (timm style).

    from models import create_model, list_models
    net = create_model("fbnet_tiny", "segmentation", num_classes=11)
    list_models("fbnet_*")
"""

from __future__ import annotations

import difflib
import fnmatch
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Mapping

import torch

from models.arch.normalize import normalize_spec, spec_for_task
from models.arch.ops import TASKS
from models.arch.spec import ArchSpec, HeadSpec, SpecError, StageSpec
from models.network import Network

__all__ = ["register_model", "list_models", "get_spec", "resolve_spec", "create_model", "CREATE_OPTIONS"]

_PRESETS: dict[str, Callable[[], ArchSpec]] = {}

# Keyword options create_model accepts, with their defaults.
CREATE_OPTIONS: Mapping[str, Any] = {
    "in_channels": 3,      # input image channels
    "dropout": None,       # float: override the dropout of every stage and of the head
    "mc_dropout": False,   # keep dropout on at eval (MC-dropout sampling)
    "seed": None,          # int: seed of the parameter init (None: torch's global RNG)
    "channels_last": False,  # return the model in torch.channels_last memory format
}


def register_model(fn: Callable[[], ArchSpec]) -> Callable[[], ArchSpec]:
    """Decorator: register a preset under its function name. The function takes no arguments and
    returns an `ArchSpec`; it only sets hyperparameters."""
    name = fn.__name__
    if name in _PRESETS:
        raise ValueError(f"model {name!r} is already registered; pick another function name")
    _PRESETS[name] = fn
    return fn


def list_models(pattern: str = "*") -> list[str]:
    """Registered preset names matching the shell-style `pattern`, sorted."""
    return sorted(n for n in _PRESETS if fnmatch.fnmatchcase(n, pattern))


def get_spec(name: str) -> ArchSpec:
    """The normalised spec of a registered preset (its `name` field set to the preset name)."""
    if name not in _PRESETS:
        close = difflib.get_close_matches(name, list(_PRESETS), n=3)
        hint = f" Did you mean {close}?" if close else ""
        raise KeyError(f"unknown model {name!r}; registered: {list_models()}.{hint} "
                       "Or pass an ArchSpec, its dict form, or a path to a spec JSON file.")
    return normalize_spec(replace(_PRESETS[name](), name=name))


def resolve_spec(name_or_spec: str | Path | ArchSpec | Mapping[str, Any]) -> ArchSpec:
    """Normalised `ArchSpec` from a preset name, an `ArchSpec`, its dict form or a spec JSON path."""
    if isinstance(name_or_spec, ArchSpec):
        return normalize_spec(name_or_spec)
    if isinstance(name_or_spec, Mapping):
        return normalize_spec(ArchSpec.from_dict(name_or_spec))
    if isinstance(name_or_spec, str) and name_or_spec in _PRESETS:
        return get_spec(name_or_spec)
    if isinstance(name_or_spec, (str, Path)):
        path = Path(name_or_spec)
        if path.suffix == ".json" or path.is_file():
            try:
                text = path.read_text()
            except OSError as err:
                raise SpecError(f"cannot read arch spec file {str(path)!r}: {err}; pass an existing JSON "
                                f"file or a registered name from {list_models()}") from err
            return normalize_spec(ArchSpec.from_json(text))
        return get_spec(str(name_or_spec))  # raises the unknown-name error with suggestions
    raise TypeError(f"name_or_spec: got {type(name_or_spec).__name__}; allowed: a registered name "
                    "(str), an ArchSpec, a dict, or a path to a spec JSON file")


def create_model(name_or_spec: str | Path | ArchSpec | Mapping[str, Any], task: str, num_classes: int,
                 **opts: Any) -> Network:
    """Build a `Network` for `task` ("segmentation" | "classification") with `num_classes` outputs.

    `name_or_spec`: a registered preset name (`list_models()`), an `ArchSpec`, its dict form, or a path
    to a spec JSON file. If the spec's head serves the other task, the task's default head replaces it
    (`lraspp` / `linear`, see `spec_for_task`). Options (`CREATE_OPTIONS`): `in_channels=3`,
    `dropout=None` (float: set on every stage and the head), `mc_dropout=False`, `seed=None`,
    `channels_last=False`.

    Output: segmentation logits [B, C, ceil(H/4), ceil(W/4)]; classification logits [B, C].
    """
    unknown = set(opts) - set(CREATE_OPTIONS)
    if unknown:
        raise TypeError(f"create_model: unknown option(s) {sorted(unknown)}; allowed: {sorted(CREATE_OPTIONS)}")
    o = {**CREATE_OPTIONS, **opts}
    if task not in TASKS:
        raise ValueError(f"task: got {task!r}; allowed: {list(TASKS)}")
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1:
        raise ValueError(f"num_classes: got {num_classes!r}; allowed: an integer >= 1")
    spec = spec_for_task(resolve_spec(name_or_spec), task)
    if o["dropout"] is not None:
        spec = _with_dropout(spec, float(o["dropout"]))
    generator = None
    if o["seed"] is not None:
        generator = torch.Generator().manual_seed(int(o["seed"]))
    model = Network(spec, task, num_classes, in_channels=int(o["in_channels"]),
                    mc_dropout=bool(o["mc_dropout"]), generator=generator)
    if o["channels_last"]:
        model = model.to(memory_format=torch.channels_last)
    return model


def _with_dropout(spec: ArchSpec, p: float) -> ArchSpec:
    stages = tuple(StageSpec(s.op, s.channels, s.stride, s.repeat, {**s.options, "dropout": p}) for s in spec.stages)
    head = HeadSpec(spec.head.kind, {**spec.head.options, "dropout": p})
    return normalize_spec(replace(spec, stages=stages, head=head))
