"""`curate report`: one self-contained HTML page on the state of the loop, from the lake alone.

What a labeling lead or ML engineer asks after a night: what ran and did it succeed, which frames were
picked and why, what got labeled, how the models are doing, what was quarantined. Plots are PNGs inlined
as base64 so the file can be mailed or opened from anywhere.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import json
from pathlib import Path
from typing import Any, Sequence

from connectors.lake import Lake


def _table(rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None, empty: str = "none yet") -> str:
    if not rows:
        return f"<p class='empty'>{html.escape(empty)}</p>"
    columns = list(columns or rows[0].keys())
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = []
    for row in rows:
        cells = []
        for c in columns:
            value = row.get(c)
            if isinstance(value, float):
                value = f"{value:.4g}"
            cells.append(f"<td>{html.escape('' if value is None else str(value))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    return "<img src='data:image/png;base64," + base64.b64encode(buf.getvalue()).decode() + "'/>"


def _model_rows(lake: Lake) -> list[dict]:
    rows = lake.query(
        "SELECT model_version, task, arch, members, beta, label_set, metrics, created_at FROM models ORDER BY created_at"
    ).to_pylist()
    out = []
    for r in rows:
        metrics = json.loads(r["metrics"] or "{}")
        label_set = json.loads(r["label_set"] or "{}")
        out.append({
            "model_version": r["model_version"], "task": r["task"], "arch": r["arch"], "K": r["members"],
            "beta": r["beta"], "train frames": label_set.get("train_frames"),
            "labels by source": json.dumps(label_set.get("per_source", {})),
            "val mIoU": metrics.get("val_miou"), "val acc": metrics.get("val_acc"), "val ECE": metrics.get("val_ece"),
            "created": r["created_at"].strftime("%Y-%m-%d %H:%M") if r["created_at"] else None,
        })
    return out


def _score_plot(lake: Lake, run_id: str) -> str:
    """Mutual information of the picked frames against all scored candidates of the same model."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    picked = lake.query(
        "SELECT s.mutual_information FROM selections sel JOIN scores s "
        "ON s.frame_id = sel.frame_id AND s.model_version = sel.model_version WHERE sel.run_id = ?", [run_id]
    ).column(0).to_pylist()
    model = lake.query("SELECT any_value(model_version) FROM selections WHERE run_id = ?", [run_id]).column(0)[0].as_py()
    if not picked or model is None:
        return ""
    everything = lake.query("SELECT mutual_information FROM scores WHERE model_version = ?", [model]).column(0).to_pylist()
    fig, ax = plt.subplots(figsize=(6, 3))
    bins = 30
    ax.hist([v for v in everything if v is not None], bins=bins, alpha=0.5, label=f"all scored ({len(everything)})",
            density=True)
    ax.hist([v for v in picked if v is not None], bins=bins, alpha=0.7, label=f"picked ({len(picked)})", density=True)
    ax.set_xlabel("mutual information (higher = members disagree more)")
    ax.set_ylabel("density")
    ax.legend()
    out = _png(fig)
    plt.close(fig)
    return out


def _miou_plot(models: list[dict]) -> str:
    points = [(m["train frames"], m["val mIoU"]) for m in models if m["val mIoU"] is not None and m["task"] == "segmentation"]
    if len(points) < 2:
        return ""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3))
    ax.plot(range(1, len(points) + 1), [p[1] for p in points], marker="o")
    for i, (n, v) in enumerate(points, start=1):
        ax.annotate(f"{n} labels", (i, v), textcoords="offset points", xytext=(0, 6), ha="center", fontsize=8)
    ax.set_xlabel("model (in training order)")
    ax.set_ylabel("validation mIoU")
    out = _png(fig)
    plt.close(fig)
    return out


def build_report(lake: Lake) -> str:
    """The report as an HTML string."""
    runs = lake.query(
        "SELECT run_id, kind, status, started_at, ended_at, counts, error FROM runs ORDER BY started_at DESC LIMIT 25"
    ).to_pylist()
    for r in runs:
        seconds = (r["ended_at"] - r["started_at"]).total_seconds() if r["ended_at"] else None
        r["seconds"] = round(seconds, 1) if seconds is not None else None
        r["started_at"] = r["started_at"].strftime("%Y-%m-%d %H:%M:%S")
        r.pop("ended_at")
    conditions = lake.query("""
        SELECT f.weather, f.time_of_day, count(*) AS frames,
               count(*) FILTER (WHERE f.frame_id IN (SELECT frame_id FROM labels)) AS labeled,
               count(*) FILTER (WHERE f.frame_id IN (SELECT frame_id FROM selections)) AS ever_selected,
               count(*) FILTER (WHERE f.frame_id IN (SELECT frame_id FROM tasks)) AS in_label_studio
        FROM frames f GROUP BY ALL ORDER BY frames DESC
    """).to_pylist()
    labels = lake.query("SELECT source, count(*) AS labels, count(DISTINCT frame_id) AS frames FROM labels "
                        "GROUP BY source ORDER BY labels DESC").to_pylist()
    quarantine = lake.query("SELECT stage, reason, count(*) AS files FROM quarantine GROUP BY ALL "
                            "ORDER BY files DESC LIMIT 20").to_pylist()
    last_selection = lake.query(
        "SELECT run_id FROM selections GROUP BY run_id ORDER BY max(selected_at) DESC LIMIT 1").to_pylist()
    picks_html, plot_html = "<p class='empty'>no selection yet</p>", ""
    if last_selection:
        run_id = last_selection[0]["run_id"]
        picks = lake.query("""
            SELECT sel.rank, sel.frame_id, f.drive_id, f.weather, f.time_of_day, sel.strategy, sel.score, sel.reasons
            FROM selections sel JOIN frames f USING (frame_id) WHERE sel.run_id = ? ORDER BY sel.rank LIMIT 25
        """, [run_id]).to_pylist()
        picks_html = f"<p>run <code>{html.escape(run_id)}</code>, first 25 picks:</p>" + _table(picks)
        plot_html = _score_plot(lake, run_id)
    models = _model_rows(lake)
    counts = {name: lake.count(name) for name in ("frames", "labels", "scores", "selections", "tasks", "models", "quarantine")}
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    style = """
      body{font-family:system-ui,sans-serif;margin:2em;max-width:1200px;color:#222}
      table{border-collapse:collapse;margin:.5em 0 1.5em;font-size:13px}
      th,td{border:1px solid #ccc;padding:3px 7px;text-align:left;vertical-align:top}
      th{background:#f2f2f2} .empty{color:#888} code{background:#f5f5f5;padding:1px 4px}
    """
    sections = [
        f"<h1>fleet-curation: lake report</h1><p>lake <code>{html.escape(str(lake.root))}</code>, {now}</p>",
        _table([counts]),
        "<h2>Models</h2>", _table(models), _miou_plot(models),
        "<h2>Latest selection: what was picked and why</h2>", picks_html, plot_html,
        "<h2>Frames by condition</h2>", _table(conditions),
        "<h2>Labels by source</h2>", _table(labels),
        "<h2>Runs (latest 25)</h2>", _table(runs),
        "<h2>Quarantine</h2>", _table(quarantine, empty="nothing quarantined"),
    ]
    return f"<!doctype html><html><head><meta charset='utf-8'><title>fleet-curation report</title><style>{style}</style></head><body>{''.join(sections)}</body></html>"


def write_report(lake: Lake, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(build_report(lake), encoding="utf-8")
    tmp.replace(path)
    return path
