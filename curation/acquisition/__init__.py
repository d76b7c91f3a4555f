"""Acquisition functions: member probabilities `[K, B, C, ...]` in, "label this first" scores out.

Higher always means more worth labeling. See `uncertainty` for the shape convention.
"""

from curation.acquisition.batch import ACQUISITION_COLUMNS, class_fractions, confidence, score_batch, score_logits
from curation.acquisition.reductions import (
    REDUCTIONS,
    class_weights,
    reduce_class_weighted,
    reduce_mean,
    reduce_top_q,
)
from curation.acquisition.registry import ACQUISITIONS, get_acquisition, list_acquisitions
from curation.acquisition.uncertainty import (
    entropy,
    expected_entropy,
    least_confidence,
    margin,
    mutual_information,
    variation_ratio,
)

__all__ = [
    "ACQUISITIONS",
    "ACQUISITION_COLUMNS",
    "REDUCTIONS",
    "class_fractions",
    "class_weights",
    "confidence",
    "entropy",
    "expected_entropy",
    "get_acquisition",
    "least_confidence",
    "list_acquisitions",
    "margin",
    "mutual_information",
    "reduce_class_weighted",
    "reduce_mean",
    "reduce_top_q",
    "score_batch",
    "score_logits",
    "variation_ratio",
]
