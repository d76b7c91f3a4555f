"""Sampling a street's cross-section, surface, markings and bends."""

from __future__ import annotations

import math

import numpy as np

from .camera import Curvature
from .objects import Street
from .palette import PAVEMENT, TREE
from .sampling import pick, poisson_positions, vary
from .towns import Town


def sample_street(rng: np.random.Generator, town: Town, s_lo: float, s_hi: float) -> Street:
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
    road_rgb = vary(rng, (grey, grey * 0.98, grey * 1.04), 0.04)
    pg = rng.uniform(125, 170)
    pave_rgb = vary(rng, (pg, pg * 0.97, pg * 0.93), 0.05)
    centre_line = str(rng.choice(["dashed", "double", "none"], p=[0.75, 0.1, 0.15]))
    period = float(pick(rng, (6.0, 9.0, 12.0)))
    crossings = tuple(poisson_positions(rng, s_lo + 15, s_hi, 0.3))
    patches = []
    for s in poisson_positions(rng, s_lo, s_hi, 6.0):
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
        grass_rgb=vary(rng, (88, 112, 58), 0.1),
        kerb_rgb=vary(rng, (175, 172, 165), 0.05),
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


def kerb(street: Street, side: int) -> float:
    """Signed lateral offset of the kerb on ``side``."""
    return -street.half_l if side < 0 else street.half_r


def pave(street: Street, side: int) -> float:
    """Pavement width on ``side`` (m)."""
    return street.pave_l if side < 0 else street.pave_r
