"""Layout sampling: the world one drive passes through.

``sample_drive`` draws a street (cross-section, markings, bends), lines it with buildings,
trees, street lights, signs and fences, and populates it with parked and moving cars,
pedestrians and cyclists. It depends only on ``(seed, drive, location, frames_per_drive)``;
the weather and time of day never change the layout, so the same scene can be rendered under
every condition. Each kind of thing draws from its own random stream, placed along the road from
near to far, so a longer drive extends the world without moving what was already there.
"""

from __future__ import annotations

import math

import numpy as np

from .camera import Z_FAR, Curvature
from .objects import (
    RGB,
    Barrier,
    Building,
    Car,
    Cloud,
    Cyclist,
    DriveScene,
    Pedestrian,
    Sign,
    SkyBlock,
    Street,
    StreetLight,
    Tree,
)
from .palette import BUILDING, FENCE, PAVEMENT, TREE
from .seeding import TAG_LAYOUT, stream
from .towns import TOWNS, Town

FRAME_INTERVAL_S = 1.0  # s between consecutive frames of a drive (CamVid labels 1 frame a second)
OBJECT_RANGE = 160.0  # m: things farther than this are not drawn (the skyline stands in for them)

# Sub-stream ids, one per kind of thing.
_STREET, _LEFT, _RIGHT, _TREES, _LIGHTS, _SIGNS, _BARRIERS = range(7)
_PARKED, _TRAFFIC, _PEOPLE, _CYCLISTS, _SKY, _EGO = range(7, 13)

_CAR_RGB: tuple[RGB, ...] = (
    (190, 192, 196), (30, 32, 36), (236, 236, 232), (150, 24, 28), (32, 60, 120),
    (96, 100, 106), (24, 72, 48), (200, 200, 204), (120, 130, 140), (170, 120, 40),
)
_CLOTHES: tuple[RGB, ...] = (
    (30, 30, 34), (40, 46, 70), (90, 90, 96), (120, 30, 34), (200, 200, 196), (60, 80, 50),
    (150, 120, 80), (30, 60, 110), (170, 150, 130), (80, 50, 40), (200, 120, 40), (20, 20, 20),
)
_SKIN: tuple[RGB, ...] = ((232, 190, 160), (200, 150, 115), (150, 100, 70), (96, 64, 44))
_HAIR: tuple[RGB, ...] = ((30, 24, 20), (80, 56, 36), (150, 120, 70), (120, 120, 120))
_ROOFS: tuple[RGB, ...] = ((84, 74, 72), (120, 64, 50), (64, 66, 72), (100, 96, 90))
_FOLIAGE: tuple[RGB, ...] = ((70, 96, 44), (58, 84, 40), (92, 110, 52), (48, 70, 42), (110, 112, 54))


def _pick(rng: np.random.Generator, options):
    return options[int(rng.integers(len(options)))]


def _vary(rng: np.random.Generator, rgb: RGB, amount: float) -> RGB:
    """``rgb`` scaled by a random brightness factor and nudged per channel."""
    k = 1.0 + rng.uniform(-amount, amount)
    c = np.asarray(rgb, dtype=np.float64) * k + rng.uniform(-amount, amount, 3) * 40
    return tuple(int(x) for x in np.clip(c, 0, 255))


def _poisson_positions(rng: np.random.Generator, s0: float, s1: float, per_100m: float) -> list[float]:
    """Arc lengths of a Poisson process of the given density on ``[s0, s1)``."""
    out, s = [], s0
    if per_100m <= 0:
        return out
    while True:
        s += rng.exponential(100.0 / per_100m)
        if s >= s1:
            return out
        out.append(s)


