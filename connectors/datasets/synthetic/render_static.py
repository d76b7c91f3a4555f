"""Drawing the fixed world: ground and markings, skyline, buildings, trees, street furniture.

Each ``*_items`` function turns one object into painter's-algorithm items ``(key, draw)``:
``key`` is the depth (m) that orders it (larger is drawn first) and ``draw(canvas)`` paints it.
Long things (facades, fences) are cut into short pieces keyed by their far end, so a tree
standing in front of a facade is always drawn after the piece of facade behind it.
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np

from .camera import Z_FAR, Z_NEAR, View
from .canvas import Canvas
from .conditions import Look
from .objects import Barrier, Building, Sign, SkyBlock, Street, StreetLight, Tree
from .palette import BUILDING, FENCE, POLE, ROAD, SIGN, TREE
from .scene import OBJECT_RANGE

# Ground strips, uniform in inverse depth so each covers a similar number of image rows.
_STRIPS = 1.0 / np.linspace(1.0 / Z_NEAR, 1.0 / Z_FAR, 56)
_GROUND_REACH = 200.0  # m either side of the road


def shade(rgb, k: float, alpha: int | None = None) -> tuple:
    """``rgb`` scaled by ``k >= 0`` (clipped to 255), optionally with an alpha channel."""
    r, g, b = rgb[0] * k, rgb[1] * k, rgb[2] * k
    c = (int(r) if r < 255 else 255, int(g) if g < 255 else 255, int(b) if b < 255 else 255)
    return c if alpha is None else (*c, int(alpha))


def _strip_along(view: View, d: float, zs: np.ndarray):
    return view.project(d, 0.0, view.s_cam + zs)[:2]


def _band(view: View, d0: float, d1: float, z0: float, z1: float, n: int = 24, y: float = 0.0):
    """Polygon of the ground between lateral offsets d0, d1 and depths z0..z1 (curves followed)."""
    zs = np.linspace(z0, z1, n) if z1 - z0 < 30 else 1.0 / np.linspace(1 / z0, 1 / z1, n)
    s = view.s_cam + zs
    ua, va, _ = view.project(d0, y, s)
    ub, vb, _ = view.project(d1, y, s)
    return np.concatenate([ua, ub[::-1]]), np.concatenate([va, vb[::-1]])


def _mark_alpha(view: View, width_m: float, z: float) -> int:
    """Markings narrower than a pixel fade instead of drawing a 1-px line that is too bright."""
    return int(235 * min(1.0, max(0.12, view.f * width_m / max(z, 1e-3))))


def draw_ground(cv: Canvas, view: View, street: Street, look: Look) -> None:
    """Depth strips, then ground bands (outer, pavement, road, pavement, outer), then markings."""
    zs = _STRIPS
    s = view.s_cam + zs
    ul, vl, _ = view.project(-_GROUND_REACH, 0.0, s)
    ur, vr, _ = view.project(_GROUND_REACH, 0.0, s)
    for i in range(len(zs) - 1, 0, -1) if cv.wants_depth else ():
        cv.set_depth([ul[i - 1], ul[i], ur[i], ur[i - 1]], [vl[i - 1], vl[i], vr[i], vr[i - 1]],
                     0.5 * (zs[i - 1] + zs[i]))
    hl, hr = street.half_l, street.half_r
    kl, kr = -hl - street.pave_l, hr + street.pave_r
    outer = {4: shade(street.pave_rgb, 0.9), 5: street.grass_rgb}
    bands = [
        (-_GROUND_REACH, kl, outer[street.outer_l], street.outer_l),
        (kr, _GROUND_REACH, outer[street.outer_r], street.outer_r),
    ]
    if street.pave_l > 0:
        bands.append((kl, -hl, street.pave_rgb, 4))
    if street.pave_r > 0:
        bands.append((hr, kr, street.pave_rgb, 4))
    bands.append((-hl, hr, street.road_rgb, ROAD))
    for d0, d1, rgb, cls in bands:
        u, v = _band(view, d0, d1, Z_NEAR, Z_FAR, n=40)
        cv.ground(u, v, rgb, cls)
    # Kerb stones and the dark gutter beside them.
    for side, half, pave in ((-1, hl, street.pave_l), (1, hr, street.pave_r)):
        if pave > 0:
            u, v = _band(view, side * half, side * (half + 0.18), Z_NEAR, 160.0)
            cv.paint(u, v, shade(street.kerb_rgb, 1.0, 200))
        u, v = _band(view, side * (half - 0.35), side * half, Z_NEAR, 160.0)
        cv.paint(u, v, (0, 0, 0, 40))
    _draw_markings(cv, view, street)


def _draw_markings(cv: Canvas, view: View, street: Street) -> None:
    s_cam = view.s_cam
    for s0, s1, d0, d1, grey in street.patches:
        a, b = max(s0, s_cam + Z_NEAR), min(s1, s_cam + 150.0)
        if a < b:
            u, v = _band(view, d0, d1, a - s_cam, b - s_cam, n=4)
            cv.paint(u, v, shade(street.road_rgb, 1.0 + grey / 100.0))
    half_lanes = street.n_lanes * street.lane_w / 2
    # Darker wheel tracks in each lane.
    for i in range(street.n_lanes):
        c = -half_lanes + (i + 0.5) * street.lane_w
        for off in (-0.8, 0.8):
            u, v = _band(view, c + off - 0.3, c + off + 0.3, Z_NEAR, 120.0)
            cv.paint(u, v, (0, 0, 0, 22))

    def solid(d: float, width: float, rgb) -> None:
        for z0, z1 in ((Z_NEAR, 20.0), (20.0, 45.0), (45.0, 90.0), (90.0, 160.0)):
            u, v = _band(view, d - width / 2, d + width / 2, z0, z1, n=10)
            cv.paint(u, v, (*rgb, _mark_alpha(view, width, 0.5 * (z0 + z1))))

    def dashed(d: float, width: float) -> None:
        period, length = street.dash_period, street.dash_len
        k0 = math.floor((s_cam + Z_NEAR - street.dash_phase) / period)
        k1 = math.ceil((s_cam + 110.0 - street.dash_phase) / period)
        for k in range(k0, k1):
            a = street.dash_phase + k * period
            a0, b0 = max(a, s_cam + Z_NEAR), a + length
            if a0 >= b0:
                continue
            u, v = _band(view, d - width / 2, d + width / 2, a0 - s_cam, b0 - s_cam, n=3)
            cv.paint(u, v, (235, 235, 228, _mark_alpha(view, width, a0 - s_cam)))

    white = (235, 235, 228)
    if street.n_lanes == 2:
        if street.centre_line == "dashed":
            dashed(0.0, 0.12)
        elif street.centre_line == "double":
            solid(-0.12, 0.1, white)
            solid(0.12, 0.1, white)
    else:
        solid(-0.12, 0.1, white)
        solid(0.12, 0.1, white)
        dashed(-street.lane_w, 0.12)
        dashed(street.lane_w, 0.12)
    if street.edge_lines or street.park_l > 0:
        solid(-half_lanes + 0.15, 0.12, white)
    if street.edge_lines or street.park_r > 0:
        solid(half_lanes - 0.15, 0.12, white)
    yellow = (214, 186, 50)
    if street.yellow_l:
        solid(-street.half_l + 0.25, 0.08, yellow)
        solid(-street.half_l + 0.42, 0.08, yellow)
    if street.yellow_r:
        solid(street.half_r - 0.25, 0.08, yellow)
        solid(street.half_r - 0.42, 0.08, yellow)
    for sz in street.crossings:
        z = sz - s_cam
        if not (Z_NEAR < z < 110.0):
            continue
        alpha = _mark_alpha(view, 0.5, z)
        d = -half_lanes + 0.25
        while d < half_lanes - 0.3:
            u, v = _band(view, d, d + 0.5, z, z + 3.0, n=2)
            cv.paint(u, v, (235, 235, 228, alpha))
            d += 1.0


def draw_skyline(cv: Canvas, view: View, blocks: tuple[SkyBlock, ...]) -> None:
    """Far buildings and tree clumps standing on the horizon at ``Z_FAR``."""
    s = view.s_cam + Z_FAR
    for b in blocks:
        u, v, _ = view.project([b.d0, b.d0, b.d1, b.d1], [0.0, b.height, b.height, 0.0], s)
        if u.max() < 0 or u.min() > cv.width:
            continue
        if b.cls == TREE:
            cu, ru = 0.5 * (u[0] + u[2]), 0.5 * abs(u[2] - u[0])
            top = v[1]
            cv.fill_ellipse(cu, top + 0.5 * (v[0] - top), ru, 0.5 * (v[0] - top), b.rgb, TREE, Z_FAR)
        else:
            cv.fill(u, v, b.rgb, BUILDING, Z_FAR)


# Buildings --------------------------------------------------------------------------------

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


# Trees ------------------------------------------------------------------------------------

def tree_items(t: Tree, view: View) -> list:
    z = t.s - view.s_cam
    if not (1.5 < z < OBJECT_RANGE):
        return []
    return [(z, partial(_draw_tree, view=view, t=t))]


def _draw_tree(cv: Canvas, view: View, t: Tree) -> None:
    u0, v0, z, k = view.base(t.d, t.s)
    reach = (t.crown_r + 0.5) * k
    if u0 + reach < 0 or u0 - reach > cv.width:
        return
    top = t.trunk_h + t.crown_r * 0.8
    if t.kind == "conifer":
        cv.fill_line([u0, u0], [v0, v0 - t.trunk_h * k], t.trunk_w * k, t.trunk_rgb, TREE, z)
        h = t.crown_r * 2.6
        for tier in range(3):
            yb = t.trunk_h * 0.6 + tier * h * 0.28
            w = t.crown_r * (1.0 - 0.25 * tier)
            cv.fill([u0 - w * k, u0, u0 + w * k], [v0 - yb * k, v0 - (yb + h * 0.55) * k, v0 - yb * k],
                    shade(t.rgb, 0.7 + 0.12 * tier), TREE, z)
        return
    if t.kind == "bare":
        # Twigs too fine to draw: a faint haze, labelled tree like CamVid's bare crowns.
        cy = v0 - top * k
        for x, y, rx, ry, _ in t.lobes:
            cv.fill_ellipse(u0 + x * k, cy - y * k, rx * k, ry * k, shade(t.rgb, 1.0, 40), TREE, z)
        cv.fill_line([u0, u0], [v0, v0 - t.trunk_h * k], t.trunk_w * k, t.trunk_rgb, TREE, z)
        for x0, y0, x1, y1, w in t.branches:
            cv.fill_line([u0 + x0 * k, u0 + x1 * k], [v0 - y0 * k, v0 - y1 * k], w * k, t.trunk_rgb, TREE, z)
        return
    cv.fill_line([u0, u0], [v0, v0 - top * k], t.trunk_w * k, t.trunk_rgb, TREE, z)
    cy = v0 - top * k
    for x, y, rx, ry, sh in t.lobes:
        cv.fill_ellipse(u0 + x * k, cy - y * k, rx * k, ry * k, shade(t.rgb, sh), TREE, z)
    if t.crown_r * k > 6:
        # Leaf clumps: a few lighter and darker dabs so near crowns are not flat discs.
        for j, (x, y, rx, _, sh) in enumerate(t.lobes):
            r = 0.35 * rx * k
            cv.paint_ellipse(u0 + (x + 0.3 * rx * math.cos(j * 2.4)) * k, cy - (y + 0.3 * rx * math.sin(j * 2.4)) * k,
                             r, r * 0.8, shade(t.rgb, sh * (1.25 if j % 2 else 0.7), 160))


# Street lights and signs --------------------------------------------------------------------

def light_items(p: StreetLight, view: View, look: Look) -> list:
    z = p.s - view.s_cam
    if not (1.5 < z < OBJECT_RANGE):
        return []
    return [(z, partial(_draw_light, view=view, p=p, look=look))]


def _draw_light(cv: Canvas, view: View, p: StreetLight, look: Look) -> None:
    u0, v0, z, k = view.base(p.d, p.s)
    if u0 + 3 * k < 0 or u0 - 3 * k > cv.width:
        return
    w = 0.17 * k
    cv.fill_line([u0, u0], [v0, v0 - p.height * k], w, p.rgb, POLE, z)
    ua = u0 + p.arm * k
    cv.fill_line([u0, ua], [v0 - p.height * k, v0 - (p.height + 0.25) * k], 0.1 * k, p.rgb, POLE, z)
    hy = v0 - (p.height + 0.22) * k
    cv.fill([ua - 0.35 * k, ua + 0.35 * k, ua + 0.3 * k, ua - 0.3 * k], [hy - 0.1 * k, hy - 0.1 * k, hy + 0.12 * k, hy + 0.12 * k],
            p.rgb, POLE, z)
    lens = (255, 232, 175) if look.lights_on else (205, 205, 195)
    cv.fill_ellipse(ua, hy + 0.12 * k, 0.25 * k, 0.06 * k, lens, POLE, z, emit=255 if look.lights_on else 0)


def sign_items(g: Sign, view: View, look: Look) -> list:
    z = g.s - view.s_cam
    if not (1.5 < z < OBJECT_RANGE * 0.8):
        return []
    return [(z, partial(_draw_sign, view=view, g=g, look=look))]


def _draw_sign(cv: Canvas, view: View, g: Sign, look: Look) -> None:
    u0, v0, z, k = view.base(g.d, g.s)
    if u0 + 2 * k < 0 or u0 - 2 * k > cv.width:
        return
    r = 0.5 * g.size * k
    top = g.pole_h + 0.5 * g.size
    cy = v0 - top * k
    cv.fill_line([u0, u0], [v0, cy], 0.08 * k, (150, 150, 146), POLE, z)
    if g.kind == "round_red":
        cv.fill_ellipse(u0, cy, r, r, (196, 32, 36), SIGN, z)
        cv.paint_ellipse(u0, cy, 0.72 * r, 0.72 * r, (240, 240, 236))
        cv.paint([u0 - 0.35 * r, u0 + 0.35 * r, u0 + 0.35 * r, u0 - 0.35 * r],
                 [cy - 0.2 * r, cy - 0.2 * r, cy + 0.25 * r, cy + 0.25 * r], (30, 30, 30))
    elif g.kind == "round_blue":
        cv.fill_ellipse(u0, cy, r, r, (34, 84, 170), SIGN, z)
        cv.paint([u0 - 0.12 * r, u0 + 0.12 * r, u0 + 0.12 * r, u0 + 0.4 * r, u0, u0 - 0.4 * r, u0 - 0.12 * r],
                 [cy + 0.6 * r, cy + 0.6 * r, cy - 0.1 * r, cy - 0.1 * r, cy - 0.6 * r, cy - 0.1 * r, cy - 0.1 * r],
                 (240, 240, 240))
    elif g.kind == "triangle":
        cv.fill([u0 - r, u0, u0 + r], [cy + 0.8 * r, cy - r, cy + 0.8 * r], (196, 32, 36), SIGN, z)
        cv.paint([u0 - 0.68 * r, u0, u0 + 0.68 * r], [cy + 0.62 * r, cy - 0.58 * r, cy + 0.62 * r], (240, 240, 236))
        cv.paint([u0 - 0.1 * r, u0 + 0.1 * r, u0 + 0.1 * r, u0 - 0.1 * r],
                 [cy - 0.2 * r, cy - 0.2 * r, cy + 0.35 * r, cy + 0.35 * r], (30, 30, 30))
    elif g.kind in ("rect_blue", "rect_white"):
        bg, fg = ((30, 70, 160), (240, 240, 240)) if g.kind == "rect_blue" else ((238, 238, 232), (30, 30, 30))
        hw, hh = r, 0.65 * r
        cv.fill([u0 - hw, u0 + hw, u0 + hw, u0 - hw], [cy - hh, cy - hh, cy + hh, cy + hh], fg, SIGN, z)
        cv.paint([u0 - 0.9 * hw, u0 + 0.9 * hw, u0 + 0.9 * hw, u0 - 0.9 * hw],
                 [cy - 0.85 * hh, cy - 0.85 * hh, cy + 0.85 * hh, cy + 0.85 * hh], bg)
        if hh > 4:
            for t in (-0.4, 0.0, 0.4):
                cv.paint_line([u0 - 0.6 * hw, u0 + 0.5 * hw], [cy + t * hh, cy + t * hh], max(1, 0.12 * hh), fg)
    else:
        _draw_traffic_light(cv, u0, cy, r, z, g, look)


def _draw_traffic_light(cv: Canvas, u0: float, cy: float, r: float, z: float, g: Sign, look: Look) -> None:
    hw, hh = 0.38 * r, 1.0 * r
    cv.fill([u0 - hw, u0 + hw, u0 + hw, u0 - hw], [cy - hh, cy - hh, cy + hh, cy + hh], (28, 30, 30), SIGN, z)
    phase = (look.t + g.phase) % 30.0
    state = 2 if phase < 14 else (1 if phase < 17 else 0)  # 0 red, 1 amber, 2 green
    lit = ((255, 40, 30), (255, 180, 20), (60, 255, 120))
    dim = ((70, 20, 18), (70, 52, 14), (16, 60, 32))
    for i in range(3):
        on = i == state
        cv.fill_ellipse(u0, cy + (i - 1) * 0.62 * hh, 0.6 * hw, 0.6 * hw, lit[i] if on else dim[i], SIGN, z,
                        emit=255 if on else 0)


# Fences, hedges, walls -------------------------------------------------------------------

def barrier_items(b: Barrier, view: View, light: float) -> list:
    s_cam = view.s_cam
    if b.s1 - s_cam < Z_NEAR or b.s0 - s_cam > OBJECT_RANGE:
        return []
    items = []
    seg = 4.0
    s = b.s0
    while s < b.s1:
        e = min(s + seg, b.s1)
        if e - s_cam > Z_NEAR:
            if s - s_cam > OBJECT_RANGE:
                break
            items.append((e - s_cam, partial(_draw_barrier, view=view, b=b, sa=s, sb=e, light=light)))
        s = e
    return items


def column_quad(c0, c1, y0: float, y1: float):
    """Rectangle between two projected vertical lines ``(u, v0, k, ...)`` from height y0 to y1."""
    u0, v0, k0 = c0[:3]
    u1, v1, k1 = c1[:3]
    return [u0, u0, u1, u1], [v0 - k0 * y0, v0 - k0 * y1, v1 - k1 * y1, v1 - k1 * y0]


def _draw_barrier(cv: Canvas, view: View, b: Barrier, sa: float, sb: float, light: float) -> None:
    sa = max(sa, view.s_cam + Z_NEAR)
    if sa >= sb:
        return
    h = b.height
    ca, cb = view.column(b.d, sa), view.column(b.d, sb)
    if max(ca[0], cb[0]) < 0 or min(ca[0], cb[0]) > cv.width:
        return
    depth = 0.5 * (ca[3] + cb[3])
    rgb = shade(b.rgb, light)
    u, v = column_quad(ca, cb, 0.0, h)
    if b.style == "railing":
        cv.label(u, v, b.cls, depth)
        cv.paint(*column_quad(ca, cb, h - 0.06, h), rgb)
        cv.paint(*column_quad(ca, cb, 0.08, 0.14), rgb)
        _vertical_lines(cv, view, b.d, 0.0, h, sa, sb, 0.14, rgb, rgb + (140,), ca, cb)
        return
    cv.fill(u, v, rgb, b.cls, depth)
    if b.style == "panel":
        _vertical_lines(cv, view, b.d, 0.0, h, sa, sb, 0.2, shade(b.rgb, light * 0.75), None, ca, cb)
    elif b.style == "wall":
        cv.paint(*column_quad(ca, cb, h - 0.1, h), shade(b.rgb, light * 1.2))
    elif b.style == "hedge":
        cv.paint(*column_quad(ca, cb, 0.0, 0.35 * h), (0, 0, 0, 50))


def _vertical_lines(cv, view, d, y0, y1, sa, sb, spacing, rgb, dense_rgba, ca, cb) -> None:
    """Bars or planks every ``spacing`` m; where they would be closer than ~3 px, a translucent
    wash instead (a dense railing reads as a tint)."""
    n = (sb - sa) / spacing
    if n < 1:
        return
    if abs(ca[0] - cb[0]) / n < 3.0:
        if dense_rgba is not None:
            cv.paint(*column_quad(ca, cb, y0, y1), dense_rgba)
        return
    ss = np.arange(math.ceil(sa / spacing) * spacing, sb, spacing)
    u0, v0, _ = view.project(d, y0, ss)
    u1, v1, _ = view.project(d, y1, ss)
    for a, b, c, e in zip(u0.tolist(), u1.tolist(), v0.tolist(), v1.tolist()):
        cv.paint_line([a, b], [c, e], 1, rgb)
