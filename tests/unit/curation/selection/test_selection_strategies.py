"""Each strategy's own maths, apart from the greedy pass."""

import numpy as np
import pytest

from curation.selection.strategies.diversity import KCenter, squared_distance_to_nearest
from curation.selection.strategies.drive_dedup import DriveDedup
from curation.selection.strategies.near_duplicate import max_cosine, near_duplicates, unit_rows
from curation.selection.strategies.weight import normalized


def test_rank_and_minmax_normalisation():
    x = np.array([3.0, 1.0, np.nan, 2.0, 2.0])
    # non-NaN ranks (average for ties): 1 -> 1, 2,2 -> 2.5, 3 -> 4; (rank - 1) / 3
    assert normalized(x, "rank").tolist() == pytest.approx([1.0, 0.0, 0.0, 0.5, 0.5])
    assert normalized(x, "minmax").tolist() == pytest.approx([1.0, 0.0, 0.0, 0.5, 0.5])
    assert normalized(np.array([7.0, 7.0]), "rank").tolist() == [0.5, 0.5]
    assert normalized(np.array([1.0, 10.0, 100.0]), "minmax").tolist() == pytest.approx([0.0, 9 / 99, 1.0])


def test_drive_dedup_blocks_a_time_window_and_full_drives():
    drive = np.array([0, 0, 0, 0, 1])
    ts = np.array([10.0, 0.0, 1.5, 2.0, 1.0])
    dd = DriveDedup(drive, ts, min_gap_s=2.0, max_per_drive=2)
    assert sorted(dd.gap_neighbours(1).tolist()) == [1, 2]  # t=0 blocks t=1.5, not t=2.0
    assert sorted(dd.record(1).tolist()) == [1, 2]
    assert dd.fills_drive(3)
    assert sorted(dd.record(3).tolist()) == [0, 1, 2, 3]  # second pick fills drive 0
    assert dd.picks_in_drive(0) == 2 and dd.picks_in_drive(4) == 0


def test_cosine_helpers():
    a = unit_rows(np.array([[3.0, 4.0], [0.0, 0.0]]))
    assert a.ravel().tolist() == pytest.approx([0.6, 0.8, 0.0, 0.0])
    ref = unit_rows(np.array([[1.0, 0.0], [0.0, 1.0]]))
    assert max_cosine(a, ref).tolist() == pytest.approx([0.8, 0.0])
    assert near_duplicates(a, ref, 0.75).tolist() == [True, False]
    assert max_cosine(a, np.zeros((0, 2), np.float32)).tolist() == [-np.inf, -np.inf]


def test_squared_distances_match_brute_force():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((50, 8)).astype(np.float32)
    c = rng.standard_normal((7, 8)).astype(np.float32)
    brute = ((x[:, None, :] - c[None, :, :]) ** 2).sum(-1).min(1)
    assert np.allclose(squared_distance_to_nearest(x, c), brute, rtol=1e-4, atol=1e-4)
    assert np.isinf(squared_distance_to_nearest(x, c[:0])).all()


def test_k_center_terms_and_incremental_updates():
    kc = KCenter("euclidean")
    kc.add_members(np.array([[0.0], [1.0], [3.0]], np.float32))
    assert kc.terms().tolist() == [1.0, 1.0, 1.0]  # no centre yet
    assert kc.distance(0) is None
    kc.add_center(0)
    assert kc.terms().tolist() == pytest.approx([0.0, 1 / 3, 1.0])
    kc.add_members(np.array([[2.0]], np.float32))  # a late member gets its distance to existing centres
    assert kc.distance(3) == pytest.approx(2.0)
    kc.add_center(2)
    assert [kc.distance(i) for i in range(4)] == pytest.approx([0.0, 1.0, 0.0, 1.0])
    # retired members (no longer eligible) never set the scale
    kc.retire(np.array([3]))
    assert kc.terms().tolist() == pytest.approx([0.0, 1.0, 0.0, 0.0])


def test_k_center_cosine_reports_one_minus_similarity():
    kc = KCenter("cosine", initial_centers=np.array([[1.0, 0.0]]))
    kc.add_members(np.array([[0.0, 2.0], [1.0, 1.0]], np.float32))
    assert kc.distance(0) == pytest.approx(1.0)
    assert kc.distance(1) == pytest.approx(1 - np.sqrt(0.5), abs=1e-6)
