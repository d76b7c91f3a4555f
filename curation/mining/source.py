"""Tonight's frames: the configured source as dataset items for the ingest job.

The readers in `connectors/datasets/` do the work; this module only picks one and its class list. A real
source (camvid, gtsrb, cityscapes, an image folder) is read whole every night: frames already in the lake
are skipped by key, so only new files are ingested. The synthetic source renders a new slice per night.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Optional

from connectors.datasets.base import ClassList, DatasetItem
from curation.mining.config import SourceConfig


@dataclass(frozen=True)
class NightlySource:
    """items(): a fresh iterator over the night's dataset items; classes: their class list (None: unchecked);
    details: what was resolved for this night (for the runs row)."""

    items: Callable[[], Iterator[DatasetItem]]
    classes: Optional[ClassList]
    details: dict[str, Any]


def _without_free_labels(items: Iterator[DatasetItem]) -> Iterator[DatasetItem]:
    # Fleet frames arrive unlabeled: keep the rendered mask as ground truth (oracle, evaluation) but do not
    # give the frame a label, or selection would treat it as labeled and never pick it.
    for item in items:
        yield dataclasses.replace(item, free_label=False)


def nightly_source(config: SourceConfig, night: dt.date) -> NightlySource:
    """The items `config` yields on `night`. Raises MineConfigError for a night the source cannot serve."""
    fmt, path = config.format, config.path
    options = config.typed_options()
    if fmt == "synthetic":
        from connectors.datasets.registry import CAMVID
        from connectors.datasets.synthetic_source import read_synthetic

        seed = options.night_seed(night)
        folder = path / f"night-{night.isoformat()}"

        def items() -> Iterator[DatasetItem]:
            rendered = read_synthetic(folder, options.frames_per_night, seed, width=options.width,
                                      height=options.height, frames_per_drive=options.frames_per_drive,
                                      conditions=options.conditions)
            return rendered if options.free_labels else _without_free_labels(rendered)

        return NightlySource(items, CAMVID, {"format": fmt, "folder": str(folder), "seed": seed,
                                             "frames": options.frames_per_night})
    if fmt == "camvid":
        from connectors.datasets.camvid import CLASSES, read_camvid

        return NightlySource(lambda: read_camvid(path), CLASSES, {"format": fmt, "path": str(path)})
    if fmt == "gtsrb":
        from connectors.datasets.gtsrb import CLASSES, read_gtsrb

        return NightlySource(lambda: read_gtsrb(path), CLASSES, {"format": fmt, "path": str(path)})
    if fmt == "cityscapes":
        from connectors.datasets.cityscapes import CLASSES, read_cityscapes

        return NightlySource(lambda: read_cityscapes(path), CLASSES, {"format": fmt, "path": str(path)})
    from connectors.datasets.folder import read_folder

    return NightlySource(
        lambda: read_folder(path, source=options.source, metadata=options.metadata, domain=options.domain),
        None, {"format": fmt, "path": str(path), "source": options.source},
    )
