"""The things a drive's world is made of, in road coordinates (see ``camera.py``).

Everything is a frozen dataclass so that a sampled world can be cached and shared between
frames without one frame's rendering changing another's. Moving things store their arc length
at ``t = 0`` and a signed speed along ``s``; a frame at time ``t`` sees them at ``s0 + v * t``.
"""

from __future__ import annotations

from dataclasses import dataclass

from .camera import Curvature

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class Street:
    """Cross-section and surface of the road, constant along one drive."""

    lane_w: float  # m
    n_lanes: int  # driving lanes, both directions together
    park_l: float  # width of a parking strip on the left edge of the carriageway (0: none), m
    park_r: float
    pave_l: float  # pavement width left of the kerb (0: none, grass verge instead), m
    pave_r: float
    outer_l: int  # class of the ground beyond the pavement: PAVEMENT or TREE (grass)
    outer_r: int
    road_rgb: RGB
    pave_rgb: RGB
    grass_rgb: RGB
    kerb_rgb: RGB
    centre_line: str  # "dashed" | "double" | "none"
    edge_lines: bool
    dash_len: float  # m
    dash_period: float  # m
    dash_phase: float  # m
    yellow_l: bool  # UK double yellow "no parking" lines along the left kerb
    yellow_r: bool
    crossings: tuple[float, ...]  # arc lengths of zebra crossings, m
    patches: tuple[tuple[float, float, float, float, int], ...]  # (s0, s1, d0, d1, grey) asphalt repairs
    turn: Curvature
    rise: Curvature

    @property
    def half_l(self) -> float:
        """Distance from the centre line to the left kerb, m."""
        return self.n_lanes * self.lane_w / 2 + self.park_l

    @property
    def half_r(self) -> float:
        return self.n_lanes * self.lane_w / 2 + self.park_r


@dataclass(frozen=True)
class Building:
    s0: float  # near end, m
    s1: float  # far end, m
    d_face: float  # signed lateral offset of the street-facing facade, m
    side: int  # -1 left of the road, +1 right
    height: float  # m
    depth: float  # m, how far the block extends away from the road
    rgb: RGB
    trim_rgb: RGB  # window frames, cornice
    storey_h: float  # m
    bay_w: float  # m, one window column per bay
    win_w: float  # fraction of the bay
    win_h: float  # fraction of the storey
    shop_rgb: RGB | None  # fascia colour of a ground-floor shop, None: plain ground floor
    lit_key: int  # picks which windows are lit at night
    row: int  # 0: street front, 1: second row seen above and between the first
    roof_h: float = 0.0  # m, rise of a pitched roof whose front slope we see (0: flat roof)
    roof_rgb: RGB = (90, 80, 76)


@dataclass(frozen=True)
class Tree:
    s: float
    d: float
    kind: str  # "leafy" | "bare" | "conifer"
    trunk_h: float  # m
    trunk_w: float  # m
    crown_r: float  # m
    rgb: RGB  # foliage (or twig haze for bare trees)
    trunk_rgb: RGB
    lobes: tuple[tuple[float, float, float, float, float], ...]  # (x, y, rx, ry, shade), m
    branches: tuple[tuple[float, float, float, float, float], ...]  # (x0, y0, x1, y1, width), m


@dataclass(frozen=True)
class StreetLight:
    s: float
    d: float
    height: float  # m
    arm: float  # signed lateral reach of the arm towards the road, m
    rgb: RGB


@dataclass(frozen=True)
class Sign:
    s: float
    d: float
    kind: str  # "round_red" | "round_blue" | "triangle" | "rect_blue" | "rect_white" | "traffic_light"
    pole_h: float  # m, height of the plate's lower edge
    size: float  # m
    phase: float  # s, offsets a traffic light's cycle


@dataclass(frozen=True)
class Barrier:
    """A fence, railing, hedge or low wall running along the road."""

    s0: float
    s1: float
    d: float
    height: float  # m
    cls: int  # FENCE, TREE (hedge) or BUILDING (wall)
    style: str  # "railing" | "panel" | "hedge" | "wall"
    rgb: RGB


@dataclass(frozen=True)
class Car:
    s0: float  # near end (smallest s) at t = 0, m
    v: float  # m/s along s
    d: float  # lateral centre, m
    length: float
    width: float
    height: float
    kind: str  # "sedan" | "hatch" | "suv" | "van" | "bus"
    rgb: RGB
    facing: int  # +1: front towards +s (we see its rear), -1: we see its front


@dataclass(frozen=True)
class Pedestrian:
    s0: float
    v: float  # m/s along s (0: standing)
    d: float
    height: float
    shirt: RGB
    trousers: RGB
    skin: RGB
    hair: RGB
    phase: float  # rad, gait phase at t = 0
    umbrella: RGB | None  # opened in the rain, if the person carries one


@dataclass(frozen=True)
class Cyclist:
    s0: float  # rear wheel contact point at t = 0, m
    v: float  # m/s (sign = direction)
    d: float
    shirt: RGB
    trousers: RGB
    skin: RGB
    helmet: RGB
    bike: RGB
    phase: float  # rad, crank angle at t = 0


@dataclass(frozen=True)
class SkyBlock:
    """A far building or tree clump on the horizon (drawn at ``Z_FAR``)."""

    d0: float
    d1: float
    height: float
    cls: int
    rgb: RGB


@dataclass(frozen=True)
class Cloud:
    u: float  # fraction of width
    v: float  # fraction of the sky height above the horizon (0 horizon, 1 top)
    rx: float  # fraction of width
    ry: float


@dataclass(frozen=True)
class DriveScene:
    """Everything fixed for one drive: the world, the camera rig and the ego motion."""

    drive: int
    location: str
    street: Street
    buildings: tuple[Building, ...]
    trees: tuple[Tree, ...]
    lights: tuple[StreetLight, ...]
    signs: tuple[Sign, ...]
    barriers: tuple[Barrier, ...]
    cars: tuple[Car, ...]
    pedestrians: tuple[Pedestrian, ...]
    cyclists: tuple[Cyclist, ...]
    skyline: tuple[SkyBlock, ...]
    clouds: tuple[Cloud, ...]
    overcast: bool  # a grey sky even in clear weather (common in CamVid)
    sun_side: int  # -1: left facades lit, +1: right facades lit
    focal: float  # focal length as a fraction of the image width
    horizon: float  # horizon row as a fraction of the image height
    cam_h: float  # m
    d_cam: float  # m, lane centre the ego car follows
    sway: float  # m, amplitude of the ego car's weave within the lane
    sway_period: float  # s
    speed: float  # m/s
    heading_deg: float  # compass heading at the drive's start
    lat0: float
    lon0: float
