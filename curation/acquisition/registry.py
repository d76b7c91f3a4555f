"""Acquisition functions by name: what specs, configs and the `scores` table columns refer to."""

from __future__ import annotations

from typing import Callable

from torch import Tensor

from curation.acquisition.uncertainty import (
    entropy,
    expected_entropy,
    least_confidence,
    margin,
    mutual_information,
    variation_ratio,
)

AcquisitionFn = Callable[[Tensor], Tensor]

# Names match the acquisition columns of the lake's `scores` table.
ACQUISITIONS: dict[str, AcquisitionFn] = {
    "entropy": entropy,
    "expected_entropy": expected_entropy,
    "mutual_information": mutual_information,
    "variation_ratio": variation_ratio,
    "margin": margin,
    "least_confidence": least_confidence,
}


def list_acquisitions() -> list[str]:
    """The registered names, in the order of the `scores` table's columns."""
    return list(ACQUISITIONS)


def get_acquisition(name: str) -> AcquisitionFn:
    """The function registered as `name`: `[K, B, C, ...] -> [B, ...]`, higher = label first."""
    try:
        return ACQUISITIONS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown acquisition function {name!r}; allowed: {', '.join(ACQUISITIONS)}"
        ) from None
