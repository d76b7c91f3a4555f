"""Strict image decoding: every way a file can be bad becomes an ImageError with a short reason."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import numpy as np
import pytest
from PIL import Image

from connectors.images import ImageError, open_image, read_label, read_rgb, write_label, zip_uri


def _png_bytes(array: np.ndarray, mode: str | None = None) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array, mode=mode).save(buffer, format="PNG")
    return buffer.getvalue()


def _noise(h: int = 18, w: int = 24, seed: int = 0) -> np.ndarray:
    # Noise compresses badly, so cutting the file in half really cuts the pixel data.
    return np.random.default_rng(seed).integers(0, 256, size=(h, w, 3), dtype=np.uint8)


def _reason(uri) -> str:
    with pytest.raises(ImageError) as info:
        read_rgb(str(uri))
    assert info.value.uri == str(uri)
    return info.value.reason


def test_read_rgb_round_trip(tmp_path):
    pixels = _noise()
    path = tmp_path / "a.png"
    path.write_bytes(_png_bytes(pixels))
    got = read_rgb(str(path))
    assert got.shape == (18, 24, 3) and got.dtype == np.uint8
    np.testing.assert_array_equal(got, pixels)


def test_grey_image_is_returned_as_rgb(tmp_path):
    path = tmp_path / "g.png"
    path.write_bytes(_png_bytes(np.full((2, 3), 7, np.uint8)))
    got = read_rgb(str(path))
    assert got.shape == (2, 3, 3) and (got == 7).all()


def test_truncated_png(tmp_path):
    data = _png_bytes(_noise())
    path = tmp_path / "cut.png"
    path.write_bytes(data[: len(data) // 2])
    assert "truncated" in _reason(path)


def test_garbage_bytes_named_png(tmp_path):
    path = tmp_path / "garbage.png"
    path.write_bytes(b"this is not an image at all" * 10)
    assert "not a recognised image format" in _reason(path)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.png"
    path.touch()
    assert _reason(path) == "empty file"


def test_missing_file(tmp_path):
    assert _reason(tmp_path / "nope.png") == "file not found"


def test_unreadable_path(tmp_path):
    (tmp_path / "dir.png").mkdir()
    assert _reason(tmp_path / "dir.png").startswith("cannot read file")


def test_zip_member(tmp_path):
    pixels = _noise(seed=1)
    archive = tmp_path / "set.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("Images/00001/a.png", _png_bytes(pixels))
        zf.writestr("Images/00001/bad.png", b"\x89PNG\r\n\x1a\n broken")
    uri = zip_uri(archive, "Images/00001/a.png")
    assert uri == f"zip://{archive.resolve()}!Images/00001/a.png"
    np.testing.assert_array_equal(read_rgb(uri), pixels)
    assert "no member 'Images/00001/b.png'" in _reason(zip_uri(archive, "Images/00001/b.png"))
    assert "not a recognised image format" in _reason(zip_uri(archive, "Images/00001/bad.png"))
    assert _reason(zip_uri(tmp_path / "gone.zip", "a.png")).startswith("archive not found")


def test_read_label_single_channel(tmp_path):
    mask = np.array([[0, 1, 11], [3, 3, 10]], np.uint8)
    path = tmp_path / "m.png"
    path.write_bytes(_png_bytes(mask))
    got = read_label(str(path))
    assert got.dtype == np.uint8
    np.testing.assert_array_equal(got, mask)


def test_read_label_refuses_colour_maps(tmp_path):
    path = tmp_path / "rgb.png"
    path.write_bytes(_png_bytes(_noise(2, 2)))
    with pytest.raises(ImageError, match="single-channel"):
        read_label(str(path))


def test_read_label_16_bit(tmp_path):
    small = tmp_path / "small16.png"
    Image.fromarray(np.array([[0, 5], [18, 255]], np.uint16)).save(small)
    np.testing.assert_array_equal(read_label(str(small)), [[0, 5], [18, 255]])
    big = tmp_path / "big16.png"
    Image.fromarray(np.array([[0, 300]], np.uint16)).save(big)
    with pytest.raises(ImageError, match="outside 0..255"):
        read_label(str(big))


def test_write_label_round_trip_leaves_no_temporary_file(tmp_path):
    mask = np.arange(12, dtype=np.uint8).reshape(3, 4)
    path = tmp_path / "masks" / "sub" / "m.png"
    write_label(path, mask)
    np.testing.assert_array_equal(read_label(str(path)), mask)
    assert sorted(p.name for p in path.parent.iterdir()) == ["m.png"]


def test_open_image_decodes_fully(tmp_path):
    data = _png_bytes(_noise(40, 40, seed=3))
    path = tmp_path / "cut.png"
    path.write_bytes(data[: len(data) - 200])
    # Opening alone would succeed on the header; the full decode must find the missing data.
    Image.open(path)  # header reads fine
    with pytest.raises(ImageError):
        open_image(str(path))


def test_decompression_bomb_is_an_image_error(tmp_path):
    # A valid PNG header claiming 20000x20000 pixels (400 MP): PIL refuses it; the job must get an ImageError.
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 20000, 20000, 8, 2, 0, 0, 0)
    path = tmp_path / "bomb.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
                     + chunk(b"IEND", b""))
    assert "too large" in _reason(path)


def test_rgb_png_fast_path_gives_the_pixels_pil_gives(tmp_path, monkeypatch):
    import connectors.images as images

    assert images._pyspng is not None, "pyspng is in requirements.lock: the fast path must be installed"
    path = tmp_path / "rgb.png"
    pixels = _noise(37, 53, seed=5)
    path.write_bytes(_png_bytes(pixels))
    assert images._decode_rgb8_png(path.read_bytes()) is not None  # really took the libspng path
    fast = read_rgb(str(path))
    monkeypatch.setattr(images, "_pyspng", None)
    slow = read_rgb(str(path))
    np.testing.assert_array_equal(fast, pixels)
    np.testing.assert_array_equal(slow, pixels)


def test_fast_path_leaves_other_pngs_and_bad_files_to_pil(tmp_path, monkeypatch):
    import connectors.images as images

    rgba = _png_bytes(np.dstack([_noise(), np.full((18, 24), 9, np.uint8)]))
    grey = _png_bytes(np.full((2, 3), 7, np.uint8))
    palette = _png_bytes(np.zeros((4, 4), np.uint8), mode="P")
    for data in (rgba, grey, palette):
        assert images._decode_rgb8_png(data) is None
    data = _png_bytes(_noise())
    cut = data[: len(data) // 2]
    assert images._decode_rgb8_png(cut) is None  # libspng refuses it ...
    path = tmp_path / "cut.png"
    path.write_bytes(cut)
    assert "truncated" in _reason(path)  # ... and PIL gives the reason, as before
    monkeypatch.setattr(images.Image, "MAX_IMAGE_PIXELS", 100)
    assert images._decode_rgb8_png(data) is None  # over PIL's bomb limit: PIL decides


def test_fast_path_on_real_camvid_frames_matches_pil(monkeypatch, camvid_root):
    import connectors.images as images

    files = sorted((camvid_root / "val").glob("*.png"))[:10]
    assert files, f"no val frames under {camvid_root}"
    fast = [read_rgb(str(f)) for f in files]
    monkeypatch.setattr(images, "_pyspng", None)
    for f, pixels in zip(files, fast):
        np.testing.assert_array_equal(pixels, read_rgb(str(f)))
