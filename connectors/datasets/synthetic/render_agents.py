"""Drawing road users: cars (boxes with a cabin, seen in perspective), pedestrians and cyclists
(jointed figures whose joints are projected in 3-D, so they turn correctly as we pass them).
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np

from .camera import Z_NEAR, View
from .canvas import Canvas
from .conditions import Look
from .objects import Car, Cyclist, Pedestrian
from .palette import BICYCLIST, CAR, PEDESTRIAN
from .shapes import column_quad as _quad
from .shapes import shade
from .scene import OBJECT_RANGE

# Cabin outline per kind, as fractions of the length from the rear:
# (bottom start, bottom end, top start, top end) and the body (waist) height as a fraction of
# the roof height. Boxy kinds have no separate cabin.
_CABIN = {
    "sedan": ((0.26, 0.70, 0.37, 0.62), 0.56),
    "hatch": ((0.08, 0.68, 0.14, 0.60), 0.56),
    "suv": ((0.06, 0.72, 0.10, 0.66), 0.58),
}
_GLASS = (48, 56, 66)
_TYRE = (22, 22, 24)


def car_items(c: Car, view: View, look: Look) -> list:
    s0 = c.s0 + c.v * look.t
    z0 = s0 - view.s_cam
    if z0 + c.length < Z_NEAR + 0.5 or z0 > OBJECT_RANGE:
        return []
    return [(max(z0, Z_NEAR), partial(_draw_car, view=view, c=c, s0=s0, look=look))]


def _draw_car(cv: Canvas, view: View, c: Car, s0: float, look: Look) -> None:
    L, hw, h = c.length, 0.5 * c.width, c.height
    a_lo = max(0.0, view.s_cam + Z_NEAR - s0)  # near-plane clip, in m from the near end
    if a_lo >= L - 0.3:
        return
    d = c.d
    if a_lo == 0.0 and view.f * c.width / (s0 - view.s_cam) < 8.0:
        _draw_car_far(cv, view, c, s0, look)
        return

    def P(lat, y, a):
        """Project points given by lateral offset from the car's centre, height and distance
        from its near end."""
        return view.project(d + np.asarray(lat, dtype=np.float64), y, s0 + np.asarray(a, dtype=np.float64))

    u, v, z = P(np.array([-hw, hw]), 0.0, np.array([a_lo, L]))
    if max(u) < -60 or min(u) > cv.width + 60:
        return
    depth = float(max(z[0], Z_NEAR) + 0.5 * (L - a_lo) * 0.3)
    boxy = c.kind not in _CABIN
    if boxy:
        waist = h
        cab = None
    else:
        cab, frac = _CABIN[c.kind]
        waist = frac * h
        if c.facing < 0:  # the near end is the front: mirror the cabin outline
            cab = (1 - cab[1], 1 - cab[0], 1 - cab[3], 1 - cab[2])
        cab = tuple(x * L for x in cab)

    # Soft shadow on the road under and beside the car.
    su, sv, _ = P(np.array([-hw - 0.25, hw + 0.25, hw + 0.25, -hw - 0.25]), 0.0,
                  np.array([max(a_lo, -0.3), max(a_lo, -0.3), L + 0.4, L + 0.4]))
    cv.paint(su, sv, (0, 0, 0, 90))

    # Which long side faces us: the left one if the car is right of the camera, and vice versa.
    x_cam = float(view.lateral(z[0]) + d - view.d_cam)
    side = -1 if x_cam > hw else (1 if x_cam < -hw else 0)
    body = c.rgb
    a1 = L
    if side:
        lat = side * hw
        ss = np.array([a_lo, a_lo, a1, a1])
        cv.fill(*P(lat, np.array([0.28, waist, waist, 0.28]), ss)[:2], shade(body, 0.78), CAR, depth)
        for aw in (0.75, L - 0.85) if not boxy or c.kind == "van" else (1.6, L - 2.2):
            if aw - 0.36 < a_lo:
                continue
            th = np.linspace(0, 2 * np.pi, 12, endpoint=False)
            cv.fill(*P(lat, 0.34 + 0.34 * np.sin(th), aw + 0.34 * np.cos(th))[:2], _TYRE, CAR, depth)
        if boxy:
            _boxy_side_windows(cv, P, c, lat, a_lo)

    # Bonnet/boot lid seen from above (the camera is higher than the waist of most cars).
    if view.cam_h > waist:
        cv.fill(*P(np.array([-hw, hw, hw, -hw]), waist, np.array([a_lo, a_lo, L, L]))[:2], shade(body, 1.08), CAR, depth)
    if a_lo == 0.0:
        _near_face(cv, P, c, waist, boxy, look, depth)
    if side and cab is not None:
        b0, b1, t0, t1 = cab
        b0, t0 = max(b0, a_lo), max(t0, a_lo)
        if b0 < b1 and t0 < t1:
            lb, lt = side * (hw - 0.05), side * (hw - 0.22)
            cu, cvv, _ = P(np.array([lb, lb, lt, lt]), np.array([waist, waist, h, h]), np.array([b0, b1, t1, t0]))
            cv.fill(cu, cvv, shade(body, 0.78), CAR, depth)
            gu, gv, _ = P(np.array([lb, lb, lt, lt]), np.array([waist + 0.06, waist + 0.06, h - 0.06, h - 0.06]),
                          np.array([b0 + 0.12, b1 - 0.12, t1 - 0.08, t0 + 0.08]))
            cv.paint(gu, gv, _GLASS)
    if cab is not None:
        b0, b1, t0, t1 = cab
        if b0 >= a_lo:
            # Rear window or windscreen, sloping from the waist to the roof.
            lb, lt = hw - 0.05, hw - 0.22
            gu, gv, _ = P(np.array([-lb, lb, lt, -lt]), np.array([waist, waist, h, h]), np.array([b0, b0, t0, t0]))
            cv.fill(gu, gv, shade(body, 0.9), CAR, depth)
            gu, gv, _ = P(np.array([-lb + 0.08, lb - 0.08, lt - 0.06, -lt + 0.06]),
                          np.array([waist + 0.05, waist + 0.05, h - 0.05, h - 0.05]),
                          np.array([b0 + 0.02, b0 + 0.02, t0 - 0.02, t0 - 0.02]))
            cv.paint(gu, gv, _GLASS)
        if view.cam_h > h and t1 > max(t0, a_lo):
            lt = hw - 0.22
            cv.fill(*P(np.array([-lt, lt, lt, -lt]), h, np.array([max(t0, a_lo), max(t0, a_lo), t1, t1]))[:2],
                    shade(body, 1.1), CAR, depth)


def _draw_car_far(cv: Canvas, view: View, c: Car, s0: float, look: Look) -> None:
    """A car a few pixels wide: its near end (body, glass, lights) and one side, no detail."""
    hw, h = 0.5 * c.width, c.height
    cl, cr = view.column(c.d - hw, s0), view.column(c.d + hw, s0)
    if max(cl[0], cr[0]) < 0 or min(cl[0], cr[0]) > cv.width:
        return
    depth = cl[3]
    waist = h if c.kind not in _CABIN else _CABIN[c.kind][1] * h
    x_cam = view.lateral(depth) + c.d - view.d_cam
    if abs(x_cam) > hw:  # the long side facing us, as one quad
        lat = c.d - hw if x_cam > 0 else c.d + hw
        c0, c1 = view.column(lat, s0), view.column(lat, s0 + c.length)
        cv.fill(*_quad(c0, c1, 0.0, waist), shade(c.rgb, 0.78), CAR, depth)
        cv.fill(*_quad(c0, c1, waist, h), _GLASS if waist < h else shade(c.rgb, 0.78), CAR, depth)
    cv.fill(*_quad(cl, cr, 0.0, 0.3), _TYRE, CAR, depth)
    cv.fill(*_quad(cl, cr, 0.3, waist), shade(c.rgb, 0.92), CAR, depth)
    if waist < h:
        cv.fill(*_quad(view.column(c.d - hw + 0.2, s0), view.column(c.d + hw - 0.2, s0), waist, h), _GLASS, CAR, depth)
    if look.lights_on:
        ly = min(waist, 1.1) - 0.2
        rgb = (255, 248, 225) if c.facing < 0 else (235, 40, 36)
        k = cl[2]
        for u in (cl[0] + 0.25 * k, cr[0] - 0.25 * k):
            cv.paint_ellipse(u, cl[1] - ly * k, max(0.6, 0.15 * k), max(0.6, 0.1 * k), rgb, emit=255)


def _boxy_side_windows(cv, P, c: Car, lat: float, a_lo: float) -> None:
    h, L = c.height, c.length
    rows = ((1.2, 2.0), (2.55, 3.5)) if (c.kind == "bus" and h > 3.8) else ((h * 0.55, h * 0.86),)
    a0 = max(a_lo, 0.4) if c.kind == "bus" else max(a_lo, L * (0.0 if c.facing < 0 else 0.72))
    a1 = L - 0.4 if c.kind == "bus" else L * (0.28 if c.facing < 0 else 1.0) - 0.2
    if a0 >= a1:
        return
    for y0, y1 in rows:
        u, v, _ = P(lat, np.array([y0, y1, y1, y0]), np.array([a0, a0, a1, a1]))
        cv.paint(u, v, _GLASS)


def _near_face(cv, P, c: Car, waist: float, boxy: bool, look: Look, depth: float) -> None:
    hw = 0.5 * c.width
    cv.fill(*P(np.array([-hw + 0.12, hw - 0.12, hw - 0.12, -hw + 0.12]), np.array([0.02, 0.02, 0.32, 0.32]), 0.35)[:2],
            _TYRE, CAR, depth)
    cv.fill(*P(np.array([-hw, hw, hw, -hw]), np.array([0.28, 0.28, waist, waist]), 0.0)[:2],
            shade(c.rgb, 0.92), CAR, depth)
    front = c.facing < 0
    if boxy:
        y0, y1 = (c.height * 0.55, c.height * 0.9) if front or c.kind == "bus" else (c.height * 0.6, c.height * 0.85)
        cv.paint(*P(np.array([-hw + 0.12, hw - 0.12, hw - 0.12, -hw + 0.12]), np.array([y0, y0, y1, y1]), 0.0)[:2],
                 _GLASS)
    ly = min(waist, 1.1)
    if front:
        rgb = (255, 248, 225) if look.lights_on else (220, 220, 215)
        emit = 255 if look.lights_on else 0
        lamps = ((hw - 0.45, hw - 0.08), (ly - 0.32, ly - 0.12))
        cv.paint(*P(np.array([-0.4, 0.4, 0.4, -0.4]), np.array([0.45, 0.45, ly - 0.15, ly - 0.15]), 0.0)[:2], (30, 32, 34))
        plate = (235, 235, 230)
    else:
        rgb = (235, 40, 36) if look.lights_on else (170, 30, 32)
        emit = 200 if look.lights_on else 0
        lamps = ((hw - 0.4, hw - 0.06), (ly - 0.28, ly - 0.08))
        plate = (240, 210, 40)
    (x0, x1), (y0, y1) = lamps
    for sgn in (-1, 1):
        cv.paint(*P(sgn * np.array([x0, x1, x1, x0]), np.array([y0, y0, y1, y1]), 0.0)[:2], rgb, emit=emit)
    cv.paint(*P(np.array([-0.26, 0.26, 0.26, -0.26]), np.array([0.36, 0.36, 0.48, 0.48]), 0.0)[:2], plate)


# People -----------------------------------------------------------------------------------

def pedestrian_items(p: Pedestrian, view: View, look: Look) -> list:
    s = p.s0 + p.v * look.t
    z = s - view.s_cam
    if not (2.0 < z < OBJECT_RANGE * 0.7):
        return []
    return [(z, partial(_draw_pedestrian, view=view, p=p, s=s, look=look))]


def _draw_pedestrian(cv: Canvas, view: View, p: Pedestrian, s: float, look: Look) -> None:
    H = p.height
    u0, v0, z, k = view.base(p.d, s)
    if u0 + H * k < 0 or u0 - H * k > cv.width:
        return
    fwd = 1.0 if p.v >= 0 else -1.0
    walking = p.v != 0
    stride = 0.2 * H if walking else 0.03 * H
    sw = math.sin(p.phase + look.t * 2 * math.pi * 0.9 * abs(p.v) / max(0.5 * H, 1e-3))
    coat = 0.42 if (p.shirt[0] + p.phase) % 3 < 1 else 0.5
    # Joints as (lateral, height, forward) in units of the person's height, projected in one go:
    # two legs (hip, knee, foot), the torso (4 corners), two arms (shoulder, elbow, hand), head.
    joints = []
    for sgn in (-1, 1):
        foot = sgn * stride * sw / H
        joints += [(sgn * 0.06, 0.52, 0.0), (sgn * 0.06, 0.28, 0.5 * foot + 0.02), (sgn * 0.06, 0.03, foot)]
    joints += [(-0.11, coat, 0.0), (0.11, coat, 0.0), (0.14, 0.82, 0.0), (-0.14, 0.82, 0.0)]
    for sgn in (-1, 1):
        hand = (-sgn * 0.12 * sw) if walking else 0.02
        joints += [(sgn * 0.15, 0.8, 0.0), (sgn * 0.17, 0.62, 0.5 * hand), (sgn * 0.16, 0.45, hand)]
    joints.append((0.0, 0.935, 0.0))
    j = np.asarray(joints) * H
    u, v, _ = view.project(p.d + j[:, 0], j[:, 1], s + fwd * j[:, 2])
    leg_w, arm_w = 0.0715 * H * k, 0.047 * H * k
    cv.fill_line(u[0:3], v[0:3], leg_w, p.trousers, PEDESTRIAN, z)
    cv.fill_line(u[3:6], v[3:6], leg_w, p.trousers, PEDESTRIAN, z)
    cv.fill(u[6:10], v[6:10], p.shirt, PEDESTRIAN, z)
    sleeve = shade(p.shirt, 0.85)
    cv.fill_line(u[10:13], v[10:13], arm_w, sleeve, PEDESTRIAN, z)
    cv.fill_line(u[13:16], v[13:16], arm_w, sleeve, PEDESTRIAN, z)
    hu, hv = float(u[16]), float(v[16])
    r = 0.068 * H * k
    cv.fill_ellipse(hu, hv, r * 0.85, r, p.skin, PEDESTRIAN, z)
    cv.paint_ellipse(hu, hv - 0.35 * r, r * 0.85, r * 0.7, p.hair)
    if look.umbrellas and p.umbrella is not None and H > 1.4:
        ru = 0.5 * k
        top = hv - 0.35 * H * k
        cv.fill_line([hu, hu], [hv - r, top], max(1, 0.03 * k), (40, 40, 40), PEDESTRIAN, z)
        cv.fill([hu - ru, hu - 0.5 * ru, hu, hu + 0.5 * ru, hu + ru],
                [top + 0.22 * k, top - 0.05 * k, top - 0.14 * k, top - 0.05 * k, top + 0.22 * k],
                p.umbrella, PEDESTRIAN, z)


def cyclist_items(c: Cyclist, view: View, look: Look) -> list:
    s = c.s0 + c.v * look.t
    z = s - view.s_cam
    if not (2.0 < z < OBJECT_RANGE * 0.7):
        return []
    return [(z, partial(_draw_cyclist, view=view, c=c, s=s, look=look))]


def _draw_cyclist(cv: Canvas, view: View, c: Cyclist, s: float, look: Look) -> None:
    u0, v0, z, k = view.base(c.d, s)
    if u0 + 2 * k < 0 or u0 - 2 * k > cv.width:
        return
    fwd = 1.0 if c.v >= 0 else -1.0

    def P(lat, y, a):
        u, v, _ = view.project(c.d + np.asarray(lat, dtype=np.float64), y, s + fwd * np.asarray(a, dtype=np.float64))
        return u, v

    th = np.linspace(0, 2 * np.pi, 14)
    tyre = max(1.0, 0.05 * k)
    for ax in (0.0, 1.05):
        u, v = P(0.0, 0.34 + 0.34 * np.sin(th), ax + 0.34 * np.cos(th))
        cv.fill_line(u, v, tyre, (26, 26, 26), BICYCLIST, z)
    frame = [(0.0, 0.34), (0.32, 0.88), (0.46, 0.3), (0.0, 0.34), (0.46, 0.3), (0.86, 0.82), (0.32, 0.88),
             (0.86, 0.82), (1.05, 0.34)]
    u, v = P(0.0, np.array([p[1] for p in frame]), np.array([p[0] for p in frame]))
    cv.fill_line(u, v, max(1.0, 0.045 * k), c.bike, BICYCLIST, z)
    u, v = P(np.array([-0.25, 0.25]), 1.0, 0.9)
    cv.fill_line(u, v, max(1.0, 0.04 * k), (40, 40, 40), BICYCLIST, z)
    crank = c.phase + look.t * 2 * math.pi * abs(c.v) / 4.5
    leg_w = 0.12 * k
    for sgn in (-1, 1):
        ang = crank + (0 if sgn < 0 else math.pi)
        pa, py = 0.46 + 0.17 * math.cos(ang), 0.3 + 0.17 * math.sin(ang)
        u, v = P(sgn * 0.1, np.array([0.98, 0.5 * (0.98 + py) + 0.18, py]), np.array([0.3, 0.5 * (0.3 + pa) + 0.2, pa]))
        cv.fill_line(u, v, leg_w, c.trousers, BICYCLIST, z)
    u, v = P(np.array([-0.13, 0.13, 0.18, -0.18]), np.array([0.95, 0.95, 1.45, 1.45]), np.array([0.3, 0.3, 0.68, 0.68]))
    cv.fill(u, v, c.shirt, BICYCLIST, z)
    for sgn in (-1, 1):
        u, v = P(sgn * np.array([0.18, 0.22, 0.25]), np.array([1.42, 1.2, 1.0]), np.array([0.68, 0.8, 0.9]))
        cv.fill_line(u, v, 0.08 * k, shade(c.shirt, 0.85), BICYCLIST, z)
    u, v = P(0.0, np.array([1.6]), np.array([0.76]))
    r = 0.11 * k
    cv.fill_ellipse(float(u[0]), float(v[0]), r * 0.9, r, c.skin, BICYCLIST, z)
    cv.fill_ellipse(float(u[0]), float(v[0]) - 0.3 * r, r * 1.0, r * 0.75, c.helmet, BICYCLIST, z)
    if look.lights_on:
        u, v = P(0.0, np.array([0.8]), np.array([-0.05 if fwd > 0 else 1.1]))
        col = (255, 40, 30) if fwd > 0 else (255, 250, 230)
        cv.paint_ellipse(float(u[0]), float(v[0]), max(0.8, 0.05 * k), max(0.8, 0.05 * k), col, emit=255)
