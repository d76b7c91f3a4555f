"""Weather and time of day applied to rendered layers: illumination, lights, fog, rain, noise.

Everything here changes pixels, never labels: the class mask of a frame is the same under every
condition (except for umbrellas, which pedestrians open in the rain while drawing), which is what
lets a test render one layout by day and by night and compare.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from PIL import Image, ImageFilter

from .camera import View
from .canvas import Layers
from .conditions import Conditions, Look
from .palette import PAVEMENT, ROAD, SKY

# Per time of day: ambient light (RGB multiplier), how much emitters outshine it, bloom, how far
# lamps light their surroundings, ego headlights, sensor noise (0..255 units).
_TIME = {
    "day": dict(ambient=(1.0, 1.0, 1.0), emit=0.0, bloom=0.0, lamps=0.0, ego=0.0, noise=1.5),
    "dusk": dict(ambient=(0.68, 0.56, 0.50), emit=0.8, bloom=0.35, lamps=0.6, ego=0.25, noise=2.5),
    "night": dict(ambient=(0.11, 0.12, 0.18), emit=1.0, bloom=0.9, lamps=2.2, ego=0.9, noise=4.0),
}
_FOG_RGB = {"day": (0.79, 0.80, 0.81), "dusk": (0.56, 0.50, 0.48), "night": (0.12, 0.12, 0.14)}
_STREAK = {"day": 0.78, "dusk": 0.5, "night": 0.28}


def _blur(rgb01: np.ndarray, radius: float) -> np.ndarray:
    im = Image.fromarray(np.clip(rgb01 * 255, 0, 255).astype(np.uint8), "RGB")
    return np.asarray(im.filter(ImageFilter.GaussianBlur(radius)), dtype=np.float32) / 255.0


def _blur_wide(rgb01: np.ndarray, radius: float) -> np.ndarray:
    """A wide Gaussian blur computed at quarter resolution (light spill needs no detail)."""
    h, w = rgb01.shape[:2]
    im = Image.fromarray(np.clip(rgb01 * 255, 0, 255).astype(np.uint8), "RGB")
    small = im.resize((max(1, w // 4), max(1, h // 4)), Image.BOX).filter(ImageFilter.GaussianBlur(radius / 4))
    return np.asarray(small.resize((w, h), Image.BILINEAR), dtype=np.float32) / 255.0


def _smooth_noise(rng: np.random.Generator, h: int, w: int, cell: int) -> np.ndarray:
    small = rng.standard_normal((max(2, h // cell), max(2, w // cell))).astype(np.float32)
    im = Image.fromarray(small, "F").resize((w, h), Image.BILINEAR)
    return np.asarray(im, dtype=np.float32)


@lru_cache(maxsize=8)
def _vignette(h: int, w: int) -> np.ndarray:
    yy = (np.arange(h, dtype=np.float32) - h / 2) / (h / 2)
    xx = (np.arange(w, dtype=np.float32) - w / 2) / (w / 2)
    v = 255.0 * (1.0 - 0.06 * (yy[:, None] ** 2 + xx[None, :] ** 2))
    v.setflags(write=False)
    return v[..., None]


def apply_conditions(layers: Layers, cond: Conditions, look: Look, view: View,
                     rng: np.random.Generator) -> np.ndarray:
    """Final image ``uint8 [H, W, 3]`` from the layers under ``cond``."""
    p = _TIME[cond.time_of_day]
    h, w = layers.mask.shape
    scale = h / 180.0
    img = layers.rgb.astype(np.float32)
    img *= 1.0 / 255.0
    mask, depth = layers.mask, layers.depth
    sky = mask == SKY

    # Surface texture: low-frequency blotches, so flat fills read as materials.
    tex = 1.0 + 0.05 * _smooth_noise(rng, h, w, max(3, int(6 * scale)))
    wet = cond.weather == "rain"
    if wet:
        ground = (mask == ROAD) | (mask == PAVEMENT)
        tex[ground] *= 0.68 - 0.12 * cond.rain_intensity
    ambient = np.asarray(p["ambient"], dtype=np.float32) * {"clear": 1.0, "rain": 0.8, "fog": 0.92}[cond.weather]
    tex[sky] = 1.0
    lit = p["lamps"] > 0 or (look.lights_on and p["ego"] > 0)
    if not lit:
        light = tex[..., None] * ambient
    else:
        light = np.broadcast_to(ambient, img.shape).copy()
        emitted = img * (layers.emit.astype(np.float32)[..., None] * (1.0 / 255.0))  # light sources' colour
        if p["lamps"] > 0:
            # Light spilled by lamps and windows onto their surroundings; capped so that a big
            # lit shop window does not over-expose itself.
            light += np.minimum(p["lamps"] * 2.0 * _blur_wide(emitted, 9 * scale), 0.9)
        if look.lights_on and p["ego"] > 0:
            # Our own headlights: a pool ahead, fading with depth and off-centre.
            u = (np.arange(w, dtype=np.float32) - view.cx) / (0.45 * w)
            beam = np.exp(-depth / 16.0) * np.exp(-(u[None, :] ** 2))
            light += p["ego"] * beam[..., None] * np.array([1.0, 0.97, 0.9], dtype=np.float32)
        light *= tex[..., None]
    light[sky] = 1.0  # the sky's colours already encode the time of day
    out = img * light
    if p["emit"] > 0:
        np.maximum(out, emitted * p["emit"], out=out)

    glow_src = emitted if p["bloom"] > 0 else None
    if cond.weather == "fog":
        far = np.minimum(depth, 1e3)
        t = np.exp(-far / cond.fog_visibility_m)[..., None]
        fog = np.asarray(_FOG_RGB[cond.time_of_day], dtype=np.float32)
        out = out * t + fog * (1 - t)
        if glow_src is not None:
            glow_src = emitted * np.exp(-far / (2.0 * cond.fog_visibility_m))[..., None]
    if glow_src is not None:
        radius = (4.0 if cond.weather == "fog" else 2.0) * scale
        out += p["bloom"] * (1.6 if cond.weather == "fog" else 1.0) * 0.45 * _blur(glow_src, radius)
        if wet:
            # Lights reflected in the wet road: vertical smears below each source.
            refl = np.zeros_like(glow_src)
            for k in range(2, int(16 * scale), 2):
                refl[k:] += glow_src[:-k]
            out[ground] += 0.12 * refl[ground]

    if wet:
        mean = out.reshape(-1, 3).mean(axis=0)
        out = out * 0.8 + mean * 0.2
        out = _rain_streaks(out, cond, rng, scale)

    # A real lens and a downscaled video frame are softer and less saturated than a rasteriser.
    grey = (out[..., 0] + out[..., 1] + out[..., 2])[..., None] * np.float32(1 / 3)
    out -= grey
    out *= 0.85
    out += grey
    for _ in range(2 if cond.weather in ("rain", "fog") else 1):
        out = _soften(out)
    # Vignetting and sensor noise (a window of a fixed noise field: the offset is random).
    out *= _vignette(h, w)
    bank = _noise_bank(h, w)
    y, x = int(rng.integers(h)), int(rng.integers(w))
    out += bank[y:y + h, x:x + w] * np.float32(p["noise"])
    out += 0.5
    return np.clip(out, 0, 255).astype(np.uint8)


def _soften(a: np.ndarray) -> np.ndarray:
    """Separable [1, 2, 1] / 4 blur, edges replicated."""
    b = a * 0.5
    b[:, 1:] += a[:, :-1] * 0.25
    b[:, :-1] += a[:, 1:] * 0.25
    b[:, 0] += a[:, 0] * 0.25
    b[:, -1] += a[:, -1] * 0.25
    c = b * 0.5
    c[1:] += b[:-1] * 0.25
    c[:-1] += b[1:] * 0.25
    c[0] += b[0] * 0.25
    c[-1] += b[-1] * 0.25
    return c


@lru_cache(maxsize=8)
def _noise_bank(h: int, w: int) -> np.ndarray:
    bank = np.random.default_rng(0x5EED).standard_normal((2 * h, 2 * w, 3), dtype=np.float32)
    bank.setflags(write=False)
    return bank


def _rain_streaks(out: np.ndarray, cond: Conditions, rng: np.random.Generator, scale: float) -> np.ndarray:
    h, w = out.shape[:2]
    n = int(cond.rain_intensity * h * w / 45)
    length = max(3, int(10 * scale))
    x0 = rng.uniform(0, w, n)
    y0 = rng.uniform(-length, h, n)
    lens = rng.integers(length // 2, length + 1, n)
    alpha = rng.uniform(0.1, 0.26, n).astype(np.float32)
    dx, dy = math.sin(cond.rain_slant), math.cos(cond.rain_slant)
    steps = np.arange(length)
    xs = np.rint(x0[:, None] + steps[None, :] * dx).astype(np.int64)
    ys = np.rint(y0[:, None] + steps[None, :] * dy).astype(np.int64)
    ok = (steps[None, :] < lens[:, None]) & (xs >= 0) & (xs < w) & (ys >= 0) & (ys < h)
    a = np.zeros((h, w), dtype=np.float32)
    a[ys[ok], xs[ok]] = np.broadcast_to(alpha[:, None], xs.shape)[ok]
    c = _STREAK[cond.time_of_day]
    return out * (1 - a[..., None]) + c * a[..., None]
