"""Procedural synthetic driving scenes with exact CamVid labels (numpy + PIL only).

The demo's data and the source domain for synthetic-to-real training. A frame is determined by
``(seed, index)``; frames come in drives (``index // frames_per_drive``) that share a place,
weather and time of day and move forward along one street.

    from connectors.datasets.synthetic import render_scene, generate
    frame = render_scene(seed=0, index=3)            # .image [180,240,3], .mask [180,240], .meta
    records = generate("out/synth", frames=200, seed=0)
"""

from .conditions import DEFAULT_TIME_MIX, DEFAULT_WEATHER_MIX, LOCATIONS, TIMES_OF_DAY, WEATHERS
from .frame import (
    DEFAULT_FRAMES_PER_DRIVE,
    GENERATOR_VERSION,
    SyntheticFrame,
    drive_id,
    frame_meta,
    frame_name,
    render_scene,
)
from .palette import CLASS_NAMES, IGNORE_INDEX, NUM_CLASSES, PALETTE, colorize
from .scene import FRAME_INTERVAL_S
from .towns import DEFAULT_LOCATION_MIX, TOWNS, Town
from .writer import generate

__all__ = [
    "CLASS_NAMES",
    "DEFAULT_FRAMES_PER_DRIVE",
    "DEFAULT_LOCATION_MIX",
    "DEFAULT_TIME_MIX",
    "DEFAULT_WEATHER_MIX",
    "FRAME_INTERVAL_S",
    "GENERATOR_VERSION",
    "IGNORE_INDEX",
    "LOCATIONS",
    "NUM_CLASSES",
    "PALETTE",
    "SyntheticFrame",
    "TIMES_OF_DAY",
    "TOWNS",
    "Town",
    "WEATHERS",
    "colorize",
    "drive_id",
    "frame_meta",
    "frame_name",
    "generate",
    "render_scene",
]
