"""Architectures as data: the `ArchSpec` table and its JSON form.

An `ArchSpec` is what training, NAS and MAC/latency estimation all read. It is a plain, frozen
description: a stem, a table of stages `(op, channels, stride, repeat, options)` and a head. It builds
nothing; `models.network.Network` builds a network from a (normalised) spec and
`models.arch.analysis` answers questions about it without building one.

JSON form (what NAS emits; `ArchSpec.from_json` reads it back)::

    {"name": "fbnet_tiny", "act": "relu",
     "stem": {"channels": 16, "stride": 2, "kernel": 3},
     "stages": [{"op": "ir_k3_e3", "channels": 24, "stride": 2, "repeat": 2, "options": {}}, ...],
     "head": {"kind": "lraspp", "options": {"channels": 64}}}

A stage may also be written as a list, FBNet-table style: `["ir_k3_e3", 24, 2, 2]` or
`["dil3", 64, 1, 1, {"dilation": 2}]` (op, channels, stride=1, repeat=1, options={}).

Missing fields get defaults only in `models.arch.normalize.normalize_spec`, which also validates.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Mapping

__all__ = ["StemSpec", "StageSpec", "HeadSpec", "ArchSpec", "SpecError"]


class SpecError(ValueError):
    """An architecture spec that cannot be read or built; the message names the field, value and fix."""


@dataclass(frozen=True)
class StemSpec:
    """First conv + BN + act. `stride` is 1 or 2; `kernel` is odd."""

    channels: int
    stride: int = 2
    kernel: int = 3

    def to_dict(self) -> dict[str, Any]:
        return {"channels": self.channels, "stride": self.stride, "kernel": self.kernel}


@dataclass(frozen=True)
class StageSpec:
    """`repeat` blocks of `op`; the first one applies `stride` and the channel change.

    `options` are op-specific (e.g. `dilation`, `groups`) plus the common `act` and `dropout`;
    see `models.arch.ops.OPS` for what each op accepts.
    """

    op: str
    channels: int
    stride: int = 1
    repeat: int = 1
    options: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Copy so that a caller mutating its dict later cannot change a frozen spec.
        object.__setattr__(self, "options", dict(self.options))

    def to_dict(self) -> dict[str, Any]:
        return {
            "op": self.op,
            "channels": self.channels,
            "stride": self.stride,
            "repeat": self.repeat,
            "options": _plain(self.options),
        }

    def __hash__(self) -> int:
        return hash(_canonical(self.to_dict()))


@dataclass(frozen=True)
class HeadSpec:
    """Head kind (`lraspp`, `deeplabv3plus_lite` for segmentation; `linear` for classification)."""

    kind: str
    options: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "options", dict(self.options))

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "options": _plain(self.options)}

    def __hash__(self) -> int:
        return hash(_canonical(self.to_dict()))


@dataclass(frozen=True)
class ArchSpec:
    """A whole network as data. `act` is the default activation (`relu` or `hardswish`)."""

    stem: StemSpec
    stages: tuple[StageSpec, ...]
    head: HeadSpec
    name: str = ""
    act: str = "relu"

    def __post_init__(self) -> None:
        object.__setattr__(self, "stages", tuple(self.stages))

    # -- serialisation -------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain dict of builtins (JSON-ready); `from_dict(to_dict(s)) == s`."""
        return {
            "name": self.name,
            "act": self.act,
            "stem": self.stem.to_dict(),
            "stages": [s.to_dict() for s in self.stages],
            "head": self.head.to_dict(),
        }

    def __hash__(self) -> int:
        # Options are dicts, so the generated hash would fail; hash the canonical JSON instead
        # (NAS dedupes candidate specs with sets).
        return hash(_canonical(self.to_dict()))

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, sort_keys=False)

    @classmethod
    def from_json(cls, text: str) -> "ArchSpec":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise SpecError(f"arch spec JSON does not parse: {err}; expected an object like "
                            '{"stem": {...}, "stages": [...], "head": {...}}') from err
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "ArchSpec":
        """Read the dict form (see module docstring). Unknown keys are rejected, not ignored."""
        if not isinstance(data, Mapping):
            raise SpecError(f"arch spec must be a JSON object / dict, got {type(data).__name__}")
        _reject_unknown("spec", data, {"name", "act", "stem", "stages", "head"})
        for key in ("stem", "stages", "head"):
            if key not in data:
                raise SpecError(f"spec: missing required key {key!r}; present keys: {sorted(data)}")
        stem = data["stem"]
        if not isinstance(stem, Mapping):
            raise SpecError(f"spec.stem: expected an object with 'channels', got {stem!r}")
        _reject_unknown("spec.stem", stem, {"channels", "stride", "kernel"})
        if "channels" not in stem:
            raise SpecError("spec.stem: missing required key 'channels'")
        stages_raw = data["stages"]
        if not isinstance(stages_raw, (list, tuple)):
            raise SpecError(f"spec.stages: expected a list of stages, got {type(stages_raw).__name__}")
        head = data["head"]
        if isinstance(head, str):  # shorthand: just the kind
            head = {"kind": head}
        if not isinstance(head, Mapping) or "kind" not in head:
            raise SpecError(f"spec.head: expected an object with 'kind', got {head!r}")
        _reject_unknown("spec.head", head, {"kind", "options"})
        return cls(
            stem=StemSpec(**dict(stem)),
            stages=tuple(_stage_from_raw(i, s) for i, s in enumerate(stages_raw)),
            head=HeadSpec(kind=head["kind"], options=dict(head.get("options") or {})),
            name=str(data.get("name", "")),
            act=data.get("act", "relu"),
        )


def _stage_from_raw(index: int, raw: Any) -> StageSpec:
    where = f"spec.stages[{index}]"
    if isinstance(raw, Mapping):
        _reject_unknown(where, raw, {"op", "channels", "stride", "repeat", "options"})
        missing = {"op", "channels"} - set(raw)
        if missing:
            raise SpecError(f"{where}: missing required key(s) {sorted(missing)}; got {dict(raw)}")
        return StageSpec(
            op=raw["op"],
            channels=raw["channels"],
            stride=raw.get("stride", 1),
            repeat=raw.get("repeat", 1),
            options=dict(raw.get("options") or {}),
        )
    if isinstance(raw, (list, tuple)) and 2 <= len(raw) <= 5:
        op, channels, *rest = raw
        stride = rest[0] if len(rest) > 0 else 1
        repeat = rest[1] if len(rest) > 1 else 1
        options = rest[2] if len(rest) > 2 else {}
        if not isinstance(options, Mapping):
            raise SpecError(f"{where}: the 5th element (options) must be an object, got {options!r}")
        return StageSpec(op=op, channels=channels, stride=stride, repeat=repeat, options=dict(options))
    raise SpecError(
        f"{where}: expected an object {{op, channels, stride, repeat, options}} or a list "
        f"[op, channels, stride, repeat, options] (2 to 5 items), got {raw!r}"
    )


def _reject_unknown(where: str, data: Mapping[str, Any], allowed: set[str]) -> None:
    unknown = set(data) - allowed
    if unknown:
        raise SpecError(f"{where}: unknown key(s) {sorted(unknown)}; allowed: {sorted(allowed)}")


def _plain(options: Mapping[str, Any]) -> dict[str, Any]:
    # Tuples become lists so that to_dict() output equals what json.loads gives back.
    return {k: list(v) if isinstance(v, tuple) else v for k, v in options.items()}


def _canonical(data: dict[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, default=str)
