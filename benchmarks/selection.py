"""Selection at fleet scale: the issue's spec over 1,000,000 candidates (128-d embeddings), budget 10,000.

    .venv/bin/python benchmarks/selection.py                       # full scale (15-40 min on 2 cores: the exact baseline)
    .venv/bin/python benchmarks/selection.py --n 100000 --budget 1000 --drives 200   # a quick look

Each measurement runs in its own subprocess on the same generated input (deterministic from --seed), so
every peak-RSS figure is that process's own high-water mark, input included:

- spec:           `curation.selection.select` with weight + diversity + quota + drive_dedup + near_duplicate
- spec-exact:     the same spec with pool_factor null (every candidate in the pool: the exact greedy
                  optimum of the same objective; O(N x budget x dim), run it at a smaller --n)
- kcenter-ours:   `select` with diversity alone (rank-and-filter pool, pool_factor 4 by default)
- kcenter-numpy:  a straightforward NumPy k-center greedy (farthest point, one matrix-vector product per
                  pick over all N candidates, float32): the exact reference
- random, topk:   baselines for coverage and uncertainty

Quality: coverage radius = the largest distance from any candidate to its nearest pick (lower = the picks
cover the embedding space better), computed exactly for every method the same way after its timing.
Input: an Arrow table like the one `curation.selection.load` returns (embedding as a list<float32> column).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WEATHER, WEATHER_P = ["clear", "rain", "fog", "snow"], [0.6, 0.2, 0.12, 0.08]
TOD, TOD_P = ["day", "dusk", "night"], [0.7, 0.15, 0.15]


def spec_dict(budget: int, pool_factor: float | None = 4.0) -> dict:
    """The issue's spec (max_per_drive 50, min_gap_s 2.0, quotas over weather x time_of_day)."""
    return {
        "budget": budget,
        "model_version": "latest",
        "candidates": {"domain": "real", "split": ["train"], "exclude_labeled": True},
        "strategies": [
            {"input": "mutual_information", "strategy": "weight", "strength": 1.0},
            {"input": "embedding", "strategy": "diversity", "strength": 0.5, "pool_factor": pool_factor},
            {"input": ["weather", "time_of_day"], "strategy": "quota",
             "min_share": {"rain": 0.2, "night": 0.1}, "max_share": {"day": 0.6}},
            {"strategy": "drive_dedup", "min_gap_s": 2.0, "max_per_drive": 50},
            {"strategy": "near_duplicate", "against": "labeled", "max_cosine": 0.98},
        ],
        "seed": 0,
    }


LATENT = 12  # intrinsic dimension of the embeddings: learned features lie near a low-dimensional manifold


def _embed(rng: np.random.Generator, cluster: np.ndarray, centers: np.ndarray, spread: np.ndarray,
           lift: np.ndarray) -> np.ndarray:
    z = centers[cluster] + spread[cluster] * rng.standard_normal((cluster.size, centers.shape[1]), dtype=np.float32)
    out = z @ lift
    out += 0.3 * rng.standard_normal(out.shape, dtype=np.float32)
    return out


