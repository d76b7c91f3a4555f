"""Sampling street furniture: street lights, signs and traffic lights, fences, hedges, walls."""

from __future__ import annotations

import numpy as np

from .layout_street import kerb, pave
from .objects import Barrier, Sign, Street, StreetLight
from .palette import BUILDING, FENCE, TREE
from .sampling import pick, poisson_positions, vary
from .towns import Town

_SIGN_KINDS = ("round_red", "round_blue", "triangle", "rect_blue", "rect_white", "traffic_light")


def sample_lights(rng: np.random.Generator, street: Street, s_lo: float, s_hi: float) -> list[StreetLight]:
    """Street lights at a regular spacing, on both sides or alternating."""
    lights: list[StreetLight] = []
    spacing = rng.uniform(24, 40)
    both = rng.random() < 0.4
    first_side = -1 if rng.random() < 0.5 else 1
    rgb = vary(rng, pick(rng, ((150, 152, 150), (60, 66, 62), (110, 112, 118))), 0.05)
    for i, s in enumerate(np.arange(s_lo + rng.uniform(0, spacing), s_hi, spacing)):
        sides = (-1, 1) if both else (first_side if i % 2 == 0 or rng.random() < 0.5 else -first_side,)
        for side in sides:
            lights.append(
                StreetLight(
                    s=float(s) + rng.uniform(-1, 1),
                    d=kerb(street, side) + side * 0.5,
                    height=rng.uniform(6.0, 9.0),
                    arm=-side * rng.uniform(0.8, 2.0),
                    rgb=rgb,
                )
            )
    return lights


def sample_signs(rng: np.random.Generator, street: Street, s_lo: float, s_hi: float) -> list[Sign]:
    """Signs on poles near the kerb, and a pair of lights at every zebra crossing."""
    signs: list[Sign] = []
    for s in poisson_positions(rng, s_lo, s_hi, 5.0):
        side = -1 if rng.random() < 0.6 else 1
        kind = str(rng.choice(_SIGN_KINDS, p=[0.2, 0.2, 0.15, 0.2, 0.1, 0.15]))
        signs.append(
            Sign(
                s=s,
                d=kerb(street, side) + side * rng.uniform(0.3, 0.8),
                kind=kind,
                pole_h=rng.uniform(2.2, 3.0),
                size=rng.uniform(0.9, 1.4) * (1.5 if kind.startswith("rect") else 1.0),
                phase=rng.uniform(0, 60),
            )
        )
    for s in street.crossings:
        for side in (-1, 1):
            signs.append(Sign(s=s - 1.0, d=kerb(street, side) + side * 0.4, kind="traffic_light",
                              pole_h=2.4, size=0.9, phase=rng.uniform(0, 60)))
    return signs


def sample_barriers(rng: np.random.Generator, town: Town, street: Street,
                    open_spans: dict[int, list[tuple[float, float]]], s_lo: float, s_hi: float) -> list[Barrier]:
    """Fences, hedges and low walls at the back of the pavement, kerbside railings, and fences
    along open stretches."""
    barriers: list[Barrier] = []
    for side in (-1, 1):
        k, p = kerb(street, side), pave(street, side)
        if rng.random() < town.fence_probability:
            style = str(rng.choice(["railing", "panel", "hedge", "wall"], p=[0.35, 0.3, 0.2, 0.15]))
            cls = {"railing": FENCE, "panel": FENCE, "hedge": TREE, "wall": BUILDING}[style]
            rgb = {
                "railing": pick(rng, ((36, 40, 38), (40, 70, 50), (120, 120, 124))),
                "panel": pick(rng, ((120, 90, 60), (150, 140, 120), (100, 100, 96))),
                "hedge": (56, 80, 40),
                "wall": pick(rng, ((140, 80, 60), (170, 160, 140))),
            }[style]
            d = k + side * (p + 0.1)
            for s in poisson_positions(rng, s_lo, s_hi, 2.2):
                length = rng.uniform(15, 50)
                height = rng.uniform(1.0, 1.8) if cls != BUILDING else rng.uniform(0.6, 1.1)
                barriers.append(Barrier(s, s + length, d, height, cls, style, vary(rng, rgb, 0.06)))
        if rng.random() < 0.2:  # kerbside safety railing
            for s in poisson_positions(rng, s_lo, s_hi, 1.5):
                barriers.append(Barrier(s, s + rng.uniform(6, 25), k + side * 0.35, 1.0, FENCE, "railing",
                                        vary(rng, (150, 150, 150), 0.1)))
        for a, b in open_spans[side]:
            if rng.random() < 0.6:
                barriers.append(Barrier(a, b, k + side * (p + 0.2), rng.uniform(1.0, 1.8), FENCE,
                                        str(rng.choice(["railing", "panel"])), vary(rng, (90, 90, 84), 0.2)))
    return barriers
