"""Normalise and validate an `ArchSpec`: fill every default, reject what cannot be built.

After `normalize_spec`, every stage has all of its op's options (plus `act` and `dropout`) filled in,
the head has all of its options, and the structure is known to be buildable: builders and the cost
model never have to guess a default. Errors name where (`stages[3].options.groups`), what was
received, what is allowed and what to do.
"""

from __future__ import annotations

import difflib
from dataclasses import replace
from typing import Any, Mapping

from models.arch.ops import ACTIVATIONS, COMMON_OP_OPTIONS, DEFAULT_HEAD_FOR_TASK, HEADS, OPS, TASKS
from models.arch.spec import ArchSpec, HeadSpec, SpecError, StageSpec, StemSpec

__all__ = ["normalize_spec", "spec_for_task", "head_task", "stage_strides"]

_ALLOWED_STRIDES = (1, 2)


def normalize_spec(spec: ArchSpec | Mapping[str, Any]) -> ArchSpec:
    """Return a copy of `spec` with all defaults filled in, after validating it.

    Accepts an `ArchSpec` or its dict form. Idempotent: `normalize_spec(normalize_spec(s)) ==
    normalize_spec(s)`. Raises `SpecError` naming the stage index, key, value received and the
    values allowed.
    """
    if not isinstance(spec, ArchSpec):
        spec = ArchSpec.from_dict(spec)
    act = _choice("spec.act", spec.act, ACTIVATIONS)
    stem = _normalize_stem(spec.stem)

    channels, stride = stem.channels, stem.stride
    stages = []
    for i, stage in enumerate(spec.stages):
        norm = _normalize_stage(i, stage, act, in_channels=channels)
        stages.append(norm)
        channels, stride = norm.channels, stride * norm.stride
    if not stages:
        raise SpecError("spec.stages: empty; a network needs at least one stage, e.g. "
                        '[{"op": "ir_k3_e3", "channels": 24, "stride": 2}]')
    spec = ArchSpec(stem=stem, stages=tuple(stages), head=spec.head, name=spec.name, act=act)
    head = _normalize_head(spec.head, act, stage_strides(spec))
    return replace(spec, head=head)


def head_task(head_kind: str) -> str:
    """`"segmentation"` or `"classification"`: the task a head kind serves."""
    if head_kind not in HEADS:
        raise SpecError(f"head.kind: got {head_kind!r}; allowed: {sorted(HEADS)}{_suggest(head_kind, HEADS)}")
    return HEADS[head_kind].task


def spec_for_task(spec: ArchSpec | Mapping[str, Any], task: str) -> ArchSpec:
    """Normalised `spec` with a head that fits `task`.

    A spec whose head already serves `task` keeps it. Otherwise the backbone is kept and the head is
    replaced by the task's default head with default options (`lraspp` for segmentation, `linear`
    for classification): this is what lets a segmentation preset be reused as a classifier and back.
    """
    task = _choice("task", task, TASKS)
    if not isinstance(spec, ArchSpec):
        spec = ArchSpec.from_dict(spec)
    if head_task(spec.head.kind) == task:
        return normalize_spec(spec)
    head = HeadSpec(DEFAULT_HEAD_FOR_TASK[task], {})
    if task == "segmentation":
        # The default LR-ASPP taps stride 8; fall back to stride 4 for backbones that stop earlier.
        # (Validate the backbone first, under a head that always fits, so bad strides fail clearly.)
        strides = stage_strides(normalize_spec(replace(spec, head=HeadSpec("linear"))))
        if 8 not in strides and 4 in strides:
            head = HeadSpec("lraspp", {"low_stride": 4})
    return normalize_spec(replace(spec, head=head))


def stage_strides(spec: ArchSpec) -> list[int]:
    """Cumulative output stride after the stem (index 0) and after each stage (index i + 1)."""
    stride = int(spec.stem.stride)
    out = [stride]
    for stage in spec.stages:
        stride *= int(stage.stride)
        out.append(stride)
    return out


# -- pieces ---------------------------------------------------------------------------------------
def _normalize_stem(stem: StemSpec) -> StemSpec:
    channels = _int("stem.channels", stem.channels, minimum=1)
    stride = _choice("stem.stride", stem.stride, _ALLOWED_STRIDES)
    kernel = _int("stem.kernel", stem.kernel, minimum=1)
    if kernel % 2 == 0:
        raise SpecError(f"stem.kernel: got {kernel}; allowed: an odd kernel size (1, 3, 5, 7) so that "
                        "'same' padding keeps the output at ceil(input / stride)")
    return StemSpec(channels=channels, stride=stride, kernel=kernel)