def _street(rng: np.random.Generator, town: Town, s_lo: float, s_hi: float) -> Street:
    n_lanes = 2 if rng.random() < 0.8 else 4
    lane_w = rng.uniform(2.7, 3.3)
    park_l = rng.uniform(2.0, 2.3) if rng.random() < 0.45 else 0.0
    park_r = rng.uniform(2.0, 2.3) if rng.random() < 0.25 else 0.0
    no_pave = 0.25 if town.grass_outer else 0.05
    pave_l = 0.0 if rng.random() < no_pave else rng.uniform(2.0, 5.0)
    pave_r = 0.0 if rng.random() < no_pave else rng.uniform(2.0, 5.0)
    outer_grass = 0.8 if town.grass_outer else 0.15
    outer_l = TREE if rng.random() < outer_grass else PAVEMENT
    outer_r = TREE if rng.random() < outer_grass else PAVEMENT
    grey = rng.uniform(78, 112)
    road_rgb = _vary(rng, (grey, grey * 0.98, grey * 1.04), 0.04)
    pg = rng.uniform(125, 170)
    pave_rgb = _vary(rng, (pg, pg * 0.97, pg * 0.93), 0.05)
    centre_line = str(rng.choice(["dashed", "double", "none"], p=[0.75, 0.1, 0.15]))
    period = float(_pick(rng, (6.0, 9.0, 12.0)))
    crossings = tuple(_poisson_positions(rng, s_lo + 15, s_hi, 0.3))
    patches = []
    for s in _poisson_positions(rng, s_lo, s_hi, 6.0):
        half = n_lanes * lane_w / 2
        d0 = rng.uniform(-half, half - 1.0)
        patches.append((s, s + rng.uniform(2, 12), d0, d0 + rng.uniform(0.8, 3.5), int(rng.integers(-18, 14))))
    bend = rng.random() < 0.65
    turn = Curvature(
        k0=float(np.clip(rng.normal(0.0, 1 / 2500), -1 / 800, 1 / 800)),
        amp=float(rng.uniform(1 / 900, 1 / 280)) if bend else 0.0,
        omega=2 * math.pi / rng.uniform(160, 500),
        phase=rng.uniform(0, 2 * math.pi),
    )
    hill = town.hilly * rng.uniform(0, 1 / 700) if rng.random() < 0.7 else 0.0
    # Non-negative vertical curvature (a dip or a hill ahead) keeps the road's image rows
    # monotone in depth, so the painter's order of the ground stays correct.
    rise = Curvature(k0=hill, amp=hill, omega=2 * math.pi / rng.uniform(200, 600), phase=rng.uniform(0, 6.3))
    return Street(
        lane_w=lane_w,
        n_lanes=n_lanes,
        park_l=park_l,
        park_r=park_r,
        pave_l=pave_l,
        pave_r=pave_r,
        outer_l=outer_l,
        outer_r=outer_r,
        road_rgb=road_rgb,
        pave_rgb=pave_rgb,
        grass_rgb=_vary(rng, (88, 112, 58), 0.1),
        kerb_rgb=_vary(rng, (175, 172, 165), 0.05),
        centre_line=centre_line,
        edge_lines=bool(rng.random() < 0.45),
        dash_len=period / 3,
        dash_period=period,
        dash_phase=rng.uniform(0, period),
        yellow_l=bool(park_l == 0 and rng.random() < 0.4),
        yellow_r=bool(park_r == 0 and rng.random() < 0.3),
        crossings=crossings,
        patches=tuple(patches),
        turn=turn,
        rise=rise,
    )


def _kerb(street: Street, side: int) -> float:
    """Signed lateral offset of the kerb on ``side``."""
    return -street.half_l if side < 0 else street.half_r


def _pave(street: Street, side: int) -> float:
    return street.pave_l if side < 0 else street.pave_r


