"""Drawing buildings: facades bay by bay (windows, shop fronts, roofs) and their end walls.

Each ``*_items`` function of the renderers turns one object into painter's-algorithm items
``(key, draw)``: ``key`` is the depth (m) that orders it (larger is drawn first) and
``draw(canvas)`` paints it. Long things (facades, fences) are cut into short pieces keyed by
their far end, so a tree standing in front of a facade is drawn after the piece behind it.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from .camera import Z_NEAR, View
from .canvas import Canvas
from .conditions import Look
from .objects import Building
from .palette import BUILDING, SIGN
from .scene import OBJECT_RANGE
from .shapes import column_quad, shade


def _window_glass(b: Building, floor: int, bay: int, look: Look) -> tuple[tuple, int]:
    """Colour and emission of one window: lit windows glow warm at dusk and night."""
    h = (b.lit_key * 2654435761 + floor * 40503 + bay * 9176) & 0xFFFF
    if h / 65536.0 < look.lit_windows:
        return (236, 192, 124), 230
    tone = 40 + (h % 40)
    return (tone, tone + 8, tone + 18), 0


# Facades are the outermost layer of a street side: whatever stands between them and the road
# (fences at their foot, trees, people) must be drawn after the piece of facade behind it, even
# where that thing's far end is a little farther than the piece's. Keying facade pieces a few
# metres farther than they are buys that margin without reordering buildings among themselves.
_FACADE_BIAS = 4.0


class _Facade:
    """What every bay of one building needs, computed once per frame: colours and the
    projected vertical lines (bay edges, window edges) of the facade."""

    __slots__ = ("light", "wall", "trim", "trim_dark", "course", "roof", "shop", "edges", "ridge", "win0", "win1",
                 "frame0", "frame1")


def building_items(b: Building, view: View, look: Look, light: float) -> list:
    s_cam = view.s_cam
    if b.s1 - s_cam < Z_NEAR or b.s0 - s_cam > OBJECT_RANGE * (1.3 if b.row else 1.0):
        return []
    n = max(1, int(round((b.s1 - b.s0) / b.bay_w)))
    s_near = s_cam + Z_NEAR
    first = max(0, int((s_near - b.s0) // b.bay_w))
    last = min(n, int((s_cam + OBJECT_RANGE * 1.3 - b.s0) // b.bay_w) + 1)
    if first >= last:
        return []
    fa = _Facade()
    fa.light = light
    fa.wall, fa.trim = shade(b.rgb, light), shade(b.trim_rgb, light)
    fa.trim_dark, fa.course = shade(b.trim_rgb, light * 0.9), shade(b.trim_rgb, light, 90)
    fa.roof = shade(b.roof_rgb, light)
    fa.shop = shade(b.shop_rgb, light) if b.shop_rgb is not None else None
    # Every vertex of a bay lies on one of a few vertical lines of the facade: project those
    # lines once for the whole building and place heights along them.
    i = np.arange(first, last)
    edges = np.maximum(b.s0 + np.arange(first, last + 1) * b.bay_w, s_near)
    fa.edges = view.columns(b.d_face, edges)
    fa.ridge = view.columns(b.d_face + b.side * 0.5 * b.depth, edges) if b.roof_h > 0 else None
    centre = b.s0 + (i + 0.5) * b.bay_w
    half = 0.5 * b.win_w * b.bay_w
    fa.win0 = view.columns(b.d_face, np.maximum(centre - half, s_near))
    fa.win1 = view.columns(b.d_face, centre + half)
    fa.frame0 = view.columns(b.d_face, np.maximum(centre - half - 0.1, s_near))
    fa.frame1 = view.columns(b.d_face, centre + half + 0.1)
    items = []
    for j in range(last - first):
        items.append((fa.edges[3][j + 1] + _FACADE_BIAS, partial(_draw_bay, b=b, fa=fa, j=j, i=first + j, look=look,
                                                  s_near=s_near, view=view)))
    if b.s0 - s_cam > Z_NEAR:
        items.append((b.s0 - s_cam + _FACADE_BIAS, partial(_draw_end_wall, view=view, b=b, light=light)))
    return items


def _col(cols, j: int) -> tuple[float, float, float, float]:
    return cols[0][j], cols[1][j], cols[2][j], cols[3][j]


def _draw_bay(cv: Canvas, b: Building, fa: _Facade, j: int, i: int, look: Look, s_near: float, view: View) -> None:
    ca, cb = _col(fa.edges, j), _col(fa.edges, j + 1)
    ua, va, ka, za = ca
    ub, vb, kb, zb = cb
    if max(ua, ub) < 0 or min(ua, ub) > cv.width or max(va, vb) < 0:
        return
    h = b.height
    depth = 0.5 * (za + zb)
    if fa.ridge is not None:
        # Front slope of a pitched roof, rising from the eaves to a ridge set back from the street.
        ra, rva, rka, _ = _col(fa.ridge, j)
        rb, rvb, rkb, _ = _col(fa.ridge, j + 1)
        top = h + b.roof_h
        cv.fill([ua, ra, rb, ub], [va - ka * h, rva - rka * top, rvb - rkb * top, vb - kb * h], fa.roof, BUILDING, depth)
    cv.fill(*column_quad(ca, cb, 0.0, h), fa.wall, BUILDING, depth)
    bay_px = abs(ua - ub)
    if bay_px < 3.0:
        return
    cv.paint(*column_quad(ca, cb, h - 0.35, h), fa.trim_dark)
    # Ground floor and string courses: horizontal structure that makes a facade read as storeys.
    cv.paint(*column_quad(ca, cb, 0.0, 0.5), (0, 0, 0, 50))
    floors = max(1, int((h - 0.3) // b.storey_h))
    for f in range(1, floors):
        y = f * b.storey_h
        cv.paint(*column_quad(ca, cb, y - 0.08, y + 0.08), fa.course)
    first = 0
    if fa.shop is not None and b.row == 0:
        first = 1
        sa0 = b.s0 + i * b.bay_w
        a, e = max(sa0 + 0.15, s_near), sa0 + b.bay_w - 0.15
        if a < e:
            c0, c1 = view.column(b.d_face, a), view.column(b.d_face, e)
            glass, emit = _shop_glass(look)
            cv.paint(*column_quad(c0, c1, 0.3, 2.5), glass, emit=emit)
            # Shop fascias carry names and logos: CamVid labels such text as sign/symbol.
            cv.fill(*column_quad(c0, c1, 2.6, 3.2), fa.shop, SIGN, depth)
    w0, w1 = _col(fa.win0, j), _col(fa.win1, j)
    if w0[3] >= w1[3] or bay_px < 4.0:
        return
    framed = bay_px > 14
    if framed:
        f0, f1 = _col(fa.frame0, j), _col(fa.frame1, j)
    for f in range(first, floors):
        y0 = f * b.storey_h + 0.5 * (1 - b.win_h) * b.storey_h + 0.25
        y1 = y0 + b.win_h * b.storey_h
        if y1 > h - 0.4:
            break
        if framed:
            cv.paint(*column_quad(f0, f1, y0 - 0.12, y1 + 0.08), fa.trim)
        glass, emit = _window_glass(b, f, i, look)
        cv.paint(*column_quad(w0, w1, y0, y1), glass if emit else shade(glass, fa.light), emit=emit)


def _shop_glass(look: Look):
    if look.lit_windows > 0:
        return (228, 200, 150), 230
    return (52, 58, 66), None


def _draw_end_wall(cv: Canvas, view: View, b: Building, light: float) -> None:
    c0 = view.column(b.d_face, b.s0)
    c1 = view.column(b.d_face + b.side * b.depth, b.s0)
    if max(c0[0], c1[0]) < 0 or min(c0[0], c1[0]) > cv.width:
        return
    cv.fill(*column_quad(c0, c1, 0.0, b.height), shade(b.rgb, light * 0.72), BUILDING, c0[3])
