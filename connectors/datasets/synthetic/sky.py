"""The sky: a vertical gradient whose colours depend on weather and time of day, plus clouds."""

from __future__ import annotations

import numpy as np

from .conditions import Conditions
from .objects import Cloud

# (zenith, horizon) colours, RGB 0..255.
_SKY = {
    ("clear", "day", False): ((96, 140, 200), (198, 214, 228)),
    ("clear", "day", True): ((160, 166, 174), (214, 217, 220)),
    ("clear", "dusk", False): ((58, 66, 112), (238, 152, 96)),
    ("clear", "dusk", True): ((92, 88, 102), (192, 152, 130)),
    ("clear", "night", False): ((5, 7, 18), (36, 32, 44)),
    ("clear", "night", True): ((10, 11, 18), (44, 40, 46)),
    ("rain", "day", None): ((104, 108, 114), (158, 162, 166)),
    ("rain", "dusk", None): ((64, 62, 70), (138, 118, 108)),
    ("rain", "night", None): ((9, 10, 15), (38, 36, 42)),
    ("fog", "day", None): ((184, 187, 190), (204, 206, 208)),
    ("fog", "dusk", None): ((118, 108, 108), (150, 132, 124)),
    ("fog", "night", None): ((30, 32, 38), (46, 46, 52)),
}


def sky_background(width: int, height: int, horizon: float, cond: Conditions, overcast: bool,
                   clouds: tuple[Cloud, ...]) -> np.ndarray:
    """Sky image ``uint8 [height, width, 3]``; rows below the horizon repeat its colour."""
    key = (cond.weather, cond.time_of_day, overcast if cond.weather == "clear" else None)
    top, hor = (np.asarray(c, dtype=np.float32) for c in _SKY[key])
    rows = np.arange(height, dtype=np.float32)
    t = np.clip((horizon - rows) / max(horizon, 1.0), 0.0, 1.0) ** 0.6
    col = hor[None, :] * (1 - t[:, None]) + top[None, :] * t[:, None]
    img = np.broadcast_to(col[:, None, :], (height, width, 3)).copy()
    if cond.weather == "clear" and not overcast and cond.time_of_day != "night" and clouds:
        tint = np.array((250, 250, 252) if cond.time_of_day == "day" else (240, 170, 150), dtype=np.float32)
        yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
        for c in clouds:
            cx, cy = c.u * width, horizon * (1 - c.v)
            rx, ry = c.rx * width, c.ry * height
            a = np.clip(1 - ((xx - cx) / rx) ** 2 - ((yy - cy) / ry) ** 2, 0, 1) ** 0.7 * 0.75
            img = img * (1 - a[..., None]) + tint * a[..., None]
    return np.clip(img, 0, 255).astype(np.uint8)
