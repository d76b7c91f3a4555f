"""Small drawing helpers shared by the renderers: shaded colours and facade-plane quads."""

from __future__ import annotations


def shade(rgb, k: float, alpha: int | None = None) -> tuple:
    """``rgb`` scaled by ``k >= 0`` (clipped to 255), optionally with an alpha channel."""
    r, g, b = rgb[0] * k, rgb[1] * k, rgb[2] * k
    c = (int(r) if r < 255 else 255, int(g) if g < 255 else 255, int(b) if b < 255 else 255)
    return c if alpha is None else (*c, int(alpha))


def column_quad(c0, c1, y0: float, y1: float):
    """Rectangle between two projected vertical lines ``(u, v0, k, ...)`` from height y0 to y1."""
    u0, v0, k0 = c0[:3]
    u1, v1, k1 = c1[:3]
    return [u0, u0, u1, u1], [v0 - k0 * y0, v0 - k0 * y1, v1 - k1 * y1, v1 - k1 * y0]
