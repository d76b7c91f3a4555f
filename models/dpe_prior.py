"""The Deep Probabilistic Ensembles prior (Chitta, Alvarez & Lesnikowski, 2018).

DPE treats the K members of an ensemble as K samples of each weight's approximate posterior. For every
weight position it takes the mean and variance across members and holds that Gaussian against a fixed
Gaussian prior. Per weight (constants dropped)::

    penalty = log(var) + prior_var / var + (mean - prior_mean)^2 / var

which is 2 * KL(N(prior_mean, prior_var) || N(mean, var)) + log(prior_var) + 1: the constants do not
change gradients, so they are dropped. The penalty is **summed** over every weight position of every
parameter (not averaged), so it grows with model size the way a KL term does; the training loss
divides it by the number of training samples (`loss = NLL_mean + beta * penalty / N`), the usual
per-sample scaling of a KL term in a variational objective, so `beta = 1` is the plain ELBO weighting and
`beta = 0` turns DPE into a plain deep ensemble.

Choosing beta. The training loss is a *mean* cross-entropy (per image for classification, per pixel
for segmentation), while the ELBO sums the log-likelihood over everything labelled. The beta that
makes `mean CE + beta * penalty / N` equal to the ELBO divided by the number of loss terms is
`elbo_beta(...)`: 0.5 for classification (the 0.5 undoes the dropped factor of the KL), and
0.5 / (H * W) for segmentation with H x W label maps (about 1.2e-5 at 240x180). beta = 1 on
segmentation weighs the prior ~86,000 times more than the ELBO does and, measured on CamVid
(fbnet_tiny, K = 2, 96 frames, 6 epochs), drops val mIoU from 0.28 (beta 0) to 0.16; beta 2.3e-5
gave 0.25.

- `var` is the population variance across members (divide by K, not K - 1), floored at `var_floor`
  (1e-8) so identical members give a large finite penalty rather than inf/NaN.
- Priors (`parameter_prior`):
  conv weight [n_out, n_in/g, kh, kw]: N(0, 2 / (n_out * kh * kw)) (He, fan-out);
  linear weight [n_out, n_in]: N(0, 2 / n_out);
  BatchNorm scale: N(1, 0.01); BatchNorm shift and every bias: N(0, 0.01) (our choice: same spread as
  the BN scale, so an offset of 0.1 costs what a scale change of 0.1 does).

The same priors initialise the networks (`init_from_prior`): members drawn from the prior start with an
across-member spread that matches it, where the variance terms of the penalty are smallest. With a
deterministic init (every BN scale exactly 1) the variance would sit at the floor and the penalty
would start huge.
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import Tensor, nn

__all__ = [
    "BN_SCALE_PRIOR",
    "BIAS_PRIOR",
    "VAR_FLOOR",
    "parameter_prior",
    "named_priors",
    "gaussian_prior_penalty",
    "dpe_penalty",
    "init_from_prior",
    "elbo_beta",
]

BN_SCALE_PRIOR = (1.0, 0.01)
BIAS_PRIOR = (0.0, 0.01)
VAR_FLOOR = 1e-8

_NORMS = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.GroupNorm, nn.LayerNorm)


def parameter_prior(module: nn.Module, param_name: str, param: Tensor) -> tuple[float, float]:
    """(prior mean, prior variance) of `module.<param_name>`; see the module docstring for the table.

    Raises ValueError for a parameter no prior is defined for (e.g. a custom module's tensor).
    """
    if param_name == "bias":
        return BIAS_PRIOR
    if isinstance(module, _NORMS) and param_name == "weight":
        return BN_SCALE_PRIOR
    if isinstance(module, nn.modules.conv._ConvNd) and param_name == "weight":
        n_out = param.shape[0]
        receptive = param[0, 0].numel()  # kh * kw (1 for a 1x1 conv)
        return 0.0, 2.0 / (n_out * receptive)
    if isinstance(module, nn.Linear) and param_name == "weight":
        return 0.0, 2.0 / param.shape[0]
    raise ValueError(
        f"no DPE prior for parameter {param_name!r} of {type(module).__name__}; priors exist for "
        "Conv*/Linear weights, BatchNorm/GroupNorm/LayerNorm weights and any bias. Add one to "
        "models.dpe_prior.parameter_prior."
    )


def named_priors(model: nn.Module) -> list[tuple[str, float, float]]:
    """(parameter name, prior mean, prior variance) for every parameter of `model`, in
    `named_parameters()` order."""
    out = []
    for mod_name, module in model.named_modules():
        for p_name, p in module.named_parameters(recurse=False):
            full = f"{mod_name}.{p_name}" if mod_name else p_name
            out.append((full, *parameter_prior(module, p_name, p)))
    order = {name: i for i, (name, _) in enumerate(model.named_parameters())}
    return sorted(out, key=lambda row: order[row[0]])


def gaussian_prior_penalty(stacked: Tensor, prior_mean: float, prior_var: float,
                           var_floor: float = VAR_FLOOR) -> Tensor:
    """Summed DPE penalty for one parameter held by K members.

    stacked: [K, ...] the same parameter from each member. Returns a 0-d tensor (float32 or the
    input's dtype if wider): sum over positions of log(v) + prior_var / v + (m - prior_mean)^2 / v
    with m, v the across-member mean and population variance (floored at `var_floor`).
    """
    if stacked.dim() < 1 or stacked.shape[0] < 2:
        raise ValueError(f"stacked: got shape {tuple(stacked.shape)}; need [K, ...] with K >= 2 members")
    x = stacked.float() if stacked.dtype in (torch.float16, torch.bfloat16) else stacked
    mean = x.mean(dim=0)
    var = x.var(dim=0, unbiased=False).clamp_min(var_floor)
    return (var.log() + prior_var / var + (mean - prior_mean) ** 2 / var).sum()


def dpe_penalty(members: Sequence[nn.Module], var_floor: float = VAR_FLOOR) -> Tensor:
    """DPE penalty of an ensemble: `gaussian_prior_penalty` summed over every parameter.

    members: K >= 2 networks of identical structure. Differentiable w.r.t. every member's parameters.
    Returns a 0-d tensor. (Not yet multiplied by beta or divided by the dataset size: the
    LightningModule does both.)
    """
    members = list(members)
    if len(members) < 2:
        raise ValueError(f"dpe_penalty: got {len(members)} member(s); the DPE prior needs K >= 2 "
                         "(with K = 1 use beta = 0: there is no across-member variance)")
    priors = named_priors(members[0])
    params = [dict(m.named_parameters()) for m in members]
    for i, p in enumerate(params[1:], start=1):
        if p.keys() != params[0].keys():
            raise ValueError(f"dpe_penalty: member {i} has different parameters from member 0; "
                             "every member must share one architecture")
    total = None
    for name, prior_mean, prior_var in priors:
        stacked = torch.stack([p[name] for p in params])
        term = gaussian_prior_penalty(stacked, prior_mean, prior_var, var_floor)
        total = term if total is None else total + term
    return total


@torch.no_grad()
def init_from_prior(model: nn.Module, generator: torch.Generator | None = None) -> nn.Module:
    """Draw every parameter of `model` from its prior (in place); returns `model`.

    Conv/linear weights get He (fan-out) normal init, BatchNorm scales N(1, 0.01), shifts and
    biases N(0, 0.01). Pass a seeded `generator` for reproducible members.
    """
    for module in model.modules():
        for p_name, p in module.named_parameters(recurse=False):
            mean, var = parameter_prior(module, p_name, p)
            noise = torch.randn(p.shape, generator=generator, dtype=torch.float32, device="cpu")
            p.copy_((mean + var ** 0.5 * noise).to(dtype=p.dtype, device=p.device))
    return model


def elbo_beta(task: str, label_size: tuple[int, int] | None = None) -> float:
    """The beta at which `mean CE + beta * dpe_penalty / N` is the per-term ELBO (see module docstring).

    classification: 0.5. segmentation: 0.5 / (H * W) for label maps of `label_size` (H, W), since the
    per-pixel mean CE spreads each image's likelihood over H * W terms.
    """
    if task == "classification":
        return 0.5
    if task == "segmentation":
        if not label_size or len(label_size) != 2 or min(label_size) < 1:
            raise ValueError(f"label_size: got {label_size!r}; segmentation needs the label map size (H, W), "
                             "e.g. (180, 240) for CamVid")
        return 0.5 / (int(label_size[0]) * int(label_size[1]))
    raise ValueError(f"task: got {task!r}; allowed: ['segmentation', 'classification']")
