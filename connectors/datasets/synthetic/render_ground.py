"""Drawing the ground (road, pavements, verges, markings) and the skyline on the horizon."""

from __future__ import annotations

import math

import numpy as np

from .camera import Z_FAR, Z_NEAR, View
from .canvas import Canvas
from .objects import SkyBlock, Street
from .palette import BUILDING, PAVEMENT, ROAD, TREE
from .shapes import shade

# Ground strips, uniform in inverse depth so each covers a similar number of image rows.
_STRIPS = 1.0 / np.linspace(1.0 / Z_NEAR, 1.0 / Z_FAR, 56)
_GROUND_REACH = 200.0  # m either side of the road


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


def draw_ground(cv: Canvas, view: View, street: Street) -> None:
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
    outer = {PAVEMENT: shade(street.pave_rgb, 0.9), TREE: street.grass_rgb}
    bands = [
        (-_GROUND_REACH, kl, outer[street.outer_l], street.outer_l),
        (kr, _GROUND_REACH, outer[street.outer_r], street.outer_r),
    ]
    if street.pave_l > 0:
        bands.append((kl, -hl, street.pave_rgb, PAVEMENT))
    if street.pave_r > 0:
        bands.append((hr, kr, street.pave_rgb, PAVEMENT))
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
