"""Which class list a dataset's labels use: looked up by the `frames.source` value."""

from __future__ import annotations

from connectors.datasets import camvid_classes, cityscapes_classes, gtsrb_classes
from connectors.datasets.base import ClassList

CAMVID = ClassList(camvid_classes.CLASS_NAMES, camvid_classes.IGNORE_INDEX)
CITYSCAPES = ClassList(cityscapes_classes.CLASS_NAMES, cityscapes_classes.IGNORE_INDEX)
GTSRB = ClassList(gtsrb_classes.CLASS_NAMES, None)

# Synthetic scenes are labelled with CamVid's classes on purpose: they are the source domain for CamVid.
_BY_SOURCE: dict[tuple[str, str], ClassList] = {
    ("camvid", "segmentation"): CAMVID,
    ("synthetic", "segmentation"): CAMVID,
    ("cityscapes", "segmentation"): CITYSCAPES,
    ("gtsrb", "classification"): GTSRB,
}


def class_list(source: str, task: str) -> ClassList:
    """The ClassList of dataset `source` for `task`, or a ValueError listing what is known."""
    try:
        return _BY_SOURCE[(source, task)]
    except KeyError:
        known = ", ".join(f"{s} ({t})" for s, t in _BY_SOURCE)
        raise ValueError(f"no {task} class list is known for dataset {source!r}; known: {known}") from None
