"""What a dataset reader yields, and the errors it raises.

A reader walks a dataset on disk and yields one `DatasetItem` per frame, without decoding images: the
ingest job decodes, validates and quarantines. A reader raises `DatasetLayoutError` when the folder is not
the layout it reads, naming what it expected.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import numpy as np


class DatasetLayoutError(Exception):
    """The path does not exist or is not laid out as the format expects. Says what was expected."""


@dataclass
class DatasetItem:
    """One frame as a reader found it.

    frame: the `frames` row without `ingested_at` (frame_id, drive_id, ts, uri, domain, source, split, ...;
        width/height are filled by the ingest job from the decoded image).
    label_uri: ground-truth label map (class ids) to validate and store, if any.
    label_map: applied to the decoded label map before validation (e.g. Cityscapes labelIds -> train ids);
        when set, the mapped mask is written under the lake and that file becomes the ground truth.
    class_id: ground-truth class (classification datasets).
    free_label: the ground truth is also a label the platform owns for free (synthetic frames).
    problem: a problem the reader already knows of (e.g. an index line naming a missing file): quarantined.
    """

    frame: dict[str, Any]
    label_uri: Optional[str] = None
    label_map: Optional[Callable[[np.ndarray], np.ndarray]] = None
    class_id: Optional[int] = None
    free_label: bool = False
    problem: Optional[str] = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ClassList:
    """The classes of a dataset: names (index = class id) and the ignore value of its label maps (or None)."""

    names: tuple[str, ...]
    ignore_index: Optional[int]

    @property
    def num_classes(self) -> int:
        return len(self.names)


def epoch(year: int, month: int = 1, day: int = 1) -> dt.datetime:
    """A nominal recording date for datasets that give only relative frame times."""
    return dt.datetime(year, month, day, tzinfo=dt.timezone.utc)
