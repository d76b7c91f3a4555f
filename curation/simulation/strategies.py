"""Built-in strategies of the active-learning experiment, as data: a training setup and a selection spec.

The six arms the issue compares, at equal labeling budgets and (for the uncertainty-based ones) equal
inference compute — K = 5 members, or T = 5 dropout passes of one network:

| preset         | trained model                         | next frames                                            |
|----------------|---------------------------------------|--------------------------------------------------------|
| `random`       | the config's `train` defaults (DPE)   | uniform at random from the unlabeled pool              |
| `entropy`      | one network                           | highest predictive entropy                             |
| `mc_dropout`   | one network with dropout 0.2, T = 5   | highest mutual information over dropout samples (BALD) |
| `ensemble`     | K = 5, beta = 0 (plain deep ensemble) | highest mutual information between members             |
| `dpe`          | K = 5, DPE prior at the ELBO weight   | highest mutual information between members             |
| `dpe_diverse`  | K = 5, DPE prior at the ELBO weight   | mutual information + k-center diversity of embeddings, |
|                |                                       | frames of one drive >= 2 s apart                       |

`random` keeps the simulation's default model so that it differs from `dpe` only in how frames are chosen.
beta None is the training job's default: the ELBO weight of the prior (`models.dpe_prior.elbo_beta`).
A config names a preset (`- preset: dpe`) and may override any of its keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Union


@dataclass(frozen=True)
class Preset:
    """`train`: TrainSettings keys to override; `select`: 'random' or a selection spec without budget."""

    train: dict[str, Any] = field(default_factory=dict)
    select: Union[str, dict[str, Any]] = "random"
    description: str = ""


_MI = {"strategies": [{"input": "mutual_information", "strategy": "topk"}]}

PRESETS: dict[str, Preset] = {
    "random": Preset({}, "random", "uniform random picks; the config's default model"),
    "entropy": Preset(
        {"members": 1, "beta": 0.0, "mc_dropout": 0.0},
        {"strategies": [{"input": "entropy", "strategy": "topk"}]},
        "predictive entropy of a single network",
    ),
    "mc_dropout": Preset(
        {"members": 1, "beta": 0.0, "mc_dropout": 0.2}, _MI,
        "one network with dropout, T dropout samples at scoring (score.mc_samples), mutual information",
    ),
    "ensemble": Preset({"members": 5, "beta": 0.0, "mc_dropout": 0.0}, _MI, "plain deep ensemble, mutual information"),
    "dpe": Preset({"members": 5, "beta": None, "mc_dropout": 0.0}, _MI, "deep probabilistic ensemble, mutual information"),
    "dpe_diverse": Preset(
        {"members": 5, "beta": None, "mc_dropout": 0.0},
        {"strategies": [
            {"input": "mutual_information", "strategy": "weight", "strength": 1.0},
            {"input": "embedding", "strategy": "diversity", "strength": 0.5},
            {"strategy": "drive_dedup", "min_gap_s": 2.0},
        ]},
        "DPE mutual information + k-center diversity + drive dedup (>= 2 s apart within a drive)",
    ),
}


def list_presets() -> list[str]:
    """Names of the built-in strategies, in the order of the table above."""
    return list(PRESETS)
