"""The label schedule of a simulation: how many frames are labeled after each round.

Round 0 labels `seed_labels` frames at random; round r >= 1 brings the labeled set up to the r-th budget.
Budgets are cumulative. An int is a number of frames, a float a share of the pool (rounded to the nearest
frame, at least 1). Pure arithmetic: no lake, no files.
"""

from __future__ import annotations

from typing import Sequence, Union

import numpy as np

Budget = Union[int, float]


class BudgetError(ValueError):
    """A schedule that cannot run on this pool: says which budget and why."""


def to_count(budget: Budget, pool_size: int) -> int:
    """Frames for one budget: ints as given, floats as round(share x pool_size) (at least 1)."""
    if isinstance(budget, bool) or not isinstance(budget, (int, float)):
        raise BudgetError(f"budget {budget!r}: give a number of frames (int) or a share of the pool (float)")
    if isinstance(budget, float):
        if not 0.0 < budget <= 1.0:
            raise BudgetError(f"budget {budget}: a share of the pool must be in (0, 1]")
        return max(1, int(round(budget * pool_size)))
    return int(budget)


def schedule(seed_labels: Budget, budgets: Sequence[Budget], pool_size: int) -> list[int]:
    """Cumulative labeled-set sizes, one per round: [seed, b1, b2, ...], strictly increasing, <= pool_size.

    A budget equal to the seed set (e.g. budgets that start at the seed share) is dropped; any other
    non-increasing step, or a count beyond the pool, is an error that names it.
    """
    if pool_size < 1:
        raise BudgetError(f"the pool is empty (pool_size = {pool_size}): check the config's `pool` predicate")
    counts = [to_count(seed_labels, pool_size)] + [to_count(b, pool_size) for b in budgets]
    names = ["seed_labels"] + [f"budgets[{i}]" for i in range(len(budgets))]
    for name, count, given in zip(names, counts, [seed_labels, *budgets]):
        if count > pool_size:
            raise BudgetError(f"{name} = {given!r} is {count} frames, more than the pool's {pool_size}")
    out = [counts[0]]
    for i in range(1, len(counts)):
        if counts[i] == out[-1] and i == 1:
            continue
        if counts[i] <= out[-1]:
            raise BudgetError(
                f"{names[i]} = {budgets[i - 1]!r} is {counts[i]} frames, not more than the previous round's {out[-1]} "
                f"(pool of {pool_size}); budgets are cumulative and must increase"
            )
        out.append(counts[i])
    return out


def initial_labeled(pool_ids: Sequence[str], count: int, seed: int) -> list[str]:
    """The round-0 labeled set: `count` frame ids drawn uniformly without replacement, seeded.

    Depends only on the set of ids (they are sorted first), `count` and `seed`, so every strategy of a
    simulation starts from the same frames for the same seed.
    """
    ids = sorted(set(pool_ids))
    if count > len(ids):
        raise BudgetError(f"seed set of {count} frames requested from a pool of {len(ids)}")
    picks = np.random.default_rng(seed).choice(len(ids), size=count, replace=False)
    return sorted(ids[i] for i in picks)
