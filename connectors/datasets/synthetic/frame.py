"""``render_scene``: one synthetic frame, determined by ``(seed, index)`` alone."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from .camera import View
from .conditions import Conditions, check_overrides, look_for, sample_conditions
from .effects import apply_conditions
from .objects import DriveScene
from .render import render_layers
from .scene import FRAME_INTERVAL_S, sample_drive
from .seeding import TAG_FRAME, check_seed, stream
from .sky import sky_background

DEFAULT_FRAMES_PER_DRIVE = 10
GENERATOR_VERSION = "1"  # bump whenever the same (seed, index) would render differently


@dataclass
class SyntheticFrame:
    """One rendered frame.

    Attributes:
        image: ``uint8 [H, W, 3]`` RGB.
        mask: ``uint8 [H, W]`` CamVid class ids 0..10 (11 = ignore is reserved; the renderer
            labels every pixel).
        meta: JSON-serialisable metadata (see ``render_scene``).
    """

    image: np.ndarray
    mask: np.ndarray
    meta: dict = field(default_factory=dict)


def drive_id(seed: int, drive: int) -> str:
    """Identifier of a drive, also its folder name: ``synth-s<seed>-d<drive, 5 digits>``."""
    return f"synth-s{seed}-d{drive:05d}"


def frame_name(seed: int, drive: int, frame_in_drive: int) -> str:
    """File stem of a frame, unique across drives: ``<drive_id>_f<frame, 4 digits>``."""
    return f"{drive_id(seed, drive)}_f{frame_in_drive:04d}"


@lru_cache(maxsize=32)
def _scene(seed: int, drive: int, location: str, frames_per_drive: int) -> DriveScene:
    # Cached: consecutive frames of a drive share the (immutable) world.
    return sample_drive(seed, drive, location, frames_per_drive)


def _check_size(width: int, height: int) -> None:
    for name, value in (("width", width), ("height", height)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 16 <= value <= 4096:
            raise ValueError(f"{name} must be an integer in 16..4096, got {value!r}; the default is 240x180")


@dataclass(frozen=True)
class _Setup:
    seed: int
    index: int
    width: int
    height: int
    fpd: int
    drive: int
    fid: int
    t: float
    cond: Conditions
    scene: DriveScene


def _setup(seed, index, width, height, conditions, frames_per_drive) -> _Setup:
    seed = check_seed("seed", seed)
    index = check_seed("index", index)
    _check_size(width, height)
    if isinstance(frames_per_drive, bool) or not isinstance(frames_per_drive, (int, np.integer)) or frames_per_drive < 1:
        raise ValueError(f"frames_per_drive must be a positive integer, got {frames_per_drive!r}")
    fpd = int(frames_per_drive)
    drive, fid = divmod(index, fpd)
    cond = sample_conditions(seed, drive, check_overrides(conditions))
    scene = _scene(seed, drive, cond.location, fpd)
    return _Setup(seed, index, int(width), int(height), fpd, drive, fid, fid * FRAME_INTERVAL_S, cond, scene)


def _meta(su: _Setup) -> dict:
    scene, s_cam = su.scene, su.scene.speed * su.t
    heading = math.radians(scene.heading_deg)
    lat = scene.lat0 + s_cam * math.cos(heading) / 111_320.0
    lon = scene.lon0 + s_cam * math.sin(heading) / (111_320.0 * math.cos(math.radians(scene.lat0)))
    return {
        "seed": su.seed,
        "index": su.index,
        "drive_id": drive_id(su.seed, su.drive),
        "drive": su.drive,
        "frame_in_drive": su.fid,
        "frames_per_drive": su.fpd,
        "name": frame_name(su.seed, su.drive, su.fid),
        "ts_offset_s": float(su.t),
        "frame_interval_s": FRAME_INTERVAL_S,
        "drive_start_utc": su.cond.start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "weather": su.cond.weather,
        "time_of_day": su.cond.time_of_day,
        "location": su.cond.location,
        "lat": round(lat, 7),
        "lon": round(lon, 7),
        "heading_deg": round(scene.heading_deg, 2),
        "speed_mps": round(scene.speed, 3),
        "width": su.width,
        "height": su.height,
        "domain": "synthetic",
        "generator_version": GENERATOR_VERSION,
    }


def frame_meta(
    seed: int,
    index: int,
    width: int = 240,
    height: int = 180,
    conditions: dict | None = None,
    *,
    frames_per_drive: int = DEFAULT_FRAMES_PER_DRIVE,
) -> dict:
    """``render_scene(...).meta`` without rendering (about a millisecond per new drive)."""
    return _meta(_setup(seed, index, width, height, conditions, frames_per_drive))


def render_scene(
    seed: int,
    index: int,
    width: int = 240,
    height: int = 180,
    conditions: dict | None = None,
    *,
    frames_per_drive: int = DEFAULT_FRAMES_PER_DRIVE,
) -> SyntheticFrame:
    """Render frame ``index`` of the synthetic data set ``seed``.

    Frame ``index`` is frame ``index % frames_per_drive`` of drive ``index // frames_per_drive``.
    A drive's world, place and conditions are seeded by ``(seed, drive)``; the ego car drives
    forward at a constant speed, one frame every ``FRAME_INTERVAL_S`` (1 s, like CamVid's
    labelled frames), so consecutive frames show the same street a few metres further on.
    Same arguments give byte-identical results, whatever was rendered before.

    Args:
        seed: data-set seed, a non-negative integer.
        index: frame number, a non-negative integer.
        width, height: image size in pixels, 16..4096 (the scene scales with it).
        conditions: optional overrides, keys ``weather`` (clear/rain/fog), ``time_of_day``
            (day/dusk/night), ``location`` (a town name); each a fixed name or a mix
            ``{name: weight}``. None: the default imbalanced mix. Weather and time of day do
            not change the layout (only umbrellas open in the rain); the location does.
        frames_per_drive: frames per drive (>= 1).

    Returns:
        ``SyntheticFrame`` with ``meta`` keys: ``seed``, ``index``, ``drive_id``, ``drive``,
        ``frame_in_drive``, ``frames_per_drive``, ``name``, ``ts_offset_s`` (s since the
        drive's start), ``frame_interval_s``, ``drive_start_utc`` (ISO 8601, UTC), ``weather``,
        ``time_of_day``, ``location``, ``lat``, ``lon`` (degrees), ``heading_deg``,
        ``speed_mps``, ``width``, ``height``, ``domain`` ("synthetic"), ``generator_version``.

    Raises:
        ValueError: a negative seed or index, a size outside 16..4096, bad ``conditions``.
    """
    su = _setup(seed, index, width, height, conditions, frames_per_drive)
    scene, width, height = su.scene, su.width, su.height
    rng = stream(su.seed, TAG_FRAME, su.drive, su.fid)
    view = View(
        width=width,
        height=height,
        f=scene.focal * width,
        cx=0.5 * width,
        horizon=scene.horizon * height + rng.normal(0.0, 0.004 * height),  # suspension pitch
        cam_h=scene.cam_h,
        d_cam=scene.d_cam + scene.sway * math.sin(2 * math.pi * su.t / scene.sway_period),
        s_cam=scene.speed * su.t,
        turn=scene.street.turn,
        rise=scene.street.rise,
    )
    look = look_for(su.cond, su.t)
    sky = sky_background(width, height, view.horizon, su.cond, scene.overcast, scene.clouds)
    layers = render_layers(scene, view, look, sky)
    image = apply_conditions(layers, su.cond, look, view, rng)
    return SyntheticFrame(image=image, mask=layers.mask, meta=_meta(su))
