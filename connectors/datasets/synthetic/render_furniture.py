"""Drawing street furniture and greenery: trees, street lights, signs, fences, hedges, walls."""

from __future__ import annotations

import math
from functools import partial

import numpy as np

from .camera import Z_NEAR, View
from .canvas import Canvas
from .conditions import Look
from .objects import Barrier, Sign, StreetLight, Tree
from .palette import POLE, SIGN, TREE
from .scene import OBJECT_RANGE
from .shapes import column_quad, shade

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
