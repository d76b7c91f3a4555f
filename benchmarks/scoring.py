"""How fast does `curate score` run, against what the members' forward pass allows? (DPE issue, item 6.)

In one process, on the same real CamVid frames (240x180, ../shared/data/camvid), with a K = 5 ensemble of
`--arch` (default fbnet_tiny; untrained weights: speed does not depend on them):

  one member     one member's forward (bf16 autocast + channels_last, inference mode) on pre-decoded batches,
  K members      all K members' forward: logits + member-mean embedding (`member_logits`) on the same batches,
                 bf16: the pure forward throughput the job is held to,
  K members, 1 thread x T intra-op
                 the same with torch's own T intra-op threads in one thread (how the job ran before),
  K members fp32 the same in float32 (no autocast),
  acq fused      the acquisition columns alone, as the job computes them: `score_logits` on the K members'
                 bf16 logits at logit resolution (stride 4), classes innermost in memory (channels_last),
  acq naive      the same columns computed the naive way: probs upsampled to 240x180, one call per function,
  end to end     `run_score` on the same frames (decode thread -> forward workers -> write thread), its scores
                 deleted before each repetition so every repetition scores every frame; it includes loading
                 the checkpoint and finding the unscored frames, as `curate score` does.

Every variant but the intra-op one runs as the job does: the batches split across W threads (W = torch's
thread count), each running torch single-threaded.
The variants are interleaved (their order rotates each repetition) and the median of the repetitions is
reported with the spread, because the machine is shared: the load average is printed with the figures.
A bf16-vs-fp32 check reports how far the acquisition columns move under bf16 autocast (max |difference| and
the rank correlation of each column between the two precisions), on the benchmark's ensemble and, with
`--agreement-checkpoint`, on a trained one.

    .venv/bin/python benchmarks/scoring.py --frames 192 --repeats 5
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import camvid_lake, camvid_or_exit, load_note, median, table  # noqa: E402

COLUMNS = ("entropy", "expected_entropy", "mutual_information", "variation_ratio", "margin", "least_confidence",
           "confidence")
MODEL_VERSION = "bench-scoring-{arch}-k{k}"


def register_untrained(lake, k: int, size: tuple[int, int], seed: int = 0, arch: str = "fbnet_tiny") -> str:
    """A K-member `arch` ensemble (prior-initialised weights) saved and registered as a `models` row."""
    from connectors.datasets.registry import CAMVID
    from curation.jobs import checkpoints
    from models import resolve_spec

    model_version = MODEL_VERSION.format(arch=arch, k=k)
    spec = resolve_spec(arch).to_dict()
    ensemble = checkpoints.build_ensemble(spec, "segmentation", len(CAMVID.names), k, seed=seed)
    path = checkpoints.save(
        lake.root / "checkpoints" / model_version / "model.pt", ensemble, spec=spec, task="segmentation",
        num_classes=len(CAMVID.names), class_names=list(CAMVID.names), ignore_index=CAMVID.ignore_index,
        input_size=size, model_version=model_version,
    )
    lake.write("models", [{
        "model_version": model_version, "task": "segmentation", "arch": arch,
        "arch_spec": json.dumps(spec, sort_keys=True), "members": k, "beta": 1.0,
        "num_classes": len(CAMVID.names), "class_names": list(CAMVID.names), "ignore_index": CAMVID.ignore_index,
        "input_size": list(size), "checkpoint_uri": str(path), "label_set": json.dumps({"datasets": ["camvid"]}),
        "metrics": "{}", "created_at": dt.datetime.now(dt.timezone.utc),
    }], mode="upsert")
    return model_version


def naive_scores(probs, size: tuple[int, int]) -> dict:
    """The naive way: member probabilities upsampled to the frame size, then one call per acquisition
    function and one reduction each (every function recomputes the member mean and its logs)."""
    import torch.nn.functional as F

    from curation.acquisition import uncertainty as u
    from curation.acquisition.batch import class_fractions
    from curation.acquisition.reductions import reduce_mean

    k, b = probs.shape[:2]
    full = F.interpolate(probs.flatten(0, 1), size=size, mode="bilinear", align_corners=False).unflatten(0, (k, b))
    out = {name: reduce_mean(getattr(u, name)(full)) for name in
           ("entropy", "expected_entropy", "mutual_information", "variation_ratio", "margin", "least_confidence")}
    mean = full.mean(0)
    out["confidence"] = reduce_mean(mean.amax(1))
    out["class_fractions"] = class_fractions(mean.argmax(1), full.shape[2])
    return out


TOLERANCE_ABS = 1e-2  # nats (or probability units) a column may move under bf16
TOLERANCE_RHO = 0.99  # rank correlation bf16 vs fp32, for columns that vary over the frames ...
TOLERANCE_SPAN = 0.05  # ... by more than this


def within_tolerance(r: dict) -> bool:
    """bf16 agrees with fp32: small absolute change, and the frame ranking kept where there is one to keep."""
    span = r["fp32_range"][1] - r["fp32_range"][0]
    return r["max_abs_diff"] <= TOLERANCE_ABS and (span <= TOLERANCE_SPAN or r["spearman"] >= TOLERANCE_RHO)


def agreement(model, batches) -> dict:
    """bf16 vs fp32 acquisition columns on the same batches: max |difference| and Spearman rho per column."""
    import numpy as np
    import torch
    from scipy.stats import spearmanr

    from curation.acquisition import score_logits
    from curation.jobs.score import member_logits

    cols = {p: {c: [] for c in COLUMNS} for p in ("bf16", "fp32")}
    for images in batches:
        for precision in ("bf16", "fp32"):
            logits, _ = member_logits(model, images, precision)
            for c, v in score_logits(logits).items():
                if c in COLUMNS:
                    cols[precision][c].append(v)
    result = {}
    for c in COLUMNS:
        a = torch.cat(cols["bf16"][c]).numpy()
        b = torch.cat(cols["fp32"][c]).numpy()
        rho = spearmanr(a, b)[0] if np.ptp(b) > 0 else float("nan")
        result[c] = {"max_abs_diff": float(np.abs(a - b).max()), "fp32_range": [float(b.min()), float(b.max())],
                     "spearman": float(rho)}
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", help="CamVid folder (default ../shared/data/camvid beside the checkout)")
    parser.add_argument("--workdir", default="/tmp/scoring_benchmark")
    parser.add_argument("--frames", type=int, default=192, help="CamVid frames scored by every variant")
    parser.add_argument("--members", type=int, default=5)
    parser.add_argument("--arch", default="fbnet_tiny", help="segmentation preset (models.list_models())")
    parser.add_argument("--no-mallopt", dest="mallopt", action="store_false",
                        help="leave glibc malloc's thresholds as they are (the job raises them)")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0 = torch's default)")
    parser.add_argument("--agreement-checkpoint", help="also check bf16 vs fp32 on this trained model.pt")
    parser.add_argument("--json", dest="json_out", help="also write the raw figures here")
    args = parser.parse_args(argv)

    data = camvid_or_exit(args.data)
    import torch

    from curation.jobs.runtime import tune_allocator

    # What `curate score` does at start (curation/jobs/runtime.py), so every variant runs under the same malloc
    # settings as the job; --no-mallopt measures without.
    tuned = tune_allocator() if args.mallopt else False

    from curation.jobs import checkpoints
    from curation.jobs.score import ScoreConfig, _batches, _columns, member_logits, run_score
    from models.ensemble import Ensemble

    if args.threads:
        torch.set_num_threads(args.threads)
    size = (180, 240)
    lake = camvid_lake(Path(args.workdir) / "lake", data, oracle_where=None)
    model_version = register_untrained(lake, args.members, size, arch=args.arch)
    frames = lake.query("SELECT frame_id, uri FROM frames WHERE source = 'camvid' ORDER BY frame_id LIMIT ?",
                        [args.frames]).to_pylist()
    n = len(frames)
    where = "f.frame_id IN (" + ", ".join("'" + f["frame_id"].replace("'", "''") + "'" for f in frames) + ")"
    model = checkpoints.load(lake.query("SELECT checkpoint_uri FROM models WHERE model_version = ?",
                                        [model_version]).column(0)[0].as_py())
    ensemble = model.ensemble.eval().to(memory_format=torch.channels_last)
    one = Ensemble([ensemble.members[0]]).eval()
    batches = [images for _, images, _ in _batches(frames, size, args.batch_size)]
    # Warm-up: first calls pay for oneDNN kernel selection and allocator growth.
    for precision in ("bf16", "fp32"):
        member_logits(ensemble, batches[0], precision)
    member_logits(one, batches[0])
    logits = [member_logits(ensemble, b)[0] for b in batches]
    probs = [torch.softmax(x.float(), dim=2) for x in logits]  # the naive variant starts from probabilities
    config = ScoreConfig(batch_size=args.batch_size)
    _columns(logits[0], config), naive_scores(probs[0], size)

    def timed(fn) -> tuple[float, float]:
        """(wall seconds, CPU seconds of this process, every thread)."""
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        return time.perf_counter() - wall, time.process_time() - cpu

    def end_to_end() -> tuple[float, float]:
        lake.delete("scores", [{"frame_id": f["frame_id"], "model_version": model_version} for f in frames])
        out: dict = {}
        result = timed(lambda: out.update(run_score(lake, model_version, where=where, batch_size=args.batch_size)))
        if out["scored"] != n:
            raise RuntimeError(f"end to end scored {out['scored']} of {n} frames: {out}")
        # The pipeline alone (score_frames), without loading the checkpoint and querying the lake: what a
        # long run (a night's thousands of frames) approaches.
        pipeline.append(out["seconds"])
        stages.append(out["stage_cpu_s"])
        # The fixed part: the same call with nothing left to score (model row, checkpoint, lake queries).
        again: dict = {}
        fixed.append(timed(lambda: again.update(run_score(lake, model_version, where=where))))
        assert again["scored"] == 0, again
        return result

    threads = torch.get_num_threads()
    workers = threads  # what `run_score` uses by default: one single-threaded forward worker per torch thread

    def in_workers(fn, items: list) -> None:
        """fn over items, split across `workers` threads running torch single-threaded (as the job does)."""
        def run(share: list) -> None:
            torch.set_num_threads(1)
            for item in share:
                fn(item)

        pool = [threading.Thread(target=run, args=(items[i::workers],)) for i in range(workers)]
        for t in pool:
            t.start()
        for t in pool:
            t.join()
        torch.set_num_threads(threads)

    def intra_op(fn, items: list) -> None:
        """fn over items in this thread, torch using its `threads` intra-op threads (the job before workers)."""
        for item in items:
            fn(item)

    variants = {
        "one member": lambda: in_workers(lambda b: member_logits(one, b), batches),
        "K members": lambda: in_workers(lambda b: member_logits(ensemble, b), batches),
        f"K members, 1 thread x {threads} intra-op": lambda: intra_op(lambda b: member_logits(ensemble, b), batches),
        "K members fp32": lambda: in_workers(lambda b: member_logits(ensemble, b, "fp32"), batches),
        "acq fused": lambda: in_workers(lambda x: _columns(x, config), logits),
        "acq naive": lambda: in_workers(lambda p: naive_scores(p, size), probs),
    }
    seconds: dict[str, list[float]] = {name: [] for name in [*variants, "end to end"]}
    pipeline: list[float] = []
    stages: list[dict] = []
    fixed: list[tuple[float, float]] = []
    cpu: dict[str, list[float]] = {name: [] for name in seconds}
    loads = [load_note()]
    names = list(seconds)
    print(f"[scoring] {args.arch}, malloc tuned: {tuned}, {n} frames, K={args.members}, batch {args.batch_size}, {workers} single-threaded forward "
          f"workers (torch threads {threads}); {loads[0]}", flush=True)
    for rep in range(args.repeats):
        order = names[rep % len(names):] + names[:rep % len(names)]
        for name in order:
            wall, busy = end_to_end() if name == "end to end" else timed(variants[name])
            seconds[name].append(wall)
            cpu[name].append(busy)
            print(f"[scoring] rep {rep} {name}: {wall:.2f} s wall, {busy:.2f} s CPU ({n / wall:.1f} frames/s)",
                  flush=True)
        loads.append(load_note())

    med = {name: median(v) for name, v in seconds.items()}
    best = {name: min(v) for name, v in seconds.items()}
    med_cpu = {name: median(v) for name, v in cpu.items()}
    fps = {name: n / s for name, s in med.items()}
    rows = []
    rows_pipeline = [["end to end, pipeline only", f"{n / median(pipeline):.2f}", f"{n / min(pipeline):.2f}",
                      f"{n / max(pipeline):.2f}", f"{1000 * median(pipeline) / n:.0f}", "-"]]
    for name in names:
        rows.append([name, f"{fps[name]:.2f}", f"{n / best[name]:.2f}", f"{n / max(seconds[name]):.2f}",
                     f"{1000 * med[name] / n:.0f}", f"{1000 * med_cpu[name] / n:.0f}"])

    def ratio(a: str, b: str) -> list[str]:
        """a's time over b's, by median wall time, best wall time and median CPU time."""
        return [f"{med[a] / med[b]:.3f}", f"{best[a] / best[b]:.3f}", f"{med_cpu[a] / med_cpu[b]:.3f}"]

    ratios = {
        "end to end throughput / K members forward throughput": ratio("K members", "end to end"),
        "  the same, pipeline only (no checkpoint load, no lake queries)":
            [f"{med['K members'] / median(pipeline):.3f}", f"{best['K members'] / min(pipeline):.3f}", "-"],
        "acq fused time / K members forward time": ratio("acq fused", "K members"),
        "acq naive time / K members forward time": ratio("acq naive", "K members"),
        "K members time / one member time": ratio("K members", "one member"),
        f"workers speed-up over 1 thread x {threads} intra-op (K members)":
            ratio(f"K members, 1 thread x {threads} intra-op", "K members"),
        "bf16 speed-up over fp32 (K members)": ratio("K members fp32", "K members"),
    }
    agree = {"untrained": agreement(ensemble, batches)}
    if args.agreement_checkpoint:
        trained = checkpoints.load(args.agreement_checkpoint)
        tb = [images for _, images, _ in _batches(frames, trained.input_size, args.batch_size)]
        agree["trained"] = agreement(trained.ensemble.eval().to(memory_format=torch.channels_last), tb)

    print()
    print(table(["variant", "frames/s (median)", "best", "worst", "wall ms/frame (median)",
                 "CPU ms/frame (median)"], rows + rows_pipeline))
    print()
    print(table(["ratio", "median wall", "best wall", "median CPU"], [[k, *v] for k, v in ratios.items()]))
    stage_names = list(dict.fromkeys(k for st in stages for k in st))
    stage_ms = {k: 1000 * median([st.get(k, 0.0) for st in stages]) / n for k in stage_names}
    fixed_cpu = median([c for _, c in fixed])
    pure_ms = 1000 * med_cpu["K members"] / n
    breakdown = [[k, f"{v:.2f}", f"{v / pure_ms:.1%}"] for k, v in stage_ms.items()]
    breakdown.append(["fixed: model row, checkpoint, lake queries (per run)", f"{1000 * fixed_cpu:.0f} ms per run",
                      f"{1000 * fixed_cpu / n / pure_ms:.1%} at {n} frames"])
    print()
    print(f"End to end, CPU by stage (median over reps; share of the pure K-member forward, {pure_ms:.1f} ms/frame):")
    print(table(["stage", "CPU ms/frame", "vs pure forward"], breakdown))
    for label, result in agree.items():
        print()
        print(f"bf16 vs fp32 acquisition columns ({label} weights, {n} frames):")
        print(table(["column", "max abs diff bf16-fp32", "fp32 range", "spearman", "ok"],
                    [[c, f"{r['max_abs_diff']:.2e}", f"{r['fp32_range'][0]:.3g}..{r['fp32_range'][1]:.3g}",
                      f"{r['spearman']:.4f}", "yes" if within_tolerance(r) else "NO"] for c, r in result.items()]))
    print()
    print("load: " + " | ".join(loads))
    if args.json_out:
        raw = {"frames": n, "members": args.members, "batch_size": args.batch_size, "threads": threads,
               "seconds": seconds, "cpu_seconds": cpu, "pipeline_seconds": pipeline, "stage_cpu": stages,
               "fixed_seconds": fixed, "frames_per_s": fps, "ratios": ratios, "agreement": agree, "load": loads}
        Path(args.json_out).write_text(json.dumps(raw, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