def generate(n: int, dim: int, n_drives: int, n_labeled: int, seed: int) -> tuple[pa.Table, np.ndarray]:
    """Fleet-like candidates: embeddings from a 256-component anisotropic Gaussian mixture in a 12-d latent
    space lifted linearly to `dim` dims (plus small isotropic noise), uncertainty per cluster (higher in
    rain and at night), drives of consecutive 1 Hz frames, weather and time of day per drive; 1% of the
    candidates are near copies of a labeled frame."""
    rng = np.random.default_rng(seed)
    k = 256
    # Scales chosen so that, as in real fleets, only a small share (~0.1%) of frames is a near duplicate
    # (cosine > 0.98) of a labeled one by chance, besides the 1% planted copies.
    centers = rng.standard_normal((k, LATENT)).astype(np.float32) * 1.5
    spread = rng.uniform(0.3, 1.0, (k, LATENT)).astype(np.float32)
    lift = (rng.standard_normal((LATENT, dim)) / np.sqrt(LATENT)).astype(np.float32)
    level = rng.gamma(2.0, 0.05, k)
    cluster = rng.integers(0, k, n)
    emb = np.empty((n, dim), dtype=np.float32)
    for lo in range(0, n, 65536):
        emb[lo : lo + 65536] = _embed(rng, cluster[lo : lo + 65536], centers, spread, lift)
    labeled = _embed(rng, rng.integers(0, k, n_labeled), centers, spread, lift)
    copies = rng.choice(n, size=n // 100, replace=False)
    emb[copies] = labeled[rng.integers(0, n_labeled, copies.size)] + 0.01 * rng.standard_normal((copies.size, dim), dtype=np.float32)

    drive = np.sort(rng.integers(0, n_drives, n))  # drives of varying length, frames in drive order
    first = np.searchsorted(drive, np.arange(n_drives))
    k_in_drive = np.arange(n) - first[drive]
    start = rng.uniform(0, 30 * 86400, n_drives)
    ts_s = start[drive] + k_in_drive * 1.0 + rng.uniform(0, 0.4, n)
    weather = np.asarray(WEATHER)[rng.choice(len(WEATHER), n_drives, p=WEATHER_P)][drive]
    tod = np.asarray(TOD)[rng.choice(len(TOD), n_drives, p=TOD_P)][drive]
    boost = 1.0 + 0.3 * (weather == "rain") + 0.3 * (tod == "night")
    mi = (level[cluster] * rng.gamma(4.0, 0.25, n) * boost).astype(np.float32)

    values = pa.array(emb.reshape(-1), type=pa.float32())
    offsets = pa.array(np.arange(0, (n + 1) * dim, dim, dtype=np.int32))
    table = pa.table(
        {
            "frame_id": pa.array([f"fr{i:07d}" for i in range(n)]),
            "drive_id": pa.array(np.char.add("drive", drive.astype(str))),
            "ts": pa.array((ts_s * 1e6).astype(np.int64), type=pa.int64()).cast(pa.timestamp("us", tz="UTC")),
            "weather": pa.array(weather),
            "time_of_day": pa.array(tod),
            "mutual_information": pa.array(mi),
            "embedding": pa.ListArray.from_arrays(offsets, values),
        }
    )
    return table, labeled


def embedding_view(table: pa.Table) -> np.ndarray:
    col = table.column("embedding").combine_chunks()
    return col.flatten().to_numpy(zero_copy_only=False).reshape(table.num_rows, -1)


def coverage(x: np.ndarray, picks: np.ndarray, block: int = 2048) -> tuple[float, float]:
    """(radius, mean): the largest and the mean distance from a candidate to its nearest pick, exactly,
    in blocks of rows. The radius is k-center's objective; the mean says how well typical frames are
    represented."""
    centers = np.ascontiguousarray(x[picks])
    c_sq = np.einsum("ij,ij->i", centers, centers)
    c_t = np.ascontiguousarray(centers.T)
    worst, total = 0.0, 0.0
    for lo in range(0, x.shape[0], block):
        rows = x[lo : lo + block]
        d2 = np.einsum("ij,ij->i", rows, rows)[:, None] + c_sq[None, :] - 2.0 * (rows @ c_t)
        nearest = np.sqrt(np.maximum(d2.min(axis=1), 0.0))
        worst = max(worst, float(nearest.max()))
        total += float(nearest.sum())
    return worst, total / x.shape[0]


def numpy_kcenter(x: np.ndarray, budget: int, first: int) -> np.ndarray:
    """Straightforward exact k-center greedy: after each pick, one pass over all N to update the
    min distances, then the farthest candidate is the next pick."""
    sq = np.einsum("ij,ij->i", x, x)
    mind = np.full(x.shape[0], np.inf, dtype=np.float32)
    picks = [first]
    for _ in range(budget - 1):
        c = x[picks[-1]]
        d2 = sq - 2.0 * (x @ c) + float(c @ c)
        np.minimum(mind, d2, out=mind)
        picks.append(int(np.argmax(mind)))
    return np.asarray(picks)


def peak_rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # Linux: KiB


def run_mode(args: argparse.Namespace) -> dict:
    from curation.selection import parse_spec, select

    table, labeled = generate(args.n, args.dim, args.drives, args.labeled, args.seed)
    x = embedding_view(table)
    before = peak_rss_gib()
    out: dict = {"mode": args.mode, "input_rss_gib": round(before, 3)}
    if args.coverage_of:  # re-measure saved picks (e.g. after adding a quality metric) without re-selecting
        picks = np.load(args.coverage_of)
        out["coverage_radius"], out["coverage_mean"] = coverage(x, picks)
        return out
    t0, c0 = time.perf_counter(), time.process_time()
    if args.mode == "spec":
        result = select(table, parse_spec(spec_dict(args.budget, args.pool_factor)), labeled_embeddings=labeled)
        picks = result.indices
        out["quota"] = {q.key: {"required": q.required, "picked": q.picked, "shortfall": q.shortfall} for q in result.quota}
        out["stats"] = result.stats
        out["messages"] = result.messages
    elif args.mode == "spec-exact":  # the same objective with every candidate in the pool (no rank-and-filter)
        result = select(table, parse_spec(spec_dict(args.budget, None)), labeled_embeddings=labeled)
        picks = result.indices
        out["stats"] = result.stats
    elif args.mode == "kcenter-ours":
        spec = {"budget": args.budget, "strategies": [{"strategy": "diversity", "pool_factor": args.pool_factor}]}
        result = select(table, parse_spec(spec))
        picks = result.indices
        out["stats"] = result.stats
    elif args.mode == "kcenter-numpy":
        picks = numpy_kcenter(x, args.budget, first=args.first)
    elif args.mode == "random":
        picks = select(table, parse_spec({"budget": args.budget, "strategies": [{"strategy": "random"}]})).indices
    elif args.mode == "topk":
        spec = {"budget": args.budget, "strategies": [{"strategy": "topk", "input": "mutual_information"}]}
        picks = select(table, parse_spec(spec)).indices
    else:
        raise SystemExit(f"unknown mode {args.mode}")
    out["seconds"] = round(time.perf_counter() - t0, 2)
    out["cpu_seconds"] = round(time.process_time() - c0, 2)  # all threads; wall is inflated on a busy machine
    out["load_avg_1m"] = round(os.getloadavg()[0], 1)
    out["peak_rss_gib"] = round(peak_rss_gib(), 3)
    out["picked"] = int(len(picks))
    out["first"] = int(picks[0]) if len(picks) else None
    mi = table.column("mutual_information").to_numpy()
    out["mi_mean_picked"] = float(mi[picks].mean()) if len(picks) else None
    out["mi_mean_all"] = float(mi.mean())
    out["picks_sha"] = __import__("hashlib").sha1(np.asarray(picks, dtype=np.int64).tobytes()).hexdigest()[:12]
    if args.save_picks:
        np.save(Path(args.save_picks) / f"{args.mode}.npy", np.asarray(picks, dtype=np.int64))
    if not args.no_coverage and len(picks):
        t1 = time.perf_counter()
        out["coverage_radius"], out["coverage_mean"] = coverage(x, picks)
        out["coverage_seconds"] = round(time.perf_counter() - t1, 1)
    return out


def child(mode: str, args: argparse.Namespace, **extra) -> dict:
    cmd = [sys.executable, __file__, "--child", "--mode", mode, "--n", str(args.n), "--dim", str(args.dim),
           "--budget", str(args.budget), "--drives", str(args.drives), "--labeled", str(args.labeled),
           "--seed", str(args.seed), "--pool-factor", str(args.pool_factor)]
    for k, v in extra.items():
        cmd += [f"--{k.replace('_', '-')}", str(v)]
    if args.no_coverage:
        cmd.append("--no-coverage")
    if args.save_picks:
        cmd += ["--save-picks", args.save_picks]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise SystemExit(f"{mode} failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print(json.dumps(result), flush=True)
    return result


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=1_000_000)
    p.add_argument("--dim", type=int, default=128)
    p.add_argument("--budget", type=int, default=10_000)
    p.add_argument("--drives", type=int, default=2_000)
    p.add_argument("--labeled", type=int, default=20_000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--pool-factor", type=float, default=4.0)
    p.add_argument("--modes", default="spec,kcenter-ours,kcenter-numpy,random,topk")
    p.add_argument("--first", type=int, default=-1, help="(child) first pick of the NumPy k-center")
    p.add_argument("--mode", default=None)
    p.add_argument("--child", action="store_true")
    p.add_argument("--no-coverage", action="store_true")
    p.add_argument("--save-picks", default=None, help="folder: each mode saves its picks as <mode>.npy")
    p.add_argument("--coverage-of", default=None, help="(child) only measure the coverage of these saved picks")
    args = p.parse_args()
    if args.child:
        print(json.dumps(run_mode(args)), flush=True)
        return

    print(f"selection benchmark: n={args.n:,} dim={args.dim} budget={args.budget:,} drives={args.drives:,} "
          f"labeled={args.labeled:,} pool_factor={args.pool_factor} threads={os.environ.get('OMP_NUM_THREADS', 'default')}")
    results = {}
    for mode in args.modes.split(","):
        extra = {}
        if mode == "kcenter-numpy":  # start where our k-center started, so both greedy runs share pick 1
            extra["first"] = results.get("kcenter-ours", {}).get("first") or 0
        results[mode] = child(mode, args, **extra)
    print("\nsummary")
    spec, ours, ref = results.get("spec"), results.get("kcenter-ours"), results.get("kcenter-numpy")
    if spec and ref:
        print(f"  full spec: wall {spec['seconds']} s (cpu {spec['cpu_seconds']} s), peak {spec['peak_rss_gib']} GiB; "
              f"NumPy k-center alone: wall {ref['seconds']} s (cpu {ref['cpu_seconds']} s), peak {ref['peak_rss_gib']} GiB; "
              f"wall ratio {ref['seconds'] / max(spec['seconds'], 1e-9):.1f}x, cpu ratio "
              f"{ref['cpu_seconds'] / max(spec['cpu_seconds'], 1e-9):.1f}x")
    if ours and ref and "coverage_radius" in ref:
        print(f"  k-center coverage radius: ours {ours['coverage_radius']:.3f} in {ours['seconds']} s vs exact "
              f"{ref['coverage_radius']:.3f} in {ref['seconds']} s (ratio {ours['coverage_radius'] / ref['coverage_radius']:.3f})")
    exact = results.get("spec-exact")
    if spec and exact and args.save_picks:
        a = set(np.load(Path(args.save_picks) / "spec.npy").tolist())
        b = set(np.load(Path(args.save_picks) / "spec-exact.npy").tolist())
        print(f"  rank-and-filter vs exact objective: {len(a & b) / max(1, len(b)):.1%} of the exact picks shared")
    for mode, r in results.items():
        if "coverage_radius" in r:
            print(f"  {mode:14s} radius {r['coverage_radius']:.3f}  mean dist {r.get('coverage_mean', float('nan')):.3f}  mean MI of picks {r['mi_mean_picked']:.4f} "
                  f"(all {r['mi_mean_all']:.4f})  wall {r['seconds']} s  cpu {r['cpu_seconds']} s  "
                  f"peak {r['peak_rss_gib']} GiB  load {r['load_avg_1m']}")


if __name__ == "__main__":
    main()
