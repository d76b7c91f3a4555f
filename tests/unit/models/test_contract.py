"""Every registered preset answers the same contract (timm style): shapes, gradients, MACs."""

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from models import analyze_spec, create_model, list_models

# Small inputs keep big presets fast; odd sizes check the ceil(H/4) output convention.
SEG_SIZE = {"erfnet": (40, 56), "fbnet_large": (64, 72)}
SEG_DEFAULT = (38, 50)
CLS_SIZE = (32, 32)


def hook_macs(model: nn.Module, x: torch.Tensor) -> int:
    """Multiply-accumulates per image counted by forward hooks on Conv2d / Linear."""
    total = 0

    def hook(m, _inp, out):
        nonlocal total
        per_image = out[0].numel()
        if isinstance(m, nn.Conv2d):
            total += per_image * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]
        else:
            total += per_image * m.in_features

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    try:
        with torch.no_grad():
            model(x[:1])
    finally:
        for h in handles:
            h.remove()
    return total


def test_registry_has_the_documented_presets():
    assert {"fbnet_tiny", "fbnet_large", "erfnet_tiny", "erfnet", "squeezenas_small", "cls_tiny"} <= set(list_models())
    assert list_models("fbnet_*") == ["fbnet_large", "fbnet_tiny"]


@pytest.mark.parametrize("task", ["segmentation", "classification"])
@pytest.mark.parametrize("name", list_models())
def test_preset_contract(name, task):
    torch.manual_seed(0)
    num_classes = 5
    size = (SEG_SIZE.get(name, SEG_DEFAULT) if task == "segmentation" else CLS_SIZE)
    model = create_model(name, task, num_classes, seed=1)
    x = torch.randn(2, 3, *size)

    # 1. output shape and embedding
    model.train()
    logits, emb = model(x, return_embedding=True)
    if task == "segmentation":
        assert logits.shape == (2, num_classes, math.ceil(size[0] / 4), math.ceil(size[1] / 4))
        target = torch.randint(0, num_classes, (2, *logits.shape[-2:]))
    else:
        assert logits.shape == (2, num_classes)
        target = torch.randint(0, num_classes, (2,))
    assert emb.shape == (2, model.embedding_dim) and emb.dtype == torch.float32
    assert model.forward_features(x).shape[:2] == (2, model.embedding_dim)

    # 2. gradients reach every parameter
    F.cross_entropy(logits, target).backward()
    missing = [n for n, p in model.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0]
    assert missing == []

    # 3. the spec's figures match the built network
    analysis = analyze_spec(model.spec, size, num_classes)
    assert analysis.params == sum(p.numel() for p in model.parameters())
    counted = hook_macs(model.eval(), x)
    assert abs(analysis.macs - counted) <= 0.10 * counted
