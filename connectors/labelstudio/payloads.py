"""The JSON Label Studio receives: task data, predictions (pre-annotations) and annotation results.

A segmentation result set has one `brushlabels` result per class present in the mask, in class-id order;
a classification result set has one `choices` result. The same builders serve pre-annotations (push) and
the oracle's annotations, so what the oracle submits is exactly what an editor would.
"""

from __future__ import annotations

from typing import Any, Optional
from urllib.parse import quote

import numpy as np

from connectors.labelstudio.label_config import SEGMENTATION, ProjectSpec
from connectors.labelstudio.rle import encode_mask

LOCAL_FILES_PREFIX = "/data/local-files/?d="


def image_url(relative_path: str, url_prefix: Optional[str] = None) -> str:
    """The task's `image` value for a file at `relative_path` under the document root.

    With no `url_prefix` the server serves it from its local storage (`/data/local-files/?d=...`);
    otherwise `url_prefix` + path (an HTTP server or bucket that holds the document root).
    """
    path = quote(relative_path.replace("\\", "/"), safe="/")
    if url_prefix is None:
        return LOCAL_FILES_PREFIX + path
    return url_prefix.rstrip("/") + "/" + path


def brush_results(mask: np.ndarray, spec: ProjectSpec) -> list[dict[str, Any]]:
    """One `brushlabels` result per class present in `mask` (uint8 class ids [H, W]), ascending class id.

    Pixels equal to the spec's ignore value are left unpainted. Any other value that is not a class id
    raises ValueError naming it.
    """
    if spec.kind != SEGMENTATION:
        raise ValueError(f"brush results need a segmentation project, got {spec.kind}")
    if mask.ndim != 2:
        raise ValueError(f"mask must be [H, W] class ids, got shape {mask.shape}")
    height, width = mask.shape
    present = [int(v) for v in np.unique(mask)]
    unknown = [v for v in present if v >= len(spec.class_names) and v != spec.unpainted]
    if unknown:
        raise ValueError(
            f"mask holds values {unknown} that are neither class ids (0..{len(spec.class_names) - 1}) nor the "
            f"ignore value {spec.unpainted}"
        )
    results = []
    for class_id in present:
        if class_id == spec.unpainted:
            continue
        results.append(
            {
                "id": f"class-{class_id}",
                "from_name": spec.from_name,
                "to_name": spec.to_name,
                "type": spec.result_type,
                "original_width": int(width),
                "original_height": int(height),
                "image_rotation": 0,
                "value": {"format": "rle", "rle": encode_mask(mask == class_id),
                          "brushlabels": [spec.class_names[class_id]]},
            }
        )
    return results


def choice_results(class_id: int, spec: ProjectSpec) -> list[dict[str, Any]]:
    """The one `choices` result that picks class `class_id`."""
    if spec.kind == SEGMENTATION:
        raise ValueError("choice results need a classification project, got segmentation")
    if not 0 <= class_id < len(spec.class_names):
        raise ValueError(f"class id {class_id} is not in 0..{len(spec.class_names) - 1}")
    return [{"id": "class", "from_name": spec.from_name, "to_name": spec.to_name, "type": spec.result_type,
             "value": {"choices": [spec.class_names[class_id]]}}]


def results_for(spec: ProjectSpec, mask: Optional[np.ndarray] = None, class_id: Optional[int] = None) -> list[dict]:
    """Results for a mask (segmentation) or a class id (classification), whichever the project labels."""
    if spec.kind == SEGMENTATION:
        if mask is None:
            raise ValueError("a segmentation project needs a mask, got none")
        return brush_results(mask, spec)
    if class_id is None:
        raise ValueError("a classification project needs a class id, got none")
    return choice_results(class_id, spec)


def prediction(results: list[dict], score: float, model_version: str) -> dict[str, Any]:
    """A pre-annotation. `score` is the model's confidence in [0, 1]: Label Studio's uncertainty sampling
    serves the lowest score first, so the least confident frames reach annotators first."""
    if not 0.0 <= float(score) <= 1.0 or score != score:
        raise ValueError(f"prediction score must be a confidence in [0, 1], got {score}")
    if not model_version:
        raise ValueError("a prediction needs a model_version")
    return {"result": results, "score": float(score), "model_version": str(model_version)}


def task(frame_id: str, image: str, predictions: Optional[list[dict]] = None,
         extra: Optional[dict[str, Any]] = None) -> dict[str, Any]:
    """A task to import: data {image, frame_id, **extra} and optional predictions."""
    data = {"image": image, "frame_id": frame_id, **(extra or {})}
    out: dict[str, Any] = {"data": data}
    if predictions:
        out["predictions"] = predictions
    return out


class PredictionChecker:
    """Checks predictions against a labeling config with the SDK's own validator (parsed once)."""

    def __init__(self, label_config: str):
        from label_studio_sdk.label_interface import LabelInterface

        self._interface = LabelInterface(label_config)

    def problems(self, pred: dict[str, Any]) -> list[str]:
        """What Label Studio would object to in `pred` (empty list = valid)."""
        return list(self._interface.validate_prediction(pred, return_errors=True))
