"""Sampling trees: shapes (leafy crowns, bare branches, conifers) and where they stand."""

from __future__ import annotations

import math

import numpy as np

from .layout_street import kerb, pave
from .objects import RGB, Street, Tree
from .sampling import pick, poisson_positions, vary
from .towns import Town

_FOLIAGE: tuple[RGB, ...] = ((70, 96, 44), (58, 84, 40), (92, 110, 52), (48, 70, 42), (110, 112, 54))


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


def sample_tree(rng: np.random.Generator, s: float, d: float, big: bool) -> Tree:
    kind = str(rng.choice(["leafy", "bare", "conifer"], p=[0.55, 0.2, 0.25] if big else [0.7, 0.3, 0.0]))
    trunk_h = rng.uniform(1.8, 3.5) * (1.3 if big else 1.0)
    crown_r = rng.uniform(2.5, 4.5) if big else rng.uniform(1.4, 2.6)
    branches: list[tuple[float, float, float, float, float]] = []
    if kind == "bare":
        for _ in range(int(rng.integers(2, 4))):
            _branches(rng, 0.0, trunk_h, rng.uniform(-0.6, 0.6), crown_r * 0.7, 0.14, 2, branches)
    rgb = vary(rng, pick(rng, _FOLIAGE), 0.12)
    if kind == "bare":
        rgb = vary(rng, (112, 100, 88), 0.08)
    return Tree(
        s=s,
        d=d,
        kind=kind,
        trunk_h=trunk_h,
        trunk_w=rng.uniform(0.22, 0.45),
        crown_r=crown_r,
        rgb=rgb,
        trunk_rgb=vary(rng, (78, 64, 52), 0.15),
        lobes=_lobes(rng, crown_r),
        branches=tuple(branches),
    )


def sample_trees(rng: np.random.Generator, town: Town, street: Street,
                 open_spans: dict[int, list[tuple[float, float]]], s_lo: float, s_hi: float) -> list[Tree]:
    """Street trees along the pavements, and bigger trees in the open stretches (parks)."""
    trees: list[Tree] = []
    for side in (-1, 1):
        k, p = kerb(street, side), pave(street, side)
        if p > 1.5:
            for s in poisson_positions(rng, s_lo, s_hi, town.tree_density):
                trees.append(sample_tree(rng, s, k + side * rng.uniform(0.6, min(1.2, p - 0.4)), False))
        for a, b in open_spans[side]:
            for s in poisson_positions(rng, a, b, 16.0):
                trees.append(sample_tree(rng, s, k + side * (p + rng.uniform(2, 14)), True))
    return trees
