"""The simulation report: a learning-curve PNG and one self-contained HTML page (the PNG inlined).

Input is the `simulations` rows of one sim_id (plain dicts), so a report can be rebuilt from the lake at
any time, for a finished or a partial run. The HTML holds: the curves, mean +- std of the metric per
strategy and budget, the share of labels each strategy needs to reach 95% of its full-pool metric, per-class
IoU (or accuracy) at each budget, labels per drive/condition at each budget, and wall time.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional, Sequence

from curation.simulation.curves import CurvePoint, fraction_to_reach, learning_curves, mean_std

# Columns with more distinct values than this (GTSRB has ~1,000 tracks) are summarised, not tabulated.
MAX_VALUE_COLUMNS = 12


@dataclass(frozen=True)
class StrategySummary:
    """One strategy over all its seeds: the curve, the 95% shares and the time it took."""

    strategy: str
    points: list[CurvePoint]
    fraction_95: Optional[float]  # first measured budget reaching 95% of full pool, as a share of the pool
    fraction_95_interp: Optional[float]  # same, linearly interpolated between budgets
    full_metric: Optional[float]
    wall_s_per_seed: float  # mean over seeds of the summed round times
    seeds: int


def summarize(rows: Sequence[Mapping], pool_size: int, level: float = 0.95) -> list[StrategySummary]:
    """Per strategy (in order of first appearance): curve, share of labels to reach `level` x its own full-pool
    metric (mean over seeds at labels == pool_size), and wall time per seed."""
    curves = learning_curves(rows)
    order = list(dict.fromkeys(r["strategy"] for r in rows))
    out = []
    for strategy in order:
        points = curves[strategy]
        labels = [p.labels_used for p in points]
        means = [p.mean for p in points]
        full = next((p.mean for p in points if p.labels_used == pool_size), None)
        per_seed: dict[int, float] = {}
        for r in rows:
            if r["strategy"] == strategy and r.get("wall_s") is not None:
                per_seed[r["seed"]] = per_seed.get(r["seed"], 0.0) + float(r["wall_s"])
        out.append(StrategySummary(
            strategy=strategy, points=points,
            fraction_95=fraction_to_reach(labels, means, pool_size, level),
            fraction_95_interp=fraction_to_reach(labels, means, pool_size, level, interpolate=True),
            full_metric=full,
            wall_s_per_seed=sum(per_seed.values()) / len(per_seed) if per_seed else math.nan,
            seeds=len({r["seed"] for r in rows if r["strategy"] == strategy}),
        ))
    return out


def fmt_share(value: Optional[float]) -> str:
    return "not reached" if value is None else f"{value:.0%}"


def fmt_mean_std(point: Optional[CurvePoint], digits: int = 3) -> str:
    if point is None or math.isnan(point.mean):
        return "-"
    return f"{point.mean:.{digits}f} ± {point.std:.{digits}f}" + (f" (n={point.n_seeds})" if point.n_seeds else "")


# ---------------------------------------------------------------------------------------------- the plot
def plot_curves(summaries: Sequence[StrategySummary], pool_size: int, metric_name: str, path: Path,
                title: str = "") -> Path:
    """Metric against labels used, mean +- std over seeds per strategy, as a PNG at `path`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 4.8), dpi=110)
    for s in summaries:
        xs = [p.labels_used for p in s.points]
        ys = [p.mean for p in s.points]
        sd = [p.std if not math.isnan(p.std) else 0.0 for p in s.points]
        line, = ax.plot(xs, ys, marker="o", label=f"{s.strategy} ({s.seeds} seed{'s' if s.seeds != 1 else ''})")
        ax.fill_between(xs, [y - d for y, d in zip(ys, sd)], [y + d for y, d in zip(ys, sd)],
                        color=line.get_color(), alpha=0.15, linewidth=0)
    ax.set_xlabel(f"labels used (frames; pool = {pool_size})")
    ax.set_ylabel(metric_name)
    ax.grid(alpha=0.3)
    secondary = ax.secondary_xaxis("top", functions=(lambda n: n / pool_size * 100, lambda p: p * pool_size / 100))
    secondary.set_xlabel("share of the pool (%)")
    if title:
        ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path


# ---------------------------------------------------------------------------------------------- the HTML
def _table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _per_class_tables(rows: Sequence[Mapping], class_names: Sequence[str], metric_name: str) -> str:
    parts = []
    for strategy in dict.fromkeys(r["strategy"] for r in rows):
        by_budget: dict[int, list[list]] = {}
        for r in rows:
            if r["strategy"] == strategy and r.get("per_class"):
                by_budget.setdefault(int(r["labels_used"]), []).append(json.loads(r["per_class"]))
        if not by_budget:
            continue
        n = max(len(v) for vs in by_budget.values() for v in vs)
        names = [class_names[i] if i < len(class_names) else str(i) for i in range(n)]
        table_rows = []
        for labels, lists in sorted(by_budget.items()):
            cells = []
            for c in range(n):
                mean, _ = mean_std([v[c] if c < len(v) else None for v in lists])
                cells.append("-" if math.isnan(mean) else f"{mean:.2f}")
            table_rows.append([labels, len(lists), *cells])
        parts.append(f"<h3>{html.escape(strategy)}</h3>" + _table(["labels", "seeds", *names], table_rows))
    what = "IoU" if metric_name == "miou" else "IoU (classification: TP / (TP + FP + FN))"
    return f"<h2>Per-class {what} at each budget (mean over seeds)</h2>" + "".join(parts)


