"""ERFNet-style presets (Romera et al. 2017): downsamplers and factorised nb1d blocks with growing
dilation; our stride-4 heads replace ERFNet's deconvolution decoder."""

from models.arch.spec import ArchSpec, HeadSpec, StageSpec as S, StemSpec
from models.registry import register_model


@register_model
def erfnet_tiny() -> ArchSpec:
    """CPU-sized: output stride 8, dilations 2/4/8 for context, LR-ASPP tapping stride 4."""
    return ArchSpec(
        stem=StemSpec(16, stride=2),
        stages=(
            S("down", 32, 2, 1),
            S("nb1d", 32, 1, 2),
            S("down", 48, 2, 1),
            S("nb1d", 48, 1, 1, {"dilation": 2}),
            S("nb1d", 48, 1, 1, {"dilation": 4}),
            S("nb1d", 48, 1, 1, {"dilation": 8}),
        ),
        head=HeadSpec("lraspp", {"channels": 48, "low_stride": 4}),
    )


@register_model
def erfnet() -> ArchSpec:
    """GPU-sized: the ERFNet encoder (16 -> 64 x5 -> 128 with dilations 2, 4, 8, 16 twice)."""
    dilated = tuple(S("nb1d", 128, 1, 1, {"dilation": d, "dropout": 0.1}) for d in (2, 4, 8, 16) * 2)
    return ArchSpec(
        stem=StemSpec(16, stride=2),
        stages=(
            S("down", 64, 2, 1),
            S("nb1d", 64, 1, 5, {"dropout": 0.03}),
            S("down", 128, 2, 1),
        ) + dilated,
        head=HeadSpec("lraspp", {"channels": 128, "low_stride": 4}),
    )
