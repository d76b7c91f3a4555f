"""`curate ingest <format> PATH` and `curate oracle`: bring datasets into the lake."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.progress import Progress
from rich.table import Table

from curation.cli.common import CurateError, console, get_lake, out, print_json

ingest_app = typer.Typer(help="Ingest a dataset into the lake: frames, ground truth, quarantine for bad input.",
                         no_args_is_help=True)


def _run_ingest(ctx: typer.Context, fmt: str, path: Path, items_factory, classes, config: dict, as_json: bool) -> None:
    from connectors.datasets.base import DatasetLayoutError
    from curation.jobs.ingest import ingest
    from curation.jobs.runs import Run

    lake = get_lake(ctx)
    try:
        items = items_factory()
        first = next(items, None)  # surfaces layout errors before a run row is written
    except DatasetLayoutError as exc:
        raise CurateError(str(exc)) from None
    if first is None:
        raise CurateError(f"{fmt}: found no frames under {path}")

    def chained():
        yield first
        yield from items

    with Run(lake, "ingest", {"format": fmt, "path": str(path), **config}) as run, Progress(console=console, transient=True) as bar:
        task = bar.add_task(f"ingest {fmt}", total=None)
        try:
            summary = ingest(lake, chained(), classes, run_id=run.run_id, progress=lambda n: bar.advance(task, n))
        except DatasetLayoutError as exc:
            raise CurateError(str(exc)) from None
        run.counts = summary.as_dict()
        run.stage_done("ingest", **{k: v for k, v in summary.as_dict().items() if isinstance(v, int)})
    table = Table("ingested", "already present", "quarantined", "ground truth", "free labels", title=f"ingest {fmt}: {path}")
    table.add_row(*(str(x) for x in (summary.ingested, summary.already_present, summary.quarantined,
                                     summary.ground_truth, summary.labels)))
    console.print(table)
    if summary.quarantined:
        console.print(
            f"[yellow]{summary.quarantined} quarantined[/yellow] ({dict(summary.reasons)}): "
            "see `curate sql \"SELECT uri, reason FROM quarantine WHERE stage = 'ingest'\"`"
        )
    if as_json:
        print_json({"run_id": run.run_id, **summary.as_dict()})


JSON = typer.Option(False, "--json", help="Print one JSON object with the counts on the last line.")


@ingest_app.command("camvid")
def camvid(ctx: typer.Context, path: Path = typer.Argument(..., help="Folder with train/, val/, test/ and <split>annot/."),
           as_json: bool = JSON) -> None:
    """CamVid in the SegNet layout (11 classes + ignore 11)."""
    from connectors.datasets.camvid import CLASSES, read_camvid

    _run_ingest(ctx, "camvid", path, lambda: read_camvid(path), CLASSES, {}, as_json)


@ingest_app.command("gtsrb")
def gtsrb(ctx: typer.Context, path: Path = typer.Argument(..., help="GTSRB_Final_Training_Images.zip or its folder."),
          as_json: bool = JSON) -> None:
    """GTSRB training set (43 classes), from the folder or straight from the official zip."""
    from connectors.datasets.gtsrb import CLASSES, read_gtsrb

    _run_ingest(ctx, "gtsrb", path, lambda: read_gtsrb(path), CLASSES, {}, as_json)


@ingest_app.command("cityscapes")
def cityscapes(ctx: typer.Context, path: Path = typer.Argument(..., help="Folder with leftImg8bit/ (and gtFine/)."),
               as_json: bool = JSON) -> None:
    """Cityscapes, labels mapped to the 19 train ids (ignore 19)."""
    from connectors.datasets.cityscapes import CLASSES, read_cityscapes

    _run_ingest(ctx, "cityscapes", path, lambda: read_cityscapes(path), CLASSES, {}, as_json)


@ingest_app.command("folder")
def folder(
    ctx: typer.Context,
    path: Path = typer.Argument(..., help="Folder of images (searched recursively)."),
    metadata: Optional[Path] = typer.Option(None, help="CSV or Parquet with a `path` column and frame metadata."),
    source: str = typer.Option("folder", help="Dataset name recorded in frames.source and frame ids."),
    domain: str = typer.Option("real", help="real or synthetic."),
    as_json: bool = JSON,
) -> None:
    """Any image folder, with optional per-image metadata."""
    from connectors.datasets.folder import read_folder

    if domain not in ("real", "synthetic"):
        raise CurateError(f"--domain must be 'real' or 'synthetic', got {domain!r}")
    _run_ingest(ctx, "folder", path, lambda: read_folder(path, source=source, metadata=metadata, domain=domain), None,
                {"source": source, "metadata": str(metadata) if metadata else None}, as_json)


def register(app: typer.Typer) -> None:
    app.add_typer(ingest_app, name="ingest")

    @app.command()
    def oracle(
        ctx: typer.Context,
        where: str = typer.Option(..., help="SQL predicate on frames, e.g. \"split = 'train'\"."),
        limit: Optional[int] = typer.Option(None, help="At most this many frames (by frame_id)."),
        as_json: bool = JSON,
    ) -> None:
        """Copy ground truth into labels (source = oracle) for the frames matching --where."""
        from curation.jobs.ingest import copy_ground_truth_to_labels

        counts = copy_ground_truth_to_labels(get_lake(ctx), where, limit)
        out.print(f"oracle: {counts['matched']} frames matched, {counts['inserted']} labels written, "
                  f"{counts['already_labeled']} already labeled")
        if as_json:
            print_json(counts)


@ingest_app.command("synthetic")
def synthetic(
    ctx: typer.Context,
    path: Path = typer.Argument(..., help="Folder the rendered frames are written to (reused when present)."),
    frames: int = typer.Option(200, help="Number of frames (frames 0..N-1 of the seed)."),
    seed: int = typer.Option(0, help="Dataset seed: same seed, same frames."),
    frames_per_drive: Optional[int] = typer.Option(None, help="Frames per drive (default: the generator's)."),
    weather: Optional[str] = typer.Option(None, help="Force a weather (clear, rain, fog)."),
    time_of_day: Optional[str] = typer.Option(None, help="Force a time of day (day, dusk, night)."),
    as_json: bool = JSON,
) -> None:
    """Procedural driving scenes labelled with CamVid's 11 classes; labels are free (labels.source = synthetic)."""
    from connectors.datasets.registry import CAMVID
    from connectors.datasets.synthetic_source import read_synthetic

    if frames < 1:
        raise CurateError(f"--frames must be >= 1, got {frames}")
    conditions = {k: v for k, v in (("weather", weather), ("time_of_day", time_of_day)) if v}
    try:
        factory = lambda: read_synthetic(path, frames, seed, frames_per_drive=frames_per_drive,  # noqa: E731
                                         conditions=conditions or None)
        _run_ingest(ctx, "synthetic", path, factory, CAMVID,
                    {"frames": frames, "seed": seed, "conditions": conditions}, as_json)
    except ValueError as exc:  # the generator's own checks (unknown weather name, ...)
        raise CurateError(f"synthetic: {exc}") from None