def _buildings(
    rng: np.random.Generator, town: Town, street: Street, side: int, s_lo: float, s_hi: float
) -> tuple[list[Building], list[tuple[float, float]]]:
    """Front and second-row buildings on one side, and the open stretches (parks, car parks)."""
    out: list[Building] = []
    open_spans: list[tuple[float, float]] = []
    line = abs(_kerb(street, side)) + _pave(street, side)
    setback = 0.0 if rng.random() < 0.65 else rng.uniform(1.5, 6.0)
    palette = town.facade_colours
    pitched = 0.3 if town.name == "synth-north" else 0.6
    lit_key = int(rng.integers(1 << 30))
    s = s_lo - rng.uniform(0, 20)
    while s < s_hi:
        if rng.random() > town.building_density:
            span = rng.uniform(15, 50)
            open_spans.append((s, s + span))
            s += span
            continue
        run = int(rng.integers(1, 5))  # a terrace of buildings with no gaps between them
        for _ in range(run):
            bay_w = rng.uniform(2.8, 4.2)
            bays = int(rng.integers(2, 8))
            lo, hi = town.storey_range
            floors = int(rng.integers(lo, hi + 1))
            storey = rng.uniform(2.8, 3.4)
            shop = rng.random() < (0.45 if town.name != "synth-hills" else 0.15)
            out.append(
                Building(
                    s0=s,
                    s1=s + bays * bay_w,
                    d_face=side * (line + setback + rng.uniform(0, 0.6)),
                    side=side,
                    height=floors * storey + rng.uniform(0.3, 1.5),
                    depth=rng.uniform(8, 15),
                    rgb=_vary(rng, _pick(rng, palette), 0.08),
                    trim_rgb=_vary(rng, _pick(rng, ((230, 228, 220), (60, 56, 52), (150, 140, 130))), 0.05),
                    storey_h=storey,
                    bay_w=bay_w,
                    win_w=rng.uniform(0.35, 0.6),
                    win_h=rng.uniform(0.4, 0.6),
                    shop_rgb=_vary(rng, _pick(rng, _CLOTHES), 0.1) if shop else None,
                    lit_key=lit_key + len(out),
                    row=0,
                    roof_h=rng.uniform(1.5, 4.0) if rng.random() < pitched else 0.0,
                    roof_rgb=_vary(rng, _pick(rng, _ROOFS), 0.08),
                )
            )
            s += bays * bay_w
        s += rng.uniform(2, 12) if rng.random() < 0.5 else 0.0
    # Second row: taller blocks behind, seen over low fronts and through gaps.
    s = s_lo - rng.uniform(0, 30)
    back = line + setback + rng.uniform(14, 30)
    while s < s_hi:
        w = rng.uniform(10, 35)
        if rng.random() < town.building_density * 0.8:
            lo, hi = town.storey_range
            floors = int(rng.integers(lo + 1, hi + 4))
            bay_w = rng.uniform(3.0, 4.5)
            bays = max(2, int(w / bay_w))
            storey = rng.uniform(2.9, 3.4)
            out.append(
                Building(
                    s0=s,
                    s1=s + bays * bay_w,
                    d_face=side * (back + rng.uniform(0, 6)),
                    side=side,
                    height=floors * storey + rng.uniform(0.3, 2.0),
                    depth=rng.uniform(10, 20),
                    rgb=_vary(rng, _pick(rng, palette), 0.1),
                    trim_rgb=_vary(rng, (200, 196, 188), 0.1),
                    storey_h=storey,
                    bay_w=bay_w,
                    win_w=rng.uniform(0.35, 0.6),
                    win_h=rng.uniform(0.4, 0.6),
                    shop_rgb=None,
                    lit_key=lit_key + 1000 + len(out),
                    row=1,
                    roof_h=rng.uniform(1.5, 4.0) if rng.random() < pitched * 0.5 else 0.0,
                    roof_rgb=_vary(rng, _pick(rng, _ROOFS), 0.08),
                )
            )
            s += bays * bay_w
        s += rng.uniform(0, 15)
    return out, open_spans


def _lobes(rng: np.random.Generator, r: float) -> tuple[tuple[float, float, float, float, float], ...]:
    n = int(rng.integers(5, 10))
    out = []
    for i in range(n):
        a = rng.uniform(0, 2 * math.pi)
        rad = r * rng.uniform(0.0, 0.55)
        rx = r * rng.uniform(0.45, 0.7)
        # Lower lobes darker (self-shadow), drawn first; the lit top-left ones last.
        y = rad * math.sin(a)
        out.append((rad * math.cos(a), y, rx, rx * rng.uniform(0.8, 1.1), 0.75 + 0.25 * (y / r + 0.5)))
    out.sort(key=lambda lobe: lobe[4])
    return tuple(out)


