"""The label schedule and the round-0 seed set: hand-computed counts, errors, and determinism."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from curation.simulation.budgets import BudgetError, initial_labeled, schedule, to_count


def test_to_count_ints_are_frames_and_floats_are_shares():
    assert to_count(37, 367) == 37
    assert to_count(0.1, 367) == 37  # 36.7 rounds to 37
    assert to_count(1.0, 367) == 367
    assert to_count(0.001, 367) == 1  # never a round of zero frames


@pytest.mark.parametrize("bad", [0.0, 1.5, True, "10"])
def test_to_count_rejects_what_is_neither(bad):
    with pytest.raises(BudgetError):
        to_count(bad, 100)


def test_schedule_is_cumulative_seed_first():
    # CamVid: 10/20/35/60/100% of 367
    assert schedule(0.1, [0.2, 0.35, 0.6, 1.0], 367) == [37, 73, 128, 220, 367]
    assert schedule(5, [10, 1.0], 20) == [5, 10, 20]


def test_schedule_drops_a_first_budget_equal_to_the_seed_set():
    assert schedule(0.1, [0.1, 0.5], 100) == [10, 50]


def test_schedule_rejects_decreasing_or_oversized_budgets():
    with pytest.raises(BudgetError, match=r"budgets\[1\].*not more than"):
        schedule(5, [10, 8], 20)
    with pytest.raises(BudgetError, match="more than the pool's 20"):
        schedule(5, [30], 20)
    with pytest.raises(BudgetError, match="pool is empty"):
        schedule(5, [10], 0)


def test_initial_labeled_depends_on_the_set_and_seed_only():
    ids = [f"f{i:02d}" for i in range(30)]
    a = initial_labeled(ids, 5, seed=0)
    assert a == initial_labeled(list(reversed(ids)), 5, seed=0)  # order of the pool does not matter
    assert a != initial_labeled(ids, 5, seed=1)
    assert a == sorted(a) and len(set(a)) == 5 and set(a) <= set(ids)
    with pytest.raises(BudgetError):
        initial_labeled(ids, 31, seed=0)


@settings(max_examples=50, deadline=None)
@given(n=st.integers(1, 60), k=st.integers(0, 60), seed=st.integers(0, 2**31 - 1))
def test_initial_labeled_is_a_subset_of_the_requested_size(n, k, seed):
    ids = [f"x{i}" for i in range(n)]
    if k > n:
        with pytest.raises(BudgetError):
            initial_labeled(ids, k, seed)
        return
    picks = initial_labeled(ids, k, seed)
    assert len(picks) == k == len(set(picks)) and set(picks) <= set(ids)


@settings(max_examples=50, deadline=None)
@given(pool=st.integers(2, 5000), shares=st.lists(st.floats(0.01, 1.0), min_size=1, max_size=6))
def test_schedule_is_strictly_increasing_and_within_the_pool(pool, shares):
    shares = sorted(set(shares))
    try:
        rounds = schedule(shares[0], shares[1:], pool)
    except BudgetError:
        return  # two shares rounding to the same count is an error, said in words
    assert all(b > a for a, b in zip(rounds, rounds[1:]))
    assert 1 <= rounds[0] and rounds[-1] <= pool
