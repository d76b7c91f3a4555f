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

from .layout_buildings import sample_buildings
from .layout_furniture import sample_barriers, sample_lights, sample_signs
from .layout_street import sample_street
from .layout_traffic import sample_cyclists, sample_parked, sample_pedestrians, sample_traffic
from .layout_trees import sample_trees
from .objects import Building, Cloud, DriveScene, SkyBlock
from .palette import BUILDING, TREE
from .sampling import pick, vary
from .seeding import TAG_LAYOUT, stream
from .towns import TOWNS, Town

FRAME_INTERVAL_S = 1.0  # s between consecutive frames of a drive (CamVid labels 1 frame a second)
OBJECT_RANGE = 160.0  # m: things farther than this are not drawn (the skyline stands in for them)

# Sub-stream ids, one per kind of thing.
_STREET, _LEFT, _RIGHT, _TREES, _LIGHTS, _SIGNS, _BARRIERS = range(7)
_PARKED, _TRAFFIC, _PEOPLE, _CYCLISTS, _SKY, _EGO = range(7, 13)


def _skyline(rng: np.random.Generator, town: Town) -> tuple[list[SkyBlock], tuple[Cloud, ...]]:
    """Far buildings and tree clumps on the horizon, and clouds."""
    skyline: list[SkyBlock] = []
    d = -rng.uniform(250, 320)
    while d < 320:
        w = rng.uniform(8, 45)
        if rng.random() < (0.45 if town.grass_outer else 0.25):
            skyline.append(SkyBlock(d, d + w, rng.uniform(6, 18), TREE, vary(rng, (70, 84, 60), 0.1)))
        elif rng.random() < 0.85:
            skyline.append(SkyBlock(d, d + w, rng.uniform(6, 40), BUILDING,
                                    vary(rng, pick(rng, town.facade_colours), 0.1)))
        d += w
    clouds = tuple(
        Cloud(rng.uniform(-0.1, 1.1), rng.uniform(0.3, 1.0), rng.uniform(0.08, 0.25), rng.uniform(0.03, 0.08))
        for _ in range(int(rng.integers(0, 7)))
    )
    return skyline, clouds


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

    street = sample_street(sub(_STREET), town, s_lo, s_hi)
    # Ego lane: the nearside lane on the left (UK-style traffic); one of the two nearside
    # lanes on four-lane roads.
    lane = 0 if street.n_lanes == 2 or ego.random() < 0.6 else 1
    d_cam = -(lane + 0.5) * street.lane_w
    if not town.drive_on_left:
        d_cam = -d_cam

    buildings: list[Building] = []
    open_spans: dict[int, list[tuple[float, float]]] = {}
    for side, tag in ((-1, _LEFT), (1, _RIGHT)):
        b, spans = sample_buildings(sub(tag), town, street, side, s_lo, s_hi)
        buildings += b
        open_spans[side] = spans
    trees = sample_trees(sub(_TREES), town, street, open_spans, s_lo, s_hi)
    lights = sample_lights(sub(_LIGHTS), street, s_lo, s_hi)
    signs = sample_signs(sub(_SIGNS), street, s_lo, s_hi)
    barriers = sample_barriers(sub(_BARRIERS), town, street, open_spans, s_lo, s_hi)
    cars = sample_parked(sub(_PARKED), town, street, s_lo, s_hi)
    cars += sample_traffic(sub(_TRAFFIC), town, street, d_cam, speed, duration, s_lo, s_hi)
    peds = sample_pedestrians(sub(_PEOPLE), town, street, s_lo, s_hi)
    cyclists = sample_cyclists(sub(_CYCLISTS), town, street, s_lo, s_hi)
    sky_rng = sub(_SKY)
    skyline, clouds = _skyline(sky_rng, town)

    rig = sub(_EGO + 100)
    # Drives start anywhere in town; lat/lon then follow the ego car along its heading.
    r, a = town.radius_m * math.sqrt(rig.random()), rig.uniform(0, 2 * math.pi)
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
        overcast=bool(sky_rng.random() < 0.5),
        sun_side=-1 if sky_rng.random() < 0.5 else 1,
        focal=float(rig.uniform(0.85, 1.05)),
        horizon=float(rig.uniform(0.44, 0.52)),
        cam_h=float(rig.uniform(1.4, 1.8)),
        d_cam=d_cam,
        sway=float(rig.uniform(0.0, 0.35)),
        sway_period=float(rig.uniform(6, 20)),
        speed=speed,
        heading_deg=float(rig.uniform(0, 360)),
        lat0=lat0,
        lon0=lon0,
    )


__all__ = ["FRAME_INTERVAL_S", "OBJECT_RANGE", "sample_drive"]
