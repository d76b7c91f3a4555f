"""Helpers shared by the scoring-speed and uncertainty-quality benchmarks: the real CamVid lake, load notes.

Benchmarks read real data from `../shared/data/` beside the checkout (see ARCHITECTURE.md, "Data on this
machine"); where it is absent they print why and exit 0, so a fresh machine is not a failure.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CAMVID = REPO.parent / "shared" / "data" / "camvid"


def camvid_or_exit(path: str | Path | None) -> Path:
    """The CamVid folder (train/, val/, annotations), or a clear message and exit 0 when it is missing."""
    folder = Path(path) if path else DEFAULT_CAMVID
    if not (folder / "train.txt").exists():
        print(f"SKIP: no CamVid at {folder} (expected train.txt, train/, trainannot/, val/ ...); "
              "pass --data PATH or place the data under ../shared/data/camvid", file=sys.stderr)
        raise SystemExit(0)
    return folder


def camvid_lake(root: str | Path, data: Path, oracle_where: str | None = "split = 'train'"):
    """A lake at `root` with every CamVid frame ingested and, if `oracle_where`, ground truth copied to labels.

    Idempotent: an existing lake is reused (ingest and the oracle skip what is already there).
    """
    from connectors.datasets.camvid import read_camvid
    from connectors.datasets.registry import CAMVID
    from connectors.lake import Lake
    from curation.jobs.ingest import copy_ground_truth_to_labels, ingest

    lake = Lake(root)
    ingest(lake, read_camvid(data), CAMVID)
    if oracle_where:
        copy_ground_truth_to_labels(lake, oracle_where)
    return lake


def load_note() -> str:
    """The 1/5/15-minute load averages against the core count: how shared the machine was."""
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "load average unavailable"
    cpu = platform.processor() or platform.machine()
    return f"load avg {one:.1f}/{five:.1f}/{fifteen:.1f} on {os.cpu_count()} cores ({cpu})"


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def table(headers: list[str], rows: list[list], floatfmt: str = ".3g") -> str:
    """A GitHub-markdown table (what BENCHMARKS.md holds), columns padded for the terminal too."""
    def cell(v) -> str:
        return format(v, floatfmt) if isinstance(v, float) else str(v)

    cells = [[cell(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    lines = ["| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths)) + " |",
             "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    lines += ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |" for r in cells]
    return "\n".join(lines)
