"""Fixtures shared by every test: a fresh lake in a temporary folder, and the real data beside the checkout."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
# ARCHITECTURE.md: real data lives in ../shared/data beside the project checkout, never inside it.
SHARED_DATA = (REPO_ROOT / ".." / "shared" / "data").resolve()


@pytest.fixture
def lake(tmp_path):
    """An empty Lake rooted in this test's temporary folder."""
    from connectors.lake import Lake

    return Lake(tmp_path / "lake")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data, or skip where this machine has no copy of it."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"../shared/data not found at {SHARED_DATA}: real-data tests need the shared data beside the checkout")
    return SHARED_DATA


@pytest.fixture(scope="session")
def camvid_root() -> Path:
    """The real CamVid copy (SegNet layout, 240x180): train 367, val 101."""
    root = SHARED_DATA / "camvid"
    if not (root / "train").is_dir():
        pytest.skip("../shared/data/camvid not found: real-data tests need the shared CamVid copy beside the checkout")
    return root


@pytest.fixture(scope="session")
def gtsrb_zip() -> Path:
    """The real GTSRB_Final_Training_Images.zip (39,209 images resized to 32x32)."""
    path = SHARED_DATA / "gtsrb" / "GTSRB_Final_Training_Images.zip"
    if not path.is_file():
        pytest.skip("../shared/data/gtsrb/GTSRB_Final_Training_Images.zip not found: real-data tests need the shared "
                    "GTSRB copy beside the checkout")
    return path
