"""Label efficiency (issue 6): `curate simulate` on real CamVid and GTSRB, tables for BENCHMARKS.md.

For each data set: ingest it into a lake (once), run `curate simulate` with the config under
`benchmarks/configs/` (resumable: rounds already in the lake's `simulations` table are skipped), then print
the markdown tables BENCHMARKS.md records:

  - the metric (CamVid: val mIoU; GTSRB: held-out-track accuracy) against labels used, mean ± std over seeds,
  - the share of the pool each strategy needs to reach 95% of its own full-pool metric (first measured
    budget, and the linear interpolation between budgets), and against the best full-pool metric of any
    strategy,
  - wall time per seed (select + label + train, summed over rounds) and in all.

    .venv/bin/python benchmarks/label_efficiency.py camvid --lake /tmp/le/camvid --threads 1
    .venv/bin/python benchmarks/label_efficiency.py gtsrb --lake /tmp/le/gtsrb --threads 1
    .venv/bin/python benchmarks/label_efficiency.py camvid --lake /tmp/le/camvid --tables-only

Real data comes from ../shared/data beside the checkout; without it the script says so and exits 0.
"""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import REPO, load_note, table  # noqa: E402

DATA = REPO.parent / "shared" / "data"
SETS = {
    "camvid": {"config": REPO / "benchmarks" / "configs" / "label_efficiency_camvid.yaml",
               "data": DATA / "camvid", "check": "train.txt"},
    "gtsrb": {"config": REPO / "benchmarks" / "configs" / "label_efficiency_gtsrb.yaml",
              "data": DATA / "gtsrb" / "GTSRB_Final_Training_Images.zip", "check": None},
}


def _curate(lake: Path, *args: str) -> None:
    exe = Path(sys.executable).parent / "curate"
    cmd = [str(exe), "--lake", str(lake), *args]
    print("$", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, cwd=REPO)  # configs name files relative to the checkout


def _data_or_exit(name: str) -> Path:
    spec = SETS[name]
    path = spec["data"]
    present = (path / spec["check"]).exists() if spec["check"] else path.exists()
    if not present:
        print(f"SKIP: no {name} data at {path}; place the shared data under ../shared/data", file=sys.stderr)
        raise SystemExit(0)
    return path


def ensure_lake(name: str, lake: Path) -> None:
    """Ingest the data set unless the lake already holds it (ingest is idempotent, but 39k GTSRB images take a while)."""
    from connectors.lake import Lake

    data = _data_or_exit(name)
    if Lake(lake).query("SELECT count(*) AS n FROM frames WHERE source = ?", [name]).column("n")[0].as_py() == 0:
        _curate(lake, "ingest", name, str(data))


def tables(lake: Path, config_path: Path, sim_id: str | None = None) -> str:
    """The markdown of one simulation's results, from the lake's `simulations` rows."""
    from connectors.lake import Lake
    from curation.simulation import load_config
    from curation.simulation.report import fmt_share, summarize
    from curation.simulation.workspace import pool_and_eval

    cfg = load_config(config_path)
    sim_id = sim_id or cfg.name
    source = Lake(lake)
    rows = source.query("SELECT * FROM simulations WHERE sim_id = ? ORDER BY seed, round", [sim_id]).to_pylist()
    if not rows:
        return f"(no rows for {sim_id} in {lake})"
    names = [s.name for s in cfg.resolved_strategies()]
    rows.sort(key=lambda r: (names.index(r["strategy"]) if r["strategy"] in names else 99, r["seed"], r["round"]))
    pool = len(pool_and_eval(source, cfg.task, cfg.pool, cfg.eval).pool)
    summaries = summarize(rows, pool)
    budgets = sorted({int(r["labels_used"]) for r in rows})
    metric = rows[0]["metric_name"]

    def cell(point) -> str:
        if point is None:
            return "-"
        partial = "" if point.n_seeds == max(s.seeds for s in summaries) else f" (n={point.n_seeds})"
        return f"{point.mean:.3f} ± {point.std:.3f}{partial}"

    curve = [[s.strategy, *(cell({p.labels_used: p for p in s.points}.get(b)) for b in budgets)] for s in summaries]
    best_full = max((s.full_metric for s in summaries if s.full_metric is not None), default=None)
    eff = []
    for s in summaries:
        from curation.simulation.curves import fraction_to_reach

        labels = [p.labels_used for p in s.points]
        means = [p.mean for p in s.points]
        vs_best = fraction_to_reach(labels, means, pool, full_metric=best_full) if best_full else None
        eff.append([s.strategy, s.seeds, "-" if s.full_metric is None else f"{s.full_metric:.3f}",
                    fmt_share(s.fraction_95), fmt_share(s.fraction_95_interp), fmt_share(vs_best),
                    f"{s.wall_s_per_seed / 60:.1f}", f"{s.wall_s_per_seed * s.seeds / 60:.0f}"])
    total_min = sum(float(r["wall_s"] or 0.0) for r in rows) / 60
    header = [f"{metric} at labels →", *(f"{b} ({b / pool:.0%})" for b in budgets)]
    return "\n".join([
        f"{metric} against labels used (pool {pool}; mean ± sample std over seeds):",
        "",
        table(header, curve),
        "",
        f"Share of the pool needed for 95% of the full-pool {metric} (own = the strategy's own full-pool run; "
        f"best = the best full-pool mean, {best_full:.3f}):" if best_full else "No full-pool round yet.",
        "",
        table(["strategy", "seeds", "full pool", "95% own (first budget)", "95% own (interpolated)",
               "95% of best (first budget)", "wall min / seed", "wall min, all seeds"], eff),
        "",
        f"Rows: {len(rows)}; summed round wall time {total_min:.0f} min (reused trainings counted at their "
        "original cost).",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dataset", choices=sorted(SETS))
    parser.add_argument("--lake", type=Path, required=True, help="source lake (ingested once, reused)")
    parser.add_argument("--config", type=Path, help="simulate YAML (default: benchmarks/configs/label_efficiency_<set>.yaml)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1 on a shared CPU)")
    parser.add_argument("--tables-only", action="store_true", help="print the tables of what the lake holds; run nothing")
    parser.add_argument("--strategy", action="append", default=[], help="only these strategies")
    parser.add_argument("--seed", action="append", type=int, default=[], help="only these seeds")
    args = parser.parse_args()
    config = args.config or SETS[args.dataset]["config"]
    started = time.perf_counter()
    if not args.tables_only:
        ensure_lake(args.dataset, args.lake)
        extra = [a for s in args.strategy for a in ("--strategy", s)] + [a for s in args.seed for a in ("--seed", str(s))]
        _curate(args.lake, "simulate", "--config", str(config), "--threads", str(args.threads), *extra)
    else:
        _curate(args.lake, "simulate", "--config", str(config), "--report-only")
    elapsed = time.perf_counter() - started
    print()
    print(f"## {args.dataset} ({load_note()}; this invocation {elapsed / 60:.1f} min)")
    print()
    print(tables(args.lake, config))


if __name__ == "__main__":
    main()
