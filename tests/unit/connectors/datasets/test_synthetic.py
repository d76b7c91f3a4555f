"""Synthetic scene generator: determinism, labels, conditions, drives, files."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from connectors.datasets.synthetic import (
    CLASS_NAMES,
    DEFAULT_TIME_MIX,
    DEFAULT_WEATHER_MIX,
    FRAME_INTERVAL_S,
    IGNORE_INDEX,
    LOCATIONS,
    PALETTE,
    TIMES_OF_DAY,
    WEATHERS,
    colorize,
    frame_meta,
    generate,
    render_scene,
)
from connectors.datasets.synthetic import frame as frame_module
from connectors.datasets.synthetic import writer as writer_module
from connectors.datasets.synthetic.camera import Curvature, View
from connectors.datasets.synthetic.canvas import Canvas, Layers
from connectors.datasets.synthetic.conditions import look_for, sample_conditions
from connectors.datasets.synthetic.effects import apply_conditions
from connectors.datasets.synthetic.scene import sample_drive

DAY = {"weather": "clear", "time_of_day": "day"}


def _render(seed, index, **kw):
    return render_scene(seed, index, **kw)


# Classes ----------------------------------------------------------------------------------

def test_classes_match_camvid_readme():
    assert len(CLASS_NAMES) == 11 and IGNORE_INDEX == 11
    assert CLASS_NAMES[0] == "sky" and CLASS_NAMES[3] == "road" and CLASS_NAMES[10] == "bicyclist"
    assert PALETTE.shape == (12, 3) and PALETTE.dtype == np.uint8
    assert tuple(PALETTE[4]) == (60, 40, 222)  # pavement
    assert tuple(PALETTE[8]) == (64, 0, 128)  # car
    assert tuple(PALETTE[IGNORE_INDEX]) == (0, 0, 0)


def test_colorize_maps_ids_to_palette_and_rejects_out_of_range():
    mask = np.array([[0, 3], [8, 11]], dtype=np.uint8)
    rgb = colorize(mask)
    assert rgb.shape == (2, 2, 3)
    assert tuple(rgb[0, 1]) == (128, 64, 128)
    assert tuple(rgb[1, 0]) == (64, 0, 128)
    with pytest.raises(ValueError, match="0..11"):
        colorize(np.array([[12]]))


# Geometry ---------------------------------------------------------------------------------

def test_projection_of_a_flat_straight_road_by_hand():
    view = View(width=240, height=180, f=100.0, cx=120.0, horizon=90.0, cam_h=1.5, d_cam=0.0,
                s_cam=50.0, turn=Curvature(), rise=Curvature())
    u, v, z = view.project(np.array([0.0, 2.0]), np.array([0.0, 1.5]), 60.0)
    # z = 10 m; u = cx + f * d / z; v = horizon + f * (cam_h - y) / z
    np.testing.assert_allclose(z, [10.0, 10.0])
    np.testing.assert_allclose(u, [120.0, 140.0])
    np.testing.assert_allclose(v, [105.0, 90.0])
    uc, v0, k, zc = view.column(2.0, 60.0)
    assert (uc, v0, k, zc) == pytest.approx((140.0, 105.0, 10.0, 10.0))


@settings(max_examples=40, deadline=None)
@given(
    k0=st.floats(-1e-3, 1e-3),
    amp=st.floats(0, 5e-3),
    wavelength=st.floats(100, 600),
    phase=st.floats(0, 6.3),
    s_cam=st.floats(0, 500),
    z=st.floats(5, 150),
)
def test_curvature_offset_is_the_double_integral_of_curvature(k0, amp, wavelength, phase, s_cam, z):
    c = Curvature(k0=k0, amp=amp, omega=2 * math.pi / wavelength, phase=phase)
    assert c.offset(s_cam, 0.0) == pytest.approx(0.0, abs=1e-12)
    h = 1e-2
    # Zero slope at the camera: the camera looks along the road's tangent.
    assert (c.offset(s_cam, h) - c.offset(s_cam, -h)) / (2 * h) == pytest.approx(0.0, abs=1e-6)
    second = (c.offset(s_cam, z + h) - 2 * c.offset(s_cam, z) + c.offset(s_cam, z - h)) / h**2
    expected = k0 + amp * math.sin(c.omega * (s_cam + z) + phase)
    assert second == pytest.approx(expected, abs=2e-6)


def test_canvas_fills_colour_mask_and_depth_in_lockstep():
    cv = Canvas(np.zeros((20, 30, 3), np.uint8), sky_class=0)
    cv.fill([2, 20, 20, 2], [2, 2, 15, 15], (200, 10, 10), 1, 30.0)
    cv.fill([10, 28, 28, 10], [5, 5, 18, 18], (10, 200, 10), 8, 12.0)
    lay = cv.layers()
    red = np.all(lay.rgb == (200, 10, 10), axis=2)
    green = np.all(lay.rgb == (10, 200, 10), axis=2)
    np.testing.assert_array_equal(red, lay.mask == 1)
    np.testing.assert_array_equal(green, lay.mask == 8)
    assert green[10, 15] and lay.depth[10, 15] == 12.0  # the later (nearer) polygon wins
    assert lay.mask[0, 0] == 0


# Determinism, shapes, labels ---------------------------------------------------------------

def test_same_seed_and_index_give_identical_bytes_whatever_ran_before():
    a = _render(3, 17)
    _render(4, 2)
    _render(3, 16)
    frame_module._scene.cache_clear()
    b = _render(3, 17)
    assert a.image.tobytes() == b.image.tobytes()
    assert a.mask.tobytes() == b.mask.tobytes()
    assert a.meta == b.meta


def test_different_seeds_or_indices_differ():
    a, b, c = _render(0, 5), _render(1, 5), _render(0, 25)
    assert not np.array_equal(a.image, b.image)
    assert not np.array_equal(a.image, c.image)


@pytest.mark.parametrize("size", [(240, 180), (64, 48)])
def test_shapes_and_dtypes(size):
    f = _render(2, 0, width=size[0], height=size[1])
    assert f.image.shape == (size[1], size[0], 3) and f.image.dtype == np.uint8
    assert f.mask.shape == (size[1], size[0]) and f.mask.dtype == np.uint8
    assert f.mask.max() <= IGNORE_INDEX


def test_every_class_appears_over_fifty_frames_with_camvid_like_shares():
    counts = np.zeros(12, dtype=np.int64)
    for i in range(50):
        counts += np.bincount(_render(11, i * 3).mask.ravel(), minlength=12)
    assert counts.sum() == 50 * 240 * 180
    assert (counts[:11] > 0).all(), dict(zip(CLASS_NAMES, counts[:11].tolist()))
    share = counts / counts.sum()
    assert 0.2 < share[3] < 0.45  # road
    assert 0.05 < share[0] < 0.3  # sky
    assert 0.1 < share[1] < 0.4  # building
    assert share[9] < 0.03 and share[10] < 0.03  # people are small
    assert share[IGNORE_INDEX] == 0  # every pixel is labelled


# Conditions -------------------------------------------------------------------------------

def test_conditions_change_pixels_but_not_the_layout():
    seed, index = 5, 12
    day = _render(seed, index, conditions=DAY)
    night = _render(seed, index, conditions={"weather": "clear", "time_of_day": "night"})
    dusk = _render(seed, index, conditions={"weather": "clear", "time_of_day": "dusk"})
    fog = _render(seed, index, conditions={"weather": "fog", "time_of_day": "day"})
    rain = _render(seed, index, conditions={"weather": "rain", "time_of_day": "day"})
    for other in (night, dusk, fog):
        np.testing.assert_array_equal(other.mask, day.mask)
    # In the rain, pedestrians open umbrellas: the only label change a condition makes.
    changed = rain.mask != day.mask
    assert changed.any()
    assert (rain.mask[changed] == 9).all()
    mean = {k: f.image.astype(float).mean() for k, f in dict(day=day, dusk=dusk, night=night).items()}
    assert mean["night"] < 0.5 * mean["day"]
    assert mean["night"] < mean["dusk"] < mean["day"]
    assert _local_contrast(fog) < 0.7 * _local_contrast(day)
    assert _local_contrast(rain) < _local_contrast(day)
    road = day.mask == 3
    assert rain.image[road].astype(float).mean() < 0.9 * day.image[road].astype(float).mean()
    assert np.abs(rain.image.astype(float) - day.image.astype(float)).mean() > 10
    assert (night.meta["time_of_day"], fog.meta["weather"]) == ("night", "fog")


def _local_contrast(frame) -> float:
    """Mean absolute difference between neighbouring pixels, outside the sky."""
    grey = frame.image.astype(float).mean(axis=2)
    ground = frame.mask != 0
    return (np.abs(np.diff(grey, axis=1))[ground[:, 1:]].mean()
            + np.abs(np.diff(grey, axis=0))[ground[1:]].mean())


def test_fog_fades_far_things_more_than_near_ones():
    # Hand-made layers: a black/white checkerboard of building, the left half 3 m away, the
    # right half 150 m away. Fog should leave the near half contrasty and flatten the far one.
    h, w = 40, 80
    checker = ((np.arange(h)[:, None] // 8 + np.arange(w)[None, :] // 8) % 2).astype(np.uint8) * 255
    rgb = np.repeat(checker[..., None], 3, axis=2)
    depth = np.where(np.arange(w)[None, :] < w // 2, 3.0, 150.0).astype(np.float32).repeat(h, axis=0)
    layers = Layers(rgb=rgb, mask=np.ones((h, w), np.uint8), depth=depth, emit=np.zeros((h, w), np.uint8))
    view = View(width=w, height=h, f=60.0, cx=w / 2, horizon=h / 2, cam_h=1.5, d_cam=0.0, s_cam=0.0,
                turn=Curvature(), rise=Curvature())
    out = {}
    for weather in ("clear", "fog"):
        cond = replace(sample_conditions(0, 0, {"weather": weather, "time_of_day": "day"}), fog_visibility_m=20.0)
        img = apply_conditions(layers, cond, look_for(cond, 0.0), view, np.random.default_rng(0))
        grey = img.astype(float).mean(axis=2)[4:-4]
        out[weather] = (grey[:, 4:w // 2 - 4].std(), grey[:, w // 2 + 4:-4].std())
    (clear_near, clear_far), (fog_near, fog_far) = out["clear"], out["fog"]
    assert clear_far == pytest.approx(clear_near, rel=0.1)  # no fog: depth does not matter
    assert fog_far < 0.05 * clear_far  # exp(-150 / 20): nothing left
    assert 0.6 * clear_near < fog_near < 0.95 * clear_near  # exp(-3 / 20) = 0.86 of it left


def test_night_lights_glow_where_lamps_and_cars_are():
    night = _render(5, 12, conditions={"weather": "clear", "time_of_day": "night"})
    # Dark overall, yet with light sources far brighter than the ambient level.
    luminance = night.image.astype(float).mean(axis=2)
    assert np.median(luminance) < 40
    assert np.percentile(luminance, 99.8) > 150


def test_default_mix_is_imbalanced_like_a_fleet():
    conds = [sample_conditions(0, d) for d in range(600)]
    weather = Counter(c.weather for c in conds)
    tod = Counter(c.time_of_day for c in conds)
    assert weather["clear"] > weather["rain"] > weather["fog"] > 0
    assert tod["day"] > tod["dusk"] > tod["night"] > 0
    for name, p in DEFAULT_WEATHER_MIX.items():  # within ~4 binomial standard deviations
        assert abs(weather[name] / 600 - p) < 4 * math.sqrt(p * (1 - p) / 600)
    for name, p in DEFAULT_TIME_MIX.items():
        assert abs(tod[name] / 600 - p) < 4 * math.sqrt(p * (1 - p) / 600)


def test_forcing_the_weather_keeps_the_other_draws():
    free = sample_conditions(9, 4)
    forced = sample_conditions(9, 4, {"weather": "fog"})
    assert forced.weather == "fog"
    assert (forced.time_of_day, forced.location, forced.start) == (free.time_of_day, free.location, free.start)
    mixed = [sample_conditions(9, d, {"weather": {"rain": 1, "fog": 1}}).weather for d in range(40)]
    assert set(mixed) == {"rain", "fog"}


@pytest.mark.parametrize(
    "conditions, message",
    [
        ({"season": "winter"}, "unknown conditions keys"),
        ({"weather": "snow"}, "not allowed"),
        ({"time_of_day": {"day": -1}}, "not a valid mix"),
        ({"location": 3}, "must be a name or a mapping"),
    ],
)
def test_bad_conditions_are_rejected_with_the_allowed_values(conditions, message):
    with pytest.raises(ValueError, match=message):
        render_scene(0, 0, conditions=conditions)


@pytest.mark.parametrize("kwargs", [dict(seed=-1, index=0), dict(seed=0, index=-2), dict(seed=0, index=0, width=3)])
def test_bad_arguments_are_rejected(kwargs):
    with pytest.raises(ValueError):
        render_scene(**kwargs)


# Drives -----------------------------------------------------------------------------------

def test_frames_of_a_drive_share_place_and_conditions_and_move_forward():
    frames = [_render(7, i, frames_per_drive=4) for i in range(8)]
    m = [f.meta for f in frames]
    assert [x["drive"] for x in m] == [0, 0, 0, 0, 1, 1, 1, 1]
    assert [x["frame_in_drive"] for x in m] == [0, 1, 2, 3] * 2
    assert [x["ts_offset_s"] for x in m[:4]] == [i * FRAME_INTERVAL_S for i in range(4)]
    for drive in (m[:4], m[4:]):
        assert len({(x["drive_id"], x["weather"], x["time_of_day"], x["location"], x["drive_start_utc"])
                    for x in drive}) == 1
        # The ego car moves: position changes along the drive by speed * interval.
        step = math.hypot((drive[1]["lat"] - drive[0]["lat"]) * 111_320,
                          (drive[1]["lon"] - drive[0]["lon"]) * 111_320 * math.cos(math.radians(drive[0]["lat"])))
        assert step == pytest.approx(drive[0]["speed_mps"] * FRAME_INTERVAL_S, rel=1e-2)
    assert m[0]["drive_id"] != m[4]["drive_id"]
    for x in m:
        assert x["weather"] in WEATHERS and x["time_of_day"] in TIMES_OF_DAY and x["location"] in LOCATIONS
        assert x["domain"] == "synthetic"


def test_consecutive_frames_are_more_alike_than_frames_of_other_drives():
    fpd = 5
    within, across = [], []
    for drive in range(4):
        a = _render(8, drive * fpd + 2, frames_per_drive=fpd, conditions=DAY)
        b = _render(8, drive * fpd + 3, frames_per_drive=fpd, conditions=DAY)
        c = _render(8, ((drive + 1) % 4) * fpd + 3, frames_per_drive=fpd, conditions=DAY)
        within.append(np.abs(a.image.astype(float) - b.image.astype(float)).mean())
        across.append(np.abs(a.image.astype(float) - c.image.astype(float)).mean())
    assert np.mean(within) < 0.8 * np.mean(across), (within, across)


# Files ------------------------------------------------------------------------------------

def test_generate_writes_pngs_and_is_idempotent(tmp_path):
    records = generate(tmp_path, frames=3, seed=4, width=96, height=72, frames_per_drive=2)
    assert [r["index"] for r in records] == [0, 1, 2]
    assert records[0]["image_path"] == f"images/{records[0]['drive_id']}/{records[0]['name']}.png"
    assert len({r["drive_id"] for r in records}) == 2
    for r in records:
        frame = render_scene(4, r["index"], 96, 72, frames_per_drive=2)
        image = np.asarray(Image.open(tmp_path / r["image_path"]))
        label = Image.open(tmp_path / r["label_path"])
        assert label.mode == "L"
        np.testing.assert_array_equal(image, frame.image)
        np.testing.assert_array_equal(np.asarray(label), frame.mask)
        assert {k: r[k] for k in frame.meta} == frame.meta
    files = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    assert len(files) == 7  # 3 images, 3 labels, generator.json
    stamps = {p: p.stat().st_mtime_ns for p in files}

    for verify in (False, True):
        again = generate(tmp_path, frames=3, seed=4, width=96, height=72, frames_per_drive=2, verify=verify)
        assert again == records
        assert {p: p.stat().st_mtime_ns for p in files} == stamps  # nothing rewritten
        assert sorted(p for p in tmp_path.rglob("*") if p.is_file()) == files  # no temporary files left

    damaged = tmp_path / records[1]["label_path"]
    damaged.write_bytes(b"not a png")
    generate(tmp_path, frames=3, seed=4, width=96, height=72, frames_per_drive=2, verify=True)
    np.testing.assert_array_equal(np.asarray(Image.open(damaged)),
                                  render_scene(4, 1, 96, 72, frames_per_drive=2).mask)


def test_generate_reuses_files_made_with_the_same_parameters(tmp_path, monkeypatch):
    generate(tmp_path, frames=2, seed=1, width=64, height=48, frames_per_drive=2)
    rendered = []
    real = writer_module.render_scene
    monkeypatch.setattr(writer_module, "render_scene", lambda *a, **k: rendered.append(a[1]) or real(*a, **k))
    generate(tmp_path, frames=3, seed=1, width=64, height=48, frames_per_drive=2)
    assert rendered == [2]  # only the new frame
    (tmp_path / "images" / "synth-s1-d00000" / "synth-s1-d00000_f0000.png").unlink()
    generate(tmp_path, frames=3, seed=1, width=64, height=48, frames_per_drive=2)
    assert rendered == [2, 0]  # and a missing one
    # Other parameters (here: forced fog) make every frame render again, rewriting what differs.
    records = generate(tmp_path, frames=3, seed=1, width=64, height=48, frames_per_drive=2,
                       conditions={"weather": "fog"})
    assert rendered == [2, 0, 0, 1, 2]
    assert {r["weather"] for r in records} == {"fog"}
    on_disk = np.asarray(Image.open(tmp_path / records[0]["image_path"]))
    np.testing.assert_array_equal(on_disk, render_scene(1, 0, 64, 48, {"weather": "fog"}, frames_per_drive=2).image)


def test_frame_meta_matches_the_rendered_meta():
    assert frame_meta(6, 13, conditions={"time_of_day": "night"}) == \
        render_scene(6, 13, conditions={"time_of_day": "night"}).meta


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), drive=st.integers(0, 1_000), location=st.sampled_from(LOCATIONS))
def test_cars_in_one_lane_never_overlap_during_a_drive(seed, drive, location):
    fpd = 10
    scene = sample_drive(seed, drive, location, fpd)
    lanes: dict[float, list] = {}
    for c in scene.cars:
        lanes.setdefault(round(c.d), []).append(c)
    for t in (0.0, (fpd - 1) * FRAME_INTERVAL_S):
        ego = scene.speed * t
        for cars in lanes.values():
            spans = sorted((c.s0 + c.v * t, c.s0 + c.v * t + c.length) for c in cars)
            for (_, end), (start, _) in zip(spans, spans[1:]):
                assert start >= end - 1e-6
        # Nothing drives through the ego car: cars in its lane stay ahead of it.
        for c in scene.cars:
            if abs(c.d - scene.d_cam) < 0.5 and c.v > 0:
                assert c.s0 + c.v * t - ego >= 8.0 - 1e-6
