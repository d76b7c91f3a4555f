"""SqueezeNAS-style preset (Shaw et al. 2019): a mixed-op backbone of the kind the search returns,
with a DeepLabV3+-lite head."""

from models.arch.spec import ArchSpec, HeadSpec, StageSpec as S, StemSpec
from models.registry import register_model


@register_model
def squeezenas_small() -> ArchSpec:
    """CPU-sized: every op family of the search space appears, output stride 16."""
    return ArchSpec(
        stem=StemSpec(16, stride=2),
        stages=(
            S("ir_k3_e1", 16, 1, 1),
            S("ir_k3_e3", 24, 2, 1),
            S("gconv1x1", 24, 1, 1, {"groups": 2}),
            S("ir_k5_e3", 32, 2, 1),
            S("skip", 32, 1, 1),
            S("ir_k3_e6", 48, 2, 1),
            S("dil3", 48, 1, 1, {"dilation": 2}),
            S("ir_k5_e3", 64, 1, 1, {"dilation": 2}),
        ),
        head=HeadSpec("deeplabv3plus_lite", {"channels": 48, "low_channels": 24, "rates": [2, 4], "low_stride": 4}),
    )
