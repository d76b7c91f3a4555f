"""Sampling road users: parked and moving cars, pedestrians on the pavements, cyclists."""

from __future__ import annotations

import math

import numpy as np

from .layout_street import kerb, pave
from .objects import RGB, Car, Cyclist, Pedestrian, Street
from .sampling import pick, poisson_positions, vary
from .towns import Town

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


def random_car(rng: np.random.Generator, s0: float, v: float, d: float, facing: int) -> Car:
    """A car of a random kind, size and colour (buses are rare)."""
    kind = str(rng.choice(["sedan", "hatch", "suv", "van", "bus"], p=[0.38, 0.31, 0.18, 0.10, 0.03]))
    length, width, height = {
        "sedan": (rng.uniform(4.3, 4.8), rng.uniform(1.72, 1.85), rng.uniform(1.40, 1.50)),
        "hatch": (rng.uniform(3.7, 4.2), rng.uniform(1.65, 1.78), rng.uniform(1.45, 1.55)),
        "suv": (rng.uniform(4.3, 4.8), rng.uniform(1.82, 1.95), rng.uniform(1.65, 1.80)),
        "van": (rng.uniform(4.8, 5.6), rng.uniform(1.9, 2.05), rng.uniform(1.9, 2.4)),
        "bus": (rng.uniform(10, 11.5), 2.5, rng.uniform(3.0, 4.3)),
    }[kind]
    rgb = vary(rng, pick(rng, _CAR_RGB), 0.06)
    if kind == "bus":
        rgb = vary(rng, pick(rng, ((180, 30, 30), (220, 220, 210), (40, 80, 150))), 0.05)
    return Car(s0, v, d, length, width, height, kind, rgb, facing)


def sample_parked(rng: np.random.Generator, town: Town, street: Street, s_lo: float, s_hi: float) -> list[Car]:
    """Cars parked nose to tail in the parking strips, mostly facing the flow of their side."""
    cars: list[Car] = []
    mean_gap = max(0.5, 100.0 / town.parked_density - 4.5)
    for side in (-1, 1):
        if (street.park_l if side < 0 else street.park_r) <= 0:
            continue
        k = kerb(street, side)
        s = s_lo + rng.uniform(0, 10)
        while s < s_hi:
            facing = (1 if side < 0 else -1) if rng.random() < 0.8 else (-1 if side < 0 else 1)
            c = random_car(rng, s, 0.0, 0.0, facing)
            d = k - side * (c.width / 2 + rng.uniform(0.15, 0.4))
            cars.append(Car(s, 0.0, d, c.length, c.width, c.height, c.kind, c.rgb, facing))
            s += c.length + 0.6 + rng.exponential(mean_gap)
    return cars


def sample_traffic(rng: np.random.Generator, town: Town, street: Street, d_cam: float, speed: float,
                   duration: float, s_lo: float, s_hi: float) -> list[Car]:
    """Moving cars, lane by lane, placed so that none collides with another or with us.

    Args:
        d_cam: lateral centre of the ego car's lane (m); speed: the ego car's speed (m/s);
        duration: length of the drive (s); s_lo, s_hi: the stretch of road the drive sees (m).
    """
    cars: list[Car] = []
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
                c = random_car(rng, s, v, d_lane, 1)
                cars.append(c)
                s += c.length + rng.uniform(8, 40)
                v_prev = v
            continue
        # Other lanes: a platoon at one speed, so spacing (at least 2 m bumper to bumper) holds.
        v_abs = rng.uniform(4, 12)
        extent_hi = s_hi + (v_abs * duration if facing < 0 else 0.0)
        extent_lo = s_lo - (v_abs * duration if facing > 0 else 0.0)
        free = extent_lo
        for s in poisson_positions(rng, extent_lo, extent_hi, town.traffic_density * 2.0):
            c = random_car(rng, max(s, free), facing * v_abs, d_lane + rng.uniform(-0.2, 0.2), facing)
            cars.append(c)
            free = c.s0 + c.length + 2.0
    return cars


def _people_rgb(rng: np.random.Generator) -> dict:
    return {
        "shirt": vary(rng, pick(rng, _CLOTHES), 0.1),
        "trousers": vary(rng, pick(rng, _CLOTHES[:6]), 0.1),
        "skin": pick(rng, _SKIN),
    }


def sample_pedestrians(rng: np.random.Generator, town: Town, street: Street, s_lo: float,
                       s_hi: float) -> list[Pedestrian]:
    """People walking either way along the pavements or standing; some children."""
    peds: list[Pedestrian] = []
    for side in (-1, 1):
        k, p = kerb(street, side), pave(street, side)
        if p < 1.2:
            continue
        for s in poisson_positions(rng, s_lo - 20, s_hi + 20, town.pedestrian_density):
            walking = rng.random() < 0.75
            peds.append(
                Pedestrian(
                    s0=s,
                    v=(1 if rng.random() < 0.5 else -1) * rng.uniform(0.9, 1.6) if walking else 0.0,
                    d=k + side * rng.uniform(0.5, p - 0.3),
                    height=rng.uniform(1.55, 1.9) if rng.random() > 0.1 else rng.uniform(1.0, 1.3),
                    hair=pick(rng, _HAIR),
                    phase=rng.uniform(0, 2 * math.pi),
                    umbrella=vary(rng, pick(rng, _CLOTHES), 0.1) if rng.random() < 0.6 else None,
                    **_people_rgb(rng),
                )
            )
    return peds


def sample_cyclists(rng: np.random.Generator, town: Town, street: Street, s_lo: float,
                    s_hi: float) -> list[Cyclist]:
    """Cyclists riding near the kerb, mostly in our direction."""
    cyclists: list[Cyclist] = []
    for s in poisson_positions(rng, s_lo, s_hi, town.cyclist_density):
        same_way = rng.random() < 0.7
        side = -1 if (same_way == town.drive_on_left) else 1
        edge = street.half_l - street.park_l if side < 0 else street.half_r - street.park_r
        cyclists.append(
            Cyclist(
                s0=s,
                v=(1 if same_way else -1) * rng.uniform(3, 6),
                d=side * (edge - rng.uniform(0.6, 1.0)),
                helmet=vary(rng, pick(rng, _CLOTHES), 0.1),
                bike=vary(rng, pick(rng, _CAR_RGB), 0.1),
                phase=rng.uniform(0, 2 * math.pi),
                **_people_rgb(rng),
            )
        )
    return cyclists
