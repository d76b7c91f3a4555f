"""Four image layers drawn in lockstep: colour, class mask, depth and light emission.

Every shape that occupies space is drawn with ``fill*``: it sets colour, class id and depth
together, so the mask is exact by construction (no anti-aliasing on any layer; the same PIL
rasteriser fills the same pixels). Surface detail that does not change the class (windows on a
facade, lane markings on the road, shadows) is drawn with ``paint*`` on the colour layer only.
The emission layer says how strongly each pixel emits light (0..255); opaque shapes reset it,
so a lamp hidden behind a bus does not glow. Depth and emission are only consumed by some
conditions (fog, night), so a canvas can skip them to save time; colour and mask never change.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

SKY_DEPTH = 1.0e4  # m, depth written for the sky (fog treats it as infinitely far)


def _flat(u, v) -> list[tuple[float, float]]:
    """Vertex list for PIL: ``[(u0, v0), (u1, v1), ...]``."""
    if isinstance(u, np.ndarray):
        u, v = u.tolist(), v.tolist()
    return list(zip(u, v))


@dataclass
class Layers:
    """Rendered layers as arrays: ``rgb`` uint8 [H,W,3], ``mask`` uint8 [H,W], ``depth``
    float32 [H,W] in m (SKY_DEPTH where not drawn), ``emit`` uint8 [H,W]."""

    rgb: np.ndarray
    mask: np.ndarray
    depth: np.ndarray
    emit: np.ndarray


class _Skip:
    """Stands in for the ImageDraw of a layer nobody will read."""

    def polygon(self, *a, **k) -> None:
        pass

    line = ellipse = polygon


class Canvas:
    def __init__(self, background: np.ndarray, sky_class: int, depth: bool = True, emit: bool = True) -> None:
        h, w = background.shape[:2]
        self.width, self.height = w, h
        self.rgb = Image.fromarray(background, "RGB")
        self.mask = Image.new("L", (w, h), sky_class)
        self.depth = Image.new("F", (w, h), SKY_DEPTH) if depth else None
        self.emit = Image.new("L", (w, h), 0) if emit else None
        # "RGBA" mode lets paint() take translucent colours on the RGB layer.
        self._rgb = ImageDraw.Draw(self.rgb, "RGBA")
        self._mask = ImageDraw.Draw(self.mask)
        self._depth = ImageDraw.Draw(self.depth) if depth else _Skip()
        self._emit = ImageDraw.Draw(self.emit) if emit else _Skip()
        self.wants_depth = depth

    # Shapes that occupy space -------------------------------------------------------------
    def fill(self, u, v, rgb, cls: int, depth: float, emit: int = 0) -> None:
        """Polygon with vertices ``(u[i], v[i])`` (px) on all layers."""
        pts = _flat(u, v)
        self._rgb.polygon(pts, fill=rgb)
        self._mask.polygon(pts, fill=cls)
        self._depth.polygon(pts, fill=float(depth))
        self._emit.polygon(pts, fill=emit)

    def fill_line(self, u, v, width: float, rgb, cls: int, depth: float, emit: int = 0) -> None:
        """Polyline through ``(u[i], v[i])`` of ``width`` px (at least 1) on all layers."""
        pts = _flat(u, v)
        w = max(1, int(round(width)))
        joint = "curve" if w > 2 else None
        self._rgb.line(pts, fill=rgb, width=w, joint=joint)
        self._mask.line(pts, fill=cls, width=w, joint=joint)
        self._depth.line(pts, fill=float(depth), width=w, joint=joint)
        self._emit.line(pts, fill=emit, width=w, joint=joint)

    def fill_ellipse(self, cu: float, cv: float, ru: float, rv: float, rgb, cls: int, depth: float,
                     emit: int = 0) -> None:
        """Ellipse centred at ``(cu, cv)`` with radii ``ru, rv`` (px) on all layers."""
        box = self._box(cu, cv, ru, rv)
        if box is None:
            return
        self._rgb.ellipse(box, fill=rgb)
        self._mask.ellipse(box, fill=cls)
        self._depth.ellipse(box, fill=float(depth))
        self._emit.ellipse(box, fill=emit)

    def label(self, u, v, cls: int, depth: float) -> None:
        """Polygon on the mask and depth only: a see-through object (railings) whose colour
        is painted separately."""
        pts = _flat(u, v)
        self._mask.polygon(pts, fill=cls)
        self._depth.polygon(pts, fill=float(depth))

    def set_depth(self, u, v, depth: float) -> None:
        """Polygon on the depth layer only (the ground's depth, drawn in strips)."""
        self._depth.polygon(_flat(u, v), fill=float(depth))

    def ground(self, u, v, rgb, cls: int) -> None:
        """Polygon on colour and mask but not depth: a ground band whose depth ``set_depth``
        already wrote strip by strip."""
        pts = _flat(u, v)
        self._rgb.polygon(pts, fill=rgb)
        self._mask.polygon(pts, fill=cls)

    # Surface detail: colour (and optionally emission) only ---------------------------------
    def paint(self, u, v, rgba, emit: int | None = None) -> None:
        pts = _flat(u, v)
        self._rgb.polygon(pts, fill=rgba)
        if emit is not None:
            self._emit.polygon(pts, fill=emit)

    def paint_line(self, u, v, width: float, rgba) -> None:
        self._rgb.line(_flat(u, v), fill=rgba, width=max(1, int(round(width))))

    def paint_ellipse(self, cu: float, cv: float, ru: float, rv: float, rgba, emit: int | None = None) -> None:
        box = self._box(cu, cv, ru, rv)
        if box is None:
            return
        self._rgb.ellipse(box, fill=rgba)
        if emit is not None:
            self._emit.ellipse(box, fill=emit)

    def _box(self, cu, cv, ru, rv):
        ru, rv = max(ru, 0.5), max(rv, 0.5)
        if cu + ru < 0 or cu - ru > self.width or cv + rv < 0 or cv - rv > self.height:
            return None
        return [cu - ru, cv - rv, cu + ru, cv + rv]

    def layers(self) -> Layers:
        h, w = self.height, self.width
        return Layers(
            rgb=np.asarray(self.rgb, dtype=np.uint8).copy(),
            mask=np.asarray(self.mask, dtype=np.uint8).copy(),
            depth=np.asarray(self.depth, dtype=np.float32).copy() if self.depth is not None
            else np.full((h, w), SKY_DEPTH, dtype=np.float32),
            emit=np.asarray(self.emit, dtype=np.uint8).copy() if self.emit is not None
            else np.zeros((h, w), dtype=np.uint8),
        )