def _normalize_stage(i: int, stage: StageSpec, act: str, in_channels: int) -> StageSpec:
    where = f"stages[{i}]"
    if not isinstance(stage, StageSpec):
        raise SpecError(f"{where}: expected a StageSpec, got {type(stage).__name__}")
    if stage.op not in OPS:
        raise SpecError(f"{where}.op: got {stage.op!r}; allowed: {sorted(OPS)}{_suggest(stage.op, OPS)}")
    opdef = OPS[stage.op]
    channels = _int(f"{where}.channels", stage.channels, minimum=1)
    stride = _choice(f"{where}.stride", stage.stride, _ALLOWED_STRIDES)
    repeat = _int(f"{where}.repeat", stage.repeat, minimum=1)

    allowed = {**COMMON_OP_OPTIONS, **opdef.defaults}
    unknown = set(stage.options) - set(allowed)
    if unknown:
        raise SpecError(f"{where}.options: unknown key(s) {sorted(unknown)} for op {stage.op!r}; "
                        f"allowed: {sorted(allowed)}")
    options = {**allowed, **stage.options}
    options["act"] = act if options["act"] is None else _choice(f"{where}.options.act", options["act"], ACTIVATIONS)
    options["dropout"] = _dropout(f"{where}.options.dropout", options["dropout"])
    if "dilation" in options:
        options["dilation"] = _int(f"{where}.options.dilation", options["dilation"], minimum=1)
    if "groups" in options:
        groups = _int(f"{where}.options.groups", options["groups"], minimum=1)
        if in_channels % groups or channels % groups:
            raise SpecError(
                f"{where}.options.groups: got {groups}; allowed: a divisor of both the input channels "
                f"({in_channels}) and the output channels ({channels}); change groups or channels"
            )
        options["groups"] = groups

    if opdef.family == "nb1d" and (stride != 1 or channels != in_channels):
        raise SpecError(
            f"{where}: op 'nb1d' keeps its input shape, but got stride {stride} and channels "
            f"{in_channels} -> {channels}; allowed: stride 1 and channels {in_channels}. "
            "Put a 'down' (or other strided) stage before it to change the shape."
        )
    if opdef.family == "down" and (stride != 2 or channels <= in_channels):
        raise SpecError(
            f"{where}: op 'down' halves the resolution and adds channels (conv output concatenated "
            f"with max-pooled input), but got stride {stride} and channels {in_channels} -> {channels}; "
            f"allowed: stride 2 and channels > {in_channels}"
        )
    return StageSpec(op=stage.op, channels=channels, stride=stride, repeat=repeat, options=options)


def _normalize_head(head: HeadSpec, act: str, strides: list[int]) -> HeadSpec:
    if not isinstance(head, HeadSpec):
        raise SpecError(f"head: expected a HeadSpec, got {type(head).__name__}")
    if head.kind not in HEADS:
        raise SpecError(f"head.kind: got {head.kind!r}; allowed: {sorted(HEADS)}{_suggest(head.kind, HEADS)}")
    defaults = HEADS[head.kind].defaults
    unknown = set(head.options) - set(defaults)
    if unknown:
        raise SpecError(f"head.options: unknown key(s) {sorted(unknown)} for head {head.kind!r}; "
                        f"allowed: {sorted(defaults)}")
    options = {**defaults, **head.options}
    options["act"] = act if options["act"] is None else _choice("head.options.act", options["act"], ACTIVATIONS)
    options["dropout"] = _dropout("head.options.dropout", options["dropout"])
    for key in ("channels", "low_channels"):
        if key in options:
            options[key] = _int(f"head.options.{key}", options[key], minimum=1)
    if "hidden" in options:
        options["hidden"] = _int("head.options.hidden", options["hidden"], minimum=0)
    if "rates" in options:
        rates = options["rates"]
        if not isinstance(rates, (list, tuple)) or not rates:
            raise SpecError(f"head.options.rates: got {rates!r}; allowed: a non-empty list of dilation rates, e.g. [3, 6]")
        options["rates"] = [_int(f"head.options.rates[{j}]", r, minimum=1) for j, r in enumerate(rates)]
    if "low_stride" in options:
        low = _choice("head.options.low_stride", options["low_stride"], (4, 8))
        final = strides[-1]
        if low not in strides or low > final:
            raise SpecError(
                f"head.options.low_stride: got {low}, but the backbone's feature strides are {strides} "
                f"(stem, then each stage); allowed: 4 or 8 where the backbone has a feature at that "
                "stride; change low_stride or the stage strides"
            )
        options["low_stride"] = low
    return HeadSpec(kind=head.kind, options=options)


def _int(where: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise SpecError(f"{where}: got {value!r} ({type(value).__name__}); allowed: an integer >= {minimum}")
    if value < minimum:
        raise SpecError(f"{where}: got {value}; allowed: an integer >= {minimum}")
    return int(value)


def _choice(where: str, value: Any, allowed: tuple) -> Any:
    if isinstance(value, bool) or value not in allowed:
        raise SpecError(f"{where}: got {value!r}; allowed: {list(allowed)}")
    return value


def _dropout(where: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= float(value) < 1.0:
        raise SpecError(f"{where}: got {value!r}; allowed: a probability in [0, 1), e.g. 0.1")
    return float(value)


def _suggest(name: Any, known: Mapping[str, Any]) -> str:
    close = difflib.get_close_matches(str(name), list(known), n=3)
    return f"; did you mean {close}?" if close else ""
