"""Small shared pieces: activation factory, conv + BN (+ act)."""

from __future__ import annotations

from torch import nn

__all__ = ["make_act", "ConvBN", "ConvBNAct"]


def make_act(name: str) -> nn.Module:
    """`relu` -> ReLU, `hardswish` -> Hardswish (names from `models.arch.ops.ACTIVATIONS`)."""
    if name == "relu":
        return nn.ReLU(inplace=True)
    if name == "hardswish":
        return nn.Hardswish(inplace=True)
    raise ValueError(f"activation: got {name!r}; allowed: ['relu', 'hardswish']")


class ConvBN(nn.Sequential):
    """Conv2d (no bias, "same" padding) + BatchNorm2d: [B, cin, H, W] -> [B, cout, ceil(H/s), ceil(W/s)]."""

    def __init__(self, cin: int, cout: int, kernel: int | tuple[int, int] = 1, stride: int = 1,
                 groups: int = 1, dilation: int | tuple[int, int] = 1) -> None:
        kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
        dh, dw = (dilation, dilation) if isinstance(dilation, int) else dilation
        super().__init__(
            nn.Conv2d(cin, cout, (kh, kw), stride=stride, padding=(dh * (kh - 1) // 2, dw * (kw - 1) // 2),
                      dilation=(dh, dw), groups=groups, bias=False),
            nn.BatchNorm2d(cout),
        )


class ConvBNAct(nn.Sequential):
    """ConvBN followed by an activation."""

    def __init__(self, cin: int, cout: int, kernel: int | tuple[int, int] = 1, stride: int = 1,
                 groups: int = 1, dilation: int | tuple[int, int] = 1, act: str = "relu") -> None:
        super().__init__(*ConvBN(cin, cout, kernel, stride, groups, dilation), make_act(act))
