"""Annotations -> labels: which annotation of a task counts, and how its results become a mask or a class.

Rules (documented here, applied by `curate pull`):
- Cancelled (skipped) annotations never count.
- Several annotations on one task (re-annotation, or several annotators): `latest` (default) keeps the one
  updated last (ties: the higher annotation id); `earliest` keeps the one created first.
- Segmentation masks are painted class by class in class-id order (or a given `paint_order`); where two
  classes' brush regions overlap, the class painted later wins. For CamVid this puts the small objects
  (sign, fence, car, pedestrian, bicyclist, ids 6-10) over the stuff they stand on (sky, building, road,
  ids 0-4). Pixels no class painted get the ignore value.
- A result whose label is not in the class list, a brush mask whose size differs from the frame, an
  unsupported result type or format, or an annotation with nothing in it is rejected (AnnotationRejected),
  and the frame is quarantined with that reason.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Optional, Sequence

import numpy as np

from connectors.labelstudio.errors import AnnotationRejected
from connectors.labelstudio.label_config import SEGMENTATION, ProjectSpec
from connectors.labelstudio.rle import decode_mask

RULES = ("latest", "earliest")


def parse_time(value: Any) -> Optional[dt.datetime]:
    """A Label Studio timestamp (ISO string or datetime) as an aware UTC datetime; None stays None."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        when = value
    else:
        text = str(value).strip().replace(" ", "T", 1)
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        when = dt.datetime.fromisoformat(text)
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return when.astimezone(dt.timezone.utc)


def annotator_of(annotation: dict[str, Any]) -> Optional[str]:
    """Who made an annotation: the e-mail when the server gives the user object, else `user:<id>`."""
    who = annotation.get("completed_by")
    if isinstance(who, dict):
        return who.get("email") or (f"user:{who['id']}" if who.get("id") is not None else None)
    if who is not None:
        return f"user:{who}"
    return None


@dataclass
class Chosen:
    """The annotation a rule picked (None when every annotation was cancelled), the other live ones, and
    how many were cancelled."""

    annotation: Optional[dict[str, Any]]
    others: list[dict[str, Any]] = field(default_factory=list)
    cancelled: int = 0


def choose_annotation(annotations: Sequence[dict[str, Any]], rule: str = "latest") -> Chosen:
    """Apply `rule` (see module docstring) to a task's annotations."""
    if rule not in RULES:
        raise ValueError(f"annotation rule {rule!r} is not one of {RULES}")
    live = [a for a in annotations if not a.get("was_cancelled")]
    cancelled = len(annotations) - len(live)
    if not live:
        return Chosen(None, [], cancelled)
    epoch = dt.datetime.min.replace(tzinfo=dt.timezone.utc)

    if rule == "latest":
        def key(a):
            return (parse_time(a.get("updated_at")) or parse_time(a.get("created_at")) or epoch, int(a["id"]))
        chosen = max(live, key=key)
    else:
        def key(a):
            return (parse_time(a.get("created_at")) or epoch, int(a["id"]))
        chosen = min(live, key=key)
    others = sorted((a for a in live if a is not chosen), key=lambda a: int(a["id"]))
    return Chosen(chosen, others, cancelled)


def _check_result(result: dict[str, Any], spec: ProjectSpec) -> None:
    if not isinstance(result, dict):
        raise AnnotationRejected(f"result is not an object: {type(result).__name__}")
    if result.get("from_name") != spec.from_name or result.get("type") != spec.result_type:
        raise AnnotationRejected(
            f"result of type {result.get('type')!r} from control {result.get('from_name')!r}: this project "
            f"expects {spec.result_type!r} from {spec.from_name!r}"
        )


def _class_of(names: Any, spec: ProjectSpec, what: str) -> int:
    if not isinstance(names, list) or len(names) != 1:
        raise AnnotationRejected(f"{what} must name exactly one class, got {names!r}")
    name = names[0]
    if name not in spec.class_names:
        shown = ", ".join(spec.class_names[:12]) + (", ..." if len(spec.class_names) > 12 else "")
        raise AnnotationRejected(f"label {name!r} is not in the class list ({shown})")
    return spec.class_names.index(name)


def _check_order(paint_order: Optional[Sequence[int]], n: int) -> list[int]:
    if paint_order is None:
        return list(range(n))
    order = [int(c) for c in paint_order]
    if sorted(order) != list(range(n)):
        raise ValueError(f"paint_order must list every class id 0..{n - 1} once, got {order}")
    return order


def mask_from_results(results: Sequence[dict[str, Any]], spec: ProjectSpec, height: int, width: int,
                      paint_order: Optional[Sequence[int]] = None) -> np.ndarray:
    """A class-id mask uint8 [height, width] from an annotation's brush results (rules: module docstring)."""
    if spec.kind != SEGMENTATION:
        raise ValueError(f"mask_from_results needs a segmentation project, got {spec.kind}")
    order = _check_order(paint_order, len(spec.class_names))
    if not results:
        raise AnnotationRejected("annotation is empty: no class was painted")
    painted: dict[int, np.ndarray] = {}
    for result in results:
        _check_result(result, spec)
        value = result.get("value") or {}
        class_id = _class_of(value.get("brushlabels"), spec, "a brush result")
        size = (result.get("original_height"), result.get("original_width"))
        if None not in size and (int(size[0]), int(size[1])) != (height, width):
            raise AnnotationRejected(
                f"brush result is for a {size[1]}x{size[0]} image, the frame is {width}x{height}: mask of the wrong size"
            )
        if value.get("format", "rle") != "rle":
            raise AnnotationRejected(f"brush format {value.get('format')!r} is not supported (only 'rle')")
        region = decode_mask(value.get("rle") or [], height, width)
        painted[class_id] = painted[class_id] | region if class_id in painted else region
    out = np.full((height, width), spec.unpainted, dtype=np.uint8)
    for class_id in order:
        if class_id in painted:
            out[painted[class_id]] = class_id
    return out


def class_from_results(results: Sequence[dict[str, Any]], spec: ProjectSpec) -> int:
    """The class id an annotation's single `choices` result picks."""
    if spec.kind == SEGMENTATION:
        raise ValueError("class_from_results needs a classification project, got segmentation")
    if len(results) != 1:
        raise AnnotationRejected(f"expected exactly one choice result, got {len(results)}")
    _check_result(results[0], spec)
    return _class_of((results[0].get("value") or {}).get("choices"), spec, "a choice")
