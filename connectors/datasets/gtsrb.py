"""GTSRB training set in the official layout, from its folder or straight from the official zip.

`Final_Training/Images/000CC/` holds `TTTTT_FFFFF.ppm` (track T, frame F of class CC) and `GT-000CC.csv`
(`;`-separated, ClassId per file). A track is one physical sign seen as the car approaches: it is the drive,
so selection's drive dedup keeps near-identical views of one sign apart. GTSRB gives no dates:
`ts` = 2011-01-01 UTC (nominal) + frame / 30 s.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from pathlib import Path, PurePosixPath
from typing import Iterator

from connectors.datasets.base import DatasetItem, DatasetLayoutError, epoch
from connectors.datasets.registry import GTSRB
from connectors.images import zip_uri

CLASSES = GTSRB
RECORDED = epoch(2011)
_FILE = re.compile(r"^(?P<track>\d+)_(?P<frame>\d+)\.ppm$", re.IGNORECASE)
_CLASS_DIR = re.compile(r"(?:^|/)Images/(?P<cls>\d{5})/")
_LAYOUT = (
    "expected the official GTSRB training layout: GTSRB/Final_Training/Images/000CC/ with TTTTT_FFFFF.ppm and "
    "GT-000CC.csv, as a folder or as GTSRB_Final_Training_Images.zip"
)


def _item(class_dir: str, filename: str, uri: str, class_id: int | None, problem: str | None) -> DatasetItem:
    match = _FILE.match(filename)
    track, frame_no = (int(match["track"]), int(match["frame"])) if match else (0, 0)
    frame = {
        "frame_id": f"gtsrb:{class_dir}/{PurePosixPath(filename).stem}",
        "drive_id": f"gtsrb-{class_dir}-{track:05d}",
        "camera": "front",
        "ts": RECORDED + dt.timedelta(seconds=frame_no / 30.0),
        "uri": uri,
        "domain": "real",
        "source": "gtsrb",
        "split": "train",
        "location": "Germany",
    }
    return DatasetItem(frame=frame, class_id=class_id, problem=problem)


def _rows(csv_text: str) -> list[tuple[str, int]]:
    reader = csv.DictReader(io.StringIO(csv_text), delimiter=";")
    return [(row["Filename"], int(row["ClassId"])) for row in reader]


def _from_zip(archive: Path) -> Iterator[DatasetItem]:
    try:
        handle = zipfile.ZipFile(archive)
    except zipfile.BadZipFile as exc:
        raise DatasetLayoutError(f"gtsrb: {archive} is not a readable zip ({exc}); {_LAYOUT}") from None
    with handle:
        names = handle.namelist()
        by_class: dict[str, dict[str, str]] = {}
        csvs: dict[str, str] = {}
        for name in names:
            match = _CLASS_DIR.search(name)
            if not match:
                continue
            base = PurePosixPath(name).name
            if base.lower().endswith(".ppm"):
                by_class.setdefault(match["cls"], {})[base] = name
            elif base.lower().endswith(".csv"):
                csvs[match["cls"]] = name
        if not by_class:
            raise DatasetLayoutError(f"gtsrb: no Images/000CC/*.ppm inside {archive}; {_LAYOUT}")
        for cls in sorted(by_class):
            files = by_class[cls]
            listed = _rows(handle.read(csvs[cls]).decode()) if cls in csvs else [(f, int(cls)) for f in sorted(files)]
            for filename, class_id in listed:
                member = files.get(filename)
                problem = None if member else f"listed in GT-{cls}.csv but missing from the archive"
                uri = zip_uri(archive, member or f"{cls}/{filename}")
                yield _item(cls, filename, uri, class_id, problem)


def _from_folder(images: Path) -> Iterator[DatasetItem]:
    class_dirs = sorted(p for p in images.iterdir() if p.is_dir() and re.fullmatch(r"\d{5}", p.name))
    if not class_dirs:
        raise DatasetLayoutError(f"gtsrb: no 000CC class folders in {images}; {_LAYOUT}")
    for class_dir in class_dirs:
        gt = next(class_dir.glob("GT-*.csv"), None)
        if gt is not None:
            listed = _rows(gt.read_text())
        else:
            listed = [(p.name, int(class_dir.name)) for p in sorted(class_dir.glob("*.ppm"))]
        for filename, class_id in listed:
            path = class_dir / filename
            problem = None if path.exists() else f"listed in {gt.name if gt else 'the folder'} but the file is missing"
            yield _item(class_dir.name, filename, str(path.resolve()), class_id, problem)


def read_gtsrb(path: str | Path) -> Iterator[DatasetItem]:
    """Yield one item per image: `path` is the zip, a folder holding it, or a folder with the images."""
    path = Path(path)
    if not path.exists():
        raise DatasetLayoutError(f"gtsrb: {path} does not exist; {_LAYOUT}")
    if path.is_file():
        yield from _from_zip(path)
        return
    for candidate in (path / "GTSRB/Final_Training/Images", path / "Final_Training/Images", path / "Images", path):
        if candidate.is_dir() and any(re.fullmatch(r"\d{5}", p.name) for p in candidate.iterdir()):
            yield from _from_folder(candidate)
            return
    zips = sorted(path.glob("*.zip"))
    if len(zips) == 1:
        yield from _from_zip(zips[0])
        return
    raise DatasetLayoutError(f"gtsrb: {path} has neither class folders nor exactly one zip; {_LAYOUT}")
