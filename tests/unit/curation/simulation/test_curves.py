"""Learning curves and "fraction of labels to reach 95% of the full pool", on hand-made numbers."""

from __future__ import annotations

import math

import pytest

from curation.simulation.curves import fraction_to_reach, labels_to_reach, learning_curves, mean_std


def test_labels_to_reach_first_measured_budget():
    labels, metric = [10, 20, 35, 60, 100], [0.30, 0.45, 0.55, 0.58, 0.60]
    # 95% of 0.60 = 0.57: first reached at 60 labels
    assert labels_to_reach(labels, metric, 0.57) == 60
    assert labels_to_reach(labels, metric, 0.30) == 10
    assert labels_to_reach(labels, metric, 0.61) is None


def test_labels_to_reach_interpolated_between_budgets():
    labels, metric = [10, 20, 35, 60, 100], [0.30, 0.45, 0.55, 0.58, 0.60]
    # between (35, 0.55) and (60, 0.58): 35 + (0.57 - 0.55) / 0.03 * 25 = 51.67
    assert labels_to_reach(labels, metric, 0.57, interpolate=True) == pytest.approx(35 + 0.02 / 0.03 * 25)
    # reached at the first budget: nothing to interpolate against
    assert labels_to_reach(labels, metric, 0.2, interpolate=True) == 10


def test_fraction_to_reach_uses_the_full_pool_value():
    labels, metric = [10, 20, 35, 60, 100], [0.30, 0.45, 0.55, 0.58, 0.60]
    assert fraction_to_reach(labels, metric, pool_size=100) == pytest.approx(0.60)
    assert fraction_to_reach(labels, metric, pool_size=100, level=0.5) == pytest.approx(0.10)
    # a strategy that overshoots its own full-pool value early reaches 95% early
    assert fraction_to_reach([25, 50, 100], [0.58, 0.62, 0.60], pool_size=100) == pytest.approx(0.25)
    # an explicit reference (e.g. another strategy's full-pool run)
    assert fraction_to_reach(labels, metric, pool_size=100, full_metric=0.50) == pytest.approx(0.35)


def test_fraction_to_reach_without_a_full_pool_run_is_none():
    assert fraction_to_reach([10, 20], [0.3, 0.4], pool_size=100) is None
    assert fraction_to_reach([10, 100], [0.3, math.nan], pool_size=100) is None


def test_labels_to_reach_checks_its_input():
    with pytest.raises(ValueError, match="one value per budget"):
        labels_to_reach([1, 2], [0.1], 0.1)
    with pytest.raises(ValueError, match="must increase"):
        labels_to_reach([2, 1], [0.1, 0.2], 0.1)
    # NaN (a failed round) never counts as reaching the target
    assert labels_to_reach([1, 2, 3], [math.nan, 0.2, 0.5], 0.1) == 2


def test_mean_std_is_the_sample_std():
    assert mean_std([1.0, 3.0]) == (2.0, pytest.approx(math.sqrt(2.0)))
    assert mean_std([0.5]) == (0.5, 0.0)
    assert all(math.isnan(v) for v in mean_std([]))
    assert mean_std([1.0, None, math.nan, 3.0])[0] == 2.0


def test_learning_curves_group_seeds_by_budget():
    rows = [
        {"strategy": "dpe", "seed": 0, "labels_used": 10, "metric": 0.4, "wall_s": 10.0},
        {"strategy": "dpe", "seed": 1, "labels_used": 10, "metric": 0.6, "wall_s": 30.0},
        {"strategy": "dpe", "seed": 0, "labels_used": 20, "metric": 0.7, "wall_s": 5.0},
        {"strategy": "random", "seed": 0, "labels_used": 10, "metric": 0.5, "wall_s": None},
    ]
    curves = learning_curves(rows)
    assert [p.labels_used for p in curves["dpe"]] == [10, 20]
    first = curves["dpe"][0]
    assert first.mean == pytest.approx(0.5) and first.std == pytest.approx(math.sqrt(0.02)) and first.n_seeds == 2
    assert first.wall_s == pytest.approx(20.0)
    assert curves["dpe"][1].std == 0.0 and curves["dpe"][1].n_seeds == 1
    assert math.isnan(curves["random"][0].wall_s)
