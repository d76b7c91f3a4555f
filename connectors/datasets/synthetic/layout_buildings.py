"""Sampling the buildings along one side of a street (and the open stretches between them)."""

from __future__ import annotations

import numpy as np

from .layout_street import kerb, pave
from .objects import RGB, Building, Street
from .sampling import pick, vary
from .towns import Town

_FASCIA: tuple[RGB, ...] = (
    (30, 30, 34), (40, 46, 70), (90, 90, 96), (120, 30, 34), (200, 200, 196), (60, 80, 50),
    (150, 120, 80), (30, 60, 110), (170, 150, 130), (80, 50, 40), (200, 120, 40), (20, 20, 20),
)
_ROOFS: tuple[RGB, ...] = ((84, 74, 72), (120, 64, 50), (64, 66, 72), (100, 96, 90))


def sample_buildings(
    rng: np.random.Generator, town: Town, street: Street, side: int, s_lo: float, s_hi: float
) -> tuple[list[Building], list[tuple[float, float]]]:
    """Front and second-row buildings on one side, and the open stretches (parks, car parks)."""
    out: list[Building] = []
    open_spans: list[tuple[float, float]] = []
    line = abs(kerb(street, side)) + pave(street, side)
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
                    rgb=vary(rng, pick(rng, palette), 0.08),
                    trim_rgb=vary(rng, pick(rng, ((230, 228, 220), (60, 56, 52), (150, 140, 130))), 0.05),
                    storey_h=storey,
                    bay_w=bay_w,
                    win_w=rng.uniform(0.35, 0.6),
                    win_h=rng.uniform(0.4, 0.6),
                    shop_rgb=vary(rng, pick(rng, _FASCIA), 0.1) if shop else None,
                    lit_key=lit_key + len(out),
                    row=0,
                    roof_h=rng.uniform(1.5, 4.0) if rng.random() < pitched else 0.0,
                    roof_rgb=vary(rng, pick(rng, _ROOFS), 0.08),
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
                    rgb=vary(rng, pick(rng, palette), 0.1),
                    trim_rgb=vary(rng, (200, 196, 188), 0.1),
                    storey_h=storey,
                    bay_w=bay_w,
                    win_w=rng.uniform(0.35, 0.6),
                    win_h=rng.uniform(0.4, 0.6),
                    shop_rgb=None,
                    lit_key=lit_key + 1000 + len(out),
                    row=1,
                    roof_h=rng.uniform(1.5, 4.0) if rng.random() < pitched * 0.5 else 0.0,
                    roof_rgb=vary(rng, pick(rng, _ROOFS), 0.08),
                )
            )
            s += bays * bay_w
        s += rng.uniform(0, 15)
    return out, open_spans