def _branches(rng: np.random.Generator, x, y, angle, length, width, depth, out) -> None:
    x1, y1 = x + length * math.sin(angle), y + length * math.cos(angle)
    out.append((x, y, x1, y1, width))
    if depth == 0:
        return
    for _ in range(int(rng.integers(2, 4))):
        _branches(
            rng, x1, y1, angle + rng.uniform(-0.7, 0.7), length * rng.uniform(0.55, 0.8),
            width * 0.6, depth - 1, out,
        )


def _tree(rng: np.random.Generator, s: float, d: float, big: bool) -> Tree:
    kind = str(rng.choice(["leafy", "bare", "conifer"], p=[0.55, 0.2, 0.25] if big else [0.7, 0.3, 0.0]))
    trunk_h = rng.uniform(1.8, 3.5) * (1.3 if big else 1.0)
    crown_r = rng.uniform(2.5, 4.5) if big else rng.uniform(1.4, 2.6)
    branches: list[tuple[float, float, float, float, float]] = []
    if kind == "bare":
        for _ in range(int(rng.integers(2, 4))):
            _branches(rng, 0.0, trunk_h, rng.uniform(-0.6, 0.6), crown_r * 0.7, 0.14, 2, branches)
    rgb = _vary(rng, _pick(rng, _FOLIAGE), 0.12)
    if kind == "bare":
        rgb = _vary(rng, (112, 100, 88), 0.08)
    return Tree(
        s=s,
        d=d,
        kind=kind,
        trunk_h=trunk_h,
        trunk_w=rng.uniform(0.22, 0.45),
        crown_r=crown_r,
        rgb=rgb,
        trunk_rgb=_vary(rng, (78, 64, 52), 0.15),
        lobes=_lobes(rng, crown_r),
        branches=tuple(branches),
    )


def _people_rgb(rng: np.random.Generator) -> dict:
    return {
        "shirt": _vary(rng, _pick(rng, _CLOTHES), 0.1),
        "trousers": _vary(rng, _pick(rng, _CLOTHES[:6]), 0.1),
        "skin": _pick(rng, _SKIN),
    }


