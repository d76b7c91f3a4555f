"""Brush RLE <-> binary masks: exact round trips, the header, and refusal of wrong sizes / corrupt data."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from connectors.labelstudio.errors import AnnotationRejected
from connectors.labelstudio.rle import decode_mask, encode_mask, rle_value_count


def test_header_holds_the_rgba_value_count():
    # 20 x 30 pixels x 4 channels = 2400 = 0x00000960: the first four bytes are 0, 0, 9, 96.
    rle = encode_mask(np.zeros((20, 30), bool))
    assert rle[:4] == [0, 0, 9, 96]
    assert rle_value_count(rle) == 2400


def test_single_pixel_round_trip():
    mask = np.zeros((3, 4), bool)
    mask[1, 2] = True
    out = decode_mask(encode_mask(mask), 3, 4)
    assert out.dtype == bool
    assert np.array_equal(out, mask)
    assert out.sum() == 1


@settings(max_examples=40, deadline=None)
@given(arrays(np.bool_, st.tuples(st.integers(1, 24), st.integers(1, 24))))
def test_round_trip_is_exact(mask):
    assert np.array_equal(decode_mask(encode_mask(mask), *mask.shape), mask)


def test_long_runs_over_65536_values_round_trip():
    # 180 x 240 x 4 = 172800 values: a full mask needs runs longer than the 16-bit run length.
    mask = np.ones((180, 240), bool)
    mask[90, 120] = False
    assert np.array_equal(decode_mask(encode_mask(mask), 180, 240), mask)


def test_wrong_size_is_rejected_before_decoding():
    rle = encode_mask(np.ones((10, 10), bool))
    with pytest.raises(AnnotationRejected, match="wrong size"):
        decode_mask(rle, 10, 11)


def test_transposed_size_is_rejected():
    rle = encode_mask(np.ones((10, 12), bool))
    with pytest.raises(AnnotationRejected, match="wrong size"):
        decode_mask(rle, 12, 11)


@pytest.mark.parametrize("rle", [[], [0, 0], "abc", [0, 0, 1, 300]])
def test_malformed_rle_is_rejected(rle):
    with pytest.raises(AnnotationRejected):
        decode_mask(rle, 4, 4)


def test_truncated_rle_is_rejected():
    rle = encode_mask(np.eye(8, dtype=bool))
    with pytest.raises(AnnotationRejected, match="corrupt|decoded"):
        decode_mask(rle[:6], 8, 8)


def test_encode_refuses_3d_input():
    with pytest.raises(ValueError, match="2-D"):
        encode_mask(np.zeros((2, 2, 3), bool))
