"""Drawing one frame of a drive: the painter's algorithm over everything in view."""

from __future__ import annotations

import numpy as np

from .camera import View
from .canvas import Canvas, Layers
from .conditions import Look
from .objects import DriveScene
from .palette import SKY
from .render_agents import car_items, cyclist_items, pedestrian_items
from .render_buildings import building_items
from .render_furniture import barrier_items, light_items, sign_items, tree_items
from .render_ground import draw_ground, draw_skyline


def render_layers(scene: DriveScene, view: View, look: Look, sky: np.ndarray) -> Layers:
    """Draw the scene as seen from ``view`` over the ``sky`` background (uint8 [H, W, 3]).

    The ground is drawn first (nothing on it can be hidden by it); then every object piece,
    from far to near, so nearer things cover farther ones on all layers alike.
    """
    cv = Canvas(sky, SKY, depth=look.needs_depth, emit=look.needs_emission)
    draw_skyline(cv, view, scene.skyline)
    draw_ground(cv, view, scene.street)
    lit = 0.92 if scene.overcast else 1.0
    dim = 0.84 if scene.overcast else 0.7
    light = {scene.sun_side: lit, -scene.sun_side: dim}
    items: list = []
    for b in scene.buildings:
        items += building_items(b, view, look, light[b.side])
    for b in scene.barriers:
        items += barrier_items(b, view, light[1 if b.d > 0 else -1])
    for t in scene.trees:
        items += tree_items(t, view)
    for p in scene.lights:
        items += light_items(p, view, look)
    for g in scene.signs:
        items += sign_items(g, view, look)
    for c in scene.cars:
        items += car_items(c, view, look)
    for p in scene.pedestrians:
        items += pedestrian_items(p, view, look)
    for c in scene.cyclists:
        items += cyclist_items(c, view, look)
    items.sort(key=lambda item: -item[0])  # stable: equal depths keep their insertion order
    for _, draw in items:
        draw(cv)
    return cv.layers()
