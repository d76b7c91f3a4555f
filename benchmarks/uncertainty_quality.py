"""Does the uncertainty rank real frames by how wrong the model is? (DPE issue, item 7.)

On real CamVid (../shared/data/camvid): train on the train split (367 frames, oracle labels), score the val
split (101 frames, sequence 0016E5) with the platform's scoring job, and report for three models of equal
inference compute

  - `dpe`:          K = 5 fbnet_tiny members with the Deep Probabilistic Ensembles prior at `curate train`'s
                    default weight (the ELBO's: beta = 0.5 / pixels per frame); `dpe_beta1` (on request:
                    `--variants dpe_beta1`) the same at beta = 1,
  - `ensemble`:     K = 5 members, beta = 0 (a plain deep ensemble),
  - `mc_dropout`:   one fbnet_tiny with dropout, T = 5 dropout samples at scoring (5 forward passes, like K = 5),

(a) val mIoU and pixel accuracy at the label resolution (240x180, label 11 ignored), (b) ECE (15 bins) of the
ensemble-mean probabilities, and (c) for each acquisition column of `scores`, the Spearman rank correlation
between the frame's score and its real error, 1 - pixel accuracy of the ensemble-mean prediction.

Training runs through the platform's own job (`curation.jobs.train.train`, Lightning, bf16-mixed) at a reduced
input size (default 90x120) to fit a shared 2-core CPU; predictions are upsampled to 240x180 to be compared with
the ground truth. The work folder keeps the lake and a state file, so a re-run reuses trained models
(`--fresh` retrains).

    .venv/bin/python benchmarks/uncertainty_quality.py --steps 300 --size 90 120 --workdir /tmp/uq
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import camvid_lake, camvid_or_exit, load_note, table  # noqa: E402

COLUMNS = ("entropy", "expected_entropy", "mutual_information", "variation_ratio", "margin", "least_confidence")
VARIANTS = {
    "dpe": {"members": 5, "beta": None, "mc_dropout": 0.0},  # the prior at the ELBO weight: `curate train`'s default
    "dpe_beta1": {"members": 5, "beta": 1.0, "mc_dropout": 0.0},  # the prior at full weight (run on request)
    "ensemble": {"members": 5, "beta": 0.0, "mc_dropout": 0.0},
    "mc_dropout": {"members": 1, "beta": 0.0, "mc_dropout": None},  # rate from --dropout
}
VAL_WHERE = "f.split = 'val'"
THIN_CLASSES = (2, 6, 7)  # CamVid pole, sign/symbol, fence


def train_variant(lake, name: str, args) -> dict:
    from curation.jobs.train import TrainConfig, train

    opts = dict(VARIANTS[name])
    if opts["mc_dropout"] is None:
        opts["mc_dropout"] = args.dropout
    config = TrainConfig(
        task="segmentation", arch="fbnet_tiny", max_steps=args.steps, batch_size=args.batch_size,
        size=tuple(args.size), where="f.split = 'train'", seed=args.seed,
        # No validation during training (it would cost a pass over val every epoch): evaluate() does it once,
        # at the label resolution. val_fraction = 0 keeps every train drive in training.
        val_fraction=0.0, **opts,
    )
    start = time.perf_counter()
    result = train(lake, config, progress_bar=False)
    return {"model_version": result["model_version"], "train_seconds": time.perf_counter() - start,
            "config": config.model_dump(mode="json"), "train_metrics": result["metrics"]}


def evaluate(lake, model_version: str, samples: int, batch_size: int, seed: int) -> dict:
    """Scores from the scoring job, and the errors of the ensemble-mean prediction, for every val frame."""
    import numpy as np
    import torch
    import torch.nn.functional as F
    from scipy.stats import rankdata, spearmanr

    from connectors.images import read_label, read_rgb
    from curation.data import queries
    from curation.data.transforms import resize_image, to_tensor
    from curation.jobs import checkpoints
    from curation.jobs.score import ScoreConfig, pending_frames, predictor_for, score_frames
    from models.metrics import accuracy, calibration_bins, confusion_matrix, ece_from_bins, mean_iou

    row = queries.model_row(lake, model_version)
    model = checkpoints.load(row["checkpoint_uri"])
    num_classes, ignore = model.num_classes, model.ignore_index

    # (1) The platform's scores: the scoring job as `curate score` runs it (bf16, logit resolution, mean).
    torch.manual_seed(seed)
    config = ScoreConfig(batch_size=16, mc_samples=samples)
    start = time.perf_counter()
    summary = score_frames(lake, model, pending_frames(lake, model_version, VAL_WHERE), config)
    score_seconds = time.perf_counter() - start
    scores = {r["frame_id"]: r for r in lake.query(
        "SELECT * FROM scores WHERE model_version = ?", [model_version]).to_pylist()}

    # (2) The real error: fp32 forward, each member's logits upsampled to the label size before its softmax
    # (what training's validation does), member mean, argmax; label 11 ignored.
    frames = queries.evaluation_frames(lake, "segmentation", VAL_WHERE).to_pylist()
    predictor = predictor_for(model, samples)
    model.ensemble.eval()
    torch.manual_seed(seed + 1)
    cm = torch.zeros(num_classes, num_classes, dtype=torch.int64)
    bins = None
    errors: dict[str, float] = {}
    thin: dict[str, float] = {}  # share of valid ground-truth pixels in CamVid's thin classes (diagnostic)
    pixel_entropy, pixel_wrong = [], []  # every 4th pixel each way, valid only: does entropy find wrong pixels?
    with torch.inference_mode():
        for start_i in range(0, len(frames), batch_size):
            chunk = frames[start_i:start_i + batch_size]
            images = torch.stack([to_tensor(resize_image(read_rgb(f["uri"]), model.input_size)) for f in chunk])
            target = torch.from_numpy(np.stack([read_label(f["label_uri"]) for f in chunk])).long()
            logits = predictor(images).float()  # [K, B, C, h, w]
            k, b = logits.shape[:2]
            logits = F.interpolate(logits.flatten(0, 1), size=tuple(target.shape[-2:]), mode="bilinear",
                                   align_corners=False).unflatten(0, (k, b))
            probs = torch.softmax(logits, dim=2).mean(0)  # [B, C, H, W]
            pred = probs.argmax(1)
            cm += confusion_matrix(pred, target, num_classes, ignore)
            got = calibration_bins(probs, target, 15, ignore)
            bins = got if bins is None else tuple(a + g for a, g in zip(bins, got))
            valid = target != ignore
            correct = ((pred == target) & valid).flatten(1).sum(1).double()
            counted = valid.flatten(1).sum(1).clamp_min(1).double()
            entropy_map = -(probs * probs.clamp_min(1e-12).log()).sum(1)  # [B, H, W], nats
            keep = valid[:, ::4, ::4]
            pixel_entropy.append(entropy_map[:, ::4, ::4][keep].numpy())
            pixel_wrong.append((pred != target)[:, ::4, ::4][keep].numpy())
            thin_px = (valid & torch.isin(target, torch.tensor(THIN_CLASSES))).flatten(1).sum(1).double()
            for f, acc, share in zip(chunk, (correct / counted).tolist(), (thin_px / counted).tolist()):
                errors[f["frame_id"]] = 1.0 - acc
                thin[f["frame_id"]] = share

    ids = sorted(set(errors) & set(scores))
    err = np.array([errors[i] for i in ids])
    ranks = {}
    for column in COLUMNS:
        values = np.array([scores[i][column] for i in ids])
        rho, p = spearmanr(values, err)
        ranks[column] = {"rho": float(rho), "p": float(p)}
    share = np.array([thin[i] for i in ids])
    h, wrong = np.concatenate(pixel_entropy), np.concatenate(pixel_wrong)
    # AUROC by the rank-sum (Mann-Whitney U): chance that a wrong pixel has higher entropy than a right one.
    r = rankdata(h)
    n_wrong, n_right = int(wrong.sum()), int((~wrong).sum())
    auroc = (r[wrong].sum() - n_wrong * (n_wrong + 1) / 2) / max(1, n_wrong * n_right)
    entropy = np.array([scores[i]["entropy"] for i in ids])
    return {
        "model_version": model_version,
        "frames": len(ids),
        "scored_now": summary.scored,
        "score_seconds": score_seconds,
        "miou": mean_iou(cm),
        "pixel_acc": accuracy(cm),
        "ece": ece_from_bins(*bins),
        "frame_error_mean": float(err.mean()),
        "frame_error_range": [float(err.min()), float(err.max())],
        "spearman": ranks,
        # Why a ranking can fail: frames rich in thin classes (pole, sign, fence) that the model never
        # predicts are wrong with confidence.
        "pixel_auroc_entropy": float(auroc),
        "thin_share_mean": float(share.mean()),
        "rho_error_thin_share": float(spearmanr(share, err)[0]),
        "rho_entropy_thin_share": float(spearmanr(share, entropy)[0]),
    }


def report(state: dict, args) -> str:
    names = [n for n in VARIANTS if n in state.get("eval", {})]
    quality = [[n, state["eval"][n]["miou"], state["eval"][n]["pixel_acc"], state["eval"][n]["ece"],
                f"{state['train'][n]['train_seconds'] / 60:.1f}"] for n in names]
    ranking = [[n] + [f"{state['eval'][n]['spearman'][c]['rho']:+.2f}" for c in COLUMNS] for n in names]
    diagnostic = [[n, f"{state['eval'][n]['frame_error_mean']:.3f}",
                   "{:.3f}..{:.3f}".format(*state["eval"][n]["frame_error_range"]),
                   f"{state['eval'][n].get('rho_error_thin_share', float('nan')):+.2f}",
                   f"{state['eval'][n].get('rho_entropy_thin_share', float('nan')):+.2f}",
                   f"{state['eval'][n].get('pixel_auroc_entropy', float('nan')):.3f}"] for n in names]
    lines = [
        f"settings: fbnet_tiny, input {args.size[0]}x{args.size[1]}, {args.steps} steps x batch {args.batch_size}, "
        f"bf16-mixed, seed {args.seed}; MC dropout p={args.dropout}, T={args.samples}; "
        f"val = {state['eval'][names[0]]['frames'] if names else '?'} CamVid val frames scored at 240x180",
        "",
        table(["model", "val mIoU", "pixel acc", "ECE", "train min"], quality),
        "",
        "Spearman rho(frame score, 1 - frame pixel accuracy):",
        "",
        table(["model", *COLUMNS], ranking),
        "",
        "Diagnostic: frame error, the share of thin-class pixels (pole, sign, fence) in the ground truth, and how",
        "well the full-resolution entropy of the ensemble mean separates wrong pixels from right ones:",
        "",
        table(["model", "mean frame error", "range", "rho(error, thin share)", "rho(entropy, thin share)",
               "pixel AUROC(entropy -> wrong)"], diagnostic),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", help="CamVid folder (default ../shared/data/camvid beside the checkout)")
    parser.add_argument("--workdir", default="/tmp/uncertainty_quality", help="lake and state file live here")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--size", type=int, nargs=2, default=(90, 120), metavar=("H", "W"))
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--dropout", type=float, default=0.1)
    parser.add_argument("--samples", type=int, default=5, help="MC dropout samples at scoring (T = K)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads (0 = torch's default). 1 by default: on the shared 2-core machine a K=5 "
                             "step at 90x120 took ~2.6 s with 1 thread and 3-26 s with 2 (OpenMP barriers stall "
                             "whenever another process takes a core)")
    parser.add_argument("--variants", nargs="+", default=["dpe", "ensemble", "mc_dropout"], choices=list(VARIANTS))
    parser.add_argument("--fresh", action="store_true", help="retrain even if the state file has models")
    parser.add_argument("--reevaluate", action="store_true", help="keep the trained models, evaluate again")
    parser.add_argument("--json", dest="json_out", help="also write the results here")
    args = parser.parse_args(argv)

    data = camvid_or_exit(args.data)
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    state_path = workdir / "state.json"
    state = json.loads(state_path.read_text()) if state_path.exists() and not args.fresh else {}
    state.setdefault("train", {})
    state.setdefault("eval", {})
    if args.reevaluate:
        state["eval"] = {}
    lake = camvid_lake(workdir / "lake", data)
    print(f"[uq] {load_note()}; torch threads {torch.get_num_threads()}", flush=True)

    for name in args.variants:
        if name not in state["train"]:
            print(f"[uq] training {name} ...", flush=True)
            state["train"][name] = train_variant(lake, name, args)
            state["eval"].pop(name, None)
            state_path.write_text(json.dumps(state, indent=2))
            print(f"[uq] {name}: {state['train'][name]['model_version']} in "
                  f"{state['train'][name]['train_seconds']:.0f} s; {load_note()}", flush=True)
        if name not in state["eval"]:
            state["eval"][name] = evaluate(lake, state["train"][name]["model_version"], args.samples,
                                           args.batch_size, args.seed)
            state_path.write_text(json.dumps(state, indent=2))
            e = state["eval"][name]
            print(f"[uq] {name}: mIoU {e['miou']:.3f} ECE {e['ece']:.3f} "
                  + " ".join(f"{c}={e['spearman'][c]['rho']:+.2f}" for c in COLUMNS), flush=True)

    state["settings"] = {k: (list(v) if isinstance(v, tuple) else v) for k, v in vars(args).items()}
    state["load"] = load_note()
    state_path.write_text(json.dumps(state, indent=2))
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(state, indent=2))
    print(report(state, args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