def sample_drive(seed: int, drive: int, location: str, frames_per_drive: int) -> DriveScene:
    """Sample the world of one drive.

    Args:
        seed: data-set seed (non-negative).
        drive: drive number within the data set (non-negative).
        location: a key of ``TOWNS``.
        frames_per_drive: frames the ego car records; sets how far along the road it gets.

    Returns:
        A frozen ``DriveScene`` (lengths in m, speeds in m/s, colours as RGB tuples).
    """
    town = TOWNS[location]

    def sub(tag: int) -> np.random.Generator:
        return stream(seed, TAG_LAYOUT, drive, tag)

    ego = sub(_EGO)
    speed = float(ego.uniform(4.0, 10.0))
    duration = (frames_per_drive - 1) * FRAME_INTERVAL_S
    s_lo, s_hi = -30.0, speed * duration + OBJECT_RANGE + 20.0

    street = _street(sub(_STREET), town, s_lo, s_hi)
    # Ego lane: the nearside lane on the left (UK-style traffic); one of the two nearside
    # lanes on four-lane roads.
    lane = 0 if street.n_lanes == 2 or ego.random() < 0.6 else 1
    d_cam = -(lane + 0.5) * street.lane_w
    if not town.drive_on_left:
        d_cam = -d_cam

    buildings: list[Building] = []
    open_spans: dict[int, list[tuple[float, float]]] = {}
    for side, tag in ((-1, _LEFT), (1, _RIGHT)):
        b, spans = _buildings(sub(tag), town, street, side, s_lo, s_hi)
        buildings += b
        open_spans[side] = spans

    def in_open(side: int, s: float) -> bool:
        return any(a <= s < b for a, b in open_spans[side])

    rng = sub(_TREES)
    trees: list[Tree] = []
    for side in (-1, 1):
        kerb, pave = _kerb(street, side), _pave(street, side)
        if pave > 1.5:
            for s in _poisson_positions(rng, s_lo, s_hi, town.tree_density):
                trees.append(_tree(rng, s, kerb + side * rng.uniform(0.6, min(1.2, pave - 0.4)), False))
        for a, b in open_spans[side]:
            for s in _poisson_positions(rng, a, b, 16.0):
                trees.append(_tree(rng, s, kerb + side * (pave + rng.uniform(2, 14)), True))

    rng = sub(_LIGHTS)
    lights: list[StreetLight] = []
    spacing = rng.uniform(24, 40)
    both = rng.random() < 0.4
    first_side = -1 if rng.random() < 0.5 else 1
    rgb = _vary(rng, _pick(rng, ((150, 152, 150), (60, 66, 62), (110, 112, 118))), 0.05)
    for i, s in enumerate(np.arange(s_lo + rng.uniform(0, spacing), s_hi, spacing)):
        sides = (-1, 1) if both else (first_side if i % 2 == 0 or rng.random() < 0.5 else -first_side,)
        for side in sides:
            lights.append(
                StreetLight(
                    s=float(s) + rng.uniform(-1, 1),
                    d=_kerb(street, side) + side * 0.5,
                    height=rng.uniform(6.0, 9.0),
                    arm=-side * rng.uniform(0.8, 2.0),
                    rgb=rgb,
                )
            )

    rng = sub(_SIGNS)
    signs: list[Sign] = []
    kinds = ("round_red", "round_blue", "triangle", "rect_blue", "rect_white", "traffic_light")
    for s in _poisson_positions(rng, s_lo, s_hi, 5.0):
        side = -1 if rng.random() < 0.6 else 1
        kind = str(rng.choice(kinds, p=[0.2, 0.2, 0.15, 0.2, 0.1, 0.15]))
        signs.append(
            Sign(
                s=s,
                d=_kerb(street, side) + side * rng.uniform(0.3, 0.8),
                kind=kind,
                pole_h=rng.uniform(2.2, 3.0),
                size=rng.uniform(0.9, 1.4) * (1.5 if kind.startswith("rect") else 1.0),
                phase=rng.uniform(0, 60),
            )
        )
    for s in street.crossings:  # zebra crossings come with beacons/lights
        for side in (-1, 1):
            signs.append(Sign(s=s - 1.0, d=_kerb(street, side) + side * 0.4, kind="traffic_light",
                              pole_h=2.4, size=0.9, phase=rng.uniform(0, 60)))

    rng = sub(_BARRIERS)
    barriers: list[Barrier] = []
    for side in (-1, 1):
        kerb, pave = _kerb(street, side), _pave(street, side)
        if rng.random() < town.fence_probability:
            style = str(rng.choice(["railing", "panel", "hedge", "wall"], p=[0.35, 0.3, 0.2, 0.15]))
            cls = {"railing": FENCE, "panel": FENCE, "hedge": TREE, "wall": BUILDING}[style]
            rgb = {
                "railing": _pick(rng, ((36, 40, 38), (40, 70, 50), (120, 120, 124))),
                "panel": _pick(rng, ((120, 90, 60), (150, 140, 120), (100, 100, 96))),
                "hedge": (56, 80, 40),
                "wall": _pick(rng, ((140, 80, 60), (170, 160, 140))),
            }[style]
            d = kerb + side * (pave + 0.1)
            for s in _poisson_positions(rng, s_lo, s_hi, 2.2):
                length = rng.uniform(15, 50)
                barriers.append(Barrier(s, s + length, d, rng.uniform(1.0, 1.8) if cls != BUILDING else rng.uniform(0.6, 1.1),
                                        cls, style, _vary(rng, rgb, 0.06)))
        if rng.random() < 0.2:  # kerbside safety railing
            for s in _poisson_positions(rng, s_lo, s_hi, 1.5):
                barriers.append(Barrier(s, s + rng.uniform(6, 25), kerb + side * 0.35, 1.0, FENCE, "railing",
                                        _vary(rng, (150, 150, 150), 0.1)))
        for a, b in open_spans[side]:
            if rng.random() < 0.6:
                barriers.append(Barrier(a, b, kerb + side * (pave + 0.2), rng.uniform(1.0, 1.8), FENCE,
                                        str(rng.choice(["railing", "panel"])), _vary(rng, (90, 90, 84), 0.2)))

    rng = sub(_PARKED)
    cars: list[Car] = []

    def car(s0: float, v: float, d: float, facing: int) -> Car:
        kind = str(rng.choice(["sedan", "hatch", "suv", "van", "bus"], p=[0.38, 0.31, 0.18, 0.10, 0.03]))
        length, width, height = {
            "sedan": (rng.uniform(4.3, 4.8), rng.uniform(1.72, 1.85), rng.uniform(1.40, 1.50)),
            "hatch": (rng.uniform(3.7, 4.2), rng.uniform(1.65, 1.78), rng.uniform(1.45, 1.55)),
            "suv": (rng.uniform(4.3, 4.8), rng.uniform(1.82, 1.95), rng.uniform(1.65, 1.80)),
            "van": (rng.uniform(4.8, 5.6), rng.uniform(1.9, 2.05), rng.uniform(1.9, 2.4)),
            "bus": (rng.uniform(10, 11.5), 2.5, rng.uniform(3.0, 4.3)),
        }[kind]
        rgb = _vary(rng, _pick(rng, _CAR_RGB), 0.06)
        if kind == "bus":
            rgb = _vary(rng, _pick(rng, ((180, 30, 30), (220, 220, 210), (40, 80, 150))), 0.05)
        return Car(s0, v, d, length, width, height, kind, rgb, facing)

    for side in (-1, 1):
        park = street.park_l if side < 0 else street.park_r
        if park <= 0:
            continue
        kerb = _kerb(street, side)
        s = s_lo + rng.uniform(0, 10)
        mean_gap = max(0.5, 100.0 / town.parked_density - 4.5)
        while s < s_hi:
            facing = (1 if side < 0 else -1) if rng.random() < 0.8 else (-1 if side < 0 else 1)
            c = car(0.0, 0.0, 0.0, facing)
            d = kerb - side * (c.width / 2 + rng.uniform(0.15, 0.4))
            cars.append(Car(s, 0.0, d, c.length, c.width, c.height, c.kind, c.rgb, facing))
            s += c.length + 0.6 + rng.exponential(mean_gap)

    rng = sub(_TRAFFIC)
    lanes = [(-(i + 0.5) * street.lane_w, 1) for i in range(street.n_lanes // 2)]
    lanes += [((i + 0.5) * street.lane_w, -1) for i in range(street.n_lanes // 2)]
    if not town.drive_on_left:
        lanes = [(-d, f) for d, f in lanes]
    for d_lane, facing in lanes:
        if abs(d_lane - d_cam) < 1e-6:
            # Our lane: a few cars ahead at about our speed, never closer than 8 m to us, and
            # each at least as fast as the one behind it, so that no car drives into another.
            s = rng.uniform(12, 35)
            v_prev = 0.0
            while s < s_hi and rng.random() < 0.5:
                v = max(speed + rng.uniform(-0.4, 0.6), v_prev)
                if v < speed:
                    s = max(s, 8 + (speed - v) * duration)
                c = car(s, v, d_lane, 1)
                cars.append(c)
                s += c.length + rng.uniform(8, 40)
                v_prev = v
            continue
        # Other lanes: a platoon at one speed, so spacing (at least 2 m bumper to bumper) holds.
        v_abs = rng.uniform(4, 12)
        extent_hi = s_hi + (v_abs * duration if facing < 0 else 0.0)
        extent_lo = s_lo - (v_abs * duration if facing > 0 else 0.0)
        free = extent_lo
        for s in _poisson_positions(rng, extent_lo, extent_hi, town.traffic_density * 2.0):
            c = car(max(s, free), facing * v_abs, d_lane + rng.uniform(-0.2, 0.2), facing)
            cars.append(c)
            free = c.s0 + c.length + 2.0

    rng = sub(_PEOPLE)
    peds: list[Pedestrian] = []
    for side in (-1, 1):
        kerb, pave = _kerb(street, side), _pave(street, side)
        if pave < 1.2:
            continue
        for s in _poisson_positions(rng, s_lo - 20, s_hi + 20, town.pedestrian_density):
            walking = rng.random() < 0.75
            peds.append(
                Pedestrian(
                    s0=s,
                    v=(1 if rng.random() < 0.5 else -1) * rng.uniform(0.9, 1.6) if walking else 0.0,
                    d=kerb + side * rng.uniform(0.5, pave - 0.3),
                    height=rng.uniform(1.55, 1.9) if rng.random() > 0.1 else rng.uniform(1.0, 1.3),
                    hair=_pick(rng, _HAIR),
                    phase=rng.uniform(0, 2 * math.pi),
                    umbrella=_vary(rng, _pick(rng, _CLOTHES), 0.1) if rng.random() < 0.6 else None,
                    **_people_rgb(rng),
                )
            )

    rng = sub(_CYCLISTS)
    cyclists: list[Cyclist] = []
    for s in _poisson_positions(rng, s_lo, s_hi, town.cyclist_density):
        same_way = rng.random() < 0.7
        side = -1 if (same_way == town.drive_on_left) else 1
        edge = street.half_l - street.park_l if side < 0 else street.half_r - street.park_r
        cyclists.append(
            Cyclist(
                s0=s,
                v=(1 if same_way else -1) * rng.uniform(3, 6),
                d=side * (edge - rng.uniform(0.6, 1.0)),
                helmet=_vary(rng, _pick(rng, _CLOTHES), 0.1),
                bike=_vary(rng, _pick(rng, _CAR_RGB), 0.1),
                phase=rng.uniform(0, 2 * math.pi),
                **_people_rgb(rng),
            )
        )

    rng = sub(_SKY)
    skyline: list[SkyBlock] = []
    d = -rng.uniform(250, 320)
    while d < 320:
        w = rng.uniform(8, 45)
        if rng.random() < (0.45 if town.grass_outer else 0.25):
            skyline.append(SkyBlock(d, d + w, rng.uniform(6, 18), TREE, _vary(rng, (70, 84, 60), 0.1)))
        elif rng.random() < 0.85:
            skyline.append(SkyBlock(d, d + w, rng.uniform(6, 40), BUILDING, _vary(rng, _pick(rng, town.facade_colours), 0.1)))
        d += w
    clouds = tuple(
        Cloud(rng.uniform(-0.1, 1.1), rng.uniform(0.3, 1.0), rng.uniform(0.08, 0.25), rng.uniform(0.03, 0.08))
        for _ in range(int(rng.integers(0, 7)))
    )

    ego2 = sub(_EGO + 100)
    # Drives start anywhere in town; lat/lon then follow the ego car along its heading.
    r, a = town.radius_m * math.sqrt(ego2.random()), ego2.uniform(0, 2 * math.pi)
    lat0 = town.lat + r * math.cos(a) / 111_320.0
    lon0 = town.lon + r * math.sin(a) / (111_320.0 * math.cos(math.radians(town.lat)))
    return DriveScene(
        drive=drive,
        location=location,
        street=street,
        buildings=tuple(buildings),
        trees=tuple(trees),
        lights=tuple(lights),
        signs=tuple(signs),
        barriers=tuple(barriers),
        cars=tuple(cars),
        pedestrians=tuple(peds),
        cyclists=tuple(cyclists),
        skyline=tuple(skyline),
        clouds=clouds,
        overcast=bool(rng.random() < 0.5),
        sun_side=-1 if rng.random() < 0.5 else 1,
        focal=float(ego2.uniform(0.85, 1.05)),
        horizon=float(ego2.uniform(0.44, 0.52)),
        cam_h=float(ego2.uniform(1.4, 1.8)),
        d_cam=d_cam,
        sway=float(ego2.uniform(0.0, 0.35)),
        sway_period=float(ego2.uniform(6, 20)),
        speed=speed,
        heading_deg=float(ego2.uniform(0, 360)),
        lat0=lat0,
        lon0=lon0,
    )


__all__ = ["FRAME_INTERVAL_S", "OBJECT_RANGE", "Z_FAR", "sample_drive"]