def _label_count_tables(rows: Sequence[Mapping]) -> str:
    columns: dict[str, set[str]] = {}
    for r in rows:
        for col, counts in json.loads(r.get("label_counts") or "{}").items():
            columns.setdefault(col, set()).update(counts)
    parts = []
    for col, values in columns.items():
        many = len(values) > MAX_VALUE_COLUMNS
        headers = ["strategy", "labels", "distinct values", "largest share"] if many else ["strategy", "labels", *sorted(values)]
        table_rows = []
        for strategy in dict.fromkeys(r["strategy"] for r in rows):
            by_budget: dict[int, list[dict]] = {}
            for r in rows:
                if r["strategy"] == strategy:
                    by_budget.setdefault(int(r["labels_used"]), []).append(json.loads(r.get("label_counts") or "{}").get(col, {}))
            for labels, dicts in sorted(by_budget.items()):
                if many:
                    distinct = sum(len(d) for d in dicts) / len(dicts)
                    top = sum((max(d.values()) / max(1, sum(d.values()))) if d else 0.0 for d in dicts) / len(dicts)
                    table_rows.append([strategy, labels, f"{distinct:.1f}", f"{top:.1%}"])
                else:
                    table_rows.append([strategy, labels,
                                       *(f"{sum(d.get(v, 0) for d in dicts) / len(dicts):.1f}" for v in sorted(values))])
        parts.append(f"<h3>{html.escape(col)}</h3>" + _table(headers, table_rows))
    return "<h2>Labels per drive / condition (mean over seeds)</h2>" + "".join(parts)


_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; max-width: 1200px; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.85em; }
th, td { border: 1px solid #ccc; padding: 3px 7px; text-align: right; }
th { background: #f0f0f0; } td:first-child, th:first-child { text-align: left; }
pre { background: #f7f7f7; padding: 0.8em; font-size: 0.8em; overflow-x: auto; }
"""


def render_html(rows: Sequence[Mapping], *, sim_id: str, pool_size: int, metric_name: str, png: bytes,
                class_names: Sequence[str] = (), config: Optional[Mapping] = None, level: float = 0.95) -> str:
    """The report page as one string (no external files: the plot is a base64 data URI)."""
    summaries = summarize(rows, pool_size, level)
    budgets = sorted({int(r["labels_used"]) for r in rows})
    curve_rows = []
    for s in summaries:
        at = {p.labels_used: p for p in s.points}
        curve_rows.append([s.strategy, *(fmt_mean_std(at.get(b)) for b in budgets)])
    eff_rows = [[s.strategy, s.seeds, "-" if s.full_metric is None else f"{s.full_metric:.3f}", fmt_share(s.fraction_95),
                 fmt_share(s.fraction_95_interp), f"{s.wall_s_per_seed / 60:.1f}"] for s in summaries]
    image = base64.b64encode(png).decode()
    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>simulation {html.escape(sim_id)}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>Active-learning simulation <code>{html.escape(sim_id)}</code></h1>",
        f"<p>Pool: {pool_size} frames. Metric: {html.escape(metric_name)} on the evaluation set (ground truth). "
        "Mean ± sample std over seeds; n = seeds with that budget.</p>",
        f"<img alt='learning curves' src='data:image/png;base64,{image}'>",
        f"<h2>{html.escape(metric_name)} against labels used</h2>",
        _table(["strategy", *budgets], curve_rows),
        f"<h2>Labels needed for {level:.0%} of the full-pool {html.escape(metric_name)}</h2>",
        "<p>Full pool = the strategy's own model trained on every pool frame (the final budget). 'first budget' is "
        "the smallest measured budget whose mean reaches the target; 'interpolated' places the crossing linearly "
        "between budgets. Wall time: select + label + train per seed, summed over rounds.</p>",
        _table(["strategy", "seeds", "full-pool", "first budget", "interpolated", "wall min / seed"], eff_rows),
        _per_class_tables(rows, class_names, metric_name),
        _label_count_tables(rows),
    ]
    if config is not None:
        parts.append("<h2>Config</h2><pre>" + html.escape(json.dumps(config, indent=2, sort_keys=True, default=str)) + "</pre>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(rows: Sequence[Mapping], out_dir: Path, *, sim_id: str, pool_size: int, metric_name: str,
                 class_names: Sequence[str] = (), config: Optional[Mapping] = None) -> tuple[Path, Path]:
    """Write `learning_curve.png` and `report.html` under `out_dir`; returns their paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    png_path = plot_curves(summarize(rows, pool_size), pool_size, metric_name, out_dir / "learning_curve.png",
                           title=f"{sim_id}: {metric_name} vs labels (mean ± std over seeds)")
    page = render_html(rows, sim_id=sim_id, pool_size=pool_size, metric_name=metric_name, png=png_path.read_bytes(),
                       class_names=class_names, config=config)
    html_path = out_dir / "report.html"
    html_path.write_text(page)
    return png_path, html_path
