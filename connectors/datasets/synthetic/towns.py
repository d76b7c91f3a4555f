"""Synthetic towns: where a drive takes place, and what its streets look like.

A town fixes a drive's lat/lon centre and the statistics of its street scene (building colours,
heights and density, trees, parking, people). Drives sample a town, so location metadata and
appearance are correlated the way they are in real fleets: selecting "rare location" frames
also selects a different look.
"""

from __future__ import annotations

from dataclasses import dataclass

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class Town:
    name: str
    lat: float  # degrees, centre of the town
    lon: float  # degrees
    radius_m: float  # drives start uniformly within this distance of the centre
    facade_colours: tuple[RGB, ...]
    storey_range: tuple[int, int]  # floors of a front-row building, inclusive
    building_density: float  # probability that a stretch of street side is built up
    tree_density: float  # street trees per 100 m of pavement
    parked_density: float  # parked cars per 100 m of kerb where parking is allowed
    pedestrian_density: float  # pedestrians per 100 m of pavement
    traffic_density: float  # moving cars per 100 m of road
    cyclist_density: float  # cyclists per 100 m of road
    fence_probability: float  # probability that a side has fences or railings
    grass_outer: bool  # ground beyond the pavement is grass (tree class) rather than paving
    hilly: float  # 0..1, scale of the vertical road curvature
    drive_on_left: bool


TOWNS: dict[str, Town] = {
    t.name: t
    for t in (
        Town(
            name="synth-north",
            lat=52.2053,
            lon=0.1218,
            radius_m=2500.0,
            facade_colours=(
                (150, 72, 52), (128, 60, 46), (168, 96, 70), (120, 104, 92),
                (176, 160, 136), (196, 186, 164), (110, 80, 66), (156, 138, 118),
            ),
            storey_range=(2, 5),
            building_density=0.9,
            tree_density=5.0,
            parked_density=4.0,
            pedestrian_density=8.0,
            traffic_density=1.2,
            cyclist_density=4.0,
            fence_probability=0.5,
            grass_outer=False,
            hilly=0.0,
            drive_on_left=True,
        ),
        Town(
            name="synth-harbour",
            lat=50.3715,
            lon=-4.1427,
            radius_m=1500.0,
            facade_colours=(
                (214, 206, 188), (110, 150, 180), (222, 196, 120), (200, 140, 140),
                (236, 232, 222), (150, 180, 160), (190, 170, 200), (170, 110, 80),
            ),
            storey_range=(2, 4),
            building_density=0.8,
            tree_density=3.0,
            parked_density=5.0,
            pedestrian_density=10.0,
            traffic_density=1.0,
            cyclist_density=2.5,
            fence_probability=0.6,
            grass_outer=False,
            hilly=0.35,
            drive_on_left=True,
        ),
        Town(
            name="synth-hills",
            lat=53.3811,
            lon=-1.4701,
            radius_m=4000.0,
            facade_colours=(
                (168, 156, 130), (140, 128, 108), (222, 216, 200), (120, 92, 70),
                (182, 170, 150), (100, 96, 90),
            ),
            storey_range=(1, 3),
            building_density=0.55,
            tree_density=9.0,
            parked_density=3.0,
            pedestrian_density=4.0,
            traffic_density=0.8,
            cyclist_density=4.0,
            fence_probability=0.8,
            grass_outer=True,
            hilly=1.0,
            drive_on_left=True,
        ),
    )
}

# Share of drives in each town: fleets record unevenly, so the rarest town is worth finding.
DEFAULT_LOCATION_MIX: dict[str, float] = {
    "synth-north": 0.55,
    "synth-harbour": 0.30,
    "synth-hills": 0.15,
}
