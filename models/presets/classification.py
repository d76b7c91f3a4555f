"""Classification presets for small crops (GTSRB 32x32)."""

from models.arch.spec import ArchSpec, HeadSpec, StageSpec as S, StemSpec
from models.registry import register_model


@register_model
def cls_tiny() -> ArchSpec:
    """32x32 traffic signs: stride-1 stem so the deepest feature is 4x4 (stride 8), not 1x1."""
    return ArchSpec(
        stem=StemSpec(16, stride=1),
        stages=(
            S("ir_k3_e1", 16, 1, 1),
            S("ir_k3_e3", 24, 2, 2),
            S("ir_k3_e3", 40, 2, 2),
            S("ir_k5_e6", 64, 2, 2),
        ),
        head=HeadSpec("linear", {"hidden": 0, "dropout": 0.0}),
    )
