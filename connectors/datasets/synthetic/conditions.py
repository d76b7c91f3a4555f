"""Weather and time of day: what a drive was recorded under, and how that is sampled.

Conditions are drawn once per drive (a drive does not change from clear to fog in 20 s) from
an imbalanced mix like a real fleet's: mostly clear daytime, some rain and dusk, little fog and
night, so that condition quotas in a selection strategy have something to fix. ``conditions``
overrides let a caller force a value (``{"weather": "fog"}``) or replace a mix
(``{"weather": {"clear": 0.5, "rain": 0.5}}``). The draws never depend on the overrides, so
forcing the weather leaves the time of day, the place and the layout of a drive unchanged.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Mapping

import numpy as np

from .seeding import TAG_CONDITIONS, stream
from .towns import DEFAULT_LOCATION_MIX, TOWNS

WEATHERS: tuple[str, ...] = ("clear", "rain", "fog")
TIMES_OF_DAY: tuple[str, ...] = ("day", "dusk", "night")
LOCATIONS: tuple[str, ...] = tuple(TOWNS)

DEFAULT_WEATHER_MIX: dict[str, float] = {"clear": 0.72, "rain": 0.20, "fog": 0.08}
DEFAULT_TIME_MIX: dict[str, float] = {"day": 0.70, "dusk": 0.20, "night": 0.10}

_ALLOWED = {"weather": WEATHERS, "time_of_day": TIMES_OF_DAY, "location": LOCATIONS}
_DEFAULT_MIX = {"weather": DEFAULT_WEATHER_MIX, "time_of_day": DEFAULT_TIME_MIX, "location": DEFAULT_LOCATION_MIX}
_EPOCH = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)


@dataclass(frozen=True)
class Conditions:
    weather: str  # one of WEATHERS
    time_of_day: str  # one of TIMES_OF_DAY
    location: str  # a key of TOWNS
    fog_visibility_m: float  # distance at which fog leaves 1/e of the scene's contrast
    rain_intensity: float  # 0..1: streak density and darkening
    rain_slant: float  # rad, angle of the streaks from vertical
    start: dt.datetime  # UTC start of the drive, consistent with time_of_day


@dataclass(frozen=True)
class Look:
    """What the renderer needs to know about conditions while drawing one frame."""

    lights_on: bool  # car lights and street lights switched on
    lit_windows: float  # fraction of windows lit from inside
    umbrellas: bool
    t: float  # s since the drive's start (animates traffic lights)
    needs_depth: bool  # fog or headlights will read the depth layer
    needs_emission: bool  # lights will glow (dusk, night)


def _mix(key: str, value) -> tuple[tuple[str, ...], np.ndarray]:
    allowed = _ALLOWED[key]
    if isinstance(value, str):
        if value not in allowed:
            raise ValueError(f"conditions[{key!r}] = {value!r} is not allowed; use one of {list(allowed)}")
        return (value,), np.array([1.0])
    if isinstance(value, Mapping):
        bad = [k for k in value if k not in allowed]
        weights = np.array([float(value.get(k, 0.0)) for k in allowed])
        if bad or (weights < 0).any() or weights.sum() <= 0:
            raise ValueError(
                f"conditions[{key!r}] = {dict(value)!r} is not a valid mix; give non-negative weights "
                f"with a positive sum over {list(allowed)}"
            )
        return allowed, weights / weights.sum()
    raise ValueError(
        f"conditions[{key!r}] must be a name or a mapping name -> weight, got {type(value).__name__}; "
        f"e.g. {{{key!r}: {allowed[0]!r}}}"
    )


def check_overrides(conditions: Mapping | None) -> dict:
    """Validate a ``conditions`` argument and return it as a plain dict."""
    if conditions is None:
        return {}
    if not isinstance(conditions, Mapping):
        raise ValueError(f"conditions must be a dict or None, got {type(conditions).__name__}")
    unknown = sorted(set(conditions) - set(_ALLOWED))
    if unknown:
        raise ValueError(f"unknown conditions keys {unknown}; allowed keys are {sorted(_ALLOWED)}")
    for key, value in conditions.items():
        _mix(key, value)
    return dict(conditions)


def sample_conditions(seed: int, drive: int, overrides: Mapping | None = None) -> Conditions:
    """Conditions of one drive: the default mix, or the given overrides (see module doc)."""
    overrides = check_overrides(overrides)
    rng = stream(seed, TAG_CONDITIONS, drive)
    # Always draw the same numbers in the same order, whatever is overridden.
    u = rng.random(8)
    picked = {}
    for i, key in enumerate(("weather", "time_of_day", "location")):
        names, p = _mix(key, overrides.get(key, _DEFAULT_MIX[key]))
        picked[key] = names[min(int(np.searchsorted(np.cumsum(p), u[i], side="right")), len(names) - 1)]
    tod = picked["time_of_day"]
    hour = {"day": 8.0 + 8.5 * u[4], "dusk": 16.5 + 2.5 * u[4], "night": (21.0 + 8.0 * u[4]) % 24}[tod]
    start = _EPOCH + dt.timedelta(days=int(u[5] * 365), hours=hour)
    return Conditions(
        weather=picked["weather"],
        time_of_day=tod,
        location=picked["location"],
        fog_visibility_m=float(12.0 + 24.0 * u[6]),
        rain_intensity=float(0.4 + 0.6 * u[7]),
        rain_slant=float((u[7] - 0.5) * 0.5),
        start=start.replace(microsecond=0),
    )


def look_for(cond: Conditions, t: float) -> Look:
    lights_on = cond.time_of_day != "day" or cond.weather != "clear"
    return Look(
        lights_on=lights_on,
        lit_windows={"day": 0.0, "dusk": 0.35, "night": 0.45}[cond.time_of_day],
        umbrellas=cond.weather == "rain",
        t=t,
        needs_depth=cond.weather == "fog" or (lights_on and cond.time_of_day != "day"),
        needs_emission=cond.time_of_day != "day",
    )


__all__ = [
    "Conditions", "Look", "WEATHERS", "TIMES_OF_DAY", "LOCATIONS", "DEFAULT_WEATHER_MIX",
    "DEFAULT_TIME_MIX", "sample_conditions", "check_overrides", "look_for",
]
