"""Road geometry and the pinhole camera that projects world points to pixels.

World coordinates follow the road: ``s`` is the distance along the road's centre line (m),
``d`` the lateral offset from it (m, positive to the right of the direction of travel) and
``y`` the height above the road surface (m). The camera rides at arc length ``s_cam``, lateral
``d_cam``, height ``cam_h``, looking along the road's tangent. A world point therefore sits at
camera depth ``z = s - s_cam``; the road's bends become a lateral shift and a rise, both double
integrals of a curvature profile along ``s`` (so both are zero, with zero slope, at the camera).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

Z_NEAR = 1.0  # m: nothing nearer than this is drawn (it would be behind the lens)
Z_FAR = 300.0  # m: the far end of the road strip; beyond it lies the skyline


@dataclass(frozen=True)
class Curvature:
    """Curvature ``k(s) = k0 + amp * sin(omega * s + phase)`` along the road (1/m)."""

    k0: float = 0.0
    amp: float = 0.0
    omega: float = 0.02
    phase: float = 0.0

    def offset(self, s_cam: float, z):
        """Displacement (m) at depth ``z`` (m, scalar or array) of a road that curves with
        ``k`` from ``s_cam`` on: the closed form of the double integral of ``k(s_cam + u)``."""
        return _Bend(self, s_cam)(z)


class _Bend:
    """``Curvature.offset`` with everything that depends only on ``s_cam`` precomputed."""

    __slots__ = ("half_k0", "c", "w", "th0", "cos0", "sin0", "wavy", "zero")

    def __init__(self, c: Curvature, s_cam: float) -> None:
        self.zero = c.k0 == 0.0 and c.amp == 0.0
        self.half_k0 = 0.5 * c.k0
        self.wavy = c.amp != 0.0
        self.w = c.omega
        self.th0 = c.omega * s_cam + c.phase
        self.c = c.amp / c.omega
        self.cos0, self.sin0 = math.cos(self.th0), math.sin(self.th0)

    def __call__(self, z):
        if self.zero:
            return 0.0
        out = self.half_k0 * z * z
        if self.wavy:
            sin = np.sin if isinstance(z, np.ndarray) else math.sin
            out = out + self.c * (z * self.cos0 - (sin(self.w * z + self.th0) - self.sin0) / self.w)
        return out


@dataclass(frozen=True)
class View:
    """One frame's camera. Pixel ``(u, v)``: ``u`` to the right, ``v`` down, in pixels."""

    width: int
    height: int
    f: float  # focal length, px
    cx: float  # principal point column, px
    horizon: float  # row of the vanishing line of a flat road, px
    cam_h: float  # camera height above the road, m
    d_cam: float  # camera lateral offset from the centre line, m
    s_cam: float  # camera arc length along the road, m
    turn: Curvature
    rise: Curvature
    _turn: _Bend = field(init=False, repr=False, compare=False)
    _rise: _Bend = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_turn", _Bend(self.turn, self.s_cam))
        object.__setattr__(self, "_rise", _Bend(self.rise, self.s_cam))

    def lateral(self, z):
        """Lateral position (m) of the road's centre line at depth ``z``, camera-relative."""
        return self._turn(z)

    def project(self, d, y, s) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Project world points to pixels.

        Args:
            d, y, s: broadcastable arrays (or scalars) of lateral offset, height, arc length (m).

        Returns:
            ``(u, v, z)`` arrays of one broadcast shape: columns and rows (px, float) and depth
            ``z`` (m). Points with ``z < Z_NEAR`` get meaningless pixels; callers clip first.
        """
        z = np.asarray(s, dtype=np.float64) - self.s_cam
        k = self.f / np.maximum(z, 1e-3)
        u = self.cx + k * (self._turn(z) + np.asarray(d, dtype=np.float64) - self.d_cam)
        v = self.horizon + k * (self.cam_h - self._rise(z) - np.asarray(y, dtype=np.float64))
        if u.shape != v.shape or z.shape != u.shape:
            u, v, z = np.broadcast_arrays(u, v, z)
        return u, v, z

    def column(self, d: float, s: float) -> tuple[float, float, float, float]:
        """A vertical line at ``(d, s)``: ``(u, v0, k, z)`` such that height ``y`` (m) projects
        to row ``v0 - k * y``; ``k`` is pixels per metre at that depth. Scalars only (fast)."""
        z = s - self.s_cam
        k = self.f / max(z, 1e-3)
        return (self.cx + k * (self._turn(z) + d - self.d_cam), self.horizon + k * (self.cam_h - self._rise(z)), k, z)

    def columns(self, d: float, s: np.ndarray) -> tuple[list, list, list, list]:
        """``column`` for many arc lengths at once, as lists ``(u, v0, k, z)``."""
        z = np.asarray(s, dtype=np.float64) - self.s_cam
        k = self.f / np.maximum(z, 1e-3)
        u = self.cx + k * (self._turn(z) + d - self.d_cam)
        v0 = self.horizon + k * (self.cam_h - self._rise(z))
        return u.tolist(), v0.tolist(), k.tolist(), z.tolist()

    def base(self, d: float, s: float) -> tuple[float, float, float, float]:
        """Ground point of a billboard: ``(u, v, z, px_per_m)`` for a sprite standing at (d, s)."""
        u, v0, k, z = self.column(d, s)
        return u, v0, z, k
