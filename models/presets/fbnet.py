"""FBNet-style presets: inverted residuals with an LR-ASPP head (MobileNetV3-like segmentation)."""

from models.arch.spec import ArchSpec, HeadSpec, StageSpec as S, StemSpec
from models.registry import register_model


@register_model
def fbnet_tiny() -> ArchSpec:
    """CPU-sized segmentation net: trains on 240x180 CamVid in minutes on 2 cores."""
    return ArchSpec(
        stem=StemSpec(16, stride=2),
        stages=(
            S("ir_k3_e1", 16, 1, 1),
            S("ir_k3_e3", 24, 2, 2),
            S("ir_k5_e3", 32, 2, 2),
            S("ir_k3_e3", 48, 2, 2),
            S("ir_k5_e3", 64, 1, 1, {"dilation": 2}),
        ),
        head=HeadSpec("lraspp", {"channels": 64, "low_stride": 8}),
    )


@register_model
def fbnet_large() -> ArchSpec:
    """GPU-sized: MobileNetV3-Large-like widths and depths, hardswish in the deep stages."""
    return ArchSpec(
        stem=StemSpec(16, stride=2),
        stages=(
            S("ir_k3_e1", 16, 1, 1),
            S("ir_k3_e6", 24, 2, 2),
            S("ir_k5_e3", 40, 2, 3),
            S("ir_k3_e6", 80, 2, 4, {"act": "hardswish"}),
            S("ir_k3_e6", 112, 1, 2, {"act": "hardswish"}),
            S("ir_k5_e6", 160, 2, 3, {"act": "hardswish"}),
            S("ir_k5_e6", 160, 1, 1, {"act": "hardswish", "dilation": 2}),
        ),
        head=HeadSpec("lraspp", {"channels": 128, "low_stride": 8}),
    )
